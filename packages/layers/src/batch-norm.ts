/**
 * Batch normalisation over the batch and spatial axes of NHWC tensors, the one used by every core and readout.
 *
 * **Momentum convention (the only one in sal):** `running ← momentum·running + (1 − momentum)·batch`, the
 * tfjs/Keras convention (`tf.layers.batchNormalization({ momentum })`). PyTorch's `BatchNorm2d(momentum=m)`
 * weights the other way round, so PyTorch's `m` is our `1 − m` ({@link fromTorchMomentum}): PyTorch's default
 * 0.1 is our 0.9, the original SE core's `momentum=0.9` is our 0.1. As in PyTorch, the running variance moves
 * with the unbiased batch variance (×n/(n−1), n = B·H·W) while the normalisation uses the biased one.
 *
 * Written from arithmetic with a hand-written gradient (the gradient of `tf.batchNorm` builds a full `Tile`),
 * or, where the backend registers them, through the fused kernels of `FUSED_KERNELS` (`@sal/types`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, SalShapeError, checkNumber, checkOneOf, resolveOptions } from '@sal/types';
import { newVariable } from './variables.js';

const WHERE = 'layers.batchNorm';

/** The four variables of a batch-norm over C channels, each `[C]`. */
export interface BatchNormParams {
  /** Scale γ (trainable), starts at 1. */
  gamma: tf.Variable;
  /** Shift β (trainable), starts at 0. */
  beta: tf.Variable;
  /** Running mean of the batch means (not trainable), starts at 0. */
  runningMean: tf.Variable;
  /** Running mean of the unbiased batch variances (not trainable), starts at 1. */
  runningVar: tf.Variable;
}

/** Activation fused after the normalisation. */
export type BatchNormActivation = 'linear' | 'elu';
/** The activations {@link batchNorm} can fuse. */
export const BATCH_NORM_ACTIVATIONS: readonly BatchNormActivation[] = Object.freeze(['linear', 'elu']);

/** Options of {@link batchNorm} and {@link batchNormTrain}. */
export interface BatchNormOptions {
  /**
   * Weight of the old running statistics: `running ← momentum·running + (1 − momentum)·batch`
   * (tfjs/Keras convention; PyTorch's momentum is `1 −` this, see {@link fromTorchMomentum}).
   * @default 0.9
   */
  momentum?: number;
  /** Added to the variance before the square root (PyTorch's default). @default 1e-5 */
  epsilon?: number;
  /** Activation after the normalisation: `'elu'` fuses ELU into the same op. @default 'linear' */
  activation?: BatchNormActivation;
}

/** The defaults of {@link BatchNormOptions}. */
export const BATCH_NORM_DEFAULTS: Readonly<Required<BatchNormOptions>> = Object.freeze({
  momentum: 0.9,
  epsilon: 1e-5,
  activation: 'linear',
});

/**
 * Our momentum for PyTorch's `BatchNorm2d(momentum=torchMomentum)`: `1 − torchMomentum` (PyTorch's default 0.1 → 0.9).
 */
export function fromTorchMomentum(torchMomentum: number): number {
  checkNumber('layers.fromTorchMomentum', 'torchMomentum', torchMomentum, { min: 0, max: 1 });
  return 1 - torchMomentum;
}

/** Fresh batch-norm variables over `channels` (γ 1, β 0, running mean 0, running variance 1); the caller disposes them. */
export function batchNormVariables(channels: number): BatchNormParams {
  checkNumber('layers.batchNormVariables', 'channels', channels, { min: 1, integer: true });
  return {
    gamma: newVariable(tf.ones([channels]), true),
    beta: newVariable(tf.zeros([channels]), true),
    runningMean: newVariable(tf.zeros([channels]), false),
    runningVar: newVariable(tf.ones([channels]), false),
  };
}

function resolve(where: string, x: tf.Tensor4D, p: BatchNormParams, opts: BatchNormOptions | undefined): Required<BatchNormOptions> {
  if (!(x instanceof tf.Tensor)) throw new TypeError(`${where}: x must be a tf.Tensor`);
  const c = p.gamma.shape[0];
  if (x.rank !== 4 || x.shape[3] !== c) throw new SalShapeError(`${where} x`, ['B', 'H', 'W', c ?? 'C'], x.shape);
  const o = resolveOptions<BatchNormOptions>(where, BATCH_NORM_DEFAULTS, opts);
  checkNumber(where, 'momentum', o.momentum, { min: 0, max: 1 });
  checkNumber(where, 'epsilon', o.epsilon, { min: 0, exclusiveMin: true });
  checkOneOf(where, 'activation', o.activation, BATCH_NORM_ACTIVATIONS);
  return o;
}

/**
 * Batch-norm of `x` `[B,H,W,C]`. Training: normalise with the batch statistics and move the running statistics
 * in place ({@link batchNormTrain}). Evaluation: the per-channel affine map of the running statistics
 * ({@link batchNormEval}), leaving them alone. The activation (ELU or none) follows in both modes.
 * @returns `[B,H,W,C]`
 */
export function batchNorm(x: tf.Tensor4D, p: BatchNormParams, training: boolean, opts?: BatchNormOptions): tf.Tensor4D {
  return training ? batchNormTrain(x, p, opts) : batchNormEval(x, p, opts);
}

/**
 * Evaluation-mode batch-norm: `x·scale + shift` per channel ({@link evalAffine}), then the activation.
 * Differentiable with respect to `x`, γ and β.
 * @returns `[B,H,W,C]`
 */
export function batchNormEval(x: tf.Tensor4D, p: BatchNormParams, opts?: BatchNormOptions): tf.Tensor4D {
  const o = resolve(`${WHERE}Eval`, x, p, opts);
  return tf.tidy(() => {
    const { scale, shift } = evalAffine(p, o.epsilon);
    const y = tf.add(tf.mul(x, scale), shift) as tf.Tensor4D;
    return o.activation === 'elu' ? tf.elu(y) : y;
  });
}

/**
 * Evaluation-mode batch-norm as a per-channel affine map `y = x·scale + shift` with
 * `scale = γ/√(runningVar+ε)` and `shift = β − runningMean·scale` (`[C]` each; the caller owns them).
 * A conv followed by evaluation-mode batch-norm folds into one conv with kernel `W·scale` (scaling the
 * output-channel axis) and bias `b·scale + shift`.
 */
export function evalAffine(p: BatchNormParams, epsilon: number): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
  return tf.tidy(() => {
    const scale = tf.mul(p.gamma, tf.rsqrt(tf.add(p.runningVar, epsilon))) as tf.Tensor1D;
    const shift = tf.sub(p.beta, tf.mul(p.runningMean, scale)) as tf.Tensor1D;
    return { scale, shift };
  });
}

/**
 * Move the running statistics towards one batch's, in place and outside any gradient tape:
 * `runningMean ← m·runningMean + (1−m)·mean`, `runningVar ← m·runningVar + (1−m)·variance·n/(n−1)`
 * (`variance` is the biased batch variance of `count` = n values per channel; n = 1 uses it as it is).
 */
export function updateRunningStats(p: BatchNormParams, mean: tf.Tensor, variance: tf.Tensor, count: number, momentum: number): void {
  const unbias = count > 1 ? count / (count - 1) : 1;
  tf.tidy(() => {
    p.runningMean.assign(tf.add(tf.mul(p.runningMean, momentum), tf.mul(mean, 1 - momentum)));
    p.runningVar.assign(tf.add(tf.mul(p.runningVar, momentum), tf.mul(variance, (1 - momentum) * unbias)));
  });
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
  return tf.engine().runKernel('FusedDepthwiseConv2D', shift ? { x, filter, bias: shift } : { x, filter }, {
    strides: [1, 1],
    pad: 'valid',
    dilations: [1, 1],
    dataFormat: 'NHWC',
    activation: elu ? 'elu' : 'linear',
  }) as tf.Tensor4D;
}

type BatchNormOp = (x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor4D;

/** Whether the backend in use registers both fused batch-norm kernels of `FUSED_KERNELS`. */
export function hasFusedBatchNorm(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(FUSED_KERNELS.batchNormTrain, backend) !== undefined && tf.getKernel(FUSED_KERNELS.batchNormTrainGrad, backend) !== undefined;
}

/**
 * Training-mode batch-norm (and, with `activation: 'elu'`, the ELU after it) as one op with a hand-written
 * gradient; moves the running statistics ({@link updateRunningStats}).
 *
 * Forward, with n = B·H·W: μ = Σx/n, d = x − μ, σ² = Σd²/n, r = 1/√(σ²+ε), y = d·(γr) + β (then ELU).
 * Backward, with a = dL/d(pre-ELU output): dβ = Σa, dγ = r·Σa·d, dx = γr·(a − dβ/n) − d·γr³·Σ(a·d)/n.
 * Runs the backend's fused kernels (`FUSED_KERNELS` of `@sal/types`, e.g. registered by `@sal/native`) when
 * {@link hasFusedBatchNorm}, else the same formulas from tfjs ops ({@link batchNormTrainComposite}).
 * @returns `[B,H,W,C]`
 */
export function batchNormTrain(x: tf.Tensor4D, p: BatchNormParams, opts?: BatchNormOptions): tf.Tensor4D {
  const o = resolve(`${WHERE}Train`, x, p, opts);
  return hasFusedBatchNorm() ? fusedOp(x, p, o)(x, p.gamma, p.beta) : compositeOp(x, p, o)(x, p.gamma, p.beta);
}

/**
 * {@link batchNormTrain} from tfjs ops only, whatever the backend registers (the portable path, and the
 * reference the fused kernels are tested against).
 * @returns `[B,H,W,C]`
 */
export function batchNormTrainComposite(x: tf.Tensor4D, p: BatchNormParams, opts?: BatchNormOptions): tf.Tensor4D {
  const o = resolve(`${WHERE}TrainComposite`, x, p, opts);
  return compositeOp(x, p, o)(x, p.gamma, p.beta);
}

/**
 * The composite op. Per-channel sums are products with a row of ones (`[1,n]·[n,C]`, one matrix product
 * instead of the backend's transposing reduction).
 */
function compositeOp(x: tf.Tensor4D, p: BatchNormParams, o: Required<BatchNormOptions>): BatchNormOp {
  const [b, h, w, c] = x.shape;
  const n = b * h * w;
  const elu = o.activation === 'elu';
  return tf.customGrad(((xi: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const ones = tf.ones([1, n]);
    const x2 = tf.reshape(xi, [n, c]);
    const mean = tf.reshape(tf.div(tf.matMul(ones, x2), n), [c]) as tf.Tensor1D;
    const d = tf.sub(xi, mean) as tf.Tensor4D;
    const variance = tf.reshape(tf.div(tf.matMul(ones, tf.reshape(tf.square(d), [n, c])), n), [c]) as tf.Tensor1D;
    const rstd = tf.rsqrt(tf.add(variance, o.epsilon)) as tf.Tensor1D;
    const scale = tf.mul(gamma, rstd) as tf.Tensor1D;
    const y = affineAct(d, scale, beta as tf.Tensor1D, elu);
    updateRunningStats(p, mean, variance, n, o.momentum);
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
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as BatchNormOp;
}

/** The fused op: two passes over x forward and two over (dy, x, y) backward, the same formulas. */
function fusedOp(x: tf.Tensor4D, p: BatchNormParams, o: Required<BatchNormOptions>): BatchNormOp {
  const [b, h, w] = x.shape;
  const n = b * h * w;
  const attrs = { epsilon: o.epsilon, activation: o.activation } as unknown as tf.NamedAttrMap;
  return tf.customGrad(((xi: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, variance] = tf.engine().runKernel(FUSED_KERNELS.batchNormTrain, { x: xi, gamma, beta }, attrs) as tf.Tensor[];
    updateRunningStats(p, mean!, variance!, n, o.momentum);
    save([xi, y!, gamma, mean!, variance!]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [sx, sy, sg, sm, sv] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return tf.engine().runKernel(FUSED_KERNELS.batchNormTrainGrad, { dy, x: sx, y: sy, gamma: sg, mean: sm, variance: sv }, attrs) as tf.Tensor[];
    };
    return { value: y!, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as BatchNormOp;
}
