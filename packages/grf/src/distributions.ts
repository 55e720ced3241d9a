import { SalConfigError, SalShapeError, checkNumber, resolveOptions } from '@sal/types';
import { type GrfArray, grfDims } from './arrays.js';

/** Summary statistics of a sample of values (NaN values are ignored). */
export interface SummaryStats {
  readonly count: number;
  readonly mean: number;
  /** Standard deviation, ddof 0. */
  readonly std: number;
  readonly min: number;
  readonly max: number;
  readonly median: number;
  /** 5th and 95th percentiles (linear interpolation). */
  readonly q05: number;
  readonly q95: number;
  /** Mean of |value|. */
  readonly meanAbs: number;
  /** Excess kurtosis (0 for a normal distribution; large for a sharp peak at the mean with heavy tails). */
  readonly kurtosis: number;
}

/** A histogram on shared bin edges, with its summary statistics. */
export interface Distribution {
  /** `[bins]` counts; values outside the range are counted in `below` / `above`. */
  readonly counts: Int32Array;
  /** `[bins]` density: counts / (count · bin width), so it integrates to the fraction inside the range. */
  readonly density: Float64Array;
  readonly below: number;
  readonly above: number;
  readonly stats: SummaryStats;
}

/** Options of {@link valueDistributions}. */
export interface DistributionOptions {
  /** Number of bins. @default 50 */
  bins?: number;
  /** `[lo, hi]` of the bins; `null`: symmetric ±max|value| over all groups (0-centred, like gRF values). @default null */
  range?: readonly [number, number] | null;
}

/** Defaults of {@link DistributionOptions}. */
export const DISTRIBUTION_DEFAULTS: Readonly<Required<DistributionOptions>> = Object.freeze({ bins: 50, range: null });

/** Quantile q of sorted finite values (linear interpolation between order statistics). */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos),
    hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Summary statistics of `values` (NaN ignored). */
export function summaryStats(values: ArrayLike<number>): SummaryStats {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) finite.push(values[i]!);
  const n = finite.length;
  const sorted = Float64Array.from(finite).sort();
  let sum = 0,
    sumAbs = 0;
  for (const v of finite) {
    sum += v;
    sumAbs += Math.abs(v);
  }
  const mean = n ? sum / n : NaN;
  let m2 = 0,
    m4 = 0;
  for (const v of finite) {
    const d = v - mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  m2 = n ? m2 / n : NaN;
  m4 = n ? m4 / n : NaN;
  return {
    count: n,
    mean,
    std: Math.sqrt(m2),
    min: n ? sorted[0]! : NaN,
    max: n ? sorted[n - 1]! : NaN,
    median: quantile(sorted, 0.5),
    q05: quantile(sorted, 0.05),
    q95: quantile(sorted, 0.95),
    meanAbs: n ? sumAbs / n : NaN,
    kurtosis: m2 > 0 ? m4 / (m2 * m2) - 3 : NaN,
  };
}

/**
 * Histograms of several groups of values on shared bins (e.g. gRF values on the top-k vs the bottom-k
 * images), each with its summary statistics. Bin i is `[edges[i], edges[i+1])`, the last bin closed.
 * @param groups named samples, e.g. `{ top: …, bottom: … }`
 * @returns `{ edges: [bins+1], groups: { name: Distribution } }`
 */
export function valueDistributions<K extends string>(
  groups: Readonly<Record<K, ArrayLike<number>>>,
  opts?: DistributionOptions,
): { readonly edges: Float64Array; readonly groups: Readonly<Record<K, Distribution>> } {
  const where = 'grf.valueDistributions';
  const o = resolveOptions<DistributionOptions>(where, DISTRIBUTION_DEFAULTS, opts);
  const bins = checkNumber(where, 'bins', o.bins, { min: 1, integer: true });
  const names = Object.keys(groups) as K[];
  let lo: number, hi: number;
  if (o.range === null) {
    let m = 0;
    for (const k of names) {
      const g = groups[k];
      for (let i = 0; i < g.length; i++) {
        const a = Math.abs(g[i]!);
        if (a > m) m = a;
      }
    }
    if (m === 0) m = 1;
    lo = -m;
    hi = m;
  } else {
    if (!Array.isArray(o.range) || o.range.length !== 2) throw new SalConfigError(where, 'range', '[lo, hi] or null', o.range);
    lo = checkNumber(where, 'range', o.range[0]);
    hi = checkNumber(where, 'range', o.range[1]);
    if (!(hi > lo)) throw new SalConfigError(where, 'range', '[lo, hi] with hi > lo', o.range);
  }
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i <= bins; i++) edges[i] = lo + ((hi - lo) * i) / bins;
  const width = (hi - lo) / bins;
  const out = {} as Record<K, Distribution>;
  for (const k of names) {
    const g = groups[k];
    if (g === null || typeof g !== 'object' || typeof g.length !== 'number') throw new TypeError(`${where}: group '${k}' must be an array of numbers`);
    const counts = new Int32Array(bins);
    let below = 0,
      above = 0;
    for (let i = 0; i < g.length; i++) {
      const v = g[i]!;
      if (Number.isNaN(v)) continue;
      if (v < lo) below++;
      else if (v > hi) above++;
      else counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
    }
    const stats = summaryStats(g);
    const density = Float64Array.from(counts, (c) => (stats.count ? c / (stats.count * width) : 0));
    out[k] = { counts, density, below, above, stats };
  }
  return { edges, groups: out };
}

/**
 * The gRF values of one neuron (position `neuron` in the gRF array) on the given images, concatenated:
 * the input of {@link valueDistributions}.
 * @param grf `[neurons, images, h, w(, channels)]`
 */
export function gatherGrfValues(grf: GrfArray, neuron: number, images: ArrayLike<number>): Float32Array {
  const where = 'grf.gatherGrfValues';
  const [nn, m, h, w, c] = grfDims(`${where}: grf`, grf);
  checkNumber(where, 'neuron', neuron, { min: 0, max: nn - 1, integer: true });
  const per = h * w * c;
  const out = new Float32Array(images.length * per);
  for (let r = 0; r < images.length; r++) {
    const i = images[r]!;
    if (!Number.isInteger(i) || i < 0 || i >= m) throw new SalShapeError(`${where}: images[${r}]`, `an image index in [0, ${m})`, i);
    out.set(grf.data.subarray((neuron * m + i) * per, (neuron * m + i + 1) * per), r * per);
  }
  return out;
}
