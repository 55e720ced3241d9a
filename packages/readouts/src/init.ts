/** Seeded parameter initialisers (host-side, from an {@link Rng}). */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { Rng } from '@sal/types';

/** `size` values uniform in [lo, hi). */
export function uniformValues(rng: Rng, size: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = lo + (hi - lo) * rng.next();
  return out;
}

/** `size` values from N(0, std²). */
export function normalValues(rng: Rng, size: number, std: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = std * rng.normal();
  return out;
}

/** Xavier (Glorot) normal for a conv kernel `[k, k, cin, cout]`: std = √(2 / (fanIn + fanOut)). */
export function xavierNormalKernel(rng: Rng, k: number, cin: number, cout: number): Float32Array {
  const fanIn = k * k * cin;
  const fanOut = k * k * cout;
  return normalValues(rng, k * k * cin * cout, Math.sqrt(2 / (fanIn + fanOut)));
}

/**
 * PyTorch's default `Conv2d` initialisation (kaiming-uniform with a = √5): weights and biases uniform in
 * ±1/√fanIn.
 */
export function torchDefaultConv(rng: Rng, k: number, cin: number, cout: number): { kernel: Float32Array; bias: Float32Array } {
  const bound = 1 / Math.sqrt(k * k * cin);
  return {
    kernel: uniformValues(rng, k * k * cin * cout, -bound, bound),
    bias: uniformValues(rng, cout, -bound, bound),
  };
}

/** A variable from a freshly made tensor, without keeping that tensor alive (tf.variable would). */
export function newVariable(initial: Tensor, trainable: boolean): Variable {
  const v = tf.variable(initial, trainable);
  initial.dispose();
  return v;
}
