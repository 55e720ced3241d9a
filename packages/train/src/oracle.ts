/**
 * Oracle scores over repeated test images, as neuralpredictors' `measures` and the SENSORIUM scoring code:
 * the conservative oracle, the signal-to-noise ratio, the fraction of oracle (test correlation regressed on
 * the oracle correlation through the origin) and per-neuron filtering by oracle and SNR. The jackknife
 * (leave-one-out) oracle correlation is {@link oracleCorrelation}.
 */
import { SalConfigError, SalDataError, SalShapeError } from '@sal/types';
import { oracleCorrelation, singleTrialCorrelation, type RepeatGroup } from './repeats.js';

function checkGroups(where: string, groups: readonly RepeatGroup[], n: number, minRepeats: number): void {
  if (!Number.isInteger(n) || n < 1) throw new SalDataError(where, 'a positive number of neurons', n);
  if (groups.length < 2) throw new SalDataError(where, 'at least two repeated images', groups.length);
  groups.forEach((g, i) => {
    if (g.targets.length === 0 || g.targets.length % n !== 0) throw new SalShapeError(`${where}(groups[${i}].targets)`, `a multiple of ${n}`, g.targets.length);
    if (g.targets.length / n < minRepeats) throw new SalDataError(`${where}(groups[${i}])`, `at least ${minRepeats} repeats`, g.targets.length / n);
  });
}

/** Per image: mean and variance (ddof given) over repeats, of `f(response)`, per neuron. */
function imageMoments(groups: readonly RepeatGroup[], n: number, ddof: number, f: (x: number) => number): { mu: Float64Array[]; v: Float64Array[] } {
  const mu: Float64Array[] = [],
    v: Float64Array[] = [];
  for (const g of groups) {
    const R = g.targets.length / n;
    const m = new Float64Array(n),
      s = new Float64Array(n);
    for (let r = 0; r < R; r++) for (let j = 0; j < n; j++) m[j] = m[j]! + f(g.targets[r * n + j]!);
    for (let j = 0; j < n; j++) m[j] = m[j]! / R;
    for (let r = 0; r < R; r++)
      for (let j = 0; j < n; j++) {
        const d = f(g.targets[r * n + j]!) - m[j]!;
        s[j] = s[j]! + d * d;
      }
    for (let j = 0; j < n; j++) s[j] = s[j]! / (R - ddof);
    mu.push(m);
    v.push(s);
  }
  return { mu, v };
}

/**
 * The conservative (corrected) oracle correlation per neuron, neuralpredictors' `oracle_corr_conservative`:
 * `varMean / sqrt(varMean · (varMean + varNoise))` with `varNoise` the mean over images of the variance over
 * repeats and `varMean` the variance over images of the mean over repeats (both ddof 0). It overestimates the
 * true oracle correlation, the jackknife {@link oracleCorrelation} underestimates it. NaN for a constant neuron.
 * Needs at least two images with at least two repeats.
 */
export function conservativeOracle(groups: readonly RepeatGroup[], nNeurons: number): Float64Array {
  const n = nNeurons;
  checkGroups('train.conservativeOracle', groups, n, 2);
  const { mu, v } = imageMoments(groups, n, 0, (x) => x);
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let noise = 0,
      mm = 0,
      mv = 0;
    for (let i = 0; i < groups.length; i++) {
      noise += v[i]![j]!;
      mm += mu[i]![j]!;
    }
    noise /= groups.length;
    mm /= groups.length;
    for (let i = 0; i < groups.length; i++) {
      const d = mu[i]![j]! - mm;
      mv += d * d;
    }
    mv /= groups.length;
    out[j] = mv / Math.sqrt(mv * (mv + noise));
  }
  return out;
}

/** Options of {@link signalToNoise}. */
export interface SnrOptions {
  /** Apply the Anscombe transform `2·sqrt(x + 3/8)` first, as neuralpredictors' `snr` does. @default true */
  anscombe?: boolean;
}

/**
 * Signal-to-noise ratio per neuron, neuralpredictors' `snr`: the variance over images (ddof 0) of the mean
 * response over repeats, divided by the mean over images of the variance over repeats (ddof 1), on
 * Anscombe-transformed responses by default (responses must then be ≥ −3/8).
 */
export function signalToNoise(groups: readonly RepeatGroup[], nNeurons: number, opts: SnrOptions = {}): Float64Array {
  const n = nNeurons;
  const where = 'train.signalToNoise';
  checkGroups(where, groups, n, 2);
  const ans = opts.anscombe ?? true;
  const f = ans
    ? (x: number): number => {
        if (!(x >= -0.375)) throw new SalDataError(where, 'responses ≥ −3/8 for the Anscombe transform (or anscombe: false)', x);
        return 2 * Math.sqrt(x + 0.375);
      }
    : (x: number): number => x;
  const { mu, v } = imageMoments(groups, n, 1, f);
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let mm = 0,
      noise = 0,
      sig = 0;
    for (let i = 0; i < groups.length; i++) {
      mm += mu[i]![j]!;
      noise += v[i]![j]!;
    }
    mm /= groups.length;
    noise /= groups.length;
    for (let i = 0; i < groups.length; i++) {
      const d = mu[i]![j]! - mm;
      sig += d * d;
    }
    out[j] = sig / groups.length / noise;
  }
  return out;
}

/**
 * Fraction of oracle, as SENSORIUM's `get_fraction_oracles`: the least-squares slope through the origin of
 * the neurons' test correlations on their oracle correlations, `Σ oᵢcᵢ / Σ oᵢ²`, over the neurons where both
 * are finite. NaN when no neuron has a finite pair or all oracles are 0.
 */
export function fractionOfOracle(testCorrelation: ArrayLike<number>, oracle: ArrayLike<number>): number {
  if (testCorrelation.length !== oracle.length)
    throw new SalShapeError('train.fractionOfOracle', [oracle.length], [testCorrelation.length], 'one test correlation per oracle');
  let num = 0,
    den = 0;
  for (let j = 0; j < oracle.length; j++) {
    const c = testCorrelation[j]!,
      o = oracle[j]!;
    if (!Number.isFinite(c) || !Number.isFinite(o)) continue;
    num += o * c;
    den += o * o;
  }
  return den > 0 ? num / den : Number.NaN;
}

/** Options of {@link oracleScores}. */
export interface OracleScoreOptions {
  /** Which oracle: the leave-one-out `jackknife` (SENSORIUM's default) or the `conservative` one. @default 'jackknife' */
  oracle?: 'jackknife' | 'conservative';
}

/** What {@link oracleScores} returns. */
export interface OracleScores {
  /** Oracle correlation per neuron `[N]`. */
  readonly oracle: Float64Array;
  /** Single-trial test correlation per neuron `[N]`. */
  readonly testCorrelation: Float64Array;
  /** Fraction of oracle of the population (slope through the origin). */
  readonly fractionOfOracle: number;
  /** Per neuron `testCorrelation / oracle` (NaN where the oracle is not positive). */
  readonly perNeuron: Float64Array;
}

/**
 * Oracle, single-trial test correlation and fraction of oracle of a model's predictions on repeated test
 * images (`groups` carry `predictions`, e.g. from `groupByImage(predictSplit(…, 'test'))`).
 */
export function oracleScores(groups: readonly RepeatGroup[], nNeurons: number, opts: OracleScoreOptions = {}): OracleScores {
  const kind = opts.oracle ?? 'jackknife';
  if (kind !== 'jackknife' && kind !== 'conservative') throw new SalConfigError('train.oracleScores', 'oracle', "'jackknife' | 'conservative'", kind);
  const oracle = kind === 'jackknife' ? oracleCorrelation(groups, nNeurons) : conservativeOracle(groups, nNeurons);
  const testCorrelation = singleTrialCorrelation(groups, nNeurons);
  const perNeuron = Float64Array.from(oracle, (o, j) => (o > 0 ? testCorrelation[j]! / o : Number.NaN));
  return { oracle, testCorrelation, fractionOfOracle: fractionOfOracle(testCorrelation, oracle), perNeuron };
}

/** Thresholds of {@link selectNeurons}; a neuron must pass every one given. */
export interface NeuronFilter {
  /** Keep neurons whose oracle correlation is at least this. */
  minOracle?: number;
  /** Keep neurons whose SNR is at least this. */
  minSnr?: number;
}

/**
 * Indices of the neurons passing the thresholds (NaN scores fail), e.g. the labs' "oracle ≥ 0.3" or
 * "SNR ≥ 0.1" selection before analyses. A threshold without its scores is a {@link SalConfigError}.
 */
export function selectNeurons(scores: { oracle?: ArrayLike<number>; snr?: ArrayLike<number> }, filter: NeuronFilter): Int32Array {
  const where = 'train.selectNeurons';
  if (filter.minOracle !== undefined && !scores.oracle) throw new SalConfigError(where, 'minOracle', 'oracle scores to filter on', 'none');
  if (filter.minSnr !== undefined && !scores.snr) throw new SalConfigError(where, 'minSnr', 'SNR scores to filter on', 'none');
  const n = (scores.oracle ?? scores.snr)?.length ?? 0;
  if (scores.oracle && scores.snr && scores.oracle.length !== scores.snr.length)
    throw new SalShapeError(where, [scores.oracle.length], [scores.snr.length], 'one SNR per oracle');
  const keep: number[] = [];
  for (let j = 0; j < n; j++) {
    if (filter.minOracle !== undefined && !(scores.oracle![j]! >= filter.minOracle)) continue;
    if (filter.minSnr !== undefined && !(scores.snr![j]! >= filter.minSnr)) continue;
    keep.push(j);
  }
  return Int32Array.from(keep);
}
