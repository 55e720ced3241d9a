import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';

/** Deterministic values in [-0.5, 0.5). */
export function values(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

/** Run `fn` on backend `name` and return the result's values. */
export async function on(name: 'cpu' | 'wasm', fn: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(name);
  await tf.ready();
  return tf.tidy(fn).dataSync() as Float32Array;
}

/** max |a − b| / max |b| ≤ tol. */
export function expectClose(a: Float32Array, b: Float32Array, tol = 2e-6): void {
  expect(a.length).toBe(b.length);
  let err = 0,
    scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  expect(err / (scale || 1)).toBeLessThanOrEqual(tol);
}
