/**
 * Dense row-major float64 matrices, conversion from the accepted inputs, and matrix products either on
 * the tensor backend (float32, fast) or in plain float64 JavaScript (exact reference, small sizes).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalBackendError, SalShapeError } from '@sal/types';

/** A dense row-major matrix: entry (i, j) is `data[i * cols + j]`. */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** What the fitting functions accept for a data matrix `[n, d]`. Inputs are never modified or disposed. */
export type MatrixInput = DenseMatrix | readonly (readonly number[])[] | tf.Tensor2D;

/** Where the large matrix products run: `'tensor'` (active tfjs backend, float32) or `'float64'` (JavaScript). */
export type ProductMethod = 'tensor' | 'float64';

export const PRODUCT_METHODS: readonly ProductMethod[] = ['tensor', 'float64'];

/** A new zero matrix `[rows, cols]`. */
export function zeros(rows: number, cols: number): DenseMatrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

function isDense(x: unknown): x is DenseMatrix {
  return (
    typeof x === 'object' &&
    x !== null &&
    'data' in x &&
    (x as DenseMatrix).data instanceof Float64Array &&
    typeof (x as DenseMatrix).rows === 'number' &&
    typeof (x as DenseMatrix).cols === 'number'
  );
}

/**
 * Convert an input to a {@link DenseMatrix} (a copy when `copy`, else possibly shared with a dense input).
 * `where` names the caller for error messages.
 */
export function toDense(x: MatrixInput, where: string, copy = false): DenseMatrix {
  if (x instanceof tf.Tensor) {
    if (x.rank !== 2) throw new SalShapeError(where, '[n,d]', x.shape);
    const [rows, cols] = x.shape as [number, number];
    return { rows, cols, data: new Float64Array(x.dataSync()) };
  }
  if (isDense(x)) {
    if (x.data.length !== x.rows * x.cols) throw new SalShapeError(where, `${x.rows * x.cols} values`, x.data.length);
    return copy ? { rows: x.rows, cols: x.cols, data: x.data.slice() } : x;
  }
  if (Array.isArray(x)) {
    const rows = x.length;
    const cols = rows > 0 ? (x[0] as readonly number[]).length : 0;
    const data = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const r = x[i] as readonly number[];
      if (!Array.isArray(r) && !ArrayBuffer.isView(r)) throw new TypeError(`${where}: expected rows of numbers, row ${i} is ${typeof r}`);
      if (r.length !== cols) throw new SalShapeError(where, `[${rows},${cols}]`, `row ${i} of length ${r.length}`);
      for (let j = 0; j < cols; j++) data[i * cols + j] = r[j] as number;
    }
    return { rows, cols, data };
  }
  throw new TypeError(`${where}: expected a Tensor2D, number[][] or DenseMatrix, got ${typeof x}`);
}

/** The rows of a matrix as plain arrays. */
export function toRows(m: DenseMatrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

/** The transpose. */
export function transpose(m: DenseMatrix): DenseMatrix {
  const out = new Float64Array(m.rows * m.cols);
  const { rows, cols, data } = m;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j] as number;
  return { rows: cols, cols: rows, data: out };
}

/**
 * Throws a {@link SalBackendError} naming what to install when no TensorFlow.js backend is registered (bare
 * `@tensorflow/tfjs-core` has none; tfjs's own error, "No backend found in registry.", says neither why nor what
 * to do). The `'tensor'` method of every function here runs on the active backend.
 */
export function assertTensorBackend(): void {
  if (tf.engine().backendNames().length > 0) return;
  throw new SalBackendError(
    'tfjs',
    "@sal/kpca's method 'tensor' (the default) runs on a TensorFlow.js backend and none is registered",
    "npm install @sal/backend and `await initBackend()` (from '@sal/backend') before the first call, or pass { method: 'float64' }",
  );
}

/** A new tensor holding `m` (float32). The caller owns it. */
export function toTensor(m: DenseMatrix): tf.Tensor2D {
  assertTensorBackend();
  return tf.tensor2d(new Float32Array(m.data), [m.rows, m.cols]);
}

/** Read a 2-D tensor back into a float64 matrix (does not dispose it). */
export function fromTensor(t: tf.Tensor): DenseMatrix {
  const [rows, cols] = t.shape as [number, number];
  return { rows, cols, data: new Float64Array(t.dataSync()) };
}

function productShape(a: DenseMatrix, b: DenseMatrix, ta: boolean, tb: boolean): [number, number, number] {
  const m = ta ? a.cols : a.rows;
  const ka = ta ? a.rows : a.cols;
  const kb = tb ? b.cols : b.rows;
  const n = tb ? b.rows : b.cols;
  if (ka !== kb) throw new SalShapeError('kpca.matmul', `inner dimensions equal (${ka})`, kb);
  return [m, ka, n];
}

/**
 * The product `op(a) · op(b)` where `op` transposes when asked. `'tensor'` runs `tf.matMul` on the active
 * backend in float32; `'float64'` runs an exact JavaScript loop.
 */
export function matmul(a: DenseMatrix, b: DenseMatrix, opts: { transposeA?: boolean; transposeB?: boolean; method?: ProductMethod } = {}): DenseMatrix {
  const { transposeA = false, transposeB = false, method = 'tensor' } = opts;
  const [m, k, n] = productShape(a, b, transposeA, transposeB);
  if (method === 'tensor') {
    assertTensorBackend();
    const t = tf.tidy(() => tf.matMul(toTensor(a), toTensor(b), transposeA, transposeB));
    try {
      return { rows: m, cols: n, data: new Float64Array(t.dataSync()) };
    } finally {
      t.dispose();
    }
  }
  const A = transposeA ? transpose(a) : a;
  const B = transposeB ? transpose(b) : b;
  const out = new Float64Array(m * n);
  const ad = A.data;
  const bd = B.data;
  for (let i = 0; i < m; i++) {
    const oi = i * n;
    for (let p = 0; p < k; p++) {
      const aip = ad[i * k + p] as number;
      if (aip === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) out[oi + j] = (out[oi + j] as number) + aip * (bd[bp + j] as number);
    }
  }
  return { rows: m, cols: n, data: out };
}

/** `a · aᵀ` (the Gram matrix of the rows), symmetric. */
export function gram(a: DenseMatrix, method: ProductMethod = 'tensor'): DenseMatrix {
  if (method === 'tensor') {
    const g = matmul(a, a, { transposeB: true, method });
    symmetrize(g);
    return g;
  }
  const { rows: n, cols: d, data } = a;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      const oi = i * d;
      const oj = j * d;
      for (let p = 0; p < d; p++) s += (data[oi + p] as number) * (data[oj + p] as number);
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return { rows: n, cols: n, data: out };
}

/** Make a square matrix exactly symmetric in place: (A + Aᵀ)/2. */
export function symmetrize(a: DenseMatrix): void {
  const n = a.rows;
  const d = a.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * ((d[i * n + j] as number) + (d[j * n + i] as number));
      d[i * n + j] = v;
      d[j * n + i] = v;
    }
  }
}

/** Column means `[cols]`. */
export function columnMeans(a: DenseMatrix): Float64Array {
  const out = new Float64Array(a.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[j] = (out[j] as number) + (a.data[i * a.cols + j] as number);
  for (let j = 0; j < a.cols; j++) out[j] = (out[j] as number) / Math.max(1, a.rows);
  return out;
}

/** Row means `[rows]`. */
export function rowMeans(a: DenseMatrix): Float64Array {
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    for (let j = 0; j < a.cols; j++) s += a.data[i * a.cols + j] as number;
    out[i] = s / Math.max(1, a.cols);
  }
  return out;
}

/** `a − 1·vᵀ` (subtract `v` from every row) as a new matrix. */
export function subtractRowVector(a: DenseMatrix, v: Float64Array): DenseMatrix {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[i * a.cols + j] = (a.data[i * a.cols + j] as number) - (v[j] as number);
  return { rows: a.rows, cols: a.cols, data: out };
}

/** `a + 1·vᵀ` in place. */
export function addRowVectorInPlace(a: DenseMatrix, v: Float64Array): void {
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) a.data[i * a.cols + j] = (a.data[i * a.cols + j] as number) + (v[j] as number);
}

/** Rows `[r0, r1)` as a view sharing memory. */
export function rowSlice(a: DenseMatrix, r0: number, r1: number): DenseMatrix {
  return { rows: r1 - r0, cols: a.cols, data: a.data.subarray(r0 * a.cols, r1 * a.cols) };
}

/** The first `k` columns as a new matrix. */
export function leadingColumns(a: DenseMatrix, k: number): DenseMatrix {
  const out = new Float64Array(a.rows * k);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < k; j++) out[i * k + j] = a.data[i * a.cols + j] as number;
  return { rows: a.rows, cols: k, data: out };
}
