/**
 * The shapes this package passes around: a model as a function, images as a tensor or a CPU array,
 * and results as plain row-major arrays with their shape.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalShapeError } from '@sal/types';

/**
 * A response model in evaluation mode: images `[B,H,W,C]` → predicted responses `[B,N]`.
 * Rows must not depend on each other (no batch statistics, no sampling), so the caller closes over the
 * session key and any evaluation flags. The function may create intermediate tensors; they are tidied.
 */
export type ResponseModel = (x: tf.Tensor4D) => tf.Tensor2D;

/** A row-major CPU array with its shape. */
export interface ShapedArray {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** Images as a CPU array, row-major `[B,H,W,C]`. */
export interface CpuImages {
  readonly data: Float32Array;
  readonly shape: readonly [b: number, h: number, w: number, c: number];
}

/** Images as a tensor `[B,H,W,C]` or a CPU array of that shape. */
export type ImageInput = tf.Tensor4D | CpuImages;

/** A matrix on the CPU, row-major `[rows, cols]`. */
export interface Matrix {
  readonly data: ArrayLike<number>;
  readonly shape: readonly [rows: number, cols: number];
}

/**
 * Gradient receptive fields, row-major: `[neurons, images, h, w]` for one channel, or
 * `[neurons, images, h, w, channels]` for several.
 */
export interface GrfArray {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** `[B,H,W,C]` of an image input, checked. */
export function imageShape(where: string, images: ImageInput): [number, number, number, number] {
  if (images instanceof tf.Tensor) {
    if (images.rank !== 4) throw new SalShapeError(`${where}: images`, '[B,H,W,C]', images.shape);
    return images.shape.slice() as [number, number, number, number];
  }
  if (images === null || typeof images !== 'object' || !(images.data instanceof Float32Array) || !Array.isArray(images.shape)) {
    throw new TypeError(`${where}: images must be a Tensor4D or { data: Float32Array, shape: [B,H,W,C] }`);
  }
  const s = images.shape;
  if (s.length !== 4 || !s.every((d) => Number.isInteger(d) && d >= 0)) throw new SalShapeError(`${where}: images`, '[B,H,W,C]', s);
  const size = s[0] * s[1] * s[2] * s[3];
  if (images.data.length !== size) {
    throw new SalShapeError(`${where}: images.data`, `length ${size}`, images.data.length, `shape ${JSON.stringify(s)}`);
  }
  return [...s] as [number, number, number, number];
}

/** Images `[start, start+count)` as a new tensor the caller owns. */
export function imageChunk(images: ImageInput, start: number, count: number): tf.Tensor4D {
  if (images instanceof tf.Tensor) {
    return tf.slice(images, [start, 0, 0, 0], [count, -1, -1, -1]);
  }
  const [, h, w, c] = images.shape;
  const per = h * w * c;
  return tf.tensor4d(images.data.subarray(start * per, (start + count) * per), [count, h, w, c]);
}

/** Images `[start, start+count)` as a CPU copy. */
export function imageChunkData(images: ImageInput, start: number, count: number): Float32Array {
  if (images instanceof tf.Tensor) {
    const t = tf.slice(images, [start, 0, 0, 0], [count, -1, -1, -1]);
    try {
      return t.dataSync() as Float32Array;
    } finally {
      t.dispose();
    }
  }
  const [, h, w, c] = images.shape;
  const per = h * w * c;
  return images.data.slice(start * per, (start + count) * per);
}

/** Check a matrix argument and return its dims. */
export function matrixShape(where: string, m: Matrix): [number, number] {
  if (m === null || typeof m !== 'object' || m.data === undefined || !Array.isArray(m.shape)) {
    throw new TypeError(`${where}: expected { data, shape: [rows, cols] }`);
  }
  const s = m.shape;
  if (s.length !== 2 || !s.every((d) => Number.isInteger(d) && d >= 0)) throw new SalShapeError(where, '[rows, cols]', s);
  if (m.data.length !== s[0] * s[1]) throw new SalShapeError(`${where}.data`, `length ${s[0] * s[1]}`, m.data.length);
  return [s[0], s[1]];
}

/** Check a gRF array: returns `[neurons, images, h, w, channels]` (channels 1 for rank 4). */
export function grfDims(where: string, grf: GrfArray): [number, number, number, number, number] {
  if (grf === null || typeof grf !== 'object' || !(grf.data instanceof Float32Array) || !Array.isArray(grf.shape)) {
    throw new TypeError(`${where}: expected a gRF array { data: Float32Array, shape }`);
  }
  const s = grf.shape;
  if ((s.length !== 4 && s.length !== 5) || !s.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new SalShapeError(where, '[neurons, images, h, w] or [neurons, images, h, w, channels]', s);
  }
  const dims = [s[0]!, s[1]!, s[2]!, s[3]!, s.length === 5 ? s[4]! : 1] as [number, number, number, number, number];
  const size = dims.reduce((a, b) => a * b, 1);
  if (grf.data.length !== size) throw new SalShapeError(`${where}.data`, `length ${size}`, grf.data.length);
  return dims;
}

/**
 * The images at `indices` (in that order) as a CPU array, e.g. the top-k images of a neuron before
 * computing their gRFs. Reads a tensor input back once.
 * @param images `[images, h, w, c]` (not disposed)
 * @returns `{ data, shape: [indices.length, h, w, c] }`
 */
export function takeImages(images: ImageInput, indices: ArrayLike<number>): CpuImages {
  const where = 'grf.takeImages';
  const [b, h, w, c] = imageShape(where, images);
  const per = h * w * c;
  const src = images instanceof tf.Tensor ? (images.dataSync() as Float32Array) : images.data;
  const out = new Float32Array(indices.length * per);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r]!;
    if (!Number.isInteger(i) || i < 0 || i >= b) throw new SalShapeError(`${where}: indices[${r}]`, `an image index in [0, ${b})`, i);
    out.set(src.subarray(i * per, (i + 1) * per), r * per);
  }
  return { data: out, shape: [indices.length, h, w, c] };
}
