/**
 * Top-k eigenpairs of a large symmetric positive semi-definite matrix by Chebyshev-filtered subspace
 * iteration (Zhou & Saad 2007, "A Chebyshev–Davidson algorithm…"; ChFSI). Every `[n,·]` quantity stays a
 * float32 tensor on the active backend and every large operation is a `tf.matMul`; only `[l,l]` problems
 * (a Gram matrix's Cholesky factor, the Rayleigh–Ritz eigenproblem) run in float64 JavaScript.
 *
 * One round: filter the block Y `[n,l]` with the degree-p Chebyshev polynomial of A that is bounded by 1
 * on the unwanted interval [lower, a] and grows fast above it (three-term recurrence, scaled so the values
 * stay O(1): p products A·Y), orthonormalise (Cholesky QR twice, after scaling the columns to unit norm),
 * then Rayleigh–Ritz: H = Yᵀ(AY) `[l,l]` (one more product), its eigenvectors rotate Y and AY. `a` is the
 * smallest Ritz value (an estimate of λ_{l+1} from above) and `lower` is 0 for a PSD matrix; when a Ritz
 * value below `lower` appears (an indefinite matrix), `lower` moves below it so that direction is damped.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalDataError, createRng } from '@sal/types';
import { symEigFlat } from './symeig-flat.js';
import { orthonormalizeRows } from './gram-schmidt.js';
import { invLower } from './linsolve.js';

/** What {@link chebyshevTopEigen} returns: values descending, vectors as rows `[k, n]`. */
export interface ChebyshevResult {
  values: Float64Array;
  /** Unit eigenvectors as rows `[k, n]` (float64 copy of the float32 block). */
  vecRows: Float64Array;
  residuals: Float64Array;
  /** Filter + Rayleigh–Ritz rounds. */
  rounds: number;
  /** Block products with A. */
  products: number;
  converged: boolean;
}

export interface ChebyshevSettings {
  /** Block size l (≥ k). */
  block: number;
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

/**
 * Top-k eigenpairs of the symmetric PSD matrix `a` (a float32 tensor `[n,n]`, not disposed) by
 * Chebyshev-filtered subspace iteration with a block of `s.block` columns. Same seed, same result.
 */
export function chebyshevTopEigen(a: tf.Tensor2D, k: number, s: ChebyshevSettings): ChebyshevResult {
  const n = a.shape[0];
  const l = s.block;
  const rng = createRng(s.seed);
  let products = 0;
  const times = (y: tf.Tensor2D): tf.Tensor2D => {
    products++;
    return tf.matMul(a, y);
  };
  const start = tf.tensor2d(
    Float32Array.from({ length: n * l }, () => rng.normal()),
    [n, l],
  );
  let y = orthonormalize(start, rng);
  start.dispose();
  const theta = new Float64Array(l);
  let residuals = new Float64Array(k).fill(Infinity);
  let worst = Infinity;

  /** Rayleigh–Ritz on span(y): rotates y, sets theta (descending) and the residuals ‖Ay − θy‖/|θ₁| of the top k. */
  const rayleighRitz = (): void => {
    const aY = times(y);
    const h = tf.matMul(y, aY, true, false);
    const hv = new Float64Array(h.dataSync());
    h.dispose();
    for (let i = 0; i < l; i++) {
      for (let j = 0; j < i; j++) {
        const v = 0.5 * ((hv[i * l + j] as number) + (hv[j * l + i] as number));
        hv[i * l + j] = v;
        hv[j * l + i] = v;
      }
    }
    if (!hv.every((v) => Number.isFinite(v)))
      throw new SalDataError('kpca.topEigen', 'finite Rayleigh quotients', 'NaN or Infinity (non-finite matrix entries?)');
    const { d, vt } = symEigFlat(hv, l);
    const order = Array.from({ length: l }, (_, i) => i).sort((u, v) => (d[v] as number) - (d[u] as number));
    const rot = new Float32Array(l * l); // column c = eigenvector order[c]
    order.forEach((src, c) => {
      theta[c] = d[src] as number;
      for (let i = 0; i < l; i++) rot[i * l + c] = vt[src * l + i] as number;
    });
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
    y = y2 as tf.Tensor2D;
    const scale = Math.max(Math.abs(theta[0] as number), Number.MIN_VALUE);
    residuals = Float64Array.from(rv as Float32Array, (v) => v / scale);
    worst = Math.max(...residuals);
  };

  rayleighRitz();
  let lower = 0;
  let rounds = 0;
  try {
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
      // three-term recurrence with M = 2(A − cI)/e applied as M·Y = (2/e)·(A·Y) − (2c/e)·Y (M is never formed:
      // each degree is one product with A and a few [n,l] operations): Y₁ = ½M·Y₀, Y_{j+1} = M·Y_j − Y_{j−1}.
      // The top direction grows like T_j(t₁); both iterates are rescaled together (the recurrence is linear)
      // before that could overflow float32.
      const t1 = (top - c) / e;
      let tPrev = 1;
      let tCur = t1;
      let prev: tf.Tensor2D = y;
      let cur: tf.Tensor2D;
      products++;
      cur = tf.tidy(() => tf.mul(tf.sub(tf.matMul(a, prev), tf.mul(prev, c)), 1 / e) as tf.Tensor2D);
      for (let j = 2; j <= s.degree; j++) {
        const p0 = prev;
        const p1 = cur;
        products++;
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
        if (p0 !== y) p0.dispose();
        prev = keep;
        cur = next;
        tPrev = tCur;
        tCur = tNext;
      }
      if (prev !== y) prev.dispose();
      const q = orthonormalize(cur, rng);
      cur.dispose();
      y.dispose();
      y = q;
      rayleighRitz();
    }
    const vecRows = new Float64Array(k * n);
    const yt = tf.tidy(() => tf.transpose(tf.slice(y, [0, 0], [n, k])));
    const yv = yt.dataSync();
    yt.dispose();
    for (let c = 0; c < k; c++) {
      let norm = 0;
      for (let t = 0; t < n; t++) norm += (yv[c * n + t] as number) ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let t = 0; t < n; t++) vecRows[c * n + t] = (yv[c * n + t] as number) / norm;
    }
    return { values: theta.slice(0, k), vecRows, residuals, rounds, products, converged: worst <= s.tol };
  } finally {
    y.dispose();
  }
}
