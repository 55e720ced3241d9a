/**
 * Kernel PCA following scikit-learn's `KernelPCA`: the centred training kernel is decomposed
 * (eigenvalues descending, eigenvector signs fixed so the largest-magnitude entry is positive, as
 * scikit-learn's `svd_flip`); new points are projected with the test kernel centred by the training
 * statistics; the optional pre-image map is kernel ridge regression from the training scores back to
 * the training rows (`fit_inverse_transform=True`): dual coefficients `(K_z + αI)⁻¹ X` with `K_z` the
 * same kernel between the training scores, and `inverseTransform(z) = k(z, Z_train) · dual`.
 */
import { FUSED_KERNELS, SalConfigError, SalDataError, SalShapeError, checkNumber, checkOneOf, resolveOptions } from '@sal/types';
import * as tf from '@tensorflow/tfjs-core';
import {
  PRODUCT_METHODS,
  assertTensorBackend,
  fromTensor,
  leadingColumns,
  matmul,
  toDense,
  toRows,
  toTensor,
  type DenseMatrix,
  type MatrixInput,
  type ProductMethod,
} from './dense.js';
import { topEigen } from './eigen.js';
import {
  KERNEL_METHODS,
  KERNEL_NAMES,
  SKLEARN_KERNELS,
  centerKernel,
  centerKernelTensor,
  fitKernelCentering,
  kernelMatrix,
  kernelTensor,
  resolveKernel,
  type KernelCentering,
  type KernelMethod,
  type KernelName,
  type KernelOptions,
  type KernelSpec,
} from './kernels.js';
import { solveSpd, solveSpdTensors } from './linsolve.js';
import { EIGEN_SOLVERS, eigenTopK, pickSolver, type EigenSolver } from './solve-sym.js';

/** Options of {@link fitKernelPca}. */
export interface KernelPcaOptions {
  /** The kernel. @default 'linear' */
  kernel?: KernelName;
  /** Kernel parameters (scikit-learn's `gamma`, `degree`, `coef0`; ml-kernel's names for the others). @default {} */
  kernelOptions?: KernelOptions;
  /**
   * Components to keep, or `'all'`: every component whose eigenvalue exceeds `zeroTolerance · λ₁`
   * (scikit-learn's `n_components=None` drops zero eigenvalues). @default 'all'
   */
  nComponents?: number | 'all';
  /** Learn the pre-image map (`inverseTransform`). @default false */
  fitInverseTransform?: boolean;
  /** Ridge parameter of the pre-image map. @default 1 */
  alpha?: number;
  /** Eigensolver: `'auto'` uses the randomized one for n > 800 and few components. @default 'auto' */
  solver?: EigenSolver;
  /** Kernel matrices: `'tensor'` (float32 products) or `'ml-kernel'` (float64 loops). @default 'tensor' */
  kernelMethod?: KernelMethod;
  /** Products and the ridge solve: `'tensor'` (float32) or `'float64'` (JavaScript). @default 'tensor' */
  method?: ProductMethod;
  /**
   * Relative size (to λ₁) below which an eigenvalue counts as zero (with `'all'`, and in `transform`);
   * `null` = 1e-10 with float64 kernels and products, 1e-6 when either runs in float32 on the tensor backend.
   * @default null
   */
  zeroTolerance?: number | null;
  /** Seed of the randomized solver. @default 0 */
  seed?: number;
  /** Residual tolerance of the randomized solver. @default 1e-5 */
  tol?: number;
  /** Iteration cap of the randomized solver. @default 60 */
  maxIterations?: number;
}

export const KERNEL_PCA_DEFAULTS: Readonly<Required<KernelPcaOptions>> = Object.freeze({
  kernel: 'linear',
  kernelOptions: Object.freeze({}) as KernelOptions,
  nComponents: 'all',
  fitInverseTransform: false,
  alpha: 1,
  solver: 'auto',
  kernelMethod: 'tensor',
  method: 'tensor',
  zeroTolerance: null,
  seed: 0,
  tol: 1e-5,
  maxIterations: 60,
});

/** The JSON form of a fitted kernel PCA. */
export interface KernelPcaJSON {
  kind: 'sal.kernelPca';
  version: 1;
  kernel: KernelName;
  kernelParams: Record<string, number>;
  kernelMethod: KernelMethod;
  method: ProductMethod;
  xFit: number[][];
  eigenvalues: number[];
  eigenvectors: number[][];
  centering: { columnMeans: number[]; grandMean: number };
  inverse: { alpha: number; dualCoef: number[][] } | null;
  zeroTolerance: number;
}

/**
 * A fitted kernel PCA. On the tensor path (`kernelMethod` and `method` `'tensor'`, a scikit-learn kernel) it holds
 * two float32 tensors, the training rows and the dual coefficients: call `dispose` to release them. On the float64
 * paths it holds no tensors and `dispose` only marks it unusable.
 */
export interface KernelPcaModel {
  readonly kind: 'sal.kernelPca';
  readonly kernel: KernelSpec;
  readonly nSamples: number;
  readonly nFeatures: number;
  readonly nComponents: number;
  /** Eigenvalues of the centred training kernel `[k]`, descending (scikit-learn's `eigenvalues_`). */
  readonly eigenvalues: Float64Array;
  /** Unit eigenvectors of the centred training kernel as columns `[n, k]` (`eigenvectors_`). */
  readonly eigenvectors: DenseMatrix;
  /** Training-kernel centring statistics. */
  readonly centering: KernelCentering;
  /** Scores of the training rows `[n, k]`: `eigenvectors · diag(√λ)` (`fit_transform`). */
  trainingScores(): DenseMatrix;
  /** Scores of new rows `[m, d]` → `[m, k]`. */
  transform(x: MatrixInput): DenseMatrix;
  /** Pre-images `[m, d]` of scores `[m, k]`; needs `fitInverseTransform`. */
  inverseTransform(z: MatrixInput): DenseMatrix;
  toJSON(): KernelPcaJSON;
  dispose(): void;
}

const FIT = 'kpca.fitKernelPca';

/** Fit a kernel PCA to rows `x` `[n, d]`. */
export function fitKernelPca(x: MatrixInput, opts?: KernelPcaOptions): KernelPcaModel {
  const o = resolveOptions(FIT, KERNEL_PCA_DEFAULTS, opts);
  checkOneOf(FIT, 'kernel', o.kernel, KERNEL_NAMES);
  checkOneOf(FIT, 'solver', o.solver, EIGEN_SOLVERS);
  checkOneOf(FIT, 'kernelMethod', o.kernelMethod, KERNEL_METHODS);
  checkOneOf(FIT, 'method', o.method, PRODUCT_METHODS);
  if (typeof o.fitInverseTransform !== 'boolean') throw new SalConfigError(FIT, 'fitInverseTransform', 'a boolean', o.fitInverseTransform);
  checkNumber(FIT, 'alpha', o.alpha, { min: 0, exclusiveMin: true });
  const zeroTolerance =
    o.zeroTolerance === null
      ? o.kernelMethod === 'ml-kernel' && o.method === 'float64'
        ? 1e-10
        : 1e-6
      : checkNumber(FIT, 'zeroTolerance', o.zeroTolerance, { min: 0 });
  checkNumber(FIT, 'seed', o.seed, { integer: true });
  checkNumber(FIT, 'tol', o.tol, { min: 0 });
  checkNumber(FIT, 'maxIterations', o.maxIterations, { min: 1, integer: true });
  const input = toDense(x, FIT);
  const { rows: n, cols: d } = input;
  if (n < 2 || d < 1) throw new SalShapeError(FIT, '[n,d] with n >= 2, d >= 1', [n, d]);
  const spec = resolveKernel(FIT, o.kernel, o.kernelOptions, d);
  const requested = o.nComponents === 'all' ? n : checkNumber(FIT, 'nComponents', o.nComponents, { min: 1, max: n, integer: true });

  const settings = { solver: o.solver, method: o.method, seed: o.seed, tol: o.tol, maxIterations: o.maxIterations };
  // The tensor path keeps x, the kernels and the pre-image solve on the backend, and the model keeps float32
  // copies of x and of the dual coefficients (what every later product reads); the other paths keep float64.
  const onBackend = o.kernelMethod === 'tensor' && o.method === 'tensor' && (SKLEARN_KERNELS as readonly string[]).includes(spec.name);
  if (onBackend) assertTensorBackend();
  // the tensor path keeps x and the dual coefficients on the backend (float32, owned by the model from here on)
  const xt = onBackend ? uploadFinite(input.data, n, d) : null;
  const X: DenseMatrix | null = xt ? null : { rows: n, cols: d, data: finiteCopy(input.data) };
  let dualCoef: Kept | null = null;
  try {
    let centering: KernelCentering;
    let eig: { values: Float64Array; vectors: DenseMatrix };
    if (xt) {
      const K = kernelTensor(xt, null, spec);
      const c = centerKernelTensor(K);
      K.dispose();
      centering = c.centering;
      try {
        eig =
          pickSolver(n, requested, o.solver) === 'randomized'
            ? topEigen(c.centred, requested, { seed: o.seed, tol: o.tol, maxIterations: o.maxIterations, method: o.method })
            : eigenTopK(fromTensor(c.centred), requested, settings);
      } finally {
        c.centred.dispose();
      }
    } else {
      const K = kernelMatrix(X as DenseMatrix, null, spec, o.kernelMethod);
      centering = fitKernelCentering(K);
      eig = eigenTopK(centerKernel(K, centering), requested, settings);
    }
    // negative eigenvalues of a PSD kernel are round-off: clip them to 0 (scikit-learn does the same)
    const lam1 = Math.max(eig.values[0] as number, 0);
    const values = eig.values.map((v) => (v > 0 ? v : 0));
    let k = requested;
    if (o.nComponents === 'all') {
      k = 0;
      while (k < values.length && (values[k] as number) > zeroTolerance * lam1) k++;
      if (k === 0) throw new SalDataError(FIT, 'a kernel with a non-zero centred eigenvalue', 'all eigenvalues zero');
    }
    const eigenvalues = values.slice(0, k);
    const eigenvectors = k === eig.vectors.cols ? eig.vectors : leadingColumns(eig.vectors, k);
    if (o.fitInverseTransform) {
      const Z = scores(eigenvectors, eigenvalues);
      if (xt) {
        dualCoef = tf.tidy(() => {
          const kz = addToDiagonal(kernelTensor(toTensor(Z), null, spec), o.alpha);
          return solveSpdTensors(kz, xt, 256, FIT);
        });
      } else {
        const Kz = kernelMatrix(Z, null, spec, o.kernelMethod);
        for (let i = 0; i < n; i++) Kz.data[i * n + i] = (Kz.data[i * n + i] as number) + o.alpha;
        dualCoef = solveSpd(Kz, X as DenseMatrix, { method: o.method });
      }
    }
    return makeKernelPca({
      spec,
      kernelMethod: o.kernelMethod,
      method: o.method,
      X: xt ?? (X as DenseMatrix),
      eigenvalues,
      eigenvectors,
      centering,
      alpha: o.alpha,
      dualCoef,
      zeroTolerance,
    });
  } catch (err) {
    xt?.dispose();
    if (dualCoef instanceof tf.Tensor) dualCoef.dispose();
    throw err;
  }
}

/** `vectors · diag(√λ)` `[n,k]`. */
function scores(vectors: DenseMatrix, values: Float64Array): DenseMatrix {
  const { rows, cols } = vectors;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = (vectors.data[i * cols + j] as number) * Math.sqrt(values[j] as number);
  return { rows, cols, data: out };
}

/** `k + alpha·I` for a square tensor `[n,n]`: only the diagonal is rewritten (an identity matrix costs an [n,n] upload and two passes). */
function addToDiagonal(k: tf.Tensor2D, alpha: number): tf.Tensor2D {
  const n = k.shape[0];
  return tf.tidy(() => {
    const at = tf.tensor2d(
      Int32Array.from({ length: 2 * n }, (_, i) => i >> 1),
      [n, 2],
      'int32',
    );
    const diagonal = tf.gather(tf.reshape(k, [n * n]), tf.range(0, n * n, n + 1, 'int32'));
    return tf.tensorScatterUpdate(k, at, tf.add(diagonal, alpha)) as tf.Tensor2D;
  });
}

/**
 * A matrix the model keeps: float64 on the host, or on the tensor path a float32 tensor on the backend (x and
 * the dual coefficients are only ever read by float32 products there, so the model keeps them where those
 * products run: no upload per `transform`, and no host copy at fit time). The model owns the tensors.
 */
type Kept = DenseMatrix | tf.Tensor2D;

/** Values of x converted per chunk by {@link uploadFinite} (1 MiB of float32; whole rows, at least one). */
const UPLOAD_CHUNK = 1 << 18;

/**
 * x `[n, d]` as a float32 tensor, checking every value is finite in float32. The conversion runs per chunk of
 * rows through one small buffer, so no float32 copy of the whole matrix is made on the host (a fresh 32 MB array
 * costs more in page faults than the conversion itself). The wasm backend copies a new tensor's values into its
 * heap at once, so the buffer is reused; other backends may keep the array they are given, so each chunk gets its own.
 */
function uploadFinite(data: Float64Array, n: number, d: number): tf.Tensor2D {
  // a backend that converts float64 values where it keeps tensors (`@sal/native` on wasm: in threads, no host copy)
  if (tf.getKernel(FUSED_KERNELS.fromFloat64, tf.getBackend())) {
    try {
      return tf.engine().runKernel(FUSED_KERNELS.fromFloat64, {}, { values: data, shape: [n, d] } as never) as tf.Tensor2D;
    } catch (err) {
      const at = /not finite at (\d+)/.exec((err as Error).message);
      if (at) throw new SalDataError(FIT, 'finite values in x (within float32 range on the tensor path)', data[Number(at[1])]);
      throw err;
    }
  }
  const rows = Math.max(1, Math.min(n, Math.floor(UPLOAD_CHUNK / d)));
  const reuse = tf.getBackend() === 'wasm';
  let buf = new Float32Array(rows * d);
  const chunks: tf.Tensor2D[] = [];
  try {
    for (let r0 = 0; r0 < n; r0 += rows) {
      const r1 = Math.min(n, r0 + rows);
      const len = (r1 - r0) * d;
      if (!reuse && r0 > 0) buf = new Float32Array(rows * d);
      let z = 0;
      for (let i = 0, o = r0 * d; i < len; i++) {
        const v = Math.fround(data[o + i] as number);
        buf[i] = v;
        z += v - v; // 0 for finite values, NaN otherwise
      }
      if (z !== 0) {
        for (let i = r0 * d; i < r1 * d; i++) {
          const v = Math.fround(data[i] as number);
          if (v - v !== 0) throw new SalDataError(FIT, 'finite values in x (within float32 range on the tensor path)', data[i]);
        }
      }
      chunks.push(tf.tensor2d(len === buf.length ? buf : buf.subarray(0, len), [r1 - r0, d]));
    }
    return chunks.length === 1 ? (chunks.pop() as tf.Tensor2D) : tf.concat2d(chunks, 0);
  } finally {
    tf.dispose(chunks);
  }
}

/** A float64 copy of `data`, checking every value is finite. */
function finiteCopy(data: Float64Array): Float64Array {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i] as number)) throw new SalDataError(FIT, 'finite values in x', data[i]);
  }
  return data.slice();
}

/** The float64 form of a kept matrix (shared when it is float64 already). */
function asDense(m: Kept): DenseMatrix {
  return m instanceof tf.Tensor ? fromTensor(m) : m;
}

/** `k(rows, fit)` `[m, n]` for a kept matrix `fit`: on the backend when it is a tensor, else through kernelMatrix. */
function kernelAgainst(rows: DenseMatrix, fit: Kept, spec: KernelSpec, method: KernelMethod): DenseMatrix {
  if (!(fit instanceof tf.Tensor)) return kernelMatrix(rows, fit, spec, method);
  const t = tf.tidy(() => kernelTensor(toTensor(rows), fit, spec));
  try {
    return fromTensor(t);
  } finally {
    t.dispose();
  }
}

/** `a · b` for a kept matrix `b` (on the backend when it is a tensor). */
function productWith(a: DenseMatrix, b: Kept, method: ProductMethod): DenseMatrix {
  if (!(b instanceof tf.Tensor)) return matmul(a, b, { method });
  const t = tf.tidy(() => tf.matMul(toTensor(a), b));
  try {
    return fromTensor(t);
  } finally {
    t.dispose();
  }
}

interface KernelPcaState {
  spec: KernelSpec;
  kernelMethod: KernelMethod;
  method: ProductMethod;
  X: Kept;
  eigenvalues: Float64Array;
  eigenvectors: DenseMatrix;
  centering: KernelCentering;
  alpha: number;
  dualCoef: Kept | null;
  zeroTolerance: number;
}

/**
 * Eigenvectors `[n,k]` divided by √λ, zero for eigenvalues not above `floor` (scikit-learn's `non_zeros`). (A
 * module-level function, like {@link scores}: a long loop inline in makeKernelPca made V8 compile all of it while it ran.)
 */
function projectionVectors(vectors: DenseMatrix, values: Float64Array, floor: number): DenseMatrix {
  const { rows, cols } = vectors;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const l = values[j] as number;
      out[i * cols + j] = l > floor && l > 0 ? (vectors.data[i * cols + j] as number) / Math.sqrt(l) : 0;
    }
  }
  return { rows, cols, data: out };
}

function makeKernelPca(s: KernelPcaState): KernelPcaModel {
  const [n, d] = s.X instanceof tf.Tensor ? s.X.shape : [s.X.rows, s.X.cols];
  const k = s.eigenvalues.length;
  const lam1 = s.eigenvalues[0] ?? 0;
  const scaled = projectionVectors(s.eigenvectors, s.eigenvalues, s.zeroTolerance * lam1);
  const zFit = scores(s.eigenvectors, s.eigenvalues);
  let disposed = false;
  const alive = (where: string): void => {
    if (disposed) throw new SalDataError(where, 'a live model', 'a disposed kernel PCA');
  };
  return {
    kind: 'sal.kernelPca',
    kernel: s.spec,
    nSamples: n,
    nFeatures: d,
    nComponents: k,
    eigenvalues: s.eigenvalues,
    eigenvectors: s.eigenvectors,
    centering: s.centering,
    trainingScores() {
      return { rows: n, cols: k, data: zFit.data.slice() };
    },
    transform(x) {
      const where = 'kpca.KernelPcaModel.transform';
      alive(where);
      const Xn = toDense(x, where);
      if (Xn.cols !== d) throw new SalShapeError(where, `x [m,${d}]`, [Xn.rows, Xn.cols]);
      const Kt = centerKernel(kernelAgainst(Xn, s.X, s.spec, s.kernelMethod), s.centering);
      return matmul(Kt, scaled, { method: s.method });
    },
    inverseTransform(z) {
      const where = 'kpca.KernelPcaModel.inverseTransform';
      alive(where);
      if (s.dualCoef === null) throw new SalConfigError(where, 'fitInverseTransform', 'true at fit time to use inverseTransform', false);
      const Z = toDense(z, where);
      if (Z.cols !== k) throw new SalShapeError(where, `z [m,${k}]`, [Z.rows, Z.cols]);
      return productWith(kernelMatrix(Z, zFit, s.spec, s.kernelMethod), s.dualCoef, s.method);
    },
    toJSON() {
      alive('kpca.KernelPcaModel.toJSON');
      return {
        kind: 'sal.kernelPca',
        version: 1,
        kernel: s.spec.name,
        kernelParams: { ...s.spec.params },
        kernelMethod: s.kernelMethod,
        method: s.method,
        xFit: toRows(asDense(s.X)),
        eigenvalues: Array.from(s.eigenvalues),
        eigenvectors: toRows(s.eigenvectors),
        centering: { columnMeans: Array.from(s.centering.columnMeans), grandMean: s.centering.grandMean },
        inverse: s.dualCoef === null ? null : { alpha: s.alpha, dualCoef: toRows(asDense(s.dualCoef)) },
        zeroTolerance: s.zeroTolerance,
      };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (s.X instanceof tf.Tensor) s.X.dispose();
      if (s.dualCoef instanceof tf.Tensor) s.dualCoef.dispose();
    },
  };
}

/** Rebuild a kernel PCA from {@link KernelPcaModel.toJSON} output; checks the `kind` tag and the shapes. */
export function loadKernelPca(json: unknown): KernelPcaModel {
  const where = 'kpca.loadKernelPca';
  const j = json as Partial<KernelPcaJSON> | null;
  if (typeof j !== 'object' || j === null || j.kind !== 'sal.kernelPca') {
    throw new SalDataError(where, "an object with kind 'sal.kernelPca'", j === null || typeof j !== 'object' ? j : j.kind);
  }
  const kernel = checkOneOf(where, 'kernel', j.kernel, KERNEL_NAMES);
  if (!Array.isArray(j.xFit) || !Array.isArray(j.eigenvalues) || !Array.isArray(j.eigenvectors) || !j.centering) {
    throw new SalDataError(where, 'xFit, eigenvalues, eigenvectors and centering', Object.keys(j));
  }
  const X = toDense(j.xFit, where);
  const eigenvectors = toDense(j.eigenvectors, where);
  if (eigenvectors.rows !== X.rows || eigenvectors.cols !== j.eigenvalues.length) {
    throw new SalDataError(where, `eigenvectors [${X.rows},${j.eigenvalues.length}]`, [eigenvectors.rows, eigenvectors.cols]);
  }
  const dual = j.inverse ? toDense(j.inverse.dualCoef, where) : null;
  const kernelMethod: KernelMethod = j.kernelMethod === 'ml-kernel' ? 'ml-kernel' : 'tensor';
  const method: ProductMethod = j.method === 'float64' ? 'float64' : 'tensor';
  // a model fitted on the tensor path keeps float32 tensors, as fitKernelPca does
  const onBackend = kernelMethod === 'tensor' && method === 'tensor' && (SKLEARN_KERNELS as readonly string[]).includes(kernel);
  if (onBackend) assertTensorBackend();
  const keep = (m: DenseMatrix): Kept => (onBackend ? tf.tensor2d(new Float32Array(m.data), [m.rows, m.cols]) : m);
  const dualCoef = dual ? keep(dual) : null;
  return makeKernelPca({
    spec: { name: kernel, params: { ...(j.kernelParams ?? {}) } },
    kernelMethod,
    method,
    X: keep(X),
    eigenvalues: Float64Array.from(j.eigenvalues),
    eigenvectors,
    centering: { columnMeans: Float64Array.from(j.centering.columnMeans), grandMean: Number(j.centering.grandMean) },
    alpha: j.inverse ? Number(j.inverse.alpha) : 1,
    dualCoef,
    zeroTolerance: Number(j.zeroTolerance ?? 1e-10),
  });
}
