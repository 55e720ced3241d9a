/**
 * Build, train and score one variant's encoder on one dataset.
 */
import { stacked2dCore } from '@sal/cores';
import { attentionReadout, gaussianReadout, saliencyShifterReadout, type AttentionReadoutOptions, type SaliencyShifterReadoutOptions } from '@sal/readouts';
import { createEncoder, scoreSession, trainEncoder, trainedEpochs, type Encoder, type EpochRecord, type TextSink } from '@sal/train';
import { mean, type Readout, type Shape3D } from '@sal/types';
import type { SalDataset } from '@sal/saliency-loader';
import type { StudyConfig, VariantName } from './config.js';
import type { Population } from './data.js';
import type { VariantSpec } from './variants.js';
import { modelFractionOfOracle } from './oracle-scores.js';

/** Per-neuron scores of one trained model, concatenated over sessions in session order. */
export interface ModelScores {
  validation: number[];
  test: number[];
  testAveraged: number[];
  feve: number[] | null;
  oracle: number[] | null;
  /** `[sessionKey, neuronIndex]` of each entry. */
  neurons: [string, number][];
}

export interface TrainedModel {
  variant: VariantSpec;
  seed: number;
  encoder: Encoder;
  history: EpochRecord[];
  bestEpoch: number;
  stopReason: string;
  seconds: number;
  scores: ModelScores;
}

/** Options of {@link buildEncoder} and {@link trainVariant} beyond the study config (for experiments). */
export interface BuildEncoderOptions {
  /**
   * Extra options of the attention readout (attention variants) or the saliency-shifter readout (shifter variants),
   * merged over the config's, e.g. `{ positionPrior: 'none' }` or `{ remapInitGain: 1 }`; unused by the Gaussian
   * readout. @default {}
   */
  readoutOptions?: Partial<AttentionReadoutOptions> | Partial<SaliencyShifterReadoutOptions>;
}

/** A new encoder for `variant` on `dataset` (untrained). */
export function buildEncoder(variant: VariantSpec, dataset: SalDataset, config: StudyConfig, seed: number, opts: BuildEncoderOptions = {}): Encoder {
  const extra = opts.readoutOptions ?? {};
  const [h, w] = dataset.inputShape;
  const core = stacked2dCore({
    inChannels: variant.coreChannels.length,
    hiddenChannels: config.core.hiddenChannels,
    inputKern: config.core.inputKern,
    hiddenKern: config.core.hiddenKern,
    layers: config.core.layers,
    gammaInput: config.core.gammaInput,
    nSeBlocks: 0,
    seed,
  });
  const inShape: Shape3D = core.computeOutputShape([h, w, variant.coreChannels.length]);
  const readouts: Record<string, Readout> = {};
  dataset.sessions.forEach((s, i) => {
    const common = {
      inShape,
      outDims: s.nNeurons,
      gammaReadout: config.readout.gammaReadout,
      initSigma: config.readout.initSigma,
      gaussType: 'isotropic' as const,
      seed: seed * 1000 + i,
    };
    readouts[s.key] =
      variant.readout === 'gaussian'
        ? gaussianReadout(common)
        : variant.readout === 'attention'
          ? attentionReadout({
              inShape,
              outDims: s.nNeurons,
              gammaReadout: config.readout.gammaReadout,
              seed: seed * 1000 + i,
              ...(extra as Partial<AttentionReadoutOptions>),
            })
          : saliencyShifterReadout({
              ...common,
              remapChannels: 3,
              remapHiddenChannels: config.readout.remapHiddenChannels,
              maxRemapAmplitude: config.readout.maxRemapAmplitude,
              neuronShiftGain: config.readout.neuronShiftGain,
              ...(extra as Partial<SaliencyShifterReadoutOptions>),
            });
  });
  return createEncoder({ core, readouts, routing: { core: variant.coreChannels, context: variant.context, imageChannel: 0 } });
}

/** Train `variant` on `dataset` and score it on validation and test. The caller disposes `encoder`. */
export async function trainVariant(
  variant: VariantSpec,
  dataset: SalDataset,
  config: StudyConfig,
  seed: number,
  log: TextSink | null,
  opts: BuildEncoderOptions = {},
): Promise<TrainedModel> {
  const encoder = buildEncoder(variant, dataset, config, seed, opts);
  encoder.initBiases(dataset);
  const t0 = Date.now();
  const result = await trainEncoder(encoder, dataset, {
    ...config.train,
    seed,
    quiet: log === null,
    stream: log,
  });
  const seconds = (Date.now() - t0) / 1000;
  const scores: ModelScores = { validation: [], test: [], testAveraged: [], feve: [], oracle: [], neurons: [] };
  for (const s of dataset.sessions) {
    const sc = scoreSession(encoder, dataset, s.key);
    scores.validation.push(...sc.validation);
    scores.test.push(...sc.test);
    scores.testAveraged.push(...sc.testAveraged);
    if (sc.feve && scores.feve) scores.feve.push(...sc.feve);
    else scores.feve = null;
    if (sc.oracle && scores.oracle) scores.oracle.push(...sc.oracle);
    else scores.oracle = null;
    for (let n = 0; n < s.nNeurons; n++) scores.neurons.push([s.key, n]);
  }
  return { variant, seed, encoder, history: result.history, bestEpoch: result.bestEpoch, stopReason: result.stopReason, seconds, scores };
}

/** One trained model's summary (JSON). */
export interface ModelSummary {
  population: Population;
  crop: string;
  variant: VariantName;
  seed: number;
  validation: number;
  test: number;
  testAveraged: number;
  feve: number | null;
  /**
   * Fraction of oracle: single-trial test correlation regressed through the origin on the jackknife oracle
   * correlation, over neurons (null without test repeats; absent in results of older runs).
   */
  fractionOfOracle?: number | null;
  epochs: number;
  bestEpoch: number;
  stopReason: string;
  seconds: number;
  history: { epoch: number; validation: number | null; loss: number | null }[];
  perNeuronTest: number[];
  perNeuronTestAveraged: number[];
}

export function summarise(m: TrainedModel, population: Population, crop: string): ModelSummary {
  return {
    population,
    crop,
    variant: m.variant.name,
    seed: m.seed,
    validation: mean(m.scores.validation),
    test: mean(m.scores.test),
    testAveraged: mean(m.scores.testAveraged),
    feve: m.scores.feve ? mean(m.scores.feve) : null,
    fractionOfOracle: modelFractionOfOracle(m.scores),
    epochs: trainedEpochs(m.history),
    bestEpoch: m.bestEpoch,
    stopReason: m.stopReason,
    seconds: m.seconds,
    history: m.history.map((r) => ({ epoch: r.epoch, validation: r.validation, loss: r.loss })),
    perNeuronTest: m.scores.test.map((v) => Math.round(v * 1e5) / 1e5),
    perNeuronTestAveraged: m.scores.testAveraged.map((v) => Math.round(v * 1e5) / 1e5),
  };
}
