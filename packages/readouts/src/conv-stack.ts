/**
 * A small stack of `same`-padded convolutions with batch-norm, used by the attention readout and the
 * remapper of the saliency shifter. Batch-norm is written from moments and arithmetic (the gradient of
 * `tf.batchNorm` builds a full `Tile`); in training it uses batch statistics and updates running statistics
 * like PyTorch (momentum 0.1, unbiased running variance, eps 1e-5).
 */
import * as tf from '@tensorflow/tfjs-core';
import { newVariable } from './init.js';

/** Nonlinearity after a block. */
export type Activation = 'elu' | 'tanh' | 'none';

/** One block: conv (k×k, stride 1, same padding) → optional batch-norm → activation. */
export interface ConvBlockSpec {
  inChannels: number;
  outChannels: number;
  kernel: number;
  batchNorm: boolean;
  activation: Activation;
  /** Initial conv kernel `[k,k,in,out]` and bias `[out]`. */
  init: { kernel: Float32Array; bias: Float32Array };
}

const BN_MOMENTUM = 0.1;
const BN_EPS = 1e-5;

interface Block {
  spec: ConvBlockSpec;
  kernel: tf.Variable;
  bias: tf.Variable;
  gamma?: tf.Variable;
  beta?: tf.Variable;
  movingMean?: tf.Variable;
  movingVariance?: tf.Variable;
}

/** A sequence of conv blocks owning its variables. */
export class ConvStack {
  private readonly blocks: Block[];

  constructor(specs: readonly ConvBlockSpec[]) {
    this.blocks = specs.map((spec) => {
      const { kernel: k, inChannels: ci, outChannels: co } = spec;
      const block: Block = {
        spec,
        kernel: newVariable(tf.tensor4d(spec.init.kernel, [k, k, ci, co]), true),
        bias: newVariable(tf.tensor1d(spec.init.bias), true),
      };
      if (spec.batchNorm) {
        block.gamma = newVariable(tf.ones([co]), true);
        block.beta = newVariable(tf.zeros([co]), true);
        block.movingMean = newVariable(tf.zeros([co]), false);
        block.movingVariance = newVariable(tf.ones([co]), false);
      }
      return block;
    });
  }

  /** Variables keyed `<prefix>.<i>.conv.kernel`, `…conv.bias`, `…bn.gamma`, `…bn.beta`, `…bn.movingMean`, `…bn.movingVariance`. */
  weights(prefix: string): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    this.blocks.forEach((b, i) => {
      out[`${prefix}.${i}.conv.kernel`] = b.kernel;
      out[`${prefix}.${i}.conv.bias`] = b.bias;
      if (b.gamma && b.beta && b.movingMean && b.movingVariance) {
        out[`${prefix}.${i}.bn.gamma`] = b.gamma;
        out[`${prefix}.${i}.bn.beta`] = b.beta;
        out[`${prefix}.${i}.bn.movingMean`] = b.movingMean;
        out[`${prefix}.${i}.bn.movingVariance`] = b.movingVariance;
      }
    });
    return out;
  }

  /**
   * @param x `[B, H, W, inChannels]`
   * @returns `[B, H, W, outChannels]` of the last block. In training, updates the running statistics.
   */
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return tf.tidy(() => {
      let h: tf.Tensor4D = x;
      for (const b of this.blocks) {
        h = tf.add(tf.conv2d(h, b.kernel as tf.Tensor4D, 1, 'same'), b.bias);
        if (b.gamma && b.beta && b.movingMean && b.movingVariance) {
          let mean: tf.Tensor;
          let variance: tf.Tensor;
          if (training) {
            const m = tf.moments(h, [0, 1, 2]);
            mean = m.mean;
            variance = m.variance;
            const count = h.shape[0] * h.shape[1] * h.shape[2];
            const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
            b.movingMean.assign(tf.add(tf.mul(b.movingMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
            b.movingVariance.assign(
              tf.add(tf.mul(b.movingVariance, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)),
            );
          } else {
            mean = b.movingMean;
            variance = b.movingVariance;
          }
          const scale = tf.mul(b.gamma, tf.rsqrt(tf.add(variance, BN_EPS)));
          h = tf.add(tf.mul(tf.sub(h, mean), scale), b.beta);
        }
        if (b.spec.activation === 'elu') h = tf.elu(h);
        else if (b.spec.activation === 'tanh') h = tf.tanh(h);
      }
      return h;
    });
  }

  dispose(): void {
    for (const b of this.blocks) {
      for (const v of [b.kernel, b.bias, b.gamma, b.beta, b.movingMean, b.movingVariance]) v?.dispose();
    }
  }
}
