/** Shared input checks of the cores. */
import type * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, type ApplyOptions, type Shape3D } from '@sal/types';

/** Check `x` is `[B,H,W,inChannels]` with H, W at least `minSize`. */
export function checkInput(where: string, x: tf.Tensor, inChannels: number, minSize: number): void {
  if (x === null || typeof x !== 'object' || !Array.isArray((x as { shape?: unknown }).shape)) {
    throw new TypeError(`${where}: x must be a tf.Tensor`);
  }
  if (x.rank !== 4) throw new SalShapeError(`${where}: x`, `[B,H,W,${inChannels}]`, x.shape);
  if (x.shape[3] !== inChannels) throw new SalShapeError(`${where}: x`, `[B,H,W,${inChannels}]`, x.shape);
  if ((x.shape[1] as number) < minSize || (x.shape[2] as number) < minSize) {
    throw new SalShapeError(`${where}: x`, `[B,H,W,${inChannels}] with H,W >= ${minSize}`, x.shape);
  }
}

/** Check an input shape `[h,w,c]` given to `computeOutputShape`. */
export function checkShape3(where: string, shape: Shape3D, inChannels: number, minSize: number): void {
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((s) => Number.isInteger(s) && s > 0)) {
    throw new SalShapeError(`${where}: inputShape`, `[h,w,${inChannels}]`, shape);
  }
  if (shape[2] !== inChannels || shape[0] < minSize || shape[1] < minSize) {
    throw new SalShapeError(`${where}: inputShape`, `[h,w,${inChannels}] with h,w >= ${minSize}`, shape);
  }
}

/** Check a boolean option. */
export function checkBool(where: string, option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new SalConfigError(where, option, 'a boolean', value);
  return value;
}

/** The `training` flag of `apply` options (default false), checked. */
export function readTraining(where: string, opts: ApplyOptions | undefined): boolean {
  if (opts === undefined) return false;
  if (opts === null || typeof opts !== 'object') throw new SalConfigError(where, '(options)', 'an object', opts);
  const t = opts.training ?? false;
  if (typeof t !== 'boolean') throw new SalConfigError(where, 'training', 'a boolean', t);
  return t;
}
