/** Density helpers: maps to densities, log-densities, fixations sampled from a density, fixation maps. */
import { SalConfigError, SalDataError, createRng } from '@sal/types';
import { gaussianFilter2d } from '@sal/saliency-loader';

/**
 * A non-negative saliency map to a density over pixels (sums to 1): negative values clip to 0, then a floor
 * of `floor` × the mean is added everywhere (so no pixel has probability 0), then normalised.
 */
export function toDensity(map: ArrayLike<number>, floor = 0.05): Float64Array {
  if (!(floor >= 0)) throw new SalConfigError('toDensity', 'floor', 'a number ≥ 0', floor);
  let m = 0;
  for (let i = 0; i < map.length; i++) m += Math.max(0, map[i]!);
  m /= map.length;
  const add = m > 0 ? floor * m : 1;
  const out = new Float64Array(map.length);
  let s = 0;
  for (let i = 0; i < map.length; i++) {
    out[i] = Math.max(0, map[i]!) + add;
    s += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / s;
  return out;
}

/** Natural log of a density (zeros become log(1e-300)). */
export function logOf(density: ArrayLike<number>): Float64Array {
  return Float64Array.from(density as ArrayLike<number>, (p) => Math.log(Math.max(p, 1e-300)));
}

/** Normalise a log-density so that its exp sums to 1 (log-sum-exp). */
export function normaliseLog(logMap: ArrayLike<number>): Float64Array {
  let mx = -Infinity;
  for (let i = 0; i < logMap.length; i++) mx = Math.max(mx, logMap[i]!);
  if (!Number.isFinite(mx)) throw new SalDataError('normaliseLog', 'a finite log-density', mx);
  let s = 0;
  for (let i = 0; i < logMap.length; i++) s += Math.exp(logMap[i]! - mx);
  const z = mx + Math.log(s);
  return Float64Array.from(logMap as ArrayLike<number>, (v) => v - z);
}

/** `n` fixations (pixel indices) drawn independently from a density (normalised here), seeded. */
export function sampleFixations(density: ArrayLike<number>, n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 1) throw new SalConfigError('sampleFixations', 'n', 'a positive integer', n);
  const cdf = new Float64Array(density.length);
  let s = 0;
  for (let i = 0; i < density.length; i++) {
    if (!(density[i]! >= 0)) throw new SalDataError('sampleFixations', 'a non-negative density', density[i]);
    s += density[i]!;
    cdf[i] = s;
  }
  if (!(s > 0)) throw new SalDataError('sampleFixations', 'a density with positive mass', s);
  const rng = createRng(seed);
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const u = rng.next() * s;
    let lo = 0,
      hi = cdf.length - 1;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (cdf[m]! <= u) lo = m + 1;
      else hi = m;
    }
    out[k] = lo;
  }
  return out;
}

/** Fixation counts `[h, w]` blurred by a Gaussian of σ `sigma` pixels (0: the counts). */
export function fixationMap(fixations: ArrayLike<number>, h: number, w: number, sigma = 0): Float32Array {
  const m = new Float32Array(h * w);
  for (let i = 0; i < fixations.length; i++) {
    const f = fixations[i]!;
    if (!Number.isInteger(f) || f < 0 || f >= h * w) throw new SalDataError('fixationMap', `pixel indices in [0, ${h * w})`, f);
    m[f] = m[f]! + 1;
  }
  return sigma > 0 ? gaussianFilter2d(m, h, w, sigma) : m;
}

/**
 * Ground-truth fixations for a dataset that carries true saliency log-densities (`RawDataset.saliency`, as the
 * simulation writes them): `n` fixations per image sampled from `exp(saliency)`, image `i` seeded with
 * `seed·100003 + i` (the bench's convention). Returns one `Int32Array` of pixel indices per image.
 */
export function fixationsFromLogDensities(saliency: Float32Array, shape: readonly [number, number, number], n: number, seed: number): Int32Array[] {
  const [N, h, w] = shape;
  if (saliency.length !== N * h * w) throw new SalDataError('fixationsFromLogDensities', `${N}·${h}·${w} values`, saliency.length);
  const px = h * w;
  return Array.from({ length: N }, (_, i) => sampleFixations(Float64Array.from(saliency.subarray(i * px, (i + 1) * px), Math.exp), n, seed * 100003 + i));
}
