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
import { FUSED_KERNELS } from '@sal/types';
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
 * running statistics in place ({@link batchNormTrain}). Evaluation: a per-channel affine map from the
 * running statistics.
 */
export function batchNorm(x: tf.Tensor4D, p: BatchNormParams, training: boolean, momentum: number, eps: number): tf.Tensor4D {
  if (!training) {
    return tf.tidy(() => {
      const { scale, shift } = evalAffine(p, eps);
      return tf.add(tf.mul(x, scale), shift) as tf.Tensor4D;
    });
  }
  return batchNormTrain(x, p, momentum, eps, false);
}

/**
 * `y = x·scale + shift` per channel (`scale`, `shift` `[C]`), then ELU when `elu`, as one 1×1 depthwise
 * convolution with a bias and a fused activation: one pass over `x` instead of two or three elementwise
 * ops. Not differentiable (the `FusedDepthwiseConv2D` kernel is called directly): for use inside forward
 * functions of custom gradients.
 */
function affineAct(x: tf.Tensor4D, scale: tf.Tensor1D, shift: tf.Tensor1D | null, elu: boolean): tf.Tensor4D {
  const c = x.shape[3];
  const filter = tf.reshape(scale, [1, 1, c, 1]);
  return tf.engine().runKernel(
    'FusedDepthwiseConv2D',
    shift ? { x, filter, bias: shift } : { x, filter },
    { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC', activation: elu ? 'elu' : 'linear' },
  ) as tf.Tensor4D;
}

/**
 * Training-mode batch-norm (and, with `elu`, the ELU after it) as one op with a hand-written gradient.
 *
 * Forward, with n = B·H·W: μ = Σx/n, d = x − μ, σ² = Σd²/n, r = 1/√(σ²+ε), y = d·(γr) + β (then ELU).
 * Per-channel sums are products with a row of ones (`[1,n]·[n,C]`, one matrix product instead of the
 * backend's transposing reduction). Backward, with a = dL/d(pre-ELU output):
 * dβ = Σa, dγ = r·Σa·d, dx = γr·(a − dβ/n) − d·γr³·Σ(a·d)/n. The running statistics move as in
 * {@link batchNorm} (unbiased variance), outside the gradient tape.
 */
export function batchNormTrain(x: tf.Tensor4D, p: BatchNormParams, momentum: number, eps: number, elu: boolean): tf.Tensor4D {
  if (tf.getKernel(FUSED_KERNELS.batchNormTrain, tf.getBackend()) && tf.getKernel(FUSED_KERNELS.batchNormTrainGrad, tf.getBackend())) {
    return batchNormTrainFused(x, p, momentum, eps, elu);
  }
  const [b, h, w, c] = x.shape;
  const n = b * h * w;
  const unbias = n > 1 ? n / (n - 1) : 1;
  const op = tf.customGrad(((xi: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const ones = tf.ones([1, n]);
    const x2 = tf.reshape(xi, [n, c]);
    const mean = tf.reshape(tf.div(tf.matMul(ones, x2), n), [c]) as tf.Tensor1D;
    const d = tf.sub(xi, mean) as tf.Tensor4D;
    const variance = tf.reshape(tf.div(tf.matMul(ones, tf.reshape(tf.square(d), [n, c])), n), [c]) as tf.Tensor1D;
    const rstd = tf.rsqrt(tf.add(variance, eps)) as tf.Tensor1D;
    const scale = tf.mul(gamma, rstd) as tf.Tensor1D;
    const y = affineAct(d, scale, beta as tf.Tensor1D, elu);
    tf.tidy(() => {
      p.runningMean.assign(tf.add(tf.mul(p.runningMean, momentum), tf.mul(mean, 1 - momentum)));
      p.runningVar.assign(tf.add(tf.mul(p.runningVar, momentum), tf.mul(variance, (1 - momentum) * unbias)));
    });
    save([d, y, rstd, scale, ones]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [sd, sy, sr, ss, so] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor2D];
      const a = (elu ? tf.engine().runKernel('EluGrad', { dy, y: sy }) : dy) as tf.Tensor4D;
      const sumA = tf.reshape(tf.matMul(so, tf.reshape(a, [n, c])), [c]) as tf.Tensor1D;
      const sumAD = tf.reshape(tf.matMul(so, tf.reshape(tf.mul(a, sd), [n, c])), [c]) as tf.Tensor1D;
      const dGamma = tf.mul(sr, sumAD);
      // dx = a·(γr) − γr·Σa/n − d·γr³·Σ(a·d)/n: two 1×1 depthwise passes (one with the bias) and an add
      const first = affineAct(a, ss, tf.mul(tf.mul(ss, sumA), -1 / n) as tf.Tensor1D, false);
      const second = affineAct(sd, tf.mul(tf.mul(tf.mul(ss, tf.square(sr)), sumAD), -1 / n) as tf.Tensor1D, null, false);
      return [tf.add(first, second), dGamma, sumA];
    };
    return { value: y, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor4D;
  return op(x, p.gamma, p.beta);
}

/**
 * {@link batchNormTrain} through the backend's fused kernels (`FUSED_KERNELS` of `@sal/types`, e.g. registered by
 * `@sal/native` on the wasm backend): two passes over x forward and two over (dy, x, y) backward, the same formulas.
 */
function batchNormTrainFused(x: tf.Tensor4D, p: BatchNormParams, momentum: number, eps: number, elu: boolean): tf.Tensor4D {
  const [b, h, w] = x.shape;
  const n = b * h * w;
  const unbias = n > 1 ? n / (n - 1) : 1;
  const attrs = { epsilon: eps, activation: elu ? 'elu' : 'linear' } as unknown as tf.NamedAttrMap;
  const op = tf.customGrad(((xi: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, variance] = tf.engine().runKernel(FUSED_KERNELS.batchNormTrain, { x: xi, gamma, beta }, attrs) as tf.Tensor[];
    tf.tidy(() => {
      p.runningMean.assign(tf.add(tf.mul(p.runningMean, momentum), tf.mul(mean!, 1 - momentum)));
      p.runningVar.assign(tf.add(tf.mul(p.runningVar, momentum), tf.mul(variance!, (1 - momentum) * unbias)));
    });
    save([xi, y!, gamma, mean!, variance!]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [sx, sy, sg, sm, sv] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return tf.engine().runKernel(FUSED_KERNELS.batchNormTrainGrad, { dy, x: sx, y: sy, gamma: sg, mean: sm, variance: sv }, attrs) as tf.Tensor[];
    };
    return { value: y!, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor4D;
  return op(x, p.gamma, p.beta);
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
