/**
 * Symmetric eigensolvers. `symmetricEigen` is the full decomposition (Householder tridiagonalisation +
 * implicit QL: natively when a float64 `symEig` is registered in `@sal/types`, as `@sal/native` does, else
 * O(n³) in JavaScript, fine up to n ≈ 1000); `topEigen` finds the
 * top-k pairs of a large symmetric positive semi-definite matrix by a seeded randomized block Krylov
 * method with Rayleigh–Ritz and restarts: the `[n,·]` products run on the tensor backend, the small
 * Rayleigh–Ritz problem in float64 JavaScript.
 *
 * Both return eigenvalues sorted in descending order, and fix each eigenvector's sign so that its
 * entry of largest magnitude is positive. (The original analysis used numpy's general `eig`, whose
 * order is unspecified, and assumed index 0 was the largest; we sort.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { symEigFlat } from './symeig-flat.js';
import { chebyshevTopEigen, unitRows } from './chebyshev.js';
import { orthonormalizeRows } from './gram-schmidt.js';
import { SalConfigError, SalShapeError, checkNumber, checkOneOf, createRng, resolveOptions } from '@sal/types';
import { PRODUCT_METHODS, matmul, symmetrize, toDense, toTensor, transpose, type DenseMatrix, type MatrixInput, type ProductMethod } from './dense.js';

/** Eigenpairs of a symmetric matrix, eigenvalues descending. */
export interface EigenResult {
  /** Eigenvalues `[k]`, descending. */
  readonly values: Float64Array;
  /** Eigenvectors as columns `[n, k]` (unit length, largest-magnitude entry positive). */
  readonly vectors: DenseMatrix;
}

/** The result of {@link topEigen}: eigenpairs plus convergence information. */
export interface TopEigenResult extends EigenResult {
  /** Iterations: block products with A (Krylov), or filter + Rayleigh–Ritz rounds (Chebyshev). */
  readonly iterations: number;
  /** Products with A (`[n,n]·[n,m]`; Krylov: m = l, Chebyshev: m ≤ l, the columns still being filtered). */
  readonly products: number;
  /** Columns multiplied by A in all (`productColumns / l`: the work in full-block products). */
  readonly productColumns: number;
  /** The algorithm that ran. */
  readonly algorithm: 'chebyshev' | 'krylov';
  /** Whether every residual reached `tol` before `maxIterations`. */
  readonly converged: boolean;
  /** `‖A v_i − λ_i v_i‖ / |λ_1|` for each returned pair `[k]`. */
  readonly residuals: Float64Array;
}

function checkSquare(a: DenseMatrix, where: string): void {
  if (a.rows !== a.cols) throw new SalShapeError(where, '[n,n] (square)', [a.rows, a.cols]);
  if (a.rows === 0) throw new SalShapeError(where, 'a non-empty matrix', [a.rows, a.cols]);
}

/** Flip each column of `v` (`[n,k]`, row-major) so its largest-magnitude entry is positive. */
export function fixSigns(v: DenseMatrix): void {
  const { rows, cols, data } = v;
  for (let j = 0; j < cols; j++) {
    let best = 0;
    for (let i = 0; i < rows; i++) if (Math.abs(data[i * cols + j] as number) > Math.abs(best)) best = data[i * cols + j] as number;
    if (best < 0) for (let i = 0; i < rows; i++) data[i * cols + j] = -(data[i * cols + j] as number);
  }
}

/**
 * Full eigendecomposition of a symmetric matrix `[n,n]` (only the symmetric part is used), eigenvalues
 * descending. `k` keeps the top k pairs. Householder tridiagonalisation + implicit QL: the registered native
 * `symEig` (`@sal/types`' float64 routines; n = 2000 in about a second) from n = 16 on, else the algorithm of
 * ml-matrix's `EigenvalueDecomposition` on flat typed arrays, O(n³) in JavaScript.
 * @throws SalDataError when `a` has a NaN or infinite entry
 */
export function symmetricEigen(a: MatrixInput, k?: number): EigenResult {
  const where = 'kpca.symmetricEigen';
  const A = toDense(a, where, true);
  checkSquare(A, where);
  const n = A.rows;
  const kk = k === undefined ? n : checkNumber(where, 'k', k, { min: 1, max: n, integer: true });
  symmetrize(A);
  const { d: vals, vt } = symEigFlat(A.data, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => (vals[y] as number) - (vals[x] as number));
  const values = new Float64Array(kk);
  const vec = new Float64Array(n * kk);
  for (let j = 0; j < kk; j++) {
    const src = order[j] as number;
    values[j] = vals[src] as number;
    for (let i = 0; i < n; i++) vec[i * kk + j] = vt[src * n + i] as number;
  }
  const vectors = { rows: n, cols: kk, data: vec };
  fixSigns(vectors);
  return { values, vectors };
}

/** Which iteration {@link topEigen} runs. */
export type TopEigenAlgorithm = 'auto' | 'chebyshev' | 'krylov';

/** Options of {@link topEigen}. */
export interface TopEigenOptions {
  /**
   * `'chebyshev'`: Chebyshev-filtered subspace iteration, everything `[n,·]` kept as tensors, only `[l,l]`
   * problems in JavaScript (tensor products only); `'krylov'`: block Krylov with restarts (its `[m,m]`
   * Rayleigh–Ritz problems, m up to krylovBlocks·l, run in JavaScript); `'auto'`: Chebyshev with tensor
   * products, Krylov with float64 products.
   * @default 'auto'
   */
  algorithm?: TopEigenAlgorithm;
  /** Extra block columns beyond k (block size l = k + oversampling, capped at n). @default 10 */
  oversampling?: number;
  /**
   * Krylov: maximum block products with A. Chebyshev: maximum filter + Rayleigh–Ritz rounds (each
   * `degree` + 1 block products).
   * @default 60
   */
  maxIterations?: number;
  /** Blocks kept in the Krylov basis before a restart (basis size ≤ krylovBlocks·l). @default 8 */
  krylovBlocks?: number;
  /**
   * Chebyshev: the largest filter degree of a round (products with A per round). Each column gets the degree its
   * residual and convergence rate call for, up to this; converged ones are not filtered.
   * @default 12
   */
  degree?: number;
  /** Stop when every residual `‖Av − λv‖ ≤ tol·|λ₁|` for the top k pairs. @default 1e-5 */
  tol?: number;
  /** Seed of the random start block. @default 0 */
  seed?: number;
  /** Where the big products run. `'tensor'`: float32 on the active backend; `'float64'`: JavaScript. @default 'tensor' */
  method?: ProductMethod;
}

export const TOP_EIGEN_DEFAULTS: Readonly<Required<TopEigenOptions>> = Object.freeze({
  algorithm: 'auto',
  oversampling: 10,
  maxIterations: 60,
  krylovBlocks: 8,
  degree: 12,
  tol: 1e-5,
  seed: 0,
  method: 'tensor',
});

/** `rows · A` for symmetric A given as a tensor (tensor path) or dense (float64 path): `[l,n]`. */
function multiplyRows(rowsData: Float64Array, l: number, n: number, aT: tf.Tensor2D | null, a: DenseMatrix): Float64Array {
  if (aT !== null) {
    const t = tf.tidy(() => tf.matMul(tf.tensor2d(new Float32Array(rowsData), [l, n]), aT));
    try {
      return new Float64Array(t.dataSync());
    } finally {
      t.dispose();
    }
  }
  const out = new Float64Array(l * n);
  const ad = a.data;
  for (let i = 0; i < l; i++) {
    for (let p = 0; p < n; p++) {
      const v = rowsData[i * n + p] as number;
      if (v === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] = (out[i * n + j] as number) + v * (ad[p * n + j] as number);
    }
  }
  return out;
}

/** `a · bᵀ` for row-stacked `a` `[p,n]`, `b` `[q,n]` → `[p,q]` (tensor or float64). */
function rowsTimesRowsT(a: Float64Array, p: number, b: Float64Array, q: number, n: number, method: ProductMethod): Float64Array {
  return matmul({ rows: p, cols: n, data: a }, { rows: q, cols: n, data: b }, { transposeB: true, method }).data;
}

/** `c · b` for `c` `[p,q]`, row-stacked `b` `[q,n]` → `[p,n]`. */
function combine(c: Float64Array, p: number, b: Float64Array, q: number, n: number, method: ProductMethod): Float64Array {
  return matmul({ rows: p, cols: q, data: c }, { rows: q, cols: n, data: b }, { method }).data;
}

/**
 * Top-k eigenpairs of a large symmetric positive semi-definite matrix `[n,n]` by a seeded randomized
 * block Krylov method with Rayleigh–Ritz and restarts: from a random block of l = k + oversampling
 * vectors it builds the basis [Q, AQ, A²Q, …] (block-orthogonalised twice), up to `krylovBlocks` blocks,
 * extracts Ritz pairs from the whole basis, and restarts from the best l Ritz vectors. Krylov spaces
 * converge far faster than plain subspace iteration when the spectrum is flat. All `[n,·]` products run
 * on the tensor backend by default (float32: residuals below ~1e-6·|λ₁| are not reachable); the small
 * Rayleigh–Ritz problems run in float64. Same seed, same result.
 */
export function topEigen(a: MatrixInput, k: number, opts?: TopEigenOptions): TopEigenResult {
  const where = 'kpca.topEigen';
  const o = resolveOptions(where, TOP_EIGEN_DEFAULTS, opts);
  checkNumber(where, 'oversampling', o.oversampling, { min: 0, integer: true });
  checkNumber(where, 'maxIterations', o.maxIterations, { min: 1, integer: true });
  checkNumber(where, 'krylovBlocks', o.krylovBlocks, { min: 1, integer: true });
  checkNumber(where, 'tol', o.tol, { min: 0 });
  checkNumber(where, 'seed', o.seed, { integer: true });
  checkOneOf(where, 'method', o.method, PRODUCT_METHODS);
  checkOneOf(where, 'algorithm', o.algorithm, ['auto', 'chebyshev', 'krylov'] as const);
  checkNumber(where, 'degree', o.degree, { min: 1, integer: true });
  const algorithm = o.algorithm === 'auto' ? (o.method === 'tensor' ? 'chebyshev' : 'krylov') : o.algorithm;
  if (algorithm === 'chebyshev' && o.method !== 'tensor') {
    throw new SalConfigError(where, 'algorithm', "'krylov' or 'auto' with method 'float64' (the Chebyshev solver runs on tensors)", o.algorithm);
  }
  if (algorithm === 'chebyshev') {
    const tin = a instanceof tf.Tensor ? (a as tf.Tensor) : null;
    const dense = tin ? null : toDense(a, where);
    if (dense) checkSquare(dense, where);
    else if (tin && (tin.rank !== 2 || tin.shape[0] !== tin.shape[1] || tin.shape[0] === 0)) throw new SalShapeError(where, '[n,n] (square)', tin.shape);
    const n = dense ? dense.rows : ((tin as tf.Tensor).shape[0] as number);
    checkNumber(where, 'k', k, { min: 1, max: n, integer: true });
    const t = dense ? toTensor(dense) : (tf.cast(tin as tf.Tensor, 'float32') as tf.Tensor2D);
    try {
      const r = chebyshevTopEigen(t, k, { block: Math.min(n, k + o.oversampling), degree: o.degree, tol: o.tol, maxRounds: o.maxIterations, seed: o.seed });
      const vectors = transpose({ rows: k, cols: n, data: r.vecRows });
      fixSigns(vectors);
      return {
        values: r.values,
        vectors,
        iterations: r.rounds,
        products: r.products,
        productColumns: r.productColumns,
        algorithm,
        converged: r.converged,
        residuals: r.residuals,
      };
    } finally {
      t.dispose();
    }
  }
  const A = toDense(a, where);
  checkSquare(A, where);
  const n = A.rows;
  checkNumber(where, 'k', k, { min: 1, max: n, integer: true });
  const l = Math.min(n, k + o.oversampling);
  const maxBlocks = Math.max(1, Math.min(o.krylovBlocks, Math.floor(n / l)));
  const rng = createRng(o.seed);
  const method = o.method;
  const q0 = new Float64Array(l * n);
  for (let i = 0; i < q0.length; i++) q0[i] = rng.normal();
  orthonormalizeRows(q0, l, n, rng);
  const aT = method === 'tensor' ? toTensor(A) : null;
  try {
    let blocks: Float64Array[] = [q0];
    let images: Float64Array[] = [];
    let values = new Float64Array(k);
    let vecRows = new Float64Array(k * n);
    let residuals = new Float64Array(k).fill(Infinity);
    let converged = false;
    let it = 0;
    const stack = (bs: Float64Array[]): Float64Array => {
      const out = new Float64Array(bs.length * l * n);
      bs.forEach((b, i) => out.set(b, i * l * n));
      return out;
    };
    while (it < o.maxIterations) {
      it++;
      images.push(multiplyRows(blocks[blocks.length - 1] as Float64Array, l, n, aT, A));
      const full = blocks.length >= maxBlocks;
      const check = full || blocks.length % 4 === 0 || it >= o.maxIterations;
      if (check) {
        // Rayleigh–Ritz on the whole basis: B = Qᵀ A Q  [m,m]
        const m = blocks.length * l;
        const Q = stack(blocks);
        const W = stack(images);
        const B = rowsTimesRowsT(Q, m, W, m, n, method);
        const small = symmetricEigen({ rows: m, cols: m, data: B });
        // top-l Ritz vectors V = Sᵀ Q and A V = Sᵀ W (rows)
        const St = new Float64Array(l * m);
        for (let c = 0; c < l; c++) for (let j = 0; j < m; j++) St[c * m + j] = small.vectors.data[j * m + c] as number;
        const V = combine(St, l, Q, m, n, method);
        const AV = combine(St, l, W, m, n, method);
        const lam1 = Math.max(Math.abs(small.values[0] as number), Number.MIN_VALUE);
        let worst = 0;
        values = small.values.slice(0, k);
        residuals = new Float64Array(k);
        for (let c = 0; c < k; c++) {
          const th = small.values[c] as number;
          let r = 0;
          for (let t = 0; t < n; t++) r += ((AV[c * n + t] as number) - th * (V[c * n + t] as number)) ** 2;
          residuals[c] = Math.sqrt(r) / lam1;
          worst = Math.max(worst, residuals[c] as number);
        }
        vecRows = V.slice(0, k * n);
        converged = worst <= o.tol;
        if (converged || m >= n) break; // m = n: the basis spans everything, nothing left to add
        if (full) {
          // restart from the best l Ritz vectors
          orthonormalizeRows(V, l, n, rng);
          blocks = [V];
          images = [];
          continue;
        }
      }
      // next block: A·(last block), orthogonalised against the whole basis twice
      const z = (images[images.length - 1] as Float64Array).slice();
      for (let pass = 0; pass < 2; pass++) {
        const Q = stack(blocks);
        const m = blocks.length * l;
        const C = rowsTimesRowsT(z, l, Q, m, n, method);
        const proj = combine(C, l, Q, m, n, method);
        for (let t = 0; t < z.length; t++) z[t] = (z[t] as number) - (proj[t] as number);
        orthonormalizeRows(z, l, n, rng, 1);
      }
      blocks.push(z);
    }
    // unit columns [n, k]
    const vectors = transpose({ rows: k, cols: n, data: unitRows(vecRows, k, n) });
    fixSigns(vectors);
    return { values, vectors, iterations: it, products: it, productColumns: it * l, algorithm, converged, residuals };
  } finally {
    aT?.dispose();
  }
}
