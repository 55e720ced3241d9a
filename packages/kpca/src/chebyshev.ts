/**
 * Top-k eigenpairs of a large symmetric positive semi-definite matrix by Chebyshev-filtered subspace
 * iteration (Zhou & Saad 2007, "A Chebyshev–Davidson algorithm…"; ChFSI). Every `[n,·]` quantity stays a
 * float32 tensor on the active backend and every large operation is a `tf.matMul`; only `[l,l]` problems
 * (a Gram matrix's Cholesky factor, the Rayleigh–Ritz eigenproblem) run in float64 JavaScript.
 *
 * One round: filter the block Y `[n,l]` with the Chebyshev polynomial of A that is bounded by 1 on the unwanted
 * interval [lower, a] and grows fast above it (three-term recurrence, scaled so the values stay O(1)), each column
 * to its own degree of at most `degree` (ChASE's per-vector degrees: a column whose Ritz pair has converged is not
 * filtered, one far from the interval needs few degrees; see {@link columnDegrees}), orthonormalise (Cholesky QR
 * twice, after scaling the columns to unit norm), then Rayleigh–Ritz: H = Yᵀ(AY) `[l,l]` (one more product), its
 * eigenvectors rotate Y and AY. `a` is the smallest Ritz value (an estimate of λ_{l+1} from above) and `lower` is 0
 * for a PSD matrix; when a Ritz value below `lower` appears (an indefinite matrix), `lower` moves below it so that
 * direction is damped.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalDataError, createRng } from '@sal/types';
import { symEigFlat } from './symeig-flat.js';
import { orthonormalizeRows } from './gram-schmidt.js';
import { invLower } from './linsolve.js';
import { symmetrize } from './dense.js';

/** What {@link chebyshevTopEigen} returns: values descending, vectors as rows `[k, n]`. */
export interface ChebyshevResult {
  values: Float64Array;
  /** Unit eigenvectors as rows `[k, n]` (float64 copy of the float32 block). */
  vecRows: Float64Array;
  residuals: Float64Array;
  /** Filter + Rayleigh–Ritz rounds. */
  rounds: number;
  /** Products with A (`[n,n]·[n,m]`, m ≤ block). */
  products: number;
  /** Columns multiplied by A in all: the work, `productColumns / block` full-block products' worth. */
  productColumns: number;
  converged: boolean;
}

export interface ChebyshevSettings {
  /** Block size l (≥ k). */
  block: number;
  /** The largest degree a round applies to a column (see {@link columnDegrees}). */
  degree: number;
  tol: number;
  maxRounds: number;
  seed: number;
}

/**
 * `R⁻¹` `[m,m]` (float32, upper triangular) with `G = RᵀR` the Cholesky factorisation of a Gram matrix,
 * or `null` when G is not numerically positive definite (dependent columns).
 */
function gramInverseFactor(g: Float64Array, m: number): Float32Array | null {
  const l = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    let s = g[j * m + j] as number;
    for (let p = 0; p < j; p++) s -= (l[j * m + p] as number) ** 2;
    if (!(s > 1e-10 * (g[j * m + j] as number)) || !(s > 0)) return null;
    const d = Math.sqrt(s);
    l[j * m + j] = d;
    for (let i = j + 1; i < m; i++) {
      let t = g[i * m + j] as number;
      for (let p = 0; p < j; p++) t -= (l[i * m + p] as number) * (l[j * m + p] as number);
      l[i * m + j] = t / d;
    }
  }
  // L⁻¹ (lower), then R⁻¹ = (Lᵀ)⁻¹ = (L⁻¹)ᵀ
  const li = invLower(l, m);
  const ri = new Float32Array(m * m);
  for (let i = 0; i < m; i++) for (let j = i; j < m; j++) ri[i * m + j] = li[j * m + i] as number;
  return ri;
}

/** Modified Gram–Schmidt on the columns of `y` `[n,m]` in float64 JS, replacing dependent columns with random ones. */
function orthonormalizeColumnsJs(y: Float32Array, n: number, m: number, rng: { normal(): number }): Float32Array {
  const q = new Float64Array(m * n); // rows = columns of y
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) q[j * n + i] = y[i * m + j] as number;
  orthonormalizeRows(q, m, n, rng, 2, 1e-6); // float32 columns: dependence shows at float32 precision
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] = q[j * n + i] as number;
  return out;
}

/** Orthonormal columns spanning those of `y` `[n,m]` (a new tensor; `y` is not disposed). */
function orthonormalize(y: tf.Tensor2D, rng: { normal(): number }): tf.Tensor2D {
  const [n, m] = y.shape;
  let cur = tf.clone(y);
  for (let pass = 0; pass < 2; pass++) {
    const ys = tf.tidy(() => tf.div(cur, tf.maximum(tf.sqrt(tf.sum(tf.square(cur), 0)), 1e-30)) as tf.Tensor2D);
    const g = tf.matMul(ys, ys, true, false);
    const gv = new Float64Array(g.dataSync());
    g.dispose();
    const ri = gramInverseFactor(gv, m);
    let next: tf.Tensor2D;
    if (ri === null) {
      // (nearly) dependent columns: rare; re-orthogonalise in float64 on the host, with random replacements
      next = tf.tensor2d(orthonormalizeColumnsJs(ys.dataSync() as Float32Array, n, m, rng), [n, m]);
    } else {
      next = tf.tidy(() => tf.matMul(ys, tf.tensor2d(ri, [m, m])));
    }
    ys.dispose();
    cur.dispose();
    cur = next;
  }
  return cur;
}

/** Extra degrees beyond the estimate of {@link columnDegrees} (the rate is an asymptotic one). */
const DEGREE_MARGIN = 2;

/**
 * The filter degree of each of the l columns of a round (ChASE's per-vector degrees: Winkelmann, Springer & Di Napoli
 * 2019). Filtering with the Chebyshev polynomial of the damped interval [c − e, c + e] shrinks the residual r_i of a
 * wanted Ritz pair, relative to the unwanted directions, by ρ_i = 1/(t_i + √(t_i² − 1)) per degree, t_i = (θ_i − c)/e.
 * So pair i needs ⌈log(tol / r_i) / log ρ_i⌉ degrees, plus a small margin; a converged pair none (it passes through
 * unfiltered); the oversampled columns (i ≥ k), whose residuals are not measured, the largest degree of the wanted
 * ones. Every degree is capped at `maxDegree`. Columns of a flat spectrum's top converge several times faster than
 * those near λ_k, so a round filters far fewer columns than l × maxDegree (the kernel PCA benchmark's rbf kernel,
 * 2000 × 2000, 50 pairs, block 60: 79 full-block products → 77 products of 59.1 blocks' worth, in 7 rounds, not 6).
 */
export function columnDegrees(theta: Float64Array, residuals: Float64Array, k: number, c: number, e: number, tol: number, maxDegree: number): Int32Array {
  const l = theta.length;
  const out = new Int32Array(l);
  let largest = 0;
  for (let i = 0; i < k; i++) {
    const r = residuals[i] as number;
    if (r <= tol) continue;
    const t = ((theta[i] as number) - c) / e;
    const growth = t > 1 ? t + Math.sqrt(t * t - 1) : 1;
    const need = growth > 1 && tol > 0 ? Math.ceil(Math.log(r / tol) / Math.log(growth)) + DEGREE_MARGIN : maxDegree;
    out[i] = Math.max(1, Math.min(maxDegree, need));
    largest = Math.max(largest, out[i] as number);
  }
  for (let i = k; i < l; i++) out[i] = largest;
  return out;
}

/**
 * The columns of `y` `[n,l]` filtered by the Chebyshev polynomial of A of the damped interval [c − e, c + e], column
 * i to degree `degrees[i]` (0: unchanged), as a new `[n,l]` tensor with its columns in an unspecified order (the
 * Rayleigh–Ritz step that follows does not depend on it). The three-term recurrence with M = 2(A − cI)/e, applied as
 * M·Y = (2/e)·(A·Y) − (2c/e)·Y (M is never formed): Y₁ = ½M·Y₀, Y_{j+1} = M·Y_j − Y_{j−1}. The columns run in order of
 * degree, so those still filtered at degree j are a trailing range, and each product multiplies only those. Directions
 * of A's eigenvalue `top` grow like T_j((top − c)/e): both iterates are rescaled together (the recurrence is linear)
 * before that could overflow float32. `count` counts each product `[n,n]·[n,m]`.
 */
function filterColumns(a: tf.Tensor2D, y: tf.Tensor2D, degrees: Int32Array, c: number, e: number, top: number, count: ProductCount): tf.Tensor2D {
  const [n, l] = y.shape;
  const order = Array.from({ length: l }, (_, i) => i).sort((u, v) => (degrees[u] as number) - (degrees[v] as number) || u - v);
  const sorted = order.map((i) => degrees[i] as number);
  const done: tf.Tensor2D[] = [];
  let prev: tf.Tensor2D | null = null;
  let cur: tf.Tensor2D | null = null;
  try {
    // the columns in that order, as a product with the permutation matrix (exact; the backends' gather along
    // axis 1 is a slow generic loop: 4 ms here against 0.1 for the product on the wasm backend)
    const perm = new Float32Array(l * l);
    order.forEach((src, c) => {
      perm[src * l + c] = 1;
    });
    const yp = tf.tidy(() => tf.matMul(y, tf.tensor2d(perm, [l, l]))) as tf.Tensor2D;
    // columns [from, l) of the sorted block are still being filtered
    let from = sorted.findIndex((d) => d > 0);
    if (from < 0) from = l;
    if (from > 0) done.push(tf.slice(yp, [0, 0], [n, from]));
    if (from < l) {
      prev = from > 0 ? tf.slice(yp, [0, from], [n, l - from]) : yp;
      count.products++;
      count.productColumns += l - from;
      const p = prev;
      cur = tf.tidy(() => tf.mul(tf.sub(tf.matMul(a, p), tf.mul(p, c)), 1 / e) as tf.Tensor2D);
    }
    if (prev !== yp) yp.dispose();
    const t1 = (top - c) / e;
    let tPrev = 1;
    let tCur = t1;
    for (let j = 2; from < l; j++) {
      // the columns of degree j − 1 are final
      let end = from;
      while (end < l && (sorted[end] as number) < j) end++;
      if (end > from) {
        const p0 = prev as tf.Tensor2D;
        const p1 = cur as tf.Tensor2D;
        done.push(tf.slice(p1, [0, 0], [n, end - from]));
        if (end === l) break;
        prev = tf.slice(p0, [0, end - from], [n, l - end]);
        cur = tf.slice(p1, [0, end - from], [n, l - end]);
        p0.dispose();
        p1.dispose();
        from = end;
      }
      const p0 = prev as tf.Tensor2D;
      const p1 = cur as tf.Tensor2D;
      count.products++;
      count.productColumns += l - from;
      let next = tf.tidy(() => tf.sub(tf.mul(tf.sub(tf.matMul(a, p1), tf.mul(p1, c)), 2 / e), p0) as tf.Tensor2D);
      let tNext = 2 * t1 * tCur - tPrev;
      let keep = p1;
      if (tNext > 1e12) {
        const f = 1 / tNext;
        const scaledNext = tf.mul(next, f) as tf.Tensor2D;
        const scaledCur = tf.mul(p1, f) as tf.Tensor2D;
        next.dispose();
        p1.dispose();
        next = scaledNext;
        keep = scaledCur;
        tCur *= f;
        tNext = 1;
      }
      p0.dispose();
      prev = keep;
      cur = next;
      tPrev = tCur;
      tCur = tNext;
    }
    return done.length === 1 ? (done.pop() as tf.Tensor2D) : (tf.concat(done, 1) as tf.Tensor2D);
  } finally {
    tf.dispose(done);
    if (prev) prev.dispose();
    if (cur) cur.dispose();
  }
}

/** Products with A counted (see {@link ChebyshevResult}). */
interface ProductCount {
  products: number;
  productColumns: number;
}

/*
 * The host-side loops below are small module-level functions, not closures or inline loops of the solver: V8 compiles a
 * function with a long loop while it runs (on-stack replacement) and recompiles a closure for every new instance, and on
 * two cores that compilation took a core from the products for ~100 ms in each of the first fits after a warm-up one.
 */

/** `size` standard normal values from `rng`, as float32. */
function normalBlock(rng: { normal(): number }, size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.normal();
  return out;
}

/** The rotation `[l,l]` whose column c is the eigenvector of the c-th largest eigenvalue; sets `theta` descending. */
function ritzRotation(d: Float64Array, vt: Float64Array, l: number, theta: Float64Array): Float32Array {
  const order = Array.from({ length: l }, (_, i) => i).sort((u, v) => (d[v] as number) - (d[u] as number));
  const rot = new Float32Array(l * l);
  for (let c = 0; c < l; c++) {
    const src = order[c] as number;
    theta[c] = d[src] as number;
    for (let i = 0; i < l; i++) rot[i * l + c] = vt[src * l + i] as number;
  }
  return rot;
}

/** Rows `[k,n]` of `yv` scaled to unit norm, as float64. */
export function unitRows(yv: ArrayLike<number>, k: number, n: number): Float64Array {
  const out = new Float64Array(k * n);
  for (let c = 0; c < k; c++) {
    let norm = 0;
    for (let t = 0; t < n; t++) norm += (yv[c * n + t] as number) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let t = 0; t < n; t++) out[c * n + t] = (yv[c * n + t] as number) / norm;
  }
  return out;
}

/**
 * Rayleigh–Ritz on span(y) `[n,l]`: returns y rotated to the Ritz vectors (a new tensor; y is disposed), sets theta
 * (descending) and returns the residuals ‖Ay − θy‖/|θ₁| of the top k.
 */
function rayleighRitz(a: tf.Tensor2D, y: tf.Tensor2D, k: number, theta: Float64Array, count: ProductCount): { y: tf.Tensor2D; residuals: Float64Array } {
  const [n, l] = y.shape;
  count.products++;
  count.productColumns += l;
  const aY = tf.matMul(a, y);
  const h = tf.matMul(y, aY, true, false);
  const hv = new Float64Array(h.dataSync());
  h.dispose();
  symmetrize({ rows: l, cols: l, data: hv });
  if (!hv.every(Number.isFinite)) {
    aY.dispose();
    throw new SalDataError('kpca.topEigen', 'finite Rayleigh quotients', 'NaN or Infinity (non-finite matrix entries?)');
  }
  const { d, vt } = symEigFlat(hv, l);
  const rot = ritzRotation(d, vt, l, theta);
  const [y2, res] = tf.tidy(() => {
    const r = tf.tensor2d(rot, [l, l]);
    const yr = tf.matMul(y, r);
    const rk = tf.slice(r, [0, 0], [l, k]);
    // residuals of the top k only: A·(y r_k) − (y r_k)·diag(θ_k)
    const top = tf.sub(tf.matMul(aY, rk), tf.mul(tf.slice(yr, [0, 0], [n, k]), tf.tensor1d(new Float32Array(theta.subarray(0, k)))));
    return [yr, tf.sqrt(tf.sum(tf.square(top), 0))];
  });
  const rv = res.dataSync();
  res.dispose();
  aY.dispose();
  y.dispose();
  const scale = Math.max(Math.abs(theta[0] as number), Number.MIN_VALUE);
  const residuals = new Float64Array(k);
  for (let i = 0; i < k; i++) residuals[i] = (rv[i] as number) / scale;
  return { y: y2 as tf.Tensor2D, residuals };
}

/**
 * Top-k eigenpairs of the symmetric PSD matrix `a` (a float32 tensor `[n,n]`, not disposed) by
 * Chebyshev-filtered subspace iteration with a block of `s.block` columns. Same seed, same result.
 */
export function chebyshevTopEigen(a: tf.Tensor2D, k: number, s: ChebyshevSettings): ChebyshevResult {
  const n = a.shape[0];
  const l = s.block;
  const rng = createRng(s.seed);
  const count: ProductCount = { products: 0, productColumns: 0 };
  const start = tf.tensor2d(normalBlock(rng, n * l), [n, l]);
  let y = orthonormalize(start, rng);
  start.dispose();
  const theta = new Float64Array(l);
  let residuals: Float64Array = new Float64Array(k);
  let worst = Infinity;
  let lower = 0;
  let rounds = 0;
  try {
    // rayleighRitz disposes the y it is given once it has the next one; if it throws, y is still the solver's
    let rr = rayleighRitz(a, y, k, theta, count);
    y = rr.y;
    residuals = rr.residuals;
    worst = Math.max(...residuals);
    while (rounds < s.maxRounds && worst > s.tol && l < n) {
      rounds++;
      const top = theta[0] as number;
      const smallest = theta[l - 1] as number;
      // an indefinite matrix shows Ritz values below 0: widen the damped interval below them
      if (smallest < lower) lower = smallest - 0.1 * (top - smallest);
      const span = Math.max(top - lower, Number.MIN_VALUE);
      const cut = Math.max(smallest, lower + 1e-3 * span);
      const e = (cut - lower) / 2;
      const c = (cut + lower) / 2;
      const degrees = columnDegrees(theta, residuals, k, c, e, s.tol, s.degree);
      const cur = filterColumns(a, y, degrees, c, e, top, count);
      const q = orthonormalize(cur, rng);
      cur.dispose();
      y.dispose();
      y = q;
      rr = rayleighRitz(a, y, k, theta, count);
      y = rr.y;
      residuals = rr.residuals;
      worst = Math.max(...residuals);
    }
    const yt = tf.tidy(() => tf.transpose(tf.slice(y, [0, 0], [n, k])));
    const yv = yt.dataSync();
    yt.dispose();
    const vecRows = unitRows(yv, k, n);
    return { values: theta.slice(0, k), vecRows, residuals, rounds, products: count.products, productColumns: count.productColumns, converged: worst <= s.tol };
  } finally {
    y.dispose();
  }
}
