/**
 * Saliency metrics, as pysaliency and the MIT saliency benchmark define them. A saliency map is `[h, w]`
 * row-major; fixations of one image are pixel indices `y·w + x` (an `Int32Array`).
 *
 * - `aucJudd` (MIT `AUC_Judd`): thresholds at the map's values at the fixations; TPR the fraction of
 *   fixations at or above, FPR the fraction of the other pixels at or above; trapezoid area.
 * - `aucUniform` (pysaliency `AUC` with uniform non-fixations): P(map at a fixation > map at a pixel) + ½ P(=),
 *   the exact rank statistic of which `aucBorji` is the MIT benchmark's sampled estimate.
 * - `aucBorji` (MIT `AUC_Borji`): `splits` seeded draws of as many uniform random pixels as fixations,
 *   thresholds every 0.1 of the [0, 1]-normalised map; mean area.
 * - `aucShuffled` (pysaliency `AUC` with shuffled non-fixations): the rank statistic against the map's values
 *   at the fixation locations of other images (which removes the reward for a centre bias).
 * - `nss`: mean of the standardised map (ddof 0) at the fixations.
 * - `cc`: Pearson correlation of two maps (e.g. the model's density and the true/empirical density).
 * - `kld` (MIT `KLdiv`): Σ p log(ε + p / (q + ε)) of the reference density p and the model density q, both
 *   normalised to sum 1, ε = 2.2204e-16.
 * - `sim` (MIT `similarity`): Σ min(p, q) of the two maps normalised to sum 1.
 * - `informationGain` (pysaliency): mean over fixations of log₂ p_model − log₂ p_baseline, bits per fixation,
 *   for log-densities (natural log) over pixels.
 */
import { SalConfigError, SalDataError, SalShapeError, createRng } from '@sal/types';

const EPS = 2.220446049250313e-16;

function checkFix(where: string, map: ArrayLike<number>, fix: ArrayLike<number>): void {
  if (fix.length === 0) throw new SalDataError(where, 'at least one fixation', 0);
  for (let i = 0; i < fix.length; i++) {
    const f = fix[i]!;
    if (!Number.isInteger(f) || f < 0 || f >= map.length) throw new SalShapeError(`${where}(fixations[${i}])`, `a pixel index in [0, ${map.length})`, f);
  }
}

function checkSame(where: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length || a.length === 0) throw new SalShapeError(where, [a.length], [b.length], 'both maps must have the same, non-zero size');
}

/** AUC of positives against negatives as the rank statistic P(pos > neg) + ½ P(pos = neg). */
export function rankAuc(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  if (positives.length === 0 || negatives.length === 0)
    throw new SalDataError('rankAuc', 'positives and negatives', `${positives.length} and ${negatives.length}`);
  const neg = Float64Array.from(negatives).sort();
  let sum = 0;
  for (let i = 0; i < positives.length; i++) {
    const p = positives[i]!;
    // count negatives < p and == p by binary search
    let lo = 0,
      hi = neg.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (neg[m]! < p) lo = m + 1;
      else hi = m;
    }
    let lo2 = lo,
      hi2 = neg.length;
    while (lo2 < hi2) {
      const m = (lo2 + hi2) >> 1;
      if (neg[m]! <= p) lo2 = m + 1;
      else hi2 = m;
    }
    sum += lo + 0.5 * (lo2 - lo);
  }
  return sum / (positives.length * neg.length);
}

/**
 * MIT's AUC-Judd, with ties handled exactly instead of by random jitter: thresholds at the distinct map values
 * at the fixations; TPR = fixations at or above, FPR = other pixels at or above. A constant map scores 0.5.
 */
export function aucJudd(map: ArrayLike<number>, fixations: ArrayLike<number>): number {
  checkFix('aucJudd', map, fixations);
  const N = map.length,
    F = fixations.length;
  if (F >= N) throw new SalDataError('aucJudd', 'fewer fixations than pixels', F);
  const fixVals = Float64Array.from(fixations, (f) => map[f]!).sort();
  const all = Float64Array.from(map).sort();
  const atLeast = (arr: Float64Array, t: number): number => {
    let lo = 0,
      hi = arr.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (arr[m]! < t) lo = m + 1;
      else hi = m;
    }
    return arr.length - lo;
  };
  const thr = [...new Set(fixVals)].sort((a, b) => b - a);
  const tp = [0],
    fp = [0];
  for (const t of thr) {
    const nf = atLeast(fixVals, t);
    tp.push(nf / F);
    fp.push((atLeast(all, t) - nf) / (N - F));
  }
  tp.push(1);
  fp.push(1);
  let area = 0;
  for (let i = 1; i < tp.length; i++) area += ((fp[i]! - fp[i - 1]!) * (tp[i]! + tp[i - 1]!)) / 2;
  return area;
}

/** pysaliency's AUC against all pixels (uniform non-fixations), exact. */
export function aucUniform(map: ArrayLike<number>, fixations: ArrayLike<number>): number {
  checkFix('aucUniform', map, fixations);
  return rankAuc(
    Float64Array.from(fixations, (f) => map[f]!),
    map,
  );
}

/** Options of {@link aucBorji}. */
export interface AucBorjiOptions {
  /** Random draws of non-fixations. @default 100 */
  splits?: number;
  /** Threshold step on the [0, 1]-normalised map. @default 0.1 */
  step?: number;
  /** Seed of the draws. @default 0 */
  seed?: number;
}

/** MIT's AUC-Borji: mean over seeded draws of uniform random non-fixations. */
export function aucBorji(map: ArrayLike<number>, fixations: ArrayLike<number>, opts: AucBorjiOptions = {}): number {
  const where = 'aucBorji';
  checkFix(where, map, fixations);
  const splits = opts.splits ?? 100,
    step = opts.step ?? 0.1,
    seed = opts.seed ?? 0;
  if (!Number.isInteger(splits) || splits < 1) throw new SalConfigError(where, 'splits', 'a positive integer', splits);
  if (!(step > 0 && step <= 1)) throw new SalConfigError(where, 'step', 'a number in (0, 1]', step);
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const norm = (v: number): number => (hi > lo ? (v - lo) / (hi - lo) : 0);
  const F = fixations.length;
  const pos = Float64Array.from(fixations, (f) => norm(map[f]!));
  const rng = createRng(seed);
  const thresholds: number[] = [];
  let maxPos = 0;
  for (const v of pos) maxPos = Math.max(maxPos, v);
  for (let t = 0; t <= maxPos + 1e-12; t += step) thresholds.push(t);
  thresholds.reverse();
  let total = 0;
  for (let s = 0; s < splits; s++) {
    const neg = Float64Array.from({ length: F }, () => norm(map[rng.int(map.length)]!));
    const tp = [0],
      fp = [0];
    for (const t of thresholds) {
      let a = 0,
        b = 0;
      for (const v of pos) if (v >= t) a++;
      for (const v of neg) if (v >= t) b++;
      tp.push(a / F);
      fp.push(b / F);
    }
    tp.push(1);
    fp.push(1);
    let area = 0;
    for (let i = 1; i < tp.length; i++) area += ((fp[i]! - fp[i - 1]!) * (tp[i]! + tp[i - 1]!)) / 2;
    total += area;
  }
  return total / splits;
}

/** Shuffled AUC: this image's fixations against the fixation locations of other images (`otherFixations`). */
export function aucShuffled(map: ArrayLike<number>, fixations: ArrayLike<number>, otherFixations: ArrayLike<number>): number {
  checkFix('aucShuffled', map, fixations);
  checkFix('aucShuffled(otherFixations)', map, otherFixations);
  return rankAuc(
    Float64Array.from(fixations, (f) => map[f]!),
    Float64Array.from(otherFixations, (f) => map[f]!),
  );
}

/** Normalised scanpath saliency: the map standardised (mean 0, std 1, ddof 0), averaged at the fixations. */
export function nss(map: ArrayLike<number>, fixations: ArrayLike<number>): number {
  checkFix('nss', map, fixations);
  let m = 0;
  for (let i = 0; i < map.length; i++) m += map[i]!;
  m /= map.length;
  let v = 0;
  for (let i = 0; i < map.length; i++) v += (map[i]! - m) ** 2;
  const sd = Math.sqrt(v / map.length);
  if (!(sd > 1e-9 * Math.max(Math.abs(m), 1e-300))) return Number.NaN; // a constant map (up to rounding)
  let s = 0;
  for (let i = 0; i < fixations.length; i++) s += (map[fixations[i]!]! - m) / sd;
  return s / fixations.length;
}

/** Pearson correlation of two maps (NaN when one is constant). */
export function cc(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkSame('cc', a, b);
  let ma = 0,
    mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= a.length;
  mb /= a.length;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! - ma,
      y = b[i]! - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  const tiny = (s2: number, mu: number): boolean => !(Math.sqrt(s2 / a.length) > 1e-9 * Math.max(Math.abs(mu), 1e-300));
  return tiny(saa, ma) || tiny(sbb, mb) ? Number.NaN : sab / Math.sqrt(saa * sbb);
}

function normalised(where: string, m: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < m.length; i++) {
    if (!(m[i]! >= 0)) throw new SalDataError(where, 'a non-negative map (a density, not a log-density)', m[i]);
    s += m[i]!;
  }
  if (!(s > 0)) throw new SalDataError(where, 'a map with positive mass', s);
  return Float64Array.from(m, (v) => v / s);
}

/** MIT's KL divergence of the model density `q` from the reference density `p` (both normalised to sum 1). */
export function kld(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkSame('kld', p, q);
  const P = normalised('kld(p)', p),
    Q = normalised('kld(q)', q);
  let s = 0;
  for (let i = 0; i < P.length; i++) s += P[i]! * Math.log(EPS + P[i]! / (Q[i]! + EPS));
  return s;
}

/** Similarity (histogram intersection) of two maps normalised to sum 1. */
export function sim(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkSame('sim', p, q);
  const P = normalised('sim(p)', p),
    Q = normalised('sim(q)', q);
  let s = 0;
  for (let i = 0; i < P.length; i++) s += Math.min(P[i]!, Q[i]!);
  return s;
}

/**
 * Information gain of a model over a baseline in bits per fixation: mean over fixations of
 * `(logModel − logBaseline) / ln 2`, both natural-log densities over the pixels (each must sum to 1 in exp).
 */
export function informationGain(logModel: ArrayLike<number>, logBaseline: ArrayLike<number>, fixations: ArrayLike<number>): number {
  checkSame('informationGain', logModel, logBaseline);
  checkFix('informationGain', logModel, fixations);
  let s = 0;
  for (let i = 0; i < fixations.length; i++) s += logModel[fixations[i]!]! - logBaseline[fixations[i]!]!;
  return s / fixations.length / Math.LN2;
}

/** Log-likelihood of the fixations under a log-density relative to the uniform density, bits per fixation. */
export function logLikelihoodGain(logDensity: ArrayLike<number>, fixations: ArrayLike<number>): number {
  checkFix('logLikelihoodGain', logDensity, fixations);
  let s = 0;
  for (let i = 0; i < fixations.length; i++) s += logDensity[fixations[i]!]!;
  return (s / fixations.length + Math.log(logDensity.length)) / Math.LN2;
}
