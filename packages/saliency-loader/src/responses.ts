/** Conversions from the original loader's response layout. */
import { SalConfigError, SalShapeError } from '@sal/types';

/**
 * The original's per-session responses `[neurons, timeBins, trials]` → `[trials, neurons]` (its
 * `transpose(2,0,1)` followed by a sum — or a mean — over the chosen time bins, e.g. bins 3…11 in the
 * saliency experiments). Reads any numeric array in C order.
 * @returns `[trials, neurons]` row-major
 */
export function binnedToTrials(
  data: ArrayLike<number>,
  shape: readonly [neurons: number, bins: number, trials: number],
  opts: { bins?: readonly number[]; reduce?: 'sum' | 'mean' } = {},
): Float32Array {
  const where = 'binnedToTrials';
  const [N, B, T] = shape;
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || data.length !== N * B * T) {
    throw new SalShapeError(`${where}(data)`, '[neurons, timeBins, trials]', [data.length], `shape ${JSON.stringify(shape)}`);
  }
  const bins = opts.bins ?? Array.from({ length: B }, (_, i) => i);
  if (bins.length === 0 || !bins.every((b) => Number.isInteger(b) && b >= 0 && b < B)) {
    throw new SalConfigError(where, 'bins', `a non-empty list of bin indices in [0, ${B})`, bins);
  }
  const reduce = opts.reduce ?? 'sum';
  if (reduce !== 'sum' && reduce !== 'mean') throw new SalConfigError(where, 'reduce', "'sum' or 'mean'", reduce);
  const out = new Float32Array(T * N);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (const b of bins) s += data[(n * B + b) * T + t] as number;
      out[t * N + n] = reduce === 'mean' ? s / bins.length : s;
    }
  }
  return out;
}
