import { SalShapeError } from '@sal/types';

/**
 * Pearson correlation of each column of two row-major `[rows, nColumns]` arrays, as the original's
 * `corr(y1, y2, axis=0)`: the mean over rows of the product of the z-scored columns, with ddof 0 and
 * `eps` added to each standard deviation. A constant column scores 0 (never NaN); NaN results become 0.
 * Computed in float64 on the host.
 * @returns `[nColumns]`
 */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>, nColumns: number, eps = 1e-8): Float64Array {
  if (a.length !== b.length) throw new SalShapeError('train.correlation(b)', [a.length], [b.length]);
  if (!Number.isInteger(nColumns) || nColumns <= 0 || a.length % nColumns !== 0) {
    throw new SalShapeError('train.correlation(nColumns)', `a divisor of ${a.length}`, nColumns);
  }
  const rows = a.length / nColumns;
  const out = new Float64Array(nColumns);
  if (rows === 0) return out;
  for (let j = 0; j < nColumns; j++) {
    let ma = 0,
      mb = 0;
    for (let i = 0; i < rows; i++) {
      ma += a[i * nColumns + j]!;
      mb += b[i * nColumns + j]!;
    }
    ma /= rows;
    mb /= rows;
    let va = 0,
      vb = 0,
      cov = 0;
    for (let i = 0; i < rows; i++) {
      const da = a[i * nColumns + j]! - ma,
        db = b[i * nColumns + j]! - mb;
      va += da * da;
      vb += db * db;
      cov += da * db;
    }
    const sa = Math.sqrt(va / rows) + eps,
      sb = Math.sqrt(vb / rows) + eps;
    const r = cov / rows / (sa * sb);
    out[j] = Number.isNaN(r) ? 0 : r;
  }
  return out;
}
