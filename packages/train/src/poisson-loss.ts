import * as tf from '@tensorflow/tfjs-core';
import { assertShape, checkOneOf, resolveOptions } from '@sal/types';

/** Options of {@link poissonLoss}. */
export interface PoissonLossOptions {
  /** `'sum'` over batch and neurons (the original, `avg_loss=False`) or `'mean'` over both. @default 'sum' */
  reduction?: 'sum' | 'mean';
  /** Added to the prediction inside the log. @default 1e-12 */
  eps?: number;
}

export const POISSON_LOSS_DEFAULTS: Readonly<Required<PoissonLossOptions>> = Object.freeze({ reduction: 'sum', eps: 1e-12 });

/**
 * Poisson negative log-likelihood without the constant `log y!`: `Σ (ŷ − y·log(ŷ + eps))`.
 * @param pred predicted rates `[B,N]` (positive)
 * @param target observed responses `[B,N]`
 * @returns a scalar the caller owns
 */
export function poissonLoss(pred: tf.Tensor2D, target: tf.Tensor2D, opts?: PoissonLossOptions): tf.Scalar {
  const o = resolveOptions('train.poissonLoss', POISSON_LOSS_DEFAULTS, opts);
  checkOneOf('train.poissonLoss', 'reduction', o.reduction, ['sum', 'mean'] as const);
  assertShape('train.poissonLoss(target)', target.shape, pred.shape);
  return tf.tidy(() => {
    const per = tf.sub(pred, tf.mul(target, tf.log(tf.add(pred, o.eps))));
    return (o.reduction === 'sum' ? tf.sum(per) : tf.mean(per)) as tf.Scalar;
  });
}
