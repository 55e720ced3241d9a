import { Matrix, QrDecomposition } from 'ml-matrix';
import { createRng } from '@sal/types';

/** Gaussian random rows `[n][d]` from a seed. */
export function randn(n: number, d: number, seed: number): number[][] {
  const r = createRng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => r.normal()));
}

/** A random orthogonal matrix `[n,n]` (QR of a Gaussian matrix, ml-matrix). */
export function randomOrthogonal(n: number, seed: number): Matrix {
  return new QrDecomposition(new Matrix(randn(n, n, seed))).orthogonalMatrix;
}

/** `Q diag(λ) Qᵀ` with the given spectrum, and Q. */
export function withSpectrum(lambda: number[], seed: number): { a: number[][]; q: Matrix } {
  const n = lambda.length;
  const q = randomOrthogonal(n, seed);
  const a = q.mmul(Matrix.diag(lambda)).mmul(q.transpose());
  return { a: a.to2DArray(), q };
}

/** |cosine| between two vectors. */
export function absCos(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] as number) * (b[i] as number);
    aa += (a[i] as number) ** 2;
    bb += (b[i] as number) ** 2;
  }
  return Math.abs(ab) / Math.sqrt(aa * bb);
}

/** Column j of a row-major `[rows, cols]` array. */
export function col(data: ArrayLike<number>, rows: number, cols: number, j: number): number[] {
  return Array.from({ length: rows }, (_, i) => data[i * cols + j] as number);
}
