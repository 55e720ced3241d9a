import { checkNumber, resolveOptions, SalConfigError } from '@sal/types';
import { lineChartSvg, type ChartOptions } from './charts.js';

/** Scott's rule (scipy's `gaussian_kde` default, used by seaborn): sd (ddof 1) × n^(−1/5). */
export function scottBandwidth(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i]!;
  const m = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! - m) ** 2;
  return Math.sqrt(ss / (n - 1)) * n ** -0.2;
}

/** Work above which {@link kernelDensity} bins the data before summing (values × evaluation points). */
const EXACT_LIMIT = 4_000_000;
const GRID = 4096;

/**
 * Gaussian kernel density estimate of `values` evaluated at `xs`:
 * f(x) = (1/(n·h)) Σᵢ φ((x − vᵢ)/h). The bandwidth defaults to Scott's rule (or 1e-3 when the values
 * have no spread). For large inputs (values × points > 4e6) the values are first linearly binned on a
 * 4096-point grid, which changes the result by far less than the bandwidth's effect.
 */
export function kernelDensity(values: ArrayLike<number>, xs: ArrayLike<number>, opts: { bandwidth?: number } = {}): Float64Array {
  const where = 'viz.kernelDensity';
  const n = values.length;
  if (n === 0) throw new SalConfigError(where, 'values', 'at least one value', n);
  const given = resolveOptions(where, { bandwidth: NaN }, opts).bandwidth;
  let h: number;
  if (Number.isNaN(given)) {
    h = scottBandwidth(values);
    if (!(h > 0)) h = 1e-3;
  } else {
    h = checkNumber(where, 'bandwidth', given, { min: 0, exclusiveMin: true });
  }
  const norm = 1 / (n * h * Math.sqrt(2 * Math.PI));
  const out = new Float64Array(xs.length);
  if (n * xs.length <= EXACT_LIMIT) {
    for (let j = 0; j < xs.length; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const z = (xs[j]! - values[i]!) / h;
        s += Math.exp(-0.5 * z * z);
      }
      out[j] = s * norm;
    }
    return out;
  }
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const step = hi > lo ? (hi - lo) / (GRID - 1) : 1;
  const wts = new Float64Array(GRID);
  for (let i = 0; i < n; i++) {
    const p = (values[i]! - lo) / step,
      k = Math.min(GRID - 2, Math.floor(p)),
      f = p - k;
    wts[k]! += 1 - f;
    wts[k + 1]! += f;
  }
  for (let j = 0; j < xs.length; j++) {
    let s = 0;
    for (let k = 0; k < GRID; k++) {
      if (wts[k] === 0) continue;
      const z = (xs[j]! - (lo + k * step)) / h;
      s += wts[k]! * Math.exp(-0.5 * z * z);
    }
    out[j] = s * norm;
  }
  return out;
}

/** Options of {@link densityChartSvg}. */
export interface DensityChartOptions extends ChartOptions {
  /** Number of evaluation points across the range. @default 200 */
  points?: number;
  /** Evaluation range `[lo, hi]`; empty = all values ± 3 bandwidths. @default [] */
  range?: readonly number[];
  /** Kernel bandwidth; NaN = Scott's rule per series. @default NaN */
  bandwidth?: number;
}

/** Kernel density curves, one line per series (e.g. gRF values of the strongest vs weakest images). */
export async function densityChartSvg(series: readonly { name: string; values: ArrayLike<number> }[], opts: DensityChartOptions = {}): Promise<string> {
  const where = 'viz.densityChart';
  if (opts === null || typeof opts !== 'object') throw new SalConfigError(where, '(options)', 'an object', opts);
  const { points = 200, range = [], bandwidth = NaN, ...chart } = opts;
  checkNumber(where, 'points', points, { min: 2, integer: true });
  if (!Array.isArray(series) || series.length === 0) throw new SalConfigError(where, 'series', 'a non-empty array', series);
  let lo = Infinity,
    hi = -Infinity;
  for (const s of series) {
    const h = Number.isNaN(bandwidth) ? scottBandwidth(s.values) || 1e-3 : bandwidth;
    for (let i = 0; i < s.values.length; i++) {
      lo = Math.min(lo, s.values[i]! - 3 * h);
      hi = Math.max(hi, s.values[i]! + 3 * h);
    }
  }
  if (range.length === 2) [lo, hi] = [range[0]!, range[1]!];
  else if (range.length !== 0) throw new SalConfigError(where, 'range', '[] or [lo, hi]', range);
  if (!(hi > lo)) throw new SalConfigError(where, 'range', 'lo < hi', [lo, hi]);
  const xs = Float64Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
  const lines = series.map((s) => ({ name: s.name, x: xs, y: kernelDensity(s.values, xs, Number.isNaN(bandwidth) ? {} : { bandwidth }) }));
  return lineChartSvg(lines, { yLabel: 'density', ...chart });
}
