/// <reference path="./ml-kernel.d.ts" />
/**
 * Kernel matrices and kernel centring. The four scikit-learn kernels (`linear`, `rbf`, `polynomial`,
 * `sigmoid`, with scikit-learn's `gamma`/`degree`/`coef0` parameters) run either as matrix products on
 * the tensor backend (`‖x‖² + ‖y‖² − 2XYᵀ` for rbf) or through ml-kernel's double loop (the exact
 * float64 reference). The other ml-kernel kernels (`laplacian`, `cauchy`, `exponential`, `rational`,
 * `multiquadratic`, `anova`, `histogram`) run through ml-kernel with their own option names.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Matrix } from 'ml-matrix';
import { Kernel } from 'ml-kernel';
import { SalConfigError, SalShapeError, checkNumber, checkOneOf } from '@sal/types';
import { assertTensorBackend, toDense, type DenseMatrix, type MatrixInput } from './dense.js';

/** Kernels computed with scikit-learn's parametrisation (and a tensor fast path). */
export const SKLEARN_KERNELS = ['linear', 'rbf', 'polynomial', 'sigmoid'] as const;
/** Kernels taken from ml-kernel with its own option names. */
export const ML_KERNELS = ['laplacian', 'cauchy', 'exponential', 'rational', 'multiquadratic', 'anova', 'histogram'] as const;
/** A kernel name. */
export type KernelName = (typeof SKLEARN_KERNELS)[number] | (typeof ML_KERNELS)[number];
export const KERNEL_NAMES: readonly KernelName[] = [...SKLEARN_KERNELS, ...ML_KERNELS];

/** Where kernel matrices are computed: `'tensor'` (float32 products) or `'ml-kernel'` (float64 JS loop). */
export type KernelMethod = 'tensor' | 'ml-kernel';
export const KERNEL_METHODS: readonly KernelMethod[] = ['tensor', 'ml-kernel'];

/**
 * Kernel parameters. For `linear`/`rbf`/`polynomial`/`sigmoid` (scikit-learn's definitions):
 * rbf `exp(−γ‖x−y‖²)`, polynomial `(γ xᵀy + coef0)^degree`, sigmoid `tanh(γ xᵀy + coef0)`.
 * For the ml-kernel kernels, the object is passed to ml-kernel unchanged (e.g. `{ sigma: 1 }`).
 */
export interface KernelOptions {
  /** Scale; `null` = 1 / number of features (fixed at fit time). @default null */
  gamma?: number | null;
  /** Polynomial degree. @default 3 */
  degree?: number;
  /** Additive constant of polynomial and sigmoid. @default 1 */
  coef0?: number;
  [mlKernelOption: string]: number | null | undefined;
}

/** A kernel with every parameter resolved (what a fitted model stores). */
export interface KernelSpec {
  readonly name: KernelName;
  /** Resolved parameters: `{gamma, degree, coef0}` for the scikit-learn kernels, else ml-kernel's options. */
  readonly params: Readonly<Record<string, number>>;
}

/** Resolve a kernel name and options against the number of features `d`. */
export function resolveKernel(where: string, name: unknown, options: KernelOptions | undefined, d: number): KernelSpec {
  const k = checkOneOf(where, 'kernel', name, KERNEL_NAMES);
  const o = options ?? {};
  if (typeof o !== 'object' || o === null) throw new SalConfigError(where, 'kernelOptions', 'an object', o);
  if ((SKLEARN_KERNELS as readonly string[]).includes(k)) {
    for (const key of Object.keys(o)) {
      if (!['gamma', 'degree', 'coef0'].includes(key)) throw new SalConfigError(where, `kernelOptions.${key}`, 'one of gamma, degree, coef0', key);
    }
    const gamma = o.gamma === undefined || o.gamma === null ? 1 / d : checkNumber(where, 'kernelOptions.gamma', o.gamma);
    const degree = checkNumber(where, 'kernelOptions.degree', o.degree ?? 3, { min: 0 });
    const coef0 = checkNumber(where, 'kernelOptions.coef0', o.coef0 ?? 1);
    return { name: k, params: { gamma, degree, coef0 } };
  }
  const params: Record<string, number> = {};
  for (const [key, v] of Object.entries(o)) if (v !== undefined && v !== null) params[key] = checkNumber(where, `kernelOptions.${key}`, v);
  return { name: k, params };
}

function mlKernel(spec: KernelSpec): Kernel {
  const { gamma = 1, degree = 3, coef0 = 1 } = spec.params;
  switch (spec.name) {
    case 'linear':
      return new Kernel('linear');
    case 'rbf':
      return new Kernel('gaussian', { sigma: Math.sqrt(1 / (2 * gamma)) });
    case 'polynomial':
      return new Kernel('polynomial', { degree, constant: coef0, scale: gamma });
    case 'sigmoid':
      return new Kernel('sigmoid', { alpha: gamma, constant: coef0 });
    default:
      return new Kernel(spec.name, { ...spec.params });
  }
}

function toMl(m: DenseMatrix): Matrix {
  return Matrix.from1DArray(m.rows, m.cols, m.data);
}

/**
 * The kernel matrix `K[i,j] = k(x_i, y_j)` `[n, m]` between the rows of `x` `[n,d]` and `y` `[m,d]`
 * (default `y = x`). `'tensor'` is used only for the scikit-learn kernels; the others always use ml-kernel.
 */
export function kernelMatrix(x: MatrixInput, y: MatrixInput | null, spec: KernelSpec, method: KernelMethod = 'tensor'): DenseMatrix {
  const where = 'kpca.kernelMatrix';
  checkOneOf(where, 'method', method, KERNEL_METHODS);
  const X = toDense(x, where);
  const Y = y === null ? X : toDense(y, where);
  if (X.cols !== Y.cols) throw new SalShapeError(where, `y [m,${X.cols}]`, [Y.rows, Y.cols]);
  const n = X.rows;
  const m = Y.rows;
  if (method === 'ml-kernel' || !(SKLEARN_KERNELS as readonly string[]).includes(spec.name)) {
    const K = mlKernel(spec).compute(toMl(X), y === null ? undefined : toMl(Y));
    const data = new Float64Array(n * m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) data[i * m + j] = K.get(i, j);
    return { rows: n, cols: m, data };
  }
  assertTensorBackend();
  const out = tf.tidy(() => {
    const xt = tf.tensor2d(new Float32Array(X.data), [n, X.cols]);
    return kernelTensor(xt, y === null ? null : tf.tensor2d(new Float32Array(Y.data), [m, Y.cols]), spec);
  });
  try {
    return { rows: n, cols: m, data: new Float64Array(out.dataSync()) };
  } finally {
    out.dispose();
  }
}

/**
 * The kernel matrix of one of the scikit-learn kernels on the tensor backend, float32 `[n, m]`, between the
 * rows of `x` `[n,d]` and `y` `[m,d]` (`null`: `y = x`). Inputs are not disposed; the caller owns the result.
 * rbf uses `‖x‖² + ‖y‖² − 2xyᵀ` clipped at 0; with `y = null` the squared norms are the Gram matrix's own
 * diagonal, so the diagonal distances are exactly 0 and the diagonal exactly 1.
 */
export function kernelTensor(x: tf.Tensor2D, y: tf.Tensor2D | null, spec: KernelSpec): tf.Tensor2D {
  if (!(SKLEARN_KERNELS as readonly string[]).includes(spec.name)) {
    throw new SalConfigError('kpca.kernelTensor', 'kernel', `one of ${SKLEARN_KERNELS.join(', ')}`, spec.name);
  }
  const { gamma = 1, degree = 3, coef0 = 1 } = spec.params;
  const [n] = x.shape;
  const m = y === null ? n : y.shape[0];
  return tf.tidy(() => {
    const g = tf.matMul(x, y ?? x, false, true);
    switch (spec.name) {
      case 'linear':
        return g;
      case 'rbf': {
        let sqX: tf.Tensor;
        let sqY: tf.Tensor;
        if (y === null) {
          sqX = tf.gather(tf.reshape(g, [n * n]), tf.range(0, n * n, n + 1, 'int32'));
          sqY = sqX;
        } else {
          sqX = tf.sum(tf.square(x), 1);
          sqY = tf.sum(tf.square(y), 1);
        }
        const d2 = tf.relu(tf.sub(tf.add(tf.reshape(sqX, [n, 1]), tf.reshape(sqY, [1, m])), tf.mul(g, 2)));
        return tf.exp(tf.mul(d2, -gamma));
      }
      case 'polynomial':
        return tf.pow(tf.add(tf.mul(g, gamma), coef0), degree);
      default:
        return tf.tanh(tf.add(tf.mul(g, gamma), coef0));
    }
  }) as tf.Tensor2D;
}

/** The training statistics of kernel centring (scikit-learn's `KernelCenterer`). */
export interface KernelCentering {
  /** Column means of the training kernel `[n]` (`K_fit_rows_`). */
  readonly columnMeans: Float64Array;
  /** Mean of the whole training kernel (`K_fit_all_`). */
  readonly grandMean: number;
}

/** Fit the centring statistics on a training kernel `[n,n]`. */
export function fitKernelCentering(k: DenseMatrix): KernelCentering {
  if (k.rows !== k.cols) throw new SalShapeError('kpca.fitKernelCentering', '[n,n]', [k.rows, k.cols]);
  const n = k.rows;
  const columnMeans = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) columnMeans[j] = (columnMeans[j] as number) + (k.data[i * n + j] as number);
  let all = 0;
  for (let j = 0; j < n; j++) {
    columnMeans[j] = (columnMeans[j] as number) / n;
    all += columnMeans[j] as number;
  }
  return { columnMeans, grandMean: all / n };
}

/**
 * Centre a kernel `[m,n]` between new points and the n training points with the training statistics:
 * `K − 1·colMeansᵀ − rowMeans·1ᵀ + grandMean`, i.e. the inner products of the points after subtracting
 * the training mean in feature space. Returns a new matrix.
 */
export function centerKernel(k: DenseMatrix, stats: KernelCentering): DenseMatrix {
  const n = stats.columnMeans.length;
  if (k.cols !== n) throw new SalShapeError('kpca.centerKernel', `[m,${n}]`, [k.rows, k.cols]);
  const out = new Float64Array(k.data.length);
  for (let i = 0; i < k.rows; i++) {
    let rm = 0;
    for (let j = 0; j < n; j++) rm += k.data[i * n + j] as number;
    rm /= n;
    for (let j = 0; j < n; j++) out[i * n + j] = (k.data[i * n + j] as number) - (stats.columnMeans[j] as number) - rm + stats.grandMean;
  }
  return { rows: k.rows, cols: n, data: out };
}

/**
 * Fit the centring statistics on a training kernel tensor `[n,n]` (symmetric: its row means are its column
 * means) and return them with the centred kernel, a new float32 tensor `[n,n]` the caller owns. The means
 * are summed in the backend's float32 reduction.
 */
export function centerKernelTensor(k: tf.Tensor2D): { centering: KernelCentering; centred: tf.Tensor2D } {
  const [n, c] = k.shape;
  if (n !== c) throw new SalShapeError('kpca.centerKernelTensor', '[n,n]', k.shape);
  const means = tf.mean(k, 0);
  const columnMeans = new Float64Array(means.dataSync());
  means.dispose();
  let all = 0;
  for (let j = 0; j < n; j++) all += columnMeans[j] as number;
  const grandMean = all / n;
  const centred = tf.tidy(() => {
    const cm = tf.tensor1d(Float32Array.from(columnMeans, (v) => v - grandMean / 2));
    return tf.sub(tf.sub(k, tf.reshape(cm, [1, n])), tf.reshape(cm, [n, 1])) as tf.Tensor2D;
  });
  return { centering: { columnMeans, grandMean }, centred };
}
