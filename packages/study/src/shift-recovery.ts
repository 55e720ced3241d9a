/**
 * Statistics of how well a model's learned RF shifts recover the true ones, built so that they cannot overstate:
 * a correlation over all neurons is dominated by the two clusters (true shifters vs fixed neurons) and says nothing
 * about whether the size of each shifter's shift is recovered. So the three questions are kept apart:
 * - which neurons shift: the AUC (Mann–Whitney) of separating true shifters from fixed neurons by the learned shift;
 * - how much each shifter shifts: Pearson r and least-squares slope of learned on true shift, true shifters only;
 * - how much of the magnitude is recovered: mean learned / mean true shift over the true shifters (a ratio of means).
 * Every statistic is NaN where it is undefined (no shifters, fewer than 2, a constant side), never 0; the report
 * prints NaN as "undefined". Inputs are per-neuron shifts projected on the direction to the salient object (px).
 */
import { mean, pearson } from '@sal/types';

/** How well the learned shifts recover the true ones, for one model (see the module comment). */
export interface ShiftRecovery {
  /** True shifters and fixed neurons with a finite learned and true shift (the neurons the statistics use). */
  shifters: number;
  fixed: number;
  /** Pearson r of learned vs true shift over the true shifters; NaN with < 2 shifters or a constant side. */
  withinShiftersR: number;
  /** Least-squares slope of learned on true shift over the true shifters (px per px); NaN when the true shifts are constant. */
  withinShiftersSlope: number;
  /**
   * Probability that a random true shifter has a larger learned shift than a random fixed neuron (ties count ½):
   * the Mann–Whitney AUC. 1 = perfect separation, 0.5 = chance; NaN when either group is empty.
   */
  auc: number;
  /**
   * The same AUC by the length of the learned shift in any direction (`learnedMagnitude`): whether the model moves
   * the shifters more at all, toward the salient object or not; NaN when either group is empty or no magnitudes were given.
   */
  aucMagnitude: number;
  /** Mean learned shift / mean true shift over the true shifters (ratio of means); NaN without shifters or with mean true 0. */
  recoveredFraction: number;
  /** Mean learned shift of the true shifters, of the fixed neurons, and mean true shift of the true shifters (px). */
  learnedShiftersMean: number;
  learnedFixedMean: number;
  trueShiftersMean: number;
}

/** Least-squares slope of `y` on `x`; NaN with fewer than 2 points or constant `x`. */
export function leastSquaresSlope(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new RangeError(`leastSquaresSlope(y): expected ${x.length} values as in x, got ${y.length}`);
  if (x.length < 2) return Number.NaN;
  const mx = mean(x),
    my = mean(y);
  let sxy = 0,
    sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

/**
 * AUC of separating `positives` from `negatives` by their scores (higher = positive): the fraction of (positive,
 * negative) pairs where the positive scores higher, ties counting ½ (the Mann–Whitney U over the product of the
 * group sizes). NaN when either group is empty.
 */
export function mannWhitneyAuc(positives: readonly number[], negatives: readonly number[]): number {
  if (positives.length === 0 || negatives.length === 0) return Number.NaN;
  let u = 0;
  for (const p of positives) for (const q of negatives) u += p > q ? 1 : p === q ? 0.5 : 0;
  return u / (positives.length * negatives.length);
}

/**
 * {@link ShiftRecovery} of one model from per-neuron true and learned shifts (px, projected on the direction to
 * the salient object), whether each neuron shifts in the ground truth, and optionally the mean length of each
 * neuron's learned shift (px, any direction; for `aucMagnitude`). Neurons with a non-finite shift on either side
 * are left out.
 */
export function shiftRecovery(
  trueShift: readonly number[],
  learnedShift: readonly number[],
  shifts: readonly boolean[],
  learnedMagnitude?: readonly number[],
): ShiftRecovery {
  const n = trueShift.length;
  if (learnedShift.length !== n || shifts.length !== n)
    throw new RangeError(`shiftRecovery: expected ${n} learned shifts and flags, got ${learnedShift.length} and ${shifts.length}`);
  if (learnedMagnitude && learnedMagnitude.length !== n)
    throw new RangeError(`shiftRecovery: expected ${n} learned magnitudes, got ${learnedMagnitude.length}`);
  const tS: number[] = [],
    lS: number[] = [],
    lF: number[] = [],
    mS: number[] = [],
    mF: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!(Number.isFinite(trueShift[i]!) && Number.isFinite(learnedShift[i]!))) continue;
    if (shifts[i]) {
      tS.push(trueShift[i]!);
      lS.push(learnedShift[i]!);
    } else lF.push(learnedShift[i]!);
    const m = learnedMagnitude?.[i];
    if (m !== undefined && Number.isFinite(m)) (shifts[i] ? mS : mF).push(m);
  }
  const trueMean = mean(tS);
  const learnedMean = mean(lS);
  return {
    shifters: tS.length,
    fixed: lF.length,
    withinShiftersR: pearson(tS, lS),
    withinShiftersSlope: leastSquaresSlope(tS, lS),
    auc: mannWhitneyAuc(lS, lF),
    aucMagnitude: mannWhitneyAuc(mS, mF),
    recoveredFraction: tS.length > 0 && trueMean !== 0 ? learnedMean / trueMean : Number.NaN,
    learnedShiftersMean: learnedMean,
    learnedFixedMean: mean(lF),
    trueShiftersMean: trueMean,
  };
}

/** A statistic over model seeds: mean and sample sd (n − 1) of its finite per-seed values, and how many there were. */
export interface OverSeeds {
  mean: number;
  /** Sample standard deviation (n − 1); NaN with fewer than 2 finite values. */
  sd: number;
  /** Seeds with a finite value. */
  n: number;
  /** Every seed's value, in seed order (NaN where undefined). */
  values: number[];
}

export function overSeeds(values: readonly number[]): OverSeeds {
  const finite = values.filter(Number.isFinite);
  const m = mean(finite);
  let sd = Number.NaN;
  if (finite.length >= 2) sd = Math.sqrt(finite.reduce((s, v) => s + (v - m) ** 2, 0) / (finite.length - 1));
  return { mean: m, sd, n: finite.length, values: [...values] };
}

/** The statistics of {@link ShiftRecovery} that are summarised over seeds. */
export const RECOVERY_STATS = Object.freeze(['auc', 'aucMagnitude', 'withinShiftersR', 'withinShiftersSlope', 'recoveredFraction'] as const);
export type RecoveryStat = (typeof RECOVERY_STATS)[number];

/** Each of {@link RECOVERY_STATS} over the per-seed recoveries (one entry per model seed). */
export function recoveryOverSeeds(perSeed: readonly ShiftRecovery[]): Record<RecoveryStat, OverSeeds> {
  const out = {} as Record<RecoveryStat, OverSeeds>;
  for (const k of RECOVERY_STATS) out[k] = overSeeds(perSeed.map((r) => r[k]));
  return out;
}

/** A statistic for people: `digits` decimals, or `'undefined'` where it is not a finite number (e.g. NaN from JSON's null). */
export function formatStat(v: number | null | undefined, digits = 3): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : 'undefined';
}

/**
 * A statistic over seeds for people: `'0.900 (1 seed)'`, `'0.900 ± 0.050 (mean ± sd over 3 seeds)'`, or
 * `'undefined'` when no seed gives a finite value. `scale` multiplies (e.g. 100 for percent) and `unit` follows the numbers.
 */
export function formatOverSeeds(s: OverSeeds, digits = 3, scale = 1, unit = ''): string {
  if (s.n === 0) return 'undefined';
  const m = `${(s.mean * scale).toFixed(digits)}${unit}`;
  if (s.n === 1) return `${m} (1 seed)`;
  return `${m} ± ${(s.sd * scale).toFixed(digits)}${unit} (mean ± sd over ${s.n} seeds)`;
}
