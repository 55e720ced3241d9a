/**
 * Principal component analysis with eigenvalues in the ddof = 1 convention (as scikit-learn's
 * `explained_variance_`). When n < d (the gRF case, 500 × 6889) it decomposes the `[n,n]` Gram matrix
 * (dual form) instead of the `[d,d]` covariance; both give the same components.
 */
import { SalConfigError, SalDataError, SalShapeError, checkNumber, checkOneOf, resolveOptions } from '@sal/types';
import {
  PRODUCT_METHODS,
  addRowVectorInPlace,
  gram,
  matmul,
  subtractRowVector,
  toDense,
  type DenseMatrix,
  type MatrixInput,
  type ProductMethod,
} from './dense.js';
import { fixSigns } from './eigen.js';
import { EIGEN_SOLVERS, eigenTopK, pickSolver, type EigenSolver } from './solve-sym.js';
import { centerRowsF32, dualPcaTensor } from './pca-dual.js';

/** Options of {@link fitPca}. */
export interface PcaOptions {
  /** Components to keep: a count, or `'all'` = the rank bound min(n − 1, d) (min(n, d) without centring). @default 'all' */
  nComponents?: number | 'all';
  /** Subtract the per-feature mean before the decomposition. @default true */
  center?: boolean;
  /** `'primal'` ([d,d] covariance), `'dual'` ([n,n] Gram) or `'auto'` (dual when n < d). @default 'auto' */
  form?: 'auto' | 'primal' | 'dual';
  /** Eigensolver; `'auto'` is randomized for n > 800 with few components, else full. @default 'auto' */
  solver?: EigenSolver;
  /** Where the big products run: `'tensor'` (float32, fast) or `'float64'` (JavaScript, exact). @default 'tensor' */
  method?: ProductMethod;
  /** Seed of the randomized solver. @default 0 */
  seed?: number;
  /** Residual tolerance of the randomized solver. @default 1e-5 */
  tol?: number;
  /** Iteration cap of the randomized solver. @default 60 */
  maxIterations?: number;
}

export const PCA_DEFAULTS: Readonly<Required<PcaOptions>> = Object.freeze({
  nComponents: 'all',
  center: true,
  form: 'auto',
  solver: 'auto',
  method: 'tensor',
  seed: 0,
  tol: 1e-5,
  maxIterations: 60,
});

/** Options of {@link PcaModel.reconstruct}: give at most one; neither means all components. */
export interface ReconstructOptions {
  /** Use the first k components. */
  nComponents?: number;
  /** Use the smallest k whose cumulative explained-variance ratio reaches this fraction (e.g. 0.99). */
  varianceFraction?: number;
}

/** The JSON form of a fitted PCA (plain arrays). */
export interface PcaJSON {
  kind: 'sal.pca';
  version: 1;
  nSamples: number;
  nFeatures: number;
  center: boolean;
  method: ProductMethod;
  mean: number[];
  components: number[][];
  explainedVariance: number[];
  totalVariance: number;
}

/** A fitted PCA. Holds no tensors; `dispose` only marks it unusable. */
export interface PcaModel {
  readonly kind: 'sal.pca';
  readonly nSamples: number;
  readonly nFeatures: number;
  readonly nComponents: number;
  /** Per-feature mean `[d]` (zeros when fitted without centring). */
  readonly mean: Float64Array;
  /** Components as unit rows `[k, d]`, by decreasing variance; largest-magnitude entry positive. */
  readonly components: DenseMatrix;
  /** Variance along each component (eigenvalues of the covariance, ddof = 1) `[k]`, descending. */
  readonly explainedVariance: Float64Array;
  /** `explainedVariance / totalVariance` `[k]`. */
  readonly explainedVarianceRatio: Float64Array;
  /** Running sum of the ratio `[k]`. */
  readonly cumulativeVarianceRatio: Float64Array;
  /** Total variance of the data (sum over all features, ddof = 1). */
  readonly totalVariance: number;
  /** Smallest k whose cumulative ratio reaches `fraction` (the number kept if none does). */
  componentsForVariance(fraction: number): number;
  /** Scores `[m, k']` of new rows `[m, d]` on the first k' (default all) components. */
  transform(x: MatrixInput, nComponents?: number): DenseMatrix;
  /** Rows `[m, d]` back from scores `[m, k']` (k' ≤ k: the first k' components). */
  inverseTransform(z: MatrixInput): DenseMatrix;
  /** `inverseTransform(transform(x, k))` with k chosen by count or variance fraction. */
  reconstruct(x: MatrixInput, opts?: ReconstructOptions): DenseMatrix;
  toJSON(): PcaJSON;
  dispose(): void;
}

const FIT = 'kpca.fitPca';

/** Fit a PCA to rows `x` `[n, d]`. */
export function fitPca(x: MatrixInput, opts?: PcaOptions): PcaModel {
  const o = resolveOptions(FIT, PCA_DEFAULTS, opts);
  if (typeof o.center !== 'boolean') throw new SalConfigError(FIT, 'center', 'a boolean', o.center);
  checkOneOf(FIT, 'form', o.form, ['auto', 'primal', 'dual'] as const);
  checkOneOf(FIT, 'solver', o.solver, EIGEN_SOLVERS);
  checkOneOf(FIT, 'method', o.method, PRODUCT_METHODS);
  checkNumber(FIT, 'seed', o.seed, { integer: true });
  checkNumber(FIT, 'tol', o.tol, { min: 0 });
  checkNumber(FIT, 'maxIterations', o.maxIterations, { min: 1, integer: true });
  const X = toDense(x, FIT);
  const { rows: n, cols: d } = X;
  if (n < 2 || d < 1) throw new SalShapeError(FIT, '[n,d] with n >= 2, d >= 1', [n, d]);
  const maxK = Math.min(n, d);
  const k = o.nComponents === 'all' ? Math.min(o.center ? n - 1 : n, d) : checkNumber(FIT, 'nComponents', o.nComponents, { min: 1, max: maxK, integer: true });
  // one pass: finiteness and the column sums
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const r = i * d;
    for (let j = 0; j < d; j++) {
      const v = X.data[r + j] as number;
      if (v - v !== 0) throw new SalDataError(FIT, 'finite values in x', v);
      mean[j] = (mean[j] as number) + v;
    }
  }
  if (o.center) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / n;
  else mean.fill(0);
  const dual = o.form === 'dual' || (o.form === 'auto' && n < d);
  const settings = { solver: o.solver, method: o.method, seed: o.seed, tol: o.tol, maxIterations: o.maxIterations };
  const explainedVariance = new Float64Array(k);
  if (dual && o.method === 'tensor' && pickSolver(n, k, o.solver) === 'full') {
    // the fast path: float32 centred rows uploaded once, products and the normalisation without float64 copies
    const xc = centerRowsF32(X, mean);
    const r = dualPcaTensor(xc.data, n, d, k);
    for (let j = 0; j < k; j++) explainedVariance[j] = Math.max(0, r.values[j] as number) / (n - 1);
    const totalVariance = xc.totalSq / (n - 1);
    return makePca({ nSamples: n, nFeatures: d, center: o.center, method: o.method, mean, components: r.components, explainedVariance, totalVariance });
  }
  const Xc = o.center ? subtractRowVector(X, mean) : X;
  let totalSq = 0;
  for (let i = 0; i < Xc.data.length; i++) totalSq += (Xc.data[i] as number) ** 2;
  const totalVariance = totalSq / (n - 1);
  let components: DenseMatrix;
  if (dual) {
    const G = gram(Xc, o.method);
    const eig = eigenTopK(G, k, settings);
    // components = normalise(Xcᵀ u_j) as rows [k, d]
    const comps = matmul(eig.vectors, Xc, { transposeA: true, method: o.method });
    for (let j = 0; j < k; j++) {
      explainedVariance[j] = Math.max(0, eig.values[j] as number) / (n - 1);
      let norm = 0;
      for (let t = 0; t < d; t++) norm += (comps.data[j * d + t] as number) ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let t = 0; t < d; t++) comps.data[j * d + t] = (comps.data[j * d + t] as number) / norm;
    }
    components = comps;
  } else {
    const C = matmul(Xc, Xc, { transposeA: true, method: o.method });
    const eig = eigenTopK(C, k, settings);
    const comps = new Float64Array(k * d);
    for (let j = 0; j < k; j++) {
      explainedVariance[j] = Math.max(0, eig.values[j] as number) / (n - 1);
      for (let t = 0; t < d; t++) comps[j * d + t] = eig.vectors.data[t * k + j] as number;
    }
    components = { rows: k, cols: d, data: comps };
  }
  // sign convention on the component rows: largest-magnitude entry positive
  const asCols = { rows: d, cols: k, data: new Float64Array(d * k) };
  for (let j = 0; j < k; j++) for (let t = 0; t < d; t++) asCols.data[t * k + j] = components.data[j * d + t] as number;
  fixSigns(asCols);
  for (let j = 0; j < k; j++) for (let t = 0; t < d; t++) components.data[j * d + t] = asCols.data[t * k + j] as number;
  return makePca({ nSamples: n, nFeatures: d, center: o.center, method: o.method, mean, components, explainedVariance, totalVariance });
}

interface PcaState {
  nSamples: number;
  nFeatures: number;
  center: boolean;
  method: ProductMethod;
  mean: Float64Array;
  components: DenseMatrix;
  explainedVariance: Float64Array;
  totalVariance: number;
}

/** Smallest k with `cumulative[k-1] >= fraction`, else the length. */
export function countForFraction(cumulative: Float64Array, fraction: number): number {
  for (let i = 0; i < cumulative.length; i++) if ((cumulative[i] as number) >= fraction) return i + 1;
  return cumulative.length;
}

function makePca(s: PcaState): PcaModel {
  const k = s.components.rows;
  const d = s.nFeatures;
  const ratio = s.explainedVariance.map((v) => (s.totalVariance > 0 ? v / s.totalVariance : 0));
  const cumulative = new Float64Array(k);
  let acc = 0;
  for (let i = 0; i < k; i++) cumulative[i] = acc += ratio[i] as number;
  let disposed = false;
  const alive = (where: string): void => {
    if (disposed) throw new SalDataError(where, 'a live model', 'a disposed PCA');
  };
  const firstComponents = (kk: number): DenseMatrix => ({ rows: kk, cols: d, data: s.components.data.subarray(0, kk * d) });
  const model: PcaModel = {
    kind: 'sal.pca',
    nSamples: s.nSamples,
    nFeatures: d,
    nComponents: k,
    mean: s.mean,
    components: s.components,
    explainedVariance: s.explainedVariance,
    explainedVarianceRatio: ratio,
    cumulativeVarianceRatio: cumulative,
    totalVariance: s.totalVariance,
    componentsForVariance(fraction) {
      checkNumber('kpca.PcaModel.componentsForVariance', 'fraction', fraction, { min: 0, max: 1 });
      return countForFraction(cumulative, fraction);
    },
    transform(x, nComponents = k) {
      const where = 'kpca.PcaModel.transform';
      alive(where);
      checkNumber(where, 'nComponents', nComponents, { min: 1, max: k, integer: true });
      const X = toDense(x, where);
      if (X.cols !== d) throw new SalShapeError(where, `x [m,${d}]`, [X.rows, X.cols]);
      return matmul(subtractRowVector(X, s.mean), firstComponents(nComponents), { transposeB: true, method: s.method });
    },
    inverseTransform(z) {
      const where = 'kpca.PcaModel.inverseTransform';
      alive(where);
      const Z = toDense(z, where);
      if (Z.cols < 1 || Z.cols > k) throw new SalShapeError(where, `z [m,k'] with 1 <= k' <= ${k}`, [Z.rows, Z.cols]);
      const out = matmul(Z, firstComponents(Z.cols), { method: s.method });
      addRowVectorInPlace(out, s.mean);
      return out;
    },
    reconstruct(x, ropts = {}) {
      const where = 'kpca.PcaModel.reconstruct';
      const r = resolveOptions<ReconstructOptions>(where, { nComponents: 0, varianceFraction: 0 } as Required<ReconstructOptions>, ropts);
      if (ropts.nComponents !== undefined && ropts.varianceFraction !== undefined) {
        throw new SalConfigError(where, 'nComponents/varianceFraction', 'at most one of them', ropts);
      }
      let kk = k;
      if (ropts.nComponents !== undefined) kk = checkNumber(where, 'nComponents', r.nComponents, { min: 1, max: k, integer: true });
      if (ropts.varianceFraction !== undefined)
        kk = model.componentsForVariance(checkNumber(where, 'varianceFraction', r.varianceFraction, { min: 0, max: 1 }));
      return model.inverseTransform(model.transform(x, kk));
    },
    toJSON() {
      const comps: number[][] = [];
      for (let i = 0; i < k; i++) comps.push(Array.from(s.components.data.subarray(i * d, (i + 1) * d)));
      return {
        kind: 'sal.pca',
        version: 1,
        nSamples: s.nSamples,
        nFeatures: d,
        center: s.center,
        method: s.method,
        mean: Array.from(s.mean),
        components: comps,
        explainedVariance: Array.from(s.explainedVariance),
        totalVariance: s.totalVariance,
      };
    },
    dispose() {
      disposed = true;
    },
  };
  return model;
}

/** Rebuild a PCA from {@link PcaModel.toJSON} output; checks the `kind` tag and the shapes. */
export function loadPca(json: unknown): PcaModel {
  const where = 'kpca.loadPca';
  const j = json as Partial<PcaJSON> | null;
  if (typeof j !== 'object' || j === null || j.kind !== 'sal.pca')
    throw new SalDataError(where, "an object with kind 'sal.pca'", j === null || typeof j !== 'object' ? j : j.kind);
  const { nSamples, nFeatures, center, method, mean, components, explainedVariance, totalVariance } = j;
  if (typeof nFeatures !== 'number' || !Array.isArray(mean) || mean.length !== nFeatures)
    throw new SalDataError(where, 'mean of length nFeatures', mean?.length);
  if (!Array.isArray(components) || !Array.isArray(explainedVariance) || components.length !== explainedVariance.length) {
    throw new SalDataError(where, 'one explained variance per component', explainedVariance?.length);
  }
  const comp = toDense(components, where);
  if (comp.rows > 0 && comp.cols !== nFeatures) throw new SalDataError(where, `components [k,${nFeatures}]`, [comp.rows, comp.cols]);
  return makePca({
    nSamples: Number(nSamples),
    nFeatures,
    center: Boolean(center),
    method: method === 'float64' ? 'float64' : 'tensor',
    mean: Float64Array.from(mean),
    components: comp,
    explainedVariance: Float64Array.from(explainedVariance),
    totalVariance: Number(totalVariance),
  });
}
