/**
 * Squeeze-and-excitation block (nnvision `SQ_EX_Block`): global average pool → dense C→C/r → ReLU →
 * dense C/r→C → sigmoid → channel-wise scale of the input.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from './params.js';

export interface SeBlockParams {
  kernel1: tf.Variable; // [C, C/r]
  bias1: tf.Variable; // [C/r]
  kernel2: tf.Variable; // [C/r, C]
  bias2: tf.Variable; // [C]
}

/** Variables `${prefix}.dense1.kernel|bias`, `${prefix}.dense2.kernel|bias`, PyTorch `nn.Linear` init. */
export function createSeBlock(params: ParamStore, prefix: string, channels: number, reduction: number): SeBlockParams {
  const mid = Math.floor(channels / reduction);
  return {
    kernel1: params.uniform(`${prefix}.dense1.kernel`, [channels, mid], channels),
    bias1: params.uniform(`${prefix}.dense1.bias`, [mid], channels),
    kernel2: params.uniform(`${prefix}.dense2.kernel`, [mid, channels], mid),
    bias2: params.uniform(`${prefix}.dense2.bias`, [channels], mid),
  };
}

/** `x` `[B,H,W,C]` → `[B,H,W,C]`, each channel scaled by its excitation in (0, 1). */
export function seBlock(x: tf.Tensor4D, p: SeBlockParams): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, , , c] = x.shape;
    const squeezed = tf.mean(x, [1, 2]) as tf.Tensor2D; // [B,C]
    const hidden = tf.relu(tf.add(tf.matMul(squeezed, p.kernel1 as tf.Tensor2D), p.bias1)) as tf.Tensor2D;
    const gate = tf.sigmoid(tf.add(tf.matMul(hidden, p.kernel2 as tf.Tensor2D), p.bias2));
    return tf.mul(x, tf.reshape(gate, [b, 1, 1, c])) as tf.Tensor4D;
  });
}
