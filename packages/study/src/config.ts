/**
 * The study's configuration: what is simulated, which models are compared, how they train and what is
 * analysed. `DEMO_STUDY` is what `sal demo` runs (a few minutes on 2 cores); `QUICK_STUDY` is a
 * minimal end-to-end run for tests. Every field can be overridden from a JSON config file.
 */
import { SalConfigError, assertSafeKeys, checkNumber, checkOneOf, type JsonObject } from '@sal/types';
import { STUDY_SALIENCY_SOURCES, type StudySaliency } from './saliency-source.js';

/** The input variants the study compares (digest §1.2, §3.3). */
export type VariantName = 'images' | 'images+saliency' | 'images+gradients' | 'all' | 'shifter-saliency' | 'shifter-ones' | 'shifter-image' | 'attention';

export const VARIANTS: readonly VariantName[] = Object.freeze([
  'images',
  'images+saliency',
  'images+gradients',
  'all',
  'shifter-saliency',
  'shifter-ones',
  'shifter-image',
  'attention',
]);

/** A crop `[[top, bottom], [left, right]]` as fractions of the image height/width. */
export type CropFractions = [[number, number], [number, number]];

export interface StudyConfig {
  /** Seed of the simulation; model seeds are `seed + 1 … seed + seeds`. */
  seed: number;
  /** Image size and population of the simulation. */
  simulation: {
    height: number;
    width: number;
    nTrainImages: number;
    nTestImages: number;
    testRepeats: number;
    nSessions: number;
    neuronsPerSession: number;
    shiftFraction: number;
    maxShift: number;
  };
  /** Crops compared, as fractions of the full image; the first is the main one used for the analyses. */
  crops: Record<string, CropFractions>;
  /** Rescale factor after the crop. */
  scale: number;
  /** σ of the Gaussian before the Sobel gradients, in post-crop pixels. */
  gradientSigma: number;
  /**
   * Saliency maps: `'true'` the simulation's own saliency (an oracle saliency model, like a perfect DeepGaze),
   * `'builtin'` the classical centre–surround model of `@sal/saliency-loader`, or `'image-signature'` the image
   * signature of `@sal/saliency-metrics` (the best weight-free model on the simulation). The report gives each model's agreement.
   */
  saliency: StudySaliency;
  /** Variants trained on the population with shifts, and on the one without. */
  variants: { shift: VariantName[]; noShift: VariantName[] };
  /** Model seeds per variant (error bars over seeds). */
  seeds: number;
  /**
   * Model seeds of the image-only and saliency-shifter models on the main crop, the models behind the first two
   * verdicts (at least `seeds` are trained): their comparisons average each neuron's correlation over the seeds and
   * need every seed to agree. Results of older runs without it read as `seeds`.
   */
  comparisonSeeds: number;
  core: { hiddenChannels: number; inputKern: number; hiddenKern: number; layers: number; gammaInput: number };
  readout: { gammaReadout: number; initSigma: number; maxRemapAmplitude: number; remapHiddenChannels: number; neuronShiftGain: boolean };
  train: { maxEpochs: number; patience: number; lrDecaySteps: number; batchSize: number; lr: number; accumulateSessions: boolean };
  analysis: {
    /** Images per neuron for gradient receptive fields (validation images; capped at the validation split's size). */
    grfImages: number;
    /** Neurons (best by test correlation) shown in the figures and used for PCA. */
    topNeurons: number;
    /** gRF counts of the eigenspace projections (the study used 500 / 1000 / 2000). */
    projectionCounts: number[];
    /** Permutations of the RF-shift test. */
    permutations: number;
  };
}

export const DEMO_STUDY: Readonly<StudyConfig> = Object.freeze<StudyConfig>({
  seed: 1,
  simulation: {
    height: 96,
    width: 160,
    nTrainImages: 800,
    nTestImages: 60,
    testRepeats: 10,
    nSessions: 2,
    neuronsPerSession: 16,
    shiftFraction: 0.5,
    maxShift: 0.1,
  },
  crops: {
    'crop 64×64': [
      [0.25, 0.08333],
      [0.3, 0.3],
    ],
    'crop 48×48': [
      [0.4167, 0.0833],
      [0.35, 0.35],
    ],
  },
  scale: 0.5,
  gradientSigma: 5,
  saliency: 'true',
  variants: {
    shift: ['images', 'images+saliency', 'all', 'shifter-saliency', 'shifter-ones', 'shifter-image', 'attention'],
    noShift: ['images', 'shifter-saliency'],
  },
  seeds: 1,
  comparisonSeeds: 5,
  core: { hiddenChannels: 16, inputKern: 9, hiddenKern: 3, layers: 3, gammaInput: 1 },
  readout: { gammaReadout: 0.05, initSigma: 0.3, maxRemapAmplitude: 0.5, remapHiddenChannels: 8, neuronShiftGain: true },
  // early stopping ends training (every model of the demo stops after 27–43 epochs), not the epoch cap
  train: { maxEpochs: 200, patience: 5, lrDecaySteps: 3, batchSize: 16, lr: 0.005, accumulateSessions: false },
  analysis: { grfImages: 160, topNeurons: 6, projectionCounts: [40, 80, 160], permutations: 999 },
});

export const QUICK_STUDY: Readonly<StudyConfig> = Object.freeze<StudyConfig>({
  ...DEMO_STUDY,
  simulation: { ...DEMO_STUDY.simulation, height: 64, width: 96, nTrainImages: 120, nTestImages: 6, testRepeats: 4, nSessions: 2, neuronsPerSession: 6 },
  crops: {
    'crop 48×48': [
      [0.125, 0.125],
      [0.25, 0.25],
    ],
  },
  variants: { shift: ['images', 'shifter-saliency', 'attention'], noShift: ['images', 'shifter-saliency'] },
  comparisonSeeds: 2,
  core: { ...DEMO_STUDY.core, hiddenChannels: 8, inputKern: 5 },
  train: { maxEpochs: 2, patience: 1, lrDecaySteps: 1, batchSize: 32, lr: 0.005, accumulateSessions: false },
  analysis: { grfImages: 24, topNeurons: 3, projectionCounts: [8, 16], permutations: 99 },
});

const WHERE = 'sal study config';

/**
 * Merge a JSON override (e.g. from `--config`) over a base config, checking keys and values. Keys named
 * `__proto__`, `constructor` or `prototype` anywhere in the override are refused (`SalDataError`).
 */
export function resolveStudyConfig(base: Readonly<StudyConfig>, override: JsonObject | Record<string, unknown> = {}): StudyConfig {
  assertSafeKeys(base, WHERE);
  assertSafeKeys(override, WHERE);
  const out = structuredClone(base) as StudyConfig;
  // configs saved before comparisonSeeds existed trained those models with `seeds` seeds
  if ((out as Partial<StudyConfig>).comparisonSeeds === undefined) out.comparisonSeeds = out.seeds;
  mergeInto(out as unknown as Record<string, unknown>, override, '');
  validate(out);
  return out;
}

function mergeInto(target: Record<string, unknown>, src: Record<string, unknown>, path: string): void {
  for (const [k, v] of Object.entries(src)) {
    const p = path ? `${path}.${k}` : k;
    if (!(k in target))
      throw new SalConfigError(
        WHERE,
        p,
        `one of ${Object.keys(target)
          .map((x) => (path ? `${path}.${x}` : x))
          .join(', ')}`,
        k,
      );
    const cur = target[k];
    const freeForm = p === 'crops';
    if (!freeForm && cur && typeof cur === 'object' && !Array.isArray(cur)) {
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new SalConfigError(WHERE, p, 'an object', v);
      mergeInto(cur as Record<string, unknown>, v as Record<string, unknown>, p);
    } else {
      target[k] = v;
    }
  }
}

function validate(c: StudyConfig): void {
  checkNumber(WHERE, 'seed', c.seed, { integer: true, min: 0 });
  for (const [k, v] of Object.entries(c.simulation)) checkNumber(WHERE, `simulation.${k}`, v, { min: 0 });
  checkNumber(WHERE, 'scale', c.scale, { min: 0, exclusiveMin: true, max: 1 });
  checkNumber(WHERE, 'gradientSigma', c.gradientSigma, { min: 0 });
  checkNumber(WHERE, 'seeds', c.seeds, { integer: true, min: 1 });
  checkNumber(WHERE, 'comparisonSeeds', c.comparisonSeeds, { integer: true, min: 1 });
  if (Object.keys(c.crops).length === 0) throw new SalConfigError(WHERE, 'crops', 'at least one crop', c.crops);
  for (const [name, crop] of Object.entries(c.crops)) {
    const ok =
      Array.isArray(crop) &&
      crop.length === 2 &&
      crop.every((p) => Array.isArray(p) && p.length === 2 && p.every((f) => typeof f === 'number' && f >= 0 && f < 1)) &&
      crop[0][0] + crop[0][1] < 1 &&
      crop[1][0] + crop[1][1] < 1;
    if (!ok) throw new SalConfigError(WHERE, `crops.${name}`, '[[top, bottom], [left, right]] fractions in [0, 1) leaving a non-empty image', crop);
  }
  for (const pop of ['shift', 'noShift'] as const) {
    const vs = c.variants[pop];
    if (!Array.isArray(vs) || vs.some((v) => !VARIANTS.includes(v))) {
      throw new SalConfigError(WHERE, `variants.${pop}`, `a list of ${VARIANTS.join(', ')}`, vs);
    }
  }
  if (!c.variants.shift.includes('images')) throw new SalConfigError(WHERE, 'variants.shift', "a list including 'images' (the baseline)", c.variants.shift);
  for (const [k, v] of Object.entries(c.core)) checkNumber(WHERE, `core.${k}`, v, { min: 0 });
  checkOneOf(WHERE, 'saliency', c.saliency, STUDY_SALIENCY_SOURCES);
  for (const [k, v] of Object.entries(c.readout)) {
    if (k === 'neuronShiftGain') {
      if (typeof v !== 'boolean') throw new SalConfigError(WHERE, `readout.${k}`, 'a boolean', v);
    } else checkNumber(WHERE, `readout.${k}`, v, { min: 0 });
  }
  for (const [k, v] of Object.entries(c.train)) {
    if (k === 'accumulateSessions') {
      if (typeof v !== 'boolean') throw new SalConfigError(WHERE, `train.${k}`, 'a boolean', v);
    } else checkNumber(WHERE, `train.${k}`, v, { min: 0 });
  }
  checkNumber(WHERE, 'analysis.grfImages', c.analysis.grfImages, { integer: true, min: 4 });
  checkNumber(WHERE, 'analysis.topNeurons', c.analysis.topNeurons, { integer: true, min: 1 });
  checkNumber(WHERE, 'analysis.permutations', c.analysis.permutations, { integer: true, min: 19 });
  if (!Array.isArray(c.analysis.projectionCounts) || c.analysis.projectionCounts.some((n) => !Number.isInteger(n) || n < 2 || n > c.analysis.grfImages)) {
    throw new SalConfigError(WHERE, 'analysis.projectionCounts', `integers in [2, analysis.grfImages=${c.analysis.grfImages}]`, c.analysis.projectionCounts);
  }
}
