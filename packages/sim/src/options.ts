/**
 * Options of the simulation, their defaults and their validation. Sizes and distances are given as
 * fractions of the image height (or width/height for regions) so the same defaults work at any image size;
 * the ground truth reports everything in pixels.
 */
import { SalConfigError, checkNumber, checkOneOf, resolveOptions } from '@sal/types';

/** The textures a salient object can carry. */
export type ObjectKind = 'fur' | 'dots' | 'fence' | 'text' | 'shape';
/** Every object kind, in the order of their numeric codes in the ground-truth JSON. */
export const OBJECT_KINDS: readonly ObjectKind[] = Object.freeze(['fur', 'dots', 'fence', 'text', 'shape']);

/** Whether some neurons shift their receptive fields toward the most salient object. */
export type PopulationKind = 'shift' | 'noShift';

/** A rectangle as fractions of the image: `[x0, x1, y0, y1]` with 0 ≤ x0 < x1 ≤ 1 and 0 ≤ y0 < y1 ≤ 1. */
export type Region = readonly [x0: number, x1: number, y0: number, y1: number];
/** An interval `[min, max]` (min ≤ max) from which a parameter is drawn uniformly. */
export type Interval = readonly [min: number, max: number];

/** Options of {@link simulateDataset}. */
export interface SimulationOptions {
  /** Seed of everything (images, population, trial order, spikes). @default 0 */
  seed?: number;
  /** `'shift'`: a known subset of neurons shifts toward the most salient object; `'noShift'`: nobody shifts. @default 'shift' */
  population?: PopulationKind;
  /** Image height in pixels (the original's is 236). @default 236 */
  height?: number;
  /** Image width in pixels (the original's is 420). @default 420 */
  width?: number;
  /** Images in the training pool (train + validation; the loader splits them by image id). Ids `0…nTrainImages-1`. @default 2000 */
  nTrainImages?: number;
  /** Test images, ids `nTrainImages…nTrainImages+nTestImages-1`, each shown `testRepeats` times per session. @default 50 */
  nTestImages?: number;
  /** Repeats of every test image in every session. @default 10 */
  testRepeats?: number;
  /** Recording sessions. @default 4 */
  nSessions?: number;
  /** Neurons recorded in each session. @default 25 */
  neuronsPerSession?: number;
  /** Fraction of the training pool each session shows (a random subset per session, each image once). @default 1 */
  sessionImageFraction?: number;
  /** Where receptive-field centres lie, as fractions `[x0, x1, y0, y1]` of the image (inside both usual crops of the original). @default [0.38, 0.62, 0.5, 0.85] */
  rfRegion?: Region;
  /** Where salient objects are centred, as fractions `[x0, x1, y0, y1]` of the image. @default [0.25, 0.75, 0.3, 0.95] */
  objectRegion?: Region;
  /** Receptive-field Gaussian σ, drawn uniformly, as a fraction of the image height. @default [0.045, 0.08] */
  rfSigma?: Interval;
  /** Number of salient objects per image, drawn uniformly (integers). @default [1, 3] */
  objectsPerImage?: Interval;
  /** Semi-axes of an object's ellipse, drawn uniformly, as a fraction of the image height. @default [0.07, 0.2] */
  objectSize?: Interval;
  /** Object textures to draw from (uniformly). @default ['fur', 'dots', 'fence', 'text', 'shape'] */
  objectKinds?: readonly ObjectKind[];
  /** Objects' contrast (texture amplitude, or step to the background for shapes), as a fraction of 255. @default [0.2, 0.45] */
  objectContrast?: Interval;
  /** RMS contrast of the 1/f background, as a fraction of 255. @default 0.12 */
  backgroundContrast?: number;
  /** Fraction of each session's neurons that shift (in the `'shift'` population), rounded to a count. @default 0.5 */
  shiftFraction?: number;
  /** Shift strength of a shifting neuron: the fraction of the vector to the object it moves, drawn uniformly. @default [0.4, 0.8] */
  shiftStrength?: Interval;
  /**
   * Largest shift, as a fraction of the image height (23.6 px at 236, about 1.6 mean RF σ). The original
   * remapper bounds offsets to 0.2 grid units, i.e. 0.1 × the crop width (20.8 px for a 208-px crop).
   * @default 0.1
   */
  maxShift?: number;
  /** Fraction of neurons tuned to oriented energy; the others prefer blob/dot energy. @default 0.7 */
  orientedFraction?: number;
  /** Baseline expected count (spikes per trial), drawn uniformly per neuron. @default [0.2, 0.8] */
  baseline?: Interval;
  /** Gain of the output nonlinearity (spikes per trial), drawn uniformly per neuron. @default [0.8, 1.6] */
  gain?: Interval;
  /** Training-pool images (the first ones, at most all) used to calibrate each neuron's drive (z-scoring at its unshifted centre). @default 500 */
  calibrationImages?: number;
  /** Attach the true saliency (log-density) of every image as `dataset.saliency`. @default false */
  includeSaliency?: boolean;
}

/** The defaults of {@link SimulationOptions}. */
export const SIMULATION_DEFAULTS: Readonly<Required<SimulationOptions>> = Object.freeze({
  seed: 0,
  population: 'shift',
  height: 236,
  width: 420,
  nTrainImages: 2000,
  nTestImages: 50,
  testRepeats: 10,
  nSessions: 4,
  neuronsPerSession: 25,
  sessionImageFraction: 1,
  rfRegion: Object.freeze([0.38, 0.62, 0.5, 0.85]) as Region,
  objectRegion: Object.freeze([0.25, 0.75, 0.3, 0.95]) as Region,
  rfSigma: Object.freeze([0.045, 0.08]) as Interval,
  objectsPerImage: Object.freeze([1, 3]) as Interval,
  objectSize: Object.freeze([0.07, 0.2]) as Interval,
  objectKinds: OBJECT_KINDS,
  objectContrast: Object.freeze([0.2, 0.45]) as Interval,
  backgroundContrast: 0.12,
  shiftFraction: 0.5,
  shiftStrength: Object.freeze([0.4, 0.8]) as Interval,
  maxShift: 0.1,
  orientedFraction: 0.7,
  baseline: Object.freeze([0.2, 0.8]) as Interval,
  gain: Object.freeze([0.8, 1.6]) as Interval,
  calibrationImages: 500,
  includeSaliency: false,
});

/** Fully resolved options. */
export type ResolvedSimulationOptions = Required<SimulationOptions>;

function checkInterval(where: string, option: string, value: unknown, min: number, max: number, integer = false): Interval {
  const desc = `[min, max] with ${min} <= min <= max <= ${max}${integer ? ', integers' : ''}`;
  if (!Array.isArray(value) || value.length !== 2) throw new SalConfigError(where, option, desc, value);
  const [a, b] = value as unknown[];
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v));
  if (!ok(a) || !ok(b) || a > b) throw new SalConfigError(where, option, desc, value);
  return [a, b];
}

function checkRegion(where: string, option: string, value: unknown): Region {
  const desc = '[x0, x1, y0, y1] fractions with 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1';
  if (!Array.isArray(value) || value.length !== 4) throw new SalConfigError(where, option, desc, value);
  const v = value as unknown[];
  if (!v.every((e) => typeof e === 'number' && Number.isFinite(e) && e >= 0 && e <= 1)) {
    throw new SalConfigError(where, option, desc, value);
  }
  const [x0, x1, y0, y1] = v as number[];
  if (!(x0! < x1! && y0! < y1!)) throw new SalConfigError(where, option, desc, value);
  return [x0!, x1!, y0!, y1!];
}

/**
 * Merge `opts` over {@link SIMULATION_DEFAULTS} and check every value. Unknown keys and out-of-range values
 * throw a `SalConfigError` naming the option.
 */
export function resolveSimulationOptions(opts?: SimulationOptions, where = 'sim.simulateDataset'): ResolvedSimulationOptions {
  const o = resolveOptions<SimulationOptions>(where, SIMULATION_DEFAULTS, opts);
  checkNumber(where, 'seed', o.seed, { integer: true });
  checkOneOf(where, 'population', o.population, ['shift', 'noShift'] as const);
  checkNumber(where, 'height', o.height, { integer: true, min: 32, max: 4096 });
  checkNumber(where, 'width', o.width, { integer: true, min: 32, max: 4096 });
  checkNumber(where, 'nTrainImages', o.nTrainImages, { integer: true, min: 1 });
  checkNumber(where, 'nTestImages', o.nTestImages, { integer: true, min: 0 });
  checkNumber(where, 'testRepeats', o.testRepeats, { integer: true, min: 1 });
  checkNumber(where, 'nSessions', o.nSessions, { integer: true, min: 1 });
  checkNumber(where, 'neuronsPerSession', o.neuronsPerSession, { integer: true, min: 1 });
  checkNumber(where, 'sessionImageFraction', o.sessionImageFraction, { min: 0, max: 1, exclusiveMin: true });
  const rfRegion = checkRegion(where, 'rfRegion', o.rfRegion);
  const objectRegion = checkRegion(where, 'objectRegion', o.objectRegion);
  const rfSigma = checkInterval(where, 'rfSigma', o.rfSigma, 0.005, 1);
  const objectsPerImage = checkInterval(where, 'objectsPerImage', o.objectsPerImage, 1, 8, true);
  const objectSize = checkInterval(where, 'objectSize', o.objectSize, 0.01, 1);
  if (!Array.isArray(o.objectKinds) || o.objectKinds.length === 0) {
    throw new SalConfigError(where, 'objectKinds', `a non-empty array of ${OBJECT_KINDS.join(', ')}`, o.objectKinds);
  }
  for (const k of o.objectKinds) checkOneOf(where, 'objectKinds', k, OBJECT_KINDS);
  const objectContrast = checkInterval(where, 'objectContrast', o.objectContrast, 0, 1);
  checkNumber(where, 'backgroundContrast', o.backgroundContrast, { min: 0, max: 0.5 });
  checkNumber(where, 'shiftFraction', o.shiftFraction, { min: 0, max: 1 });
  const shiftStrength = checkInterval(where, 'shiftStrength', o.shiftStrength, 0, 1);
  checkNumber(where, 'maxShift', o.maxShift, { min: 0, max: 1 });
  checkNumber(where, 'orientedFraction', o.orientedFraction, { min: 0, max: 1 });
  const baseline = checkInterval(where, 'baseline', o.baseline, 0, 1e4);
  const gain = checkInterval(where, 'gain', o.gain, 0, 1e4);
  checkNumber(where, 'calibrationImages', o.calibrationImages, { integer: true, min: 2 });
  if (typeof o.includeSaliency !== 'boolean') throw new SalConfigError(where, 'includeSaliency', 'a boolean', o.includeSaliency);
  return {
    ...o,
    rfRegion,
    objectRegion,
    rfSigma,
    objectsPerImage,
    objectSize,
    objectContrast,
    shiftStrength,
    baseline,
    gain,
    objectKinds: [...o.objectKinds],
  };
}
