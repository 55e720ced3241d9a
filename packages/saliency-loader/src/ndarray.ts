/**
 * npy arrays as [ndarray](https://github.com/scijs/ndarray) views, for the scijs ecosystem (ndarray-ops,
 * ndarray-linear-interpolate, zeros, …): the view shares the typed array (no copy), row-major (C order) with the
 * array's shape.
 */
import ndarray, { type NdArray } from 'ndarray';
import { SalShapeError } from '@sal/types';
import type { NpyData } from './npy.js';

/** A typed array with its shape, e.g. a `NpyArray` from `parseNpy` / `readNpyFile`. */
export interface ShapedArray<D extends NpyData = NpyData> {
  readonly data: D;
  readonly shape: readonly number[];
}

/**
 * An ndarray view of `array` (`parseNpy`'s result or any `{ data, shape }`), sharing its data: writing through the
 * view writes the typed array. `shape`'s product must equal `data.length` (else `SalShapeError`).
 */
export function toNdarray(array: ShapedArray): NdArray {
  const { data, shape } = array;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new SalShapeError('toNdarray', 'shape: non-negative integers', shape);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new SalShapeError('toNdarray', `data of ${size} elements (shape ${JSON.stringify(shape)})`, data.length);
  return ndarray(data as unknown as Float64Array, [...shape]);
}
