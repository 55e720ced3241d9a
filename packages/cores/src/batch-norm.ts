/**
 * Batch normalisation over the batch and spatial axes of NHWC tensors, written from `tf.moments` and
 * arithmetic (the gradient of `tf.batchNorm` builds a full Tile).
 *
 * Momentum convention: `runningMean ← momentum·runningMean + (1 − momentum)·batchMean` (the tfjs/Keras
 * convention). PyTorch's `BatchNorm2d(momentum=m)` uses the opposite weighting, so PyTorch `m` equals our
 * `1 − m`: the original's `momentum=0.9` is our `0.1`. As in PyTorch, the running variance is updated with
 * the unbiased batch variance (×n/(n−1), n = B·H·W) while the normalisation uses the biased one.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from './params.js';

export interface BatchNormParams {
  gamma: tf.Variable;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
}

/** Create the four variables of a batch-norm over `channels` under `prefix` (`.gamma`, `.beta`, `.runningMean`, `.runningVar`). */
export function createBatchNorm(params: ParamStore, prefix: string, channels: number): BatchNormParams {
  return {
    gamma: params.constant(`${prefix}.gamma`, [channels], 1),
    beta: params.constant(`${prefix}.beta`, [channels], 0),
    runningMean: params.constant(`${prefix}.runningMean`, [channels], 0, false),
    runningVar: params.constant(`${prefix}.runningVar`, [channels], 1, false),
  };
}

/**
 * Apply batch-norm to `x` `[B,H,W,C]`. Training: normalise with the batch statistics and update the
 * running statistics in place. Evaluation: a per-channel affine map from the running statistics.
 */
export function batchNorm(x: tf.Tensor4D, p: BatchNormParams, training: boolean, momentum: number, eps: number): tf.Tensor4D {
  if (!training) {
    return tf.tidy(() => {
      const { scale, shift } = evalAffine(p, eps);
      return tf.add(tf.mul(x, scale), shift) as tf.Tensor4D;
    });
  }
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const n = x.shape[0] * x.shape[1] * x.shape[2];
    const unbias = n > 1 ? n / (n - 1) : 1;
    tf.tidy(() => {
      // assignments are not recorded on the gradient tape
      const m = mean;
      const v = variance;
      p.runningMean.assign(tf.add(tf.mul(p.runningMean, momentum), tf.mul(m, 1 - momentum)));
      p.runningVar.assign(tf.add(tf.mul(p.runningVar, momentum), tf.mul(v, (1 - momentum) * unbias)));
    });
    const scale = tf.mul(p.gamma, tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(tf.sub(x, mean), scale), p.beta) as tf.Tensor4D;
  });
}

/**
 * Evaluation-mode batch-norm as a per-channel affine map `y = x·scale + shift` with
 * `scale = γ/√(runningVar+ε)` and `shift = β − runningMean·scale` (`[C]` each; the caller owns them).
 * A conv followed by evaluation-mode batch-norm folds into one conv with kernel `W·scale` (scaling the
 * output-channel axis) and bias `b·scale + shift`.
 */
export function evalAffine(p: BatchNormParams, eps: number): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
  return tf.tidy(() => {
    const scale = tf.mul(p.gamma, tf.rsqrt(tf.add(p.runningVar, eps))) as tf.Tensor1D;
    const shift = tf.sub(p.beta, tf.mul(p.runningMean, scale)) as tf.Tensor1D;
    return { scale, shift };
  });
}
