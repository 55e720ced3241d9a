/**
 * Most exciting inputs (MEIs) in the study, checked against the ground truth: for the best neurons of the main
 * image-only model (test r above a threshold), MEIs of that model and of the ensemble of its seeds, each shown to the
 * TRUE simulated neuron through `@sal/mei`'s `closedLoop`: the true response to the model's MEI as a multiple of the
 * true response to the best natural image of the dataset, and the MEI's place against the true RF centre. Also the
 * ensemble of the seeds scored like any model (an extra row of the comparisons).
 */
import {
  CLOSED_LOOP_MEI_DEFAULTS,
  closedLoop,
  createEnsemble,
  displayGeometry,
  pixelRange,
  synthesizeMeis,
  synthesizeMeisWindowed,
  trueBests,
  type ClosedLoopNeuron,
  type MeiOptions,
  type MeiResult,
  type ResponseModel,
} from '@sal/mei';
import type { GroundTruth } from '@sal/sim';
import type { SalDataset } from '@sal/saliency-loader';
import { scoreSession, windowedResponseModel, type Encoder } from '@sal/train';
import { SalConfigError, SalDataError, checkNumber, mean, resolveOptions, type RawDataset, type WindowedResponseModel } from '@sal/types';
import type { SeedComparison } from './comparisons.js';
import { pairedComparison } from './stats.js';

/** Options of {@link analyseMeis}. */
export interface MeiAnalysisOptions {
  /** Neurons whose test correlation (of the main model) exceeds this are the ones the summary covers. @default 0.5 */
  minScore?: number;
  /** At most this many neurons (the best by test correlation) get MEIs. @default 8 */
  maxNeurons?: number;
  /** Optimisation steps of each MEI (Adam, as `closedLoop`'s defaults otherwise). @default 200 */
  steps?: number;
  /** Seed of the MEIs' noise initialisation. @default 0 */
  seed?: number;
  /** Also rank the patterns (gratings, plaids) of `closedLoop`, a brute-force lower bound of the true optimum. @default true */
  patterns?: boolean;
  /** Windowed MEIs (restricted to each neuron's window, much faster) where the models allow it. @default true */
  windowed?: boolean;
}

/** Defaults of {@link MeiAnalysisOptions}. */
export const MEI_ANALYSIS_DEFAULTS: Readonly<Required<MeiAnalysisOptions>> = Object.freeze({
  minScore: 0.5,
  maxNeurons: 8,
  steps: 200,
  seed: 0,
  patterns: true,
  windowed: true,
});

/** What the MEI analysis reads: one population's dataset, raw images and truth, and trained models. */
export interface MeiAnalysisInput {
  dataset: SalDataset;
  raw: RawDataset;
  truth: GroundTruth;
  /** The model seeds of one variant (at least one); the first is the main model. The encoders are not disposed here. */
  models: readonly { seed: number; encoder: Encoder }[];
  /** The main model's per-neuron single-trial test correlations, in session order (as `ModelSummary.perNeuronTest`). */
  perNeuronTest: readonly number[];
}

/** One MEI's closed-loop numbers (from `closedLoop`). */
export interface MeiLoop {
  /** The model's predicted response to its MEI. */
  modelResponse: number;
  /** The true expected count for the MEI, for the best natural image, for the best pattern, and on mean grey. */
  trueMei: number;
  bestNatural: number;
  bestNaturalId: number;
  bestPattern: number;
  trueGrey: number;
  /** `trueMei / bestNatural` and `trueMei / bestPattern`. */
  ratioNatural: number;
  ratioPattern: number;
  /** The MEI's centre (full-image px, x, y) and its distance to the true RF centre (px). */
  meiCentre: [number, number];
  centreError: number;
}

/** One neuron: its MEI shown to the true neuron, for the main model and the ensemble. */
export interface MeiNeuron {
  session: string;
  index: number;
  /** The main model's single-trial test correlation. */
  testR: number;
  /** Above `minScore` (in the summary). */
  selected: boolean;
  shifts: boolean;
  /** The true RF centre (full-image px, x, y) and σ (px). */
  trueCentre: [number, number];
  trueSigma: number;
  single: MeiLoop;
  ensemble: MeiLoop | null;
}

/** Medians over the selected neurons for one model. */
export interface MeiModelSummary {
  /** E.g. `'images, seed 2'` or `'images, ensemble of seeds 2, 3, 4'`. */
  model: string;
  seeds: number[];
  /** How its MEIs were synthesised: `'windowed'` (restricted to each neuron's window) or `'full image'`. */
  path: 'windowed' | 'full image';
  neurons: number;
  medianRatioNatural: number;
  /** Fraction of neurons whose MEI drives the true neuron at least as much as the best natural image. */
  fractionAboveNatural: number;
  medianRatioPattern: number;
  medianCentreError: number;
  /** Mean single-trial and repeat-averaged test correlation of the model over all neurons. */
  testR: number;
  testRAveraged: number;
}

/** The MEI analysis (JSON, in `results.json` as `mei`). */
export interface MeiSummary {
  population: string;
  variant: string;
  crop: string;
  minScore: number;
  steps: number;
  /** `'windowed'` when every MEI was restricted to its neuron's window, else `'full image'` (see each model's `path`). */
  path: 'windowed' | 'full image';
  /** Neurons analysed (the best by test r, at most `maxNeurons`) and of them the selected ones (test r > minScore). */
  analysed: number;
  selected: number;
  /** Neurons of the whole population with the main model's test r > minScore (analysed or not). */
  aboveMinScore: number;
  /** Over the selected neurons; over the analysed ones when none is selected (then `selected` is 0). */
  single: MeiModelSummary;
  ensemble: MeiModelSummary | null;
  /** The targets: median ≥ 1× the best natural image (main model), ensemble median ≥ single model's. */
  targets: { singleAtLeastNatural: boolean; ensembleAtLeastNatural: boolean | null; ensembleAtLeastSingle: boolean | null };
  neurons: MeiNeuron[];
  seconds: number;
}

/** Arrays for the MEI figure, in model-input pixels `[h·w]` per neuron (same order as `summary.neurons`). */
export interface MeiArtifacts {
  h: number;
  w: number;
  /** MEIs as grey levels 0–255 (what the true neuron saw, at model resolution). */
  single: Float32Array[];
  ensemble: Float32Array[] | null;
}

/** The ensemble scored like a trained model: per-neuron test correlations over all sessions. */
export interface EnsembleScores {
  seeds: number[];
  test: number[];
  testAveraged: number[];
}

/** Result of {@link analyseMeis}. */
export interface MeiAnalysis {
  summary: MeiSummary;
  artifacts: MeiArtifacts;
  /** The ensemble's per-neuron test correlations (null with one seed). */
  ensembleScores: EnsembleScores | null;
}

const WHERE = 'study.analyseMeis';

function median(v: readonly number[]): number {
  const s = v.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function loopOf(r: ClosedLoopNeuron): MeiLoop {
  return {
    modelResponse: r.modelResponse,
    trueMei: r.trueMei,
    bestNatural: r.bestNatural,
    bestNaturalId: r.bestNaturalId,
    bestPattern: r.bestPattern,
    trueGrey: r.trueGrey,
    ratioNatural: r.ratioNatural,
    ratioPattern: r.ratioPattern,
    meiCentre: [r.meiCentre[0], r.meiCentre[1]],
    centreError: r.centreError,
  };
}

/** Per-neuron test correlations of an ensemble (its mean prediction), in session order, scored as any model. */
export function scoreEnsemble(dataset: SalDataset, models: readonly { seed: number; encoder: Encoder }[]): EnsembleScores {
  if (!Array.isArray(models) || models.length === 0) throw new SalConfigError('study.scoreEnsemble', 'models', 'at least one trained model', models);
  const ens = createEnsemble(
    models.map((m) => m.encoder),
    { owns: false },
  );
  // scoreSession only calls `predict`, which the ensemble has with the encoder's signature
  const asEncoder = { predict: ens.predict } as unknown as Encoder;
  const test: number[] = [],
    testAveraged: number[] = [];
  for (const s of dataset.sessions) {
    const sc = scoreSession(asEncoder, dataset, s.key);
    test.push(...sc.test);
    testAveraged.push(...sc.testAveraged);
  }
  return { seeds: models.map((m) => m.seed), test, testAveraged };
}

/**
 * The ensemble against the single models of its seeds, as a comparison row: each neuron's ensemble correlation
 * against its correlation averaged over the seeds (sign-flip test over neurons), and per seed the mean
 * difference ensemble − that seed. `perSeed` are the seeds' per-neuron correlations in the ensemble's seed order.
 */
export function ensembleComparison(ensemble: readonly number[], perSeed: readonly (readonly number[])[], permutationSeed: number): SeedComparison {
  const n = ensemble.length;
  if (perSeed.length === 0 || perSeed.some((r) => r.length !== n))
    throw new SalDataError(
      'study.ensembleComparison',
      `per-seed correlations of ${n} neurons`,
      perSeed.map((r) => r.length),
    );
  const avg = Array.from({ length: n }, (_, i) => perSeed.reduce((s, r) => s + r[i]!, 0) / perSeed.length);
  const seedDeltas = perSeed.map((r) => mean(ensemble.map((v, i) => v - r[i]!).filter(Number.isFinite)));
  return { ...pairedComparison([...ensemble], avg, 9999, permutationSeed), seedDeltas };
}

/** MEIs of one model for some neurons of one session: windowed where possible, else on whole images. */
function meisOf(
  full: ResponseModel,
  windowed: (() => WindowedResponseModel) | null,
  shape: [number, number, number],
  opts: MeiOptions,
): { res: MeiResult; windowed: boolean } {
  if (windowed) {
    let wm: WindowedResponseModel | null = null;
    try {
      wm = windowed();
    } catch (err) {
      if (!(err instanceof SalConfigError)) throw err;
    }
    if (wm && opts.channels!.every((c) => wm!.windowChannels.includes(c))) {
      try {
        return { res: synthesizeMeisWindowed(wm, shape, opts), windowed: true };
      } catch (err) {
        // an ensemble whose members read a neuron too far apart for its windows: whole images instead
        if (!(err instanceof SalDataError)) throw err;
      }
    }
  }
  return { res: synthesizeMeis(full, shape, opts), windowed: false };
}

/**
 * The closed loop of the study (see the module comment): for the best neurons of the main model (`input.models[0]`),
 * its MEIs and, with several seeds, the ensemble's, shown to the true simulated neurons.
 * @throws SalConfigError for a bad option or no model; SalDataError when `perNeuronTest` does not match the dataset
 */
export function analyseMeis(input: MeiAnalysisInput, opts?: MeiAnalysisOptions & { population?: string; variant?: string; crop?: string }): MeiAnalysis {
  const t0 = Date.now();
  const { population = 'shift', variant = 'images', crop = '', ...rest } = opts ?? {};
  const o = resolveOptions<MeiAnalysisOptions>(WHERE, MEI_ANALYSIS_DEFAULTS, rest);
  checkNumber(WHERE, 'minScore', o.minScore);
  checkNumber(WHERE, 'maxNeurons', o.maxNeurons, { min: 1, integer: true });
  checkNumber(WHERE, 'steps', o.steps, { min: 1, integer: true });
  checkNumber(WHERE, 'seed', o.seed, { min: 0, integer: true });
  const { dataset, raw, truth, models, perNeuronTest } = input;
  if (!Array.isArray(models) || models.length === 0) throw new SalConfigError(WHERE, 'models', 'at least one trained model', models);
  const order = dataset.sessions.flatMap((s) => Array.from({ length: s.nNeurons }, (_, n) => [s.key, n] as const));
  if (perNeuronTest.length !== order.length) throw new SalDataError(WHERE, `perNeuronTest of ${order.length} neurons`, perNeuronTest.length);

  // the best neurons by the main model's test correlation
  const ranked = perNeuronTest
    .map((r, i) => [r, i] as const)
    .filter(([r]) => Number.isFinite(r))
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const chosen = ranked.slice(0, o.maxNeurons).map(([r, i]) => ({ session: order[i]![0], index: order[i]![1], testR: r }));
  const geometry = displayGeometry(dataset, truth.imageShape);
  const [h, w, c] = dataset.inputShape;
  const imgCh = dataset.channelNames.indexOf('image');
  const meiOpts: MeiOptions = {
    ...CLOSED_LOOP_MEI_DEFAULTS,
    range: pixelRange(geometry),
    channels: [imgCh],
    steps: o.steps,
    seed: o.seed,
    blurDecay: -1 / o.steps,
  };
  const ens =
    models.length > 1
      ? createEnsemble(
          models.map((m) => m.encoder),
          { owns: false },
        )
      : null;
  const main = models[0]!.encoder;

  // the best natural image and pattern of every chosen neuron, in one pass over the images
  const bests = trueBests(
    raw,
    truth,
    chosen.map((n) => truth.neuron(n.session, n.index)),
    { patterns: o.patterns },
  );
  const rows = new Map<string, { single?: MeiLoop; ensemble?: MeiLoop; meiS?: Float32Array; meiE?: Float32Array }>();
  const windowedOnly = { single: true, ensemble: true };
  const sessions = [...new Set(chosen.map((n) => n.session))];
  for (const key of sessions) {
    const ks = chosen.flatMap((n, k) => (n.session === key ? [k] : []));
    const neurons = ks.map((k) => chosen[k]!.index);
    const sessionBests = {
      bestNatural: Float64Array.from(ks, (k) => bests.bestNatural[k]!),
      bestNaturalId: Int32Array.from(ks, (k) => bests.bestNaturalId[k]!),
      bestPattern: Float64Array.from(ks, (k) => bests.bestPattern[k]!),
    };
    const runs: { kind: 'single' | 'ensemble'; full: ResponseModel; windowed: () => WindowedResponseModel }[] = [
      { kind: 'single', full: (x) => main.predict(x, key, { training: false }), windowed: () => windowedResponseModel(main, key) },
    ];
    if (ens) runs.push({ kind: 'ensemble', full: ens.responseModel(key), windowed: () => ens.windowedModel(key, { spread: 6 }) });
    for (const run of runs) {
      const m = meisOf(run.full, o.windowed ? run.windowed : null, [h, w, c], { ...meiOpts, neurons });
      windowedOnly[run.kind] &&= m.windowed;
      const { onProgress: _p, neurons: _n, ...loopMei } = meiOpts;
      const loop = closedLoop(
        run.full,
        { dataset, raw, truth, sessionKey: key },
        { neurons, meis: m.res, mei: loopMei, patterns: o.patterns, bests: sessionBests },
      );
      loop.neurons.forEach((r, k) => {
        const id = `${key}/${r.neuron}`;
        const row = rows.get(id) ?? {};
        const grey = Float32Array.from(loop.meis.subarray(k * h * w, (k + 1) * h * w), (v) => Math.min(255, Math.max(0, v * geometry.std + geometry.mean)));
        if (run.kind === 'single') {
          row.single = loopOf(r);
          row.meiS = grey;
        } else {
          row.ensemble = loopOf(r);
          row.meiE = grey;
        }
        rows.set(id, row);
      });
    }
  }

  const neurons: MeiNeuron[] = chosen.map((n) => {
    const r = rows.get(`${n.session}/${n.index}`)!;
    const t = truth.neuron(n.session, n.index);
    return {
      session: n.session,
      index: n.index,
      testR: n.testR,
      selected: n.testR > o.minScore,
      shifts: t.shifts,
      trueCentre: [t.x, t.y],
      trueSigma: t.sigma,
      single: r.single!,
      ensemble: r.ensemble ?? null,
    };
  });
  const nSelected = neurons.filter((n) => n.selected).length;
  const over = nSelected > 0 ? neurons.filter((n) => n.selected) : neurons;
  const seeds = models.map((m) => m.seed);
  const summariseModel = (
    kind: 'single' | 'ensemble',
    label: string,
    pick: (n: MeiNeuron) => MeiLoop | null,
    sd: number[],
    test: readonly number[],
    testAvg: readonly number[],
  ): MeiModelSummary => {
    const loops = over.map(pick).filter((l): l is MeiLoop => l !== null);
    return {
      model: label,
      seeds: sd,
      path: windowedOnly[kind] ? 'windowed' : 'full image',
      neurons: loops.length,
      medianRatioNatural: median(loops.map((l) => l.ratioNatural)),
      fractionAboveNatural: loops.length ? loops.filter((l) => l.ratioNatural >= 1).length / loops.length : Number.NaN,
      medianRatioPattern: median(loops.map((l) => l.ratioPattern)),
      medianCentreError: median(loops.map((l) => l.centreError)),
      testR: mean(test.filter(Number.isFinite)),
      testRAveraged: mean(testAvg.filter(Number.isFinite)),
    };
  };
  const mainScores = scoreEnsemble(dataset, [models[0]!]);
  const single = summariseModel('single', `${variant}, seed ${seeds[0]}`, (n) => n.single, [seeds[0]!], mainScores.test, mainScores.testAveraged);
  let ensemble: MeiModelSummary | null = null;
  let es: EnsembleScores | null = null;
  if (ens) {
    es = scoreEnsemble(dataset, models);
    ensemble = summariseModel('ensemble', `${variant}, ensemble of seeds ${seeds.join(', ')}`, (n) => n.ensemble, seeds, es.test, es.testAveraged);
  }
  const summary: MeiSummary = {
    population,
    variant,
    crop,
    minScore: o.minScore,
    steps: o.steps,
    path: windowedOnly.single && (ens === null || windowedOnly.ensemble) ? 'windowed' : 'full image',
    analysed: neurons.length,
    selected: nSelected,
    aboveMinScore: perNeuronTest.filter((r) => r > o.minScore).length,
    single,
    ensemble,
    targets: {
      singleAtLeastNatural: single.medianRatioNatural >= 1,
      ensembleAtLeastNatural: ensemble ? ensemble.medianRatioNatural >= 1 : null,
      ensembleAtLeastSingle: ensemble ? ensemble.medianRatioNatural >= single.medianRatioNatural : null,
    },
    neurons,
    seconds: (Date.now() - t0) / 1000,
  };
  const artifacts: MeiArtifacts = {
    h,
    w,
    single: chosen.map((n) => rows.get(`${n.session}/${n.index}`)!.meiS!),
    ensemble: ens ? chosen.map((n) => rows.get(`${n.session}/${n.index}`)!.meiE!) : null,
  };
  return { summary, artifacts, ensembleScores: es };
}
