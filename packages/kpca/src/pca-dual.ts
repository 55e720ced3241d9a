/**
 * The dual-form PCA fit on the tensor backend in as few passes over the data as possible (the `[n,d]` matrix is
 * read twice in JavaScript and uploaded once): centred float32 rows, the `[n,n]` Gram product, one float64
 * symmetric eigendecomposition, the component product `Uᵀ·Xc` and one pass that normalises each component and
 * fixes its sign. The generic path (`matmul`/`gram` with float64 copies, column-strided sign fixes) spent most of
 * its time in JavaScript copies (bench/NOTES.md, round 2).
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertTensorBackend, symmetrize, type DenseMatrix } from './dense.js';
import { symEigFlat } from './symeig-flat.js';

/** What {@link centerRowsF32} returns: the centred rows as float32 and the sum of squares of the float64 centred values. */
export interface CenteredF32 {
  readonly data: Float32Array;
  readonly totalSq: number;
}

/**
 * A float32 scratch array of at least `length` values, reused between calls while the garbage collector keeps it
 * (a weak reference: it never pins memory). Fresh multi-megabyte arrays cost their first-touch page faults on every
 * fit, which on the benchmark machine's VM cost as much as the copy itself several times over (bench/NOTES.md).
 */
let scratch: WeakRef<Float32Array> | null = null;
function scratchF32(length: number): Float32Array {
  const kept = scratch?.deref();
  if (kept && kept.length >= length) return kept.subarray(0, length);
  const fresh = new Float32Array(length);
  scratch = new WeakRef(fresh);
  return fresh;
}

/**
 * `x − 1·meanᵀ` rounded to float32 (computed in float64), and Σ (x − mean)² in float64. The result lives in a
 * scratch array that the next call overwrites: use it before then (the fit uploads it and disposes the tensor).
 */
export function centerRowsF32(x: DenseMatrix, mean: Float64Array): CenteredF32 {
  const { rows, cols, data } = x;
  const out = scratchF32(rows * cols);
  let totalSq = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = (data[o + j] as number) - (mean[j] as number);
      out[o + j] = v;
      totalSq += v * v;
    }
  }
  return { data: out, totalSq };
}

/** Components `[k, d]` (unit rows, largest-magnitude entry positive) and the top-k Gram eigenvalues, descending. */
export interface DualPcaResult {
  readonly components: DenseMatrix;
  readonly values: Float64Array;
}

/**
 * Top-k principal directions of the centred rows `xc` `[n, d]` (float32) from the eigendecomposition of the Gram
 * matrix `xc·xcᵀ`: component j is `xcᵀ u_j / ‖xcᵀ u_j‖`, its sign set so its entry of largest magnitude is positive
 * (the first such entry on ties, as `fixSigns`).
 */
export function dualPcaTensor(xc: Float32Array, n: number, d: number, k: number): DualPcaResult {
  assertTensorBackend();
  const X = tf.tensor2d(xc, [n, d]);
  let compsF32: Float32Array;
  let values: Float64Array;
  try {
    const gT = tf.matMul(X, X, false, true);
    let g: Float64Array;
    try {
      g = new Float64Array(gT.dataSync());
    } finally {
      gT.dispose();
    }
    symmetrize({ rows: n, cols: n, data: g });
    const { d: vals, vt } = symEigFlat(g, n);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (vals[b] as number) - (vals[a] as number));
    values = new Float64Array(k);
    const ut = new Float32Array(k * n);
    for (let j = 0; j < k; j++) {
      const src = order[j] as number;
      values[j] = vals[src] as number;
      for (let i = 0; i < n; i++) ut[j * n + i] = vt[src * n + i] as number;
    }
    const U = tf.tensor2d(ut, [k, n]);
    try {
      const cT = tf.matMul(U, X);
      try {
        compsF32 = cT.dataSync() as Float32Array;
      } finally {
        cT.dispose();
      }
    } finally {
      U.dispose();
    }
  } finally {
    X.dispose();
  }
  const comps = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    const o = j * d;
    let sq = 0;
    let best = 0;
    for (let t = 0; t < d; t++) {
      const v = compsF32[o + t] as number;
      sq += v * v;
      if (Math.abs(v) > Math.abs(best)) best = v;
    }
    const scale = (best < 0 ? -1 : 1) / (Math.sqrt(sq) || 1);
    for (let t = 0; t < d; t++) comps[o + t] = (compsF32[o + t] as number) * scale;
  }
  return { components: { rows: k, cols: d, data: comps }, values };
}
