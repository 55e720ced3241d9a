/**
 * The gRF analyses of the original study, per neuron:
 * - `grfPca`: the eigen-spectrum of a neuron's gRFs `[n, P]` in the dual form: each gRF's own pixel mean
 *   is subtracted (axis = 1), `K = X Xᵀ / n` is decomposed (symmetric solver, sorted descending — the
 *   original used numpy's unsorted general `eig`), pixel-space eigen-RFs are `v = Xᵀ a` normalised, and
 *   the gRFs are reconstructed with the first k components where the cumulative variance first
 *   exceeds a threshold (0.99): `X̂ = A_k A_kᵀ X + rowMean`.
 * - `fitEigenspaceProjector`: projection of images into the span of a neuron's N gRFs: centre per pixel
 *   (axis = 0), `C = X Xᵀ / (N − 1)`, `V = U_kᵀ X` with unit rows, and project raw images `img · VᵀV`.
 */
import { SalConfigError, SalDataError, SalShapeError, checkNumber, checkOneOf, resolveOptions } from '@sal/types';
import {
  PRODUCT_METHODS,
  columnMeans,
  gram,
  matmul,
  rowMeans,
  subtractRowVector,
  toDense,
  toRows,
  transpose,
  type DenseMatrix,
  type MatrixInput,
  type ProductMethod,
} from './dense.js';
import { orthonormalizeRowsCholesky } from './linsolve.js';
import { EIGEN_SOLVERS, eigenTopK, type EigenSolver } from './solve-sym.js';

/** Solver settings shared by the gRF analyses. */
export interface GrfSolverOptions {
  /** Eigenpairs to compute: a count or `'all'` (n). @default 'all' */
  nComponents?: number | 'all';
  /** Eigensolver; `'auto'` is randomized for n > 800 with few components. @default 'auto' */
  solver?: EigenSolver;
  /** Products: `'tensor'` (float32) or `'float64'` (JavaScript). @default 'tensor' */
  method?: ProductMethod;
  /** Seed of the randomized solver. @default 0 */
  seed?: number;
  /** Residual tolerance of the randomized solver. @default 1e-5 */
  tol?: number;
  /** Iteration cap of the randomized solver. @default 60 */
  maxIterations?: number;
}

/** Options of {@link grfPca}. */
export interface GrfPcaOptions extends GrfSolverOptions {
  /** The reconstruction uses the first k whose cumulative variance ratio exceeds this. @default 0.99 */
  varianceThreshold?: number;
}

export const GRF_PCA_DEFAULTS: Readonly<Required<GrfPcaOptions>> = Object.freeze({
  nComponents: 'all',
  solver: 'auto',
  method: 'tensor',
  seed: 0,
  tol: 1e-5,
  maxIterations: 60,
  varianceThreshold: 0.99,
});

/** The result of {@link grfPca}. */
export interface GrfPcaResult {
  readonly nSamples: number;
  readonly nPixels: number;
  /** Each gRF's own pixel mean `[n]`. */
  readonly rowMeans: Float64Array;
  /** Eigenvalues of `K = X Xᵀ / n` `[k]`, descending. */
  readonly eigenvalues: Float64Array;
  /** `trace(K)` = the sum of all n eigenvalues. */
  readonly totalVariance: number;
  /** `Σ_{j≤i} λ_j / trace(K)` `[k]`. */
  readonly cumulativeVarianceRatio: Float64Array;
  /** Sample-space eigenvectors `a` as columns `[n, k]`. */
  readonly eigenvectors: DenseMatrix;
  /** Pixel-space eigen-RFs `v = Xᵀa / ‖Xᵀa‖` as rows `[k, P]` (reshape a row to [H, W] to show it). */
  readonly eigenRfs: DenseMatrix;
  /** First k whose cumulative ratio exceeds `varianceThreshold` (k if none does). */
  readonly thresholdComponents: number;
  /** The gRFs reconstructed with `thresholdComponents` components `[n, P]`. */
  readonly reconstruction: DenseMatrix;
}

function solverOf(o: Required<GrfSolverOptions>, where: string, n: number): number {
  checkOneOf(where, 'solver', o.solver, EIGEN_SOLVERS);
  checkOneOf(where, 'method', o.method, PRODUCT_METHODS);
  checkNumber(where, 'seed', o.seed, { integer: true });
  checkNumber(where, 'tol', o.tol, { min: 0 });
  checkNumber(where, 'maxIterations', o.maxIterations, { min: 1, integer: true });
  return o.nComponents === 'all' ? n : checkNumber(where, 'nComponents', o.nComponents, { min: 1, max: n, integer: true });
}

function checkData(X: DenseMatrix, where: string): void {
  if (X.rows < 2 || X.cols < 1) throw new SalShapeError(where, '[n,P] with n >= 2', [X.rows, X.cols]);
  for (let i = 0; i < X.data.length; i++) {
    const v = X.data[i] as number;
    if (!Number.isFinite(v)) throw new SalDataError(where, 'finite values', v);
  }
}

/** Unit rows of `Uᵀ X` for eigenvector columns U `[n,k]` and X `[n,P]` → `[k, P]`. */
function pixelAxes(U: DenseMatrix, X: DenseMatrix, method: ProductMethod): DenseMatrix {
  const V = matmul(U, X, { transposeA: true, method });
  const P = X.cols;
  for (let i = 0; i < V.rows; i++) {
    let s = 0;
    for (let t = 0; t < P; t++) s += (V.data[i * P + t] as number) ** 2;
    const norm = Math.sqrt(s) || 1;
    for (let t = 0; t < P; t++) V.data[i * P + t] = (V.data[i * P + t] as number) / norm;
  }
  return V;
}

/** Per-neuron gRF PCA in the dual form, as the original analysis (see the module comment). */
export function grfPca(grfs: MatrixInput, opts?: GrfPcaOptions): GrfPcaResult {
  const where = 'kpca.grfPca';
  const o = resolveOptions(where, GRF_PCA_DEFAULTS, opts);
  const X = toDense(grfs, where);
  checkData(X, where);
  const k = solverOf(o, where, X.rows);
  const threshold = checkNumber(where, 'varianceThreshold', o.varianceThreshold, { min: 0, max: 1 });
  const n = X.rows;
  const means = rowMeans(X);
  const Xc: DenseMatrix = { rows: n, cols: X.cols, data: new Float64Array(X.data.length) };
  for (let i = 0; i < n; i++) for (let t = 0; t < X.cols; t++) Xc.data[i * X.cols + t] = (X.data[i * X.cols + t] as number) - (means[i] as number);
  const K = gram(Xc, o.method);
  for (let i = 0; i < K.data.length; i++) K.data[i] = (K.data[i] as number) / n;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += K.data[i * n + i] as number;
  const eig = eigenTopK(K, k, o);
  const cumulative = new Float64Array(k);
  let acc = 0;
  for (let i = 0; i < k; i++) cumulative[i] = acc += Math.max(0, eig.values[i] as number) / trace;
  let kk = k;
  for (let i = 0; i < k; i++)
    if ((cumulative[i] as number) > threshold) {
      kk = i + 1;
      break;
    }
  const result = {
    nSamples: n,
    nPixels: X.cols,
    rowMeans: means,
    eigenvalues: eig.values,
    totalVariance: trace,
    cumulativeVarianceRatio: cumulative,
    eigenvectors: eig.vectors,
    eigenRfs: pixelAxes(eig.vectors, Xc, o.method),
    thresholdComponents: kk,
    reconstruction: { rows: 0, cols: 0, data: new Float64Array(0) } as DenseMatrix,
  };
  result.reconstruction = reconstructGrfs(X, result, kk, o.method);
  return result;
}

/**
 * Reconstruct gRFs `[n, P]` with their first `nComponents` sample-space eigenvectors:
 * `X̂ = A_k A_kᵀ (X − rowMean) + rowMean` (the original's `P = A_k A_kᵀ`, `X̂ = P X + rowmean`).
 */
export function reconstructGrfs(
  grfs: MatrixInput,
  pca: Pick<GrfPcaResult, 'eigenvectors' | 'rowMeans'>,
  nComponents: number,
  method: ProductMethod = 'tensor',
): DenseMatrix {
  const where = 'kpca.reconstructGrfs';
  const X = toDense(grfs, where);
  const n = X.rows;
  const P = X.cols;
  const U = pca.eigenvectors;
  if (U.rows !== n || pca.rowMeans.length !== n) throw new SalShapeError(where, `grfs [${U.rows},P]`, [n, P]);
  const k = checkNumber(where, 'nComponents', nComponents, { min: 1, max: U.cols, integer: true });
  const Ak: DenseMatrix = { rows: n, cols: k, data: new Float64Array(n * k) };
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) Ak.data[i * k + j] = U.data[i * U.cols + j] as number;
  const Xc: DenseMatrix = { rows: n, cols: P, data: new Float64Array(n * P) };
  for (let i = 0; i < n; i++) for (let t = 0; t < P; t++) Xc.data[i * P + t] = (X.data[i * P + t] as number) - (pca.rowMeans[i] as number);
  const out = matmul(Ak, matmul(Ak, Xc, { transposeA: true, method }), { method });
  for (let i = 0; i < n; i++) for (let t = 0; t < P; t++) out.data[i * P + t] = (out.data[i * P + t] as number) + (pca.rowMeans[i] as number);
  return out;
}

/** Options of {@link fitEigenspaceProjector}. */
export interface EigenspaceOptions extends GrfSolverOptions {
  /**
   * `'orthogonal'`: drop directions with eigenvalue ≤ `rankTolerance·λ₁` and orthonormalise the rows of V,
   * so `VᵀV` is the exact orthogonal projector onto the span. `'original'`: the original's `VᵀV` with every
   * requested row only normalised (null directions included, rows not orthogonalised). @default 'orthogonal'
   */
  mode?: 'orthogonal' | 'original';
  /** Relative eigenvalue below which a direction is dropped in `'orthogonal'` mode. @default 1e-5 */
  rankTolerance?: number;
}

export const EIGENSPACE_DEFAULTS: Readonly<Required<EigenspaceOptions>> = Object.freeze({
  ...solverDefaults(),
  mode: 'orthogonal',
  rankTolerance: 1e-5,
});

function solverDefaults(): Required<GrfSolverOptions> {
  return { nComponents: 'all', solver: 'auto', method: 'tensor', seed: 0, tol: 1e-5, maxIterations: 60 };
}

/** The JSON form of an {@link EigenspaceProjector}. */
export interface EigenspaceProjectorJSON {
  kind: 'sal.eigenspaceProjector';
  version: 1;
  mode: 'orthogonal' | 'original';
  method: ProductMethod;
  eigenvalues: number[];
  pixelMean: number[];
  basis: number[][];
}

/** Projection of images into the span of a neuron's gRF eigen-axes. Holds no tensors. */
export interface EigenspaceProjector {
  readonly kind: 'sal.eigenspaceProjector';
  readonly mode: 'orthogonal' | 'original';
  readonly nPixels: number;
  /** Eigenvalues of `C = X Xᵀ / (N − 1)` (pixel-centred gRFs) `[k]`, descending. */
  readonly eigenvalues: Float64Array;
  /** Per-pixel mean of the gRFs `[P]` (subtracted before the decomposition, not from the images). */
  readonly pixelMean: Float64Array;
  /** Rows spanning the eigenspace `[r, P]`: orthonormal (`'orthogonal'`) or the original's unit rows of V. */
  readonly basis: DenseMatrix;
  /** `images · basisᵀ · basis`: raw flattened images `[B, P]` → projections `[B, P]` (as the original, `img @ P`). */
  project(images: MatrixInput): DenseMatrix;
  /** The explicit projector `basisᵀ basis` `[P, P]` (large: P² values). */
  projectorMatrix(): DenseMatrix;
  toJSON(): EigenspaceProjectorJSON;
  dispose(): void;
}

/** Build a neuron's eigenspace projector from its gRFs `[N, P]` (see the module comment). */
export function fitEigenspaceProjector(grfs: MatrixInput, opts?: EigenspaceOptions): EigenspaceProjector {
  const where = 'kpca.fitEigenspaceProjector';
  const o = resolveOptions(where, EIGENSPACE_DEFAULTS, opts);
  const X = toDense(grfs, where);
  checkData(X, where);
  const k = solverOf(o, where, X.rows);
  const mode = checkOneOf(where, 'mode', o.mode, ['orthogonal', 'original'] as const);
  const rankTol = checkNumber(where, 'rankTolerance', o.rankTolerance, { min: 0 });
  const N = X.rows;
  const mean = columnMeans(X);
  const Xc = subtractRowVector(X, mean);
  const C = gram(Xc, o.method);
  for (let i = 0; i < C.data.length; i++) C.data[i] = (C.data[i] as number) / (N - 1);
  const eig = eigenTopK(C, k, o);
  let U = eig.vectors;
  if (mode === 'orthogonal') {
    const lam1 = Math.max(eig.values[0] as number, 0);
    let r = 0;
    while (r < k && (eig.values[r] as number) > rankTol * lam1) r++;
    if (r === 0) throw new SalDataError(where, 'gRFs that are not all identical', 'zero variance');
    if (r < k) {
      const Ur: DenseMatrix = { rows: N, cols: r, data: new Float64Array(N * r) };
      for (let i = 0; i < N; i++) for (let j = 0; j < r; j++) Ur.data[i * r + j] = U.data[i * k + j] as number;
      U = Ur;
    }
  }
  let basis = pixelAxes(U, Xc, o.method);
  if (mode === 'orthogonal') basis = orthonormalizeRowsCholesky(basis, o.method);
  return makeProjector(mode, o.method, eig.values, mean, basis);
}

function makeProjector(
  mode: 'orthogonal' | 'original',
  method: ProductMethod,
  eigenvalues: Float64Array,
  pixelMean: Float64Array,
  basis: DenseMatrix,
): EigenspaceProjector {
  const P = basis.cols;
  let disposed = false;
  return {
    kind: 'sal.eigenspaceProjector',
    mode,
    nPixels: P,
    eigenvalues,
    pixelMean,
    basis,
    project(images) {
      const where = 'kpca.EigenspaceProjector.project';
      if (disposed) throw new SalDataError(where, 'a live projector', 'a disposed projector');
      const I = toDense(images, where);
      if (I.cols !== P) throw new SalShapeError(where, `images [B,${P}] (flattened)`, [I.rows, I.cols]);
      return matmul(matmul(I, basis, { transposeB: true, method }), basis, { method });
    },
    projectorMatrix() {
      return matmul(transpose(basis), basis, { method });
    },
    toJSON() {
      return {
        kind: 'sal.eigenspaceProjector',
        version: 1,
        mode,
        method,
        eigenvalues: Array.from(eigenvalues),
        pixelMean: Array.from(pixelMean),
        basis: toRows(basis),
      };
    },
    dispose() {
      disposed = true;
    },
  };
}

/** Rebuild a projector from {@link EigenspaceProjector.toJSON} output; checks the `kind` tag. */
export function loadEigenspaceProjector(json: unknown): EigenspaceProjector {
  const where = 'kpca.loadEigenspaceProjector';
  const j = json as Partial<EigenspaceProjectorJSON> | null;
  if (typeof j !== 'object' || j === null || j.kind !== 'sal.eigenspaceProjector') {
    throw new SalDataError(where, "an object with kind 'sal.eigenspaceProjector'", j === null || typeof j !== 'object' ? j : j.kind);
  }
  if (!Array.isArray(j.basis) || !Array.isArray(j.eigenvalues) || !Array.isArray(j.pixelMean))
    throw new SalDataError(where, 'basis, eigenvalues and pixelMean arrays', Object.keys(j));
  const basis = toDense(j.basis, where);
  if (basis.cols !== j.pixelMean.length) throw new SalDataError(where, `basis [r,${j.pixelMean.length}]`, [basis.rows, basis.cols]);
  const mode = j.mode === 'original' ? 'original' : 'orthogonal';
  if (j.mode !== mode) throw new SalConfigError(where, 'mode', "'orthogonal' or 'original'", j.mode);
  return makeProjector(mode, j.method === 'float64' ? 'float64' : 'tensor', Float64Array.from(j.eigenvalues), Float64Array.from(j.pixelMean), basis);
}
