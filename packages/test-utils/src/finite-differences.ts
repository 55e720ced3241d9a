import * as tf from '@tensorflow/tfjs-core';

/**
 * Central finite differences of a scalar function of one tensor, evaluated in float64 on the host from
 * float32 evaluations of `f`. `indices` limits the coordinates checked (all when omitted).
 * Returns d f / d x at those coordinates.
 */
export function finiteDifferenceGrad(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, opts: { eps?: number; indices?: number[] } = {}): Float64Array {
  const { eps = 1e-2 } = opts;
  const base = x.dataSync().slice() as Float32Array;
  const indices = opts.indices ?? Array.from({ length: base.length }, (_, i) => i);
  const out = new Float64Array(indices.length);
  const evalAt = (vals: Float32Array): number => tf.tidy(() => f(tf.tensor(vals, x.shape, 'float32')).dataSync()[0]!);
  indices.forEach((idx, k) => {
    const plus = base.slice();
    plus[idx] = base[idx]! + eps;
    const minus = base.slice();
    minus[idx] = base[idx]! - eps;
    out[k] = (evalAt(plus) - evalAt(minus)) / (2 * eps);
  });
  return out;
}

/** Pick `n` distinct coordinates of a tensor of `size` elements, deterministically from `seed`. */
export function sampleIndices(size: number, n: number, seed = 1): number[] {
  let s = seed >>> 0 || 1;
  const picked = new Set<number>();
  while (picked.size < Math.min(n, size)) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    picked.add(s % size);
  }
  return [...picked].sort((a, b) => a - b);
}

/** Run `fn` with `backend` active, then switch back. Tensors created inside move lazily as needed. */
export async function onBackend<T>(backend: string, fn: () => T | Promise<T>): Promise<T> {
  const prev = tf.getBackend();
  await tf.setBackend(backend);
  try {
    return await fn();
  } finally {
    await tf.setBackend(prev);
  }
}
