/**
 * An untrained ResNet-style core (the study's "untrained ResNet" task-driven baseline): a stem conv →
 * batch-norm → activation (→ 3×3/2 max-pool), stages of basic residual blocks (conv3×3-BN-act-conv3×3-BN
 * plus an identity shortcut, or a 1×1 projection + BN when the stride or width changes, then the
 * activation), and a final batch-norm + activation as the original's task core adds after clipping the
 * network. Weights are random (Xavier normal from a seed) and not meant to be trained; the regulariser is 0.
 *
 * Padding follows PyTorch (symmetric `k//2` zero padding, floor rounding), so sizes match torchvision's
 * ResNets: with the defaults (ResNet-18 up to `layer2`) 83×83 → 42×42 (stem) → 21×21 (pool) → 21×21 → 11×11.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, checkNumber, checkOneOf, resolveOptions, type ApplyOptions, type Core, type JsonObject, type Shape3D } from '@sal/types';
import { ParamStore } from './params.js';
import { batchNorm, evalAffine, type BatchNormParams } from '@sal/layers';
import { createBatchNorm } from './batch-norm.js';
import { checkBool, checkInput, checkShape3, readTraining } from './validate.js';

const WHERE = 'cores.resnetCore';

/** Options of {@link resnetCore}. Defaults give ResNet-18's stem, `layer1` and `layer2`. */
export interface ResnetCoreOptions {
  /** Input channels. @default 1 */
  inChannels?: number;
  /** Channels of the stem conv. @default 64 */
  stemChannels?: number;
  /** Kernel size of the stem conv. @default 7 */
  stemKern?: number;
  /** Stride of the stem conv. @default 2 */
  stemStride?: number;
  /** 3×3 max-pool with stride 2 and padding 1 after the stem. @default true */
  maxPool?: boolean;
  /** Channels of each stage; stage 0 has stride 1, later stages stride 2. @default [64, 128] */
  stageChannels?: number[];
  /** Basic blocks per stage. @default 2 */
  blocksPerStage?: number;
  /** Activation after every batch-norm. @default 'relu' */
  activation?: 'relu' | 'elu';
  /** A final batch-norm + activation on the output (the task core's). @default true */
  finalBatchNorm?: boolean;
  /**
   * Batch-norm momentum in the tfjs/Keras convention (`running ← m·running + (1−m)·batch`); the
   * original task core's PyTorch `momentum=0.1` is `0.9` here.
   * @default 0.9
   */
  momentum?: number;
  /** Batch-norm epsilon. @default 1e-5 */
  bnEps?: number;
  /** Seed of the random weights. @default 0 */
  seed?: number;
}

/** The defaults of {@link resnetCore}. */
export const RESNET_DEFAULTS: Readonly<Required<ResnetCoreOptions>> = Object.freeze({
  inChannels: 1,
  stemChannels: 64,
  stemKern: 7,
  stemStride: 2,
  maxPool: true,
  stageChannels: Object.freeze([64, 128]) as unknown as number[],
  blocksPerStage: 2,
  activation: 'relu',
  finalBatchNorm: true,
  momentum: 0.9,
  bnEps: 1e-5,
  seed: 0,
});

interface ConvBn {
  kernel: tf.Variable;
  stride: number;
  pad: number;
  bn: BatchNormParams;
}
interface Block {
  conv1: ConvBn;
  conv2: ConvBn;
  shortcut: ConvBn | null;
}

/** A ResNet-style core with its resolved options. */
export interface ResnetCore extends Core {
  readonly kind: 'cores.resnet';
  readonly options: Readonly<Required<ResnetCoreOptions>>;
  readonly outChannels: number;
}

/** PyTorch's conv output size: floor((s + 2p − k)/stride) + 1. */
const convOut = (s: number, k: number, stride: number, pad: number): number => Math.floor((s + 2 * pad - k) / stride) + 1;

/** Build an untrained ResNet-style core from a seed. */
export function resnetCore(opts?: ResnetCoreOptions): ResnetCore {
  const o = resolveOptions<ResnetCoreOptions>(WHERE, RESNET_DEFAULTS, opts);
  checkNumber(WHERE, 'inChannels', o.inChannels, { min: 1, integer: true });
  checkNumber(WHERE, 'stemChannels', o.stemChannels, { min: 1, integer: true });
  checkNumber(WHERE, 'stemKern', o.stemKern, { min: 1, integer: true });
  checkNumber(WHERE, 'stemStride', o.stemStride, { min: 1, integer: true });
  checkBool(WHERE, 'maxPool', o.maxPool);
  if (!Array.isArray(o.stageChannels) || o.stageChannels.length === 0) {
    throw new SalConfigError(WHERE, 'stageChannels', 'a non-empty array of positive integers', o.stageChannels);
  }
  o.stageChannels.forEach((c, i) => checkNumber(WHERE, `stageChannels[${i}]`, c, { min: 1, integer: true }));
  o.stageChannels = [...o.stageChannels];
  checkNumber(WHERE, 'blocksPerStage', o.blocksPerStage, { min: 1, integer: true });
  checkOneOf(WHERE, 'activation', o.activation, ['relu', 'elu'] as const);
  checkBool(WHERE, 'finalBatchNorm', o.finalBatchNorm);
  checkNumber(WHERE, 'momentum', o.momentum, { min: 0, max: 1 });
  checkNumber(WHERE, 'bnEps', o.bnEps, { min: 0, exclusiveMin: true });
  checkNumber(WHERE, 'seed', o.seed, { integer: true });
  Object.freeze(o.stageChannels);
  Object.freeze(o);

  const params = new ParamStore(o.seed);
  const convBn = (name: string, k: number, cin: number, cout: number, stride: number): ConvBn => ({
    kernel: params.convKernel(`${name}.kernel`, [k, k, cin, cout], cout),
    stride,
    pad: Math.floor(k / 2),
    bn: createBatchNorm(params, `${name}.bn`, cout),
  });
  const stem = convBn('stem', o.stemKern, o.inChannels, o.stemChannels, o.stemStride);
  const blocks: Block[] = [];
  let cin = o.stemChannels;
  o.stageChannels.forEach((cout, s) => {
    for (let b = 0; b < o.blocksPerStage; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const name = `stage${s}.block${b}`;
      blocks.push({
        conv1: convBn(`${name}.conv1`, 3, cin, cout, stride),
        conv2: convBn(`${name}.conv2`, 3, cout, cout, 1),
        shortcut: stride !== 1 || cin !== cout ? convBn(`${name}.shortcut`, 1, cin, cout, stride) : null,
      });
      cin = cout;
    }
  });
  const outChannels = cin;
  const finalBn = o.finalBatchNorm ? createBatchNorm(params, 'final.bn', outChannels) : null;
  const act = (x: tf.Tensor4D): tf.Tensor4D => (o.activation === 'relu' ? tf.relu(x) : tf.elu(x));

  const sizeOf = (s0: number): number => {
    let s = convOut(s0, o.stemKern, o.stemStride, Math.floor(o.stemKern / 2));
    if (o.maxPool) s = convOut(s, 3, 2, 1);
    o.stageChannels.forEach((_, i) => {
      if (i > 0) s = convOut(s, 3, 2, 1);
    });
    return s;
  };
  const minSize = Math.max(1, o.stemKern - 2 * Math.floor(o.stemKern / 2));
  let disposed = false;
  const alive = (fn: string): void => {
    if (disposed) throw new Error(`${WHERE}.${fn}: the core was disposed`);
  };

  const core: ResnetCore = {
    kind: 'cores.resnet',
    inChannels: o.inChannels,
    options: o,
    outChannels,
    apply(x: tf.Tensor4D, applyOpts?: ApplyOptions): tf.Tensor4D {
      alive('apply');
      checkInput(`${WHERE}.apply`, x, o.inChannels, minSize);
      const training = readTraining(`${WHERE}.apply`, applyOpts);
      const cb = (t: tf.Tensor4D, c: ConvBn): tf.Tensor4D => {
        const padded =
          c.pad > 0
            ? tf.pad(t, [
                [0, 0],
                [c.pad, c.pad],
                [c.pad, c.pad],
                [0, 0],
              ])
            : t;
        if (!training) {
          // evaluation-mode batch-norm folded into the conv: kernel·scale, bias shift
          const { scale, shift } = evalAffine(c.bn, o.bnEps);
          return tf.add(tf.conv2d(padded, tf.mul(c.kernel, scale) as tf.Tensor4D, c.stride, 'valid'), shift);
        }
        const y = tf.conv2d(padded, c.kernel as tf.Tensor4D, c.stride, 'valid');
        return batchNorm(y, c.bn, true, { momentum: o.momentum, epsilon: o.bnEps });
      };
      return tf.tidy(() => {
        let h = act(cb(x, stem));
        if (o.maxPool) {
          // PyTorch pads max-pool with −∞. Shifting by the minimum makes every value ≥ 0, so zero padding
          // never wins a window; it also avoids the wasm MaxPoolGrad routing the gradient of an all-negative
          // window to its first element.
          const low = tf.min(h);
          const shifted = tf.pad(tf.sub(h, low), [
            [0, 0],
            [1, 1],
            [1, 1],
            [0, 0],
          ]) as tf.Tensor4D;
          h = tf.add(tf.maxPool(shifted, 3, 2, 'valid'), low) as tf.Tensor4D;
        }
        for (const blk of blocks) {
          const y = cb(act(cb(h, blk.conv1)), blk.conv2);
          const sc = blk.shortcut ? cb(h, blk.shortcut) : h;
          h = act(tf.add(y, sc));
        }
        if (finalBn) h = act(batchNorm(h, finalBn, training, { momentum: o.momentum, epsilon: o.bnEps }));
        return h;
      });
    },
    computeOutputShape(inputShape: Shape3D): Shape3D {
      checkShape3(`${WHERE}.computeOutputShape`, inputShape, o.inChannels, minSize);
      return [sizeOf(inputShape[0]), sizeOf(inputShape[1]), outChannels];
    },
    regularizer(): tf.Scalar {
      alive('regularizer');
      return tf.scalar(0);
    },
    getWeights() {
      alive('getWeights');
      return params.record();
    },
    getConfig(): JsonObject {
      return { kind: 'cores.resnet', ...(JSON.parse(JSON.stringify(o)) as JsonObject) };
    },
    dispose(): void {
      params.dispose();
      disposed = true;
    },
  };
  return core;
}
