/**
 * A small stack of `same`-padded convolutions with batch-norm, used by the attention readout and the
 * remapper of the saliency shifter. The batch-norm is `@sal/layers`'s (batch statistics in training, the fused
 * native kernels where the backend has them) with PyTorch's defaults: PyTorch momentum 0.1, i.e. our
 * (tfjs/Keras) momentum 0.9 (`running ← 0.9·running + 0.1·batch`), unbiased running variance, eps 1e-5.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNormEval, batchNormTrain, batchNormVariables, fromTorchMomentum, newVariable, type BatchNormOptions, type BatchNormParams } from '@sal/layers';

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
  /** Initial batch-norm scale γ (PyTorch's default is 1). @default 1 */
  bnGamma?: number;
}

/** PyTorch's `BatchNorm2d` defaults in the one convention of `@sal/layers`. */
const BN: Readonly<BatchNormOptions> = Object.freeze({ momentum: fromTorchMomentum(0.1), epsilon: 1e-5 });

interface Block {
  spec: ConvBlockSpec;
  kernel: tf.Variable;
  bias: tf.Variable;
  bn: BatchNormParams | null;
}

/** A sequence of conv blocks owning its variables. */
export class ConvStack {
  private readonly blocks: Block[];

  constructor(specs: readonly ConvBlockSpec[]) {
    this.blocks = specs.map((spec) => {
      const { kernel: k, inChannels: ci, outChannels: co } = spec;
      return {
        spec,
        kernel: newVariable(tf.tensor4d(spec.init.kernel, [k, k, ci, co]), true),
        bias: newVariable(tf.tensor1d(spec.init.bias), true),
        bn: spec.batchNorm ? batchNormVariables(co) : null,
      };
    });
    this.blocks.forEach((b) => {
      if (b.bn && b.spec.bnGamma !== undefined && b.spec.bnGamma !== 1) {
        const g = b.spec.bnGamma;
        tf.tidy(() => b.bn!.gamma.assign(tf.fill([b.spec.outChannels], g)));
      }
    });
  }

  /**
   * Variables keyed `<prefix>.<i>.conv.kernel`, `…conv.bias`, `…bn.gamma`, `…bn.beta`, `…bn.movingMean`,
   * `…bn.movingVariance` (the running mean and variance; these names are kept so that earlier checkpoints load).
   */
  weights(prefix: string): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    this.blocks.forEach((b, i) => {
      out[`${prefix}.${i}.conv.kernel`] = b.kernel;
      out[`${prefix}.${i}.conv.bias`] = b.bias;
      if (b.bn) {
        out[`${prefix}.${i}.bn.gamma`] = b.bn.gamma;
        out[`${prefix}.${i}.bn.beta`] = b.bn.beta;
        out[`${prefix}.${i}.bn.movingMean`] = b.bn.runningMean;
        out[`${prefix}.${i}.bn.movingVariance`] = b.bn.runningVar;
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
        if (b.bn) h = training ? batchNormTrain(h, b.bn, BN) : batchNormEval(h, b.bn, BN);
        if (b.spec.activation === 'elu') h = tf.elu(h);
        else if (b.spec.activation === 'tanh') h = tf.tanh(h);
      }
      return h;
    });
  }

  dispose(): void {
    for (const b of this.blocks) {
      for (const v of [b.kernel, b.bias, b.bn?.gamma, b.bn?.beta, b.bn?.runningMean, b.bn?.runningVar]) v?.dispose();
    }
  }
}
