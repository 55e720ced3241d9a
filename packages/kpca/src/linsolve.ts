/**
 * Solving symmetric positive definite systems `A X = B` by Cholesky factorisation. `'float64'` is a
 * plain JavaScript factorisation and substitution (exact reference, O(n³ + n²m) in JS); `'tensor'` is
 * blocked and keeps every large matrix a float32 tensor: the small diagonal blocks are factorised and
 * inverted in float64 JavaScript, every large product (trailing updates of the factorisation, the
 * block forward and backward substitutions) is a `tf.matMul` on the active backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, SalDataError, SalShapeError, checkNumber, checkOneOf } from '@sal/types';
import { PRODUCT_METHODS, assertTensorBackend, matmul, toDense, type DenseMatrix, type MatrixInput, type ProductMethod } from './dense.js';

/** Options of {@link solveSpd}. */
export interface SolveSpdOptions {
  /** `'tensor'` (blocked, float32 products) or `'float64'` (JavaScript). @default 'tensor' */
  method?: ProductMethod;
  /** Block size of the tensor path. @default 256 */
  blockSize?: number;
}

/** Unblocked Cholesky of the `[m,m]` block stored row-major in `a`, in place (lower triangle = L). */
function cholInPlace(a: Float64Array, m: number, where: string): void {
  for (let j = 0; j < m; j++) {
    const oj = j * m;
    let s = a[oj + j] as number;
    for (let p = 0; p < j; p++) s -= (a[oj + p] as number) ** 2;
    if (!(s > 0)) throw new SalDataError(where, 'a symmetric positive definite matrix', `pivot ${s} at ${j}`);
    const ljj = Math.sqrt(s);
    a[oj + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      const oi = i * m;
      let t = a[oi + j] as number;
      for (let p = 0; p < j; p++) t -= (a[oi + p] as number) * (a[oj + p] as number);
      a[oi + j] = t / ljj;
    }
    for (let i = 0; i < j; i++) a[i * m + j] = 0;
  }
}

/** Inverse of a lower-triangular `[m,m]` matrix (row-major), as a new lower-triangular matrix. */
export function invLower(l: Float64Array, m: number): Float64Array {
  const inv = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    inv[j * m + j] = 1 / (l[j * m + j] as number);
    for (let i = j + 1; i < m; i++) {
      let s = 0;
      for (let p = j; p < i; p++) s += (l[i * m + p] as number) * (inv[p * m + j] as number);
      inv[i * m + j] = -s / (l[i * m + i] as number);
    }
  }
  return inv;
}

function block(src: DenseMatrix, r0: number, r1: number, c0: number, c1: number): DenseMatrix {
  const rows = r1 - r0;
  const cols = c1 - c0;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) data.set(src.data.subarray((r0 + i) * src.cols + c0, (r0 + i) * src.cols + c1), i * cols);
  return { rows, cols, data };
}

/** Blocked Cholesky factor L (lower, `[n,n]`) with the big products on the tensor backend. */
function choleskyBlocked(A: DenseMatrix, b: number, where: string): DenseMatrix {
  const n = A.rows;
  const L: DenseMatrix = { rows: n, cols: n, data: new Float64Array(n * n) };
  for (let k0 = 0; k0 < n; k0 += b) {
    const k1 = Math.min(n, k0 + b);
    const bs = k1 - k0;
    const S = block(A, k0, n, k0, k1); // [(n−k0), bs]
    if (k0 > 0) {
      const P = matmul(block(L, k0, n, 0, k0), block(L, k0, k1, 0, k0), { transposeB: true });
      for (let i = 0; i < S.data.length; i++) S.data[i] = (S.data[i] as number) - (P.data[i] as number);
    }
    const d11 = S.data.slice(0, bs * bs);
    for (let i = 0; i < bs; i++) for (let j = 0; j < i; j++) d11[j * bs + i] = d11[i * bs + j] as number;
    cholInPlace(d11, bs, where);
    for (let i = 0; i < bs; i++) for (let j = 0; j <= i; j++) L.data[(k0 + i) * n + k0 + j] = d11[i * bs + j] as number;
    if (k1 < n) {
      const inv = { rows: bs, cols: bs, data: invLower(d11, bs) };
      const S21: DenseMatrix = { rows: n - k1, cols: bs, data: S.data.subarray(bs * bs) };
      const L21 = matmul(S21, inv, { transposeB: true });
      for (let i = 0; i < n - k1; i++) L.data.set(L21.data.subarray(i * bs, (i + 1) * bs), (k1 + i) * n + k0);
    }
  }
  return L;
}

/** Blocked inverse of a lower-triangular L `[n,n]`, products on the tensor backend. */
function invLowerBlocked(L: DenseMatrix, b: number): DenseMatrix {
  const n = L.rows;
  const inv: DenseMatrix = { rows: n, cols: n, data: new Float64Array(n * n) };
  for (let i0 = 0; i0 < n; i0 += b) {
    const i1 = Math.min(n, i0 + b);
    const bs = i1 - i0;
    const dInv = { rows: bs, cols: bs, data: invLower(block(L, i0, i1, i0, i1).data, bs) };
    for (let i = 0; i < bs; i++) inv.data.set(dInv.data.subarray(i * bs, i * bs + i + 1), (i0 + i) * n + i0);
    if (i0 > 0) {
      // inv[i-block, 0:i0] = −inv(L_ii) · L[i-block, 0:i0] · inv[0:i0, 0:i0]
      const T = matmul(block(L, i0, i1, 0, i0), block(inv, 0, i0, 0, i0));
      const R = matmul(dInv, T);
      for (let i = 0; i < bs; i++) for (let j = 0; j < i0; j++) inv.data[(i0 + i) * n + j] = -(R.data[i * i0 + j] as number);
    }
  }
  return inv;
}

/**
 * The tensor path of {@link solveSpd}: right-looking blocked Cholesky `A = L Lᵀ` on a float32 tensor (the
 * trailing matrix is updated with one product per block), then the block substitutions `L Y = B` and
 * `Lᵀ X = Y` (one product per block against all right-hand sides). About n³/1.5 + 2n²m(1 + b/n)
 * multiply-adds, all in `tf.matMul`; the factor never leaves the backend.
 */
function solveSpdBlocked(a: tf.Tensor2D, rhs: tf.Tensor2D, b: number, where: string): tf.Tensor2D {
  const n = a.shape[0];
  const m = rhs.shape[1];
  const blocks: { size: number; inv: tf.Tensor2D; below: tf.Tensor2D | null }[] = [];
  const held: tf.Tensor[] = [];
  // the lower triangle of a, mirrored (only the lower triangle is read)
  let trailing: tf.Tensor2D = tf.tidy(() => {
    const lower = tf.linalg.bandPart(a, -1, 0);
    return tf.sub(tf.add(lower, tf.transpose(lower)), tf.linalg.bandPart(a, 0, 0)) as tf.Tensor2D;
  });
  try {
    for (let j0 = 0; j0 < n; j0 += b) {
      const bs = Math.min(b, n - j0);
      const rest = n - j0 - bs;
      const dt = tf.slice(trailing, [0, 0], [bs, bs]);
      const d = new Float64Array(dt.dataSync());
      dt.dispose();
      cholInPlace(d, bs, where);
      const inv = tf.tensor2d(new Float32Array(invLower(d, bs)), [bs, bs]);
      held.push(inv);
      let below: tf.Tensor2D | null = null;
      if (rest > 0) {
        const t = trailing;
        // L21 = S21 · L11⁻ᵀ, then the Schur complement S22 − L21 L21ᵀ
        const bl = tf.tidy(() => tf.matMul(tf.slice(t, [bs, 0], [rest, bs]), inv, false, true) as tf.Tensor2D);
        below = bl;
        held.push(bl);
        trailing = tf.tidy(() => tf.sub(tf.slice(t, [bs, bs], [rest, rest]), tf.matMul(bl, bl, false, true)) as tf.Tensor2D);
        t.dispose();
      }
      blocks.push({ size: bs, inv, below });
    }
    // forward: Y_j = L_jj⁻¹ R_j, then R_{>j} −= L_{>j,j} Y_j
    let r: tf.Tensor2D = tf.clone(rhs);
    const ys: tf.Tensor2D[] = [];
    for (const blk of blocks) {
      const rr = r;
      const yj = tf.tidy(() => tf.matMul(blk.inv, tf.slice(rr, [0, 0], [blk.size, m])) as tf.Tensor2D);
      ys.push(yj);
      held.push(yj);
      if (blk.below) {
        const bl = blk.below;
        const rest = bl.shape[0];
        r = tf.tidy(() => tf.sub(tf.slice(rr, [blk.size, 0], [rest, m]), tf.matMul(bl, yj)) as tf.Tensor2D);
      }
      rr.dispose();
    }
    if (r !== undefined && !r.isDisposed) r.dispose();
    // backward: X_j = L_jj⁻ᵀ (Y_j − L_{>j,j}ᵀ X_{>j})
    let x: tf.Tensor2D | null = null;
    for (let j = blocks.length - 1; j >= 0; j--) {
      const blk = blocks[j]!;
      const yj = ys[j]!;
      const xb: tf.Tensor2D | null = x;
      const bl = blk.below;
      const xj: tf.Tensor2D = tf.tidy((): tf.Tensor2D => {
        const rhs: tf.Tensor2D = bl && xb ? tf.sub(yj, tf.matMul(bl, xb, true, false)) : yj;
        return tf.matMul(blk.inv, rhs, true, false) as tf.Tensor2D;
      });
      x = xb ? (tf.concat([xj, xb], 0) as tf.Tensor2D) : xj;
      if (xb) {
        xb.dispose();
        xj.dispose();
      }
    }
    return x as tf.Tensor2D;
  } finally {
    trailing.dispose();
    tf.dispose(held);
  }
}

/**
 * Solve `A X = B` on the tensor backend (float32): `a` `[n,n]` symmetric positive definite (only its lower
 * triangle is read), `rhs` `[n,m]`; neither is disposed, the caller owns the result `[n,m]`. Runs the
 * backend's fused solve (`FUSED_KERNELS.spdSolve`, e.g. `@sal/native`'s) when it has one, else the blocked
 * path of `blockSize`. Throws {@link SalDataError} if A is not positive definite.
 */
export function solveSpdTensors(a: tf.Tensor2D, rhs: tf.Tensor2D, blockSize = 256, where = 'kpca.solveSpd'): tf.Tensor2D {
  const n = a.shape[0];
  if (a.shape[1] !== n || n === 0) throw new SalShapeError(where, 'a [n,n]', a.shape);
  if (rhs.shape[0] !== n) throw new SalShapeError(where, `rhs [${n},m]`, rhs.shape);
  if (!tf.getKernel(FUSED_KERNELS.spdSolve, tf.getBackend())) return solveSpdBlocked(a, rhs, blockSize, where);
  try {
    return tf.engine().runKernel(FUSED_KERNELS.spdSolve, { a, b: rhs }) as tf.Tensor2D;
  } catch (err) {
    const msg = (err as Error).message;
    if (/not positive definite/.test(msg)) throw new SalDataError(where, 'a symmetric positive definite matrix', msg.replace(/^.*?: /, ''));
    throw err;
  }
}

/**
 * Solve `A X = B` for symmetric positive definite `A` `[n,n]` and right-hand sides `B` `[n,m]`.
 * Only the lower triangle of A is read. Throws {@link SalDataError} if A is not positive definite.
 */
export function solveSpd(a: MatrixInput, rhs: MatrixInput, opts: SolveSpdOptions = {}): DenseMatrix {
  const where = 'kpca.solveSpd';
  const { method = 'tensor', blockSize = 256 } = opts;
  checkOneOf(where, 'method', method, PRODUCT_METHODS);
  checkNumber(where, 'blockSize', blockSize, { min: 1, integer: true });
  const A = toDense(a, where);
  const B = toDense(rhs, where);
  const n = A.rows;
  if (A.cols !== n || n === 0) throw new SalShapeError(where, 'a [n,n]', [A.rows, A.cols]);
  if (B.rows !== n) throw new SalShapeError(where, `rhs [${n},m]`, [B.rows, B.cols]);
  if (method === 'tensor') {
    assertTensorBackend();
    const x = tf.tidy(() =>
      solveSpdTensors(tf.tensor2d(new Float32Array(A.data), [n, n]), tf.tensor2d(new Float32Array(B.data), [n, B.cols]), blockSize, where),
    );
    try {
      return { rows: n, cols: B.cols, data: new Float64Array(x.dataSync()) };
    } finally {
      x.dispose();
    }
  }
  const l = A.data.slice();
  cholInPlace(l, n, where);
  const m = B.cols;
  const X = B.data.slice();
  // forward: L Y = B
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < i; p++) {
      const lip = l[i * n + p] as number;
      if (lip === 0) continue;
      for (let c = 0; c < m; c++) X[i * m + c] = (X[i * m + c] as number) - lip * (X[p * m + c] as number);
    }
    const lii = l[i * n + i] as number;
    for (let c = 0; c < m; c++) X[i * m + c] = (X[i * m + c] as number) / lii;
  }
  // backward: Lᵀ X = Y
  for (let i = n - 1; i >= 0; i--) {
    for (let p = i + 1; p < n; p++) {
      const lpi = l[p * n + i] as number;
      if (lpi === 0) continue;
      for (let c = 0; c < m; c++) X[i * m + c] = (X[i * m + c] as number) - lpi * (X[p * m + c] as number);
    }
    const lii = l[i * n + i] as number;
    for (let c = 0; c < m; c++) X[i * m + c] = (X[i * m + c] as number) / lii;
  }
  return { rows: n, cols: m, data: X };
}

/**
 * An orthonormal basis `[r, p]` of the row space of `v` `[r, p]` (full row rank, well conditioned):
 * `L⁻¹ v` with `L Lᵀ = v vᵀ` (Cholesky), so the rows span the same space and the first row keeps its
 * direction. Products on the tensor backend or in float64 JavaScript.
 */
export function orthonormalizeRowsCholesky(v: DenseMatrix, method: ProductMethod = 'tensor', blockSize = 256): DenseMatrix {
  const where = 'kpca.orthonormalizeRows';
  const G = matmul(v, v, { transposeB: true, method });
  for (let i = 0; i < G.rows; i++) for (let j = 0; j < i; j++) G.data[j * G.rows + i] = G.data[i * G.rows + j] as number;
  if (method === 'tensor') {
    const Li = invLowerBlocked(choleskyBlocked(G, blockSize, where), blockSize);
    return matmul(Li, v);
  }
  const r = G.rows;
  const l = G.data.slice();
  cholInPlace(l, r, where);
  return matmul({ rows: r, cols: r, data: invLower(l, r) }, v, { method });
}
