/**
 * The stacked 2-D convolutional core with squeeze-and-excitation blocks (nnvision `SE2dCore`, built on
 * neuralpredictors `Stacked2dCore`), NHWC, functional tfjs-core ops.
 *
 * Layer 0: conv `inputKern×inputKern` (zero padding `inputKern//2` when `padInput`, else none) → batch-norm
 * → ELU. Layers 1…L−1: a `hiddenKern×hiddenKern` conv with same-size padding (plain, depth-separable
 * 1×1 → depthwise → 1×1 without bias, or local self-attention) → batch-norm → ELU (not on the last layer
 * when `finalNonlinearity` is false) → squeeze-and-excitation on the last `nSeBlocks` hidden layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  SalConfigError, checkNumber, checkOneOf, resolveOptions,
  type ApplyOptions, type Core, type JsonObject, type Shape3D, type WindowPlacement,
} from '@sal/types';
import { ParamStore } from './params.js';
import { batchNormTrain, evalAffine, type BatchNormParams } from '@sal/layers';
import { createBatchNorm } from './batch-norm.js';
import { createSeBlock, seBlock, type SeBlockParams } from './se-block.js';
import { attentionConv, createAttentionConv, type AttentionConvParams } from './attention-conv.js';
import { groupSparsity, laplaceL2, laplaceL2Norm } from './regularizers.js';
import { checkBool, checkInput, checkShape3, readTraining } from './validate.js';
import { checkPlacement, cropBy, insideMask, patchConv } from './windows.js';

const WHERE = 'cores.stacked2dCore';
/** `applyWindows` computes the first conv as patch products below this many input channels (see `patchConv`). */
const PATCH_CONV_MAX_CHANNELS = 8;

/** Options of {@link stacked2dCore}. Defaults are the original builder's (`se_core_full_gauss_readout`). */
export interface Stacked2dCoreOptions {
  /** Input channels (image, saliency, gradients, …). @default 1 */
  inChannels?: number;
  /** Channels of every layer. @default 32 */
  hiddenChannels?: number;
  /** Kernel size of the first conv. @default 13 */
  inputKern?: number;
  /** Kernel size of the hidden convs (odd: same-size padding). @default 3 */
  hiddenKern?: number;
  /** Number of layers, the first included. @default 3 */
  layers?: number;
  /** Weight of the Laplace smoothness penalty on the first layer's filters. @default 15.5 */
  gammaInput?: number;
  /** Weight of the group-sparsity penalty on the hidden layers' spatial filters. @default 0 */
  gammaHidden?: number;
  /** Zero padding of the Laplacian in the smoothness penalty. @default 1 */
  laplacePadding?: number;
  /**
   * The smoothness penalty on the first layer: `'laplaceL2norm'` Σ(L∗w)²/Σw² (the SE2dCore's) or
   * `'laplaceL2'` mean(L∗w)²/2 (neuralpredictors `Stacked2dCore` with `use_avg_reg=True`).
   * @default 'laplaceL2norm'
   */
  inputRegularizer?: 'laplaceL2norm' | 'laplaceL2';
  /** `skip > 1`: hidden layer l takes the concatenation of the previous `min(skip, l)` outputs. @default 0 */
  skip?: number;
  /**
   * Which layer outputs form the core's output (concatenated along channels): `null` all layers; an
   * integer `s` the layers `[s:]` in Python slice semantics (`-1`: the last only); an array explicit
   * layer indices (negative count from the end).
   * @default null
   */
  stack?: number | number[] | null;
  /**
   * Batch-norm momentum in the tfjs/Keras convention: `running ← momentum·running + (1−momentum)·batch`.
   * PyTorch's momentum is `1 −` this: the original's `momentum=0.9` (PyTorch) is `0.1` here.
   * @default 0.1
   */
  momentum?: number;
  /** Batch-norm epsilon (PyTorch's). @default 1e-5 */
  bnEps?: number;
  /** Zero-pad the first conv to keep the input size. @default false */
  padInput?: boolean;
  /** Batch-norm after every conv. @default true */
  batchNorm?: boolean;
  /** Bias in the first conv and the plain hidden convs (depth-separable and attention convs have none). @default false */
  bias?: boolean;
  /** ELU after the last layer too. @default true */
  finalNonlinearity?: boolean;
  /** No ELU anywhere (a linear core, batch-norm kept). @default false */
  linear?: boolean;
  /** Reduction ratio r of the SE blocks (hidden C → C/r → C). @default 32 */
  seReduction?: number;
  /**
   * Number of hidden layers, counted from the last, that end in an SE block (as in the original, the
   * first layer never gets one; values above `layers − 1` put one on every hidden layer).
   * @default 1
   */
  nSeBlocks?: number;
  /** Hidden convs are depth-separable: 1×1 → k×k depthwise → 1×1, no bias. @default false */
  depthSeparable?: boolean;
  /** Hidden convs are local self-attention convs (q/k/v 1×1, relative embeddings, k×k window). @default false */
  attentionConv?: boolean;
  /** Seed of the initial weights (Xavier normal for convs, zeros for conv biases). @default 0 */
  seed?: number;
}

/** The defaults of {@link stacked2dCore}. */
export const STACKED2D_DEFAULTS: Readonly<Required<Stacked2dCoreOptions>> = Object.freeze({
  inChannels: 1,
  hiddenChannels: 32,
  inputKern: 13,
  hiddenKern: 3,
  layers: 3,
  gammaInput: 15.5,
  gammaHidden: 0,
  laplacePadding: 1,
  inputRegularizer: 'laplaceL2norm',
  skip: 0,
  stack: null,
  momentum: 0.1,
  bnEps: 1e-5,
  padInput: false,
  batchNorm: true,
  bias: false,
  finalNonlinearity: true,
  linear: false,
  seReduction: 32,
  nSeBlocks: 1,
  depthSeparable: false,
  attentionConv: false,
  seed: 0,
});

/**
 * The core configuration the study's analysed CNN used (`model_fitting_saliency` notebook): 6 layers,
 * 15×15 unpadded input conv, depth-separable 9×9 hidden convs, 32 channels, no SE blocks, the last
 * layer's output only, `gammaInput` 10. With 83×83 inputs the output is 69×69×32.
 */
export const STUDY_CORE_PRESET: Readonly<Stacked2dCoreOptions> = Object.freeze({
  layers: 6,
  inputKern: 15,
  hiddenKern: 9,
  hiddenChannels: 32,
  depthSeparable: true,
  nSeBlocks: 0,
  stack: -1,
  padInput: false,
  gammaInput: 10,
});

type HiddenConv =
  | { type: 'plain'; kernel: tf.Variable; bias: tf.Variable | null }
  | { type: 'separable'; inKernel: tf.Variable; depthwise: tf.Variable; outKernel: tf.Variable }
  | { type: 'attention'; attention: AttentionConvParams };

interface Layer {
  conv: HiddenConv;
  bn: BatchNormParams | null;
  elu: boolean;
  se: SeBlockParams | null;
}

/** The resolved configuration of a stacked core, as `getConfig()` returns it. */
export type Stacked2dCoreConfig = Required<Stacked2dCoreOptions> & { kind: 'cores.stacked2d' };

/** A stacked conv core (the {@link Core} contract) with its resolved options. */
export interface Stacked2dCore extends Core {
  readonly kind: 'cores.stacked2d';
  /** The resolved options. */
  readonly options: Readonly<Required<Stacked2dCoreOptions>>;
  /** Output channels: `hiddenChannels × (number of stacked layers)`. */
  readonly outChannels: number;
  /** The smoothness penalty (`inputRegularizer`) of the first layer, unweighted (a new scalar). */
  laplaceRegularizer(): tf.Scalar;
  /** The group-sparsity penalty of the hidden layers, unweighted, averaged over layers (a new scalar; 0 without hidden layers). */
  groupSparsityRegularizer(): tf.Scalar;
}

function resolveStack(stack: unknown, layers: number): number[] {
  const all = Array.from({ length: layers }, (_, i) => i);
  const bad = (): never => {
    throw new SalConfigError(WHERE, 'stack', `null, an integer in [-${layers}, ${layers - 1}] or an array of them`, stack);
  };
  if (stack === null) return all;
  if (typeof stack === 'number') {
    if (!Number.isInteger(stack) || stack < -layers || stack >= layers) bad();
    return all.slice(stack);
  }
  if (Array.isArray(stack)) {
    if (stack.length === 0) bad();
    return stack.map((s: unknown) => {
      if (typeof s !== 'number' || !Number.isInteger(s) || s < -layers || s >= layers) bad();
      return (s as number) < 0 ? layers + (s as number) : (s as number);
    });
  }
  return bad();
}

function validate(o: Required<Stacked2dCoreOptions>): number[] {
  checkNumber(WHERE, 'inChannels', o.inChannels, { min: 1, integer: true });
  checkNumber(WHERE, 'hiddenChannels', o.hiddenChannels, { min: 1, integer: true });
  checkNumber(WHERE, 'inputKern', o.inputKern, { min: 1, integer: true });
  checkNumber(WHERE, 'hiddenKern', o.hiddenKern, { min: 1, integer: true });
  if (o.hiddenKern % 2 !== 1) throw new SalConfigError(WHERE, 'hiddenKern', 'an odd integer (same-size padding)', o.hiddenKern);
  checkNumber(WHERE, 'layers', o.layers, { min: 1, integer: true });
  checkNumber(WHERE, 'gammaInput', o.gammaInput, { min: 0 });
  checkNumber(WHERE, 'gammaHidden', o.gammaHidden, { min: 0 });
  checkNumber(WHERE, 'laplacePadding', o.laplacePadding, { min: 0, integer: true });
  if (o.inputKern + 2 * o.laplacePadding < 3) {
    throw new SalConfigError(WHERE, 'laplacePadding', `at least ${Math.ceil((3 - o.inputKern) / 2)} for inputKern ${o.inputKern}`, o.laplacePadding);
  }
  checkOneOf(WHERE, 'inputRegularizer', o.inputRegularizer, ['laplaceL2norm', 'laplaceL2'] as const);
  checkNumber(WHERE, 'skip', o.skip, { min: 0, integer: true });
  checkNumber(WHERE, 'momentum', o.momentum, { min: 0, max: 1 });
  checkNumber(WHERE, 'bnEps', o.bnEps, { min: 0, exclusiveMin: true });
  for (const k of ['padInput', 'batchNorm', 'bias', 'finalNonlinearity', 'linear', 'depthSeparable', 'attentionConv'] as const) {
    checkBool(WHERE, k, o[k]);
  }
  checkNumber(WHERE, 'seReduction', o.seReduction, { min: 1, integer: true });
  checkNumber(WHERE, 'nSeBlocks', o.nSeBlocks, { min: 0, integer: true });
  if (o.nSeBlocks > 0 && o.layers > 1 && Math.floor(o.hiddenChannels / o.seReduction) < 1) {
    throw new SalConfigError(WHERE, 'seReduction', `at most hiddenChannels (${o.hiddenChannels})`, o.seReduction);
  }
  if (o.depthSeparable && o.attentionConv) {
    throw new SalConfigError(WHERE, 'attentionConv', 'false when depthSeparable is true (one hidden conv type)', o.attentionConv);
  }
  if (o.attentionConv && o.hiddenChannels % 2 !== 0) {
    throw new SalConfigError(WHERE, 'hiddenChannels', 'an even number with attentionConv', o.hiddenChannels);
  }
  checkNumber(WHERE, 'seed', o.seed, { integer: true });
  return resolveStack(o.stack, o.layers);
}

/**
 * Build a stacked conv core (SE2dCore). Weights are initialised from `seed`: same seed, same weights.
 * @example
 * const core = stacked2dCore({ ...STUDY_CORE_PRESET, seed: 1 });
 * core.computeOutputShape([83, 83, 1]); // [69, 69, 32]
 */
export function stacked2dCore(opts?: Stacked2dCoreOptions): Stacked2dCore {
  const o = resolveOptions<Stacked2dCoreOptions>(WHERE, STACKED2D_DEFAULTS, opts);
  if (Array.isArray(o.stack)) o.stack = [...o.stack];
  const stackIdx = validate(o);
  if (Array.isArray(o.stack)) Object.freeze(o.stack);
  Object.freeze(o);

  const C = o.hiddenChannels;
  const params = new ParamStore(o.seed);
  const layers: Layer[] = [];
  const eluOn = (l: number): boolean => !o.linear && (l < o.layers - 1 || o.finalNonlinearity);

  // layer 0
  const k0 = o.inputKern;
  layers.push({
    conv: {
      type: 'plain',
      kernel: params.convKernel('layer0.conv.kernel', [k0, k0, o.inChannels, C], C),
      bias: o.bias ? params.constant('layer0.conv.bias', [C], 0) : null,
    },
    bn: o.batchNorm ? createBatchNorm(params, 'layer0.bn', C) : null,
    elu: eluOn(0),
    se: null,
  });
  // hidden layers
  const k = o.hiddenKern;
  for (let l = 1; l < o.layers; l++) {
    const cin = o.skip > 1 ? Math.min(o.skip, l) * C : C;
    const p = `layer${l}`;
    let conv: HiddenConv;
    if (o.depthSeparable) {
      conv = {
        type: 'separable',
        inKernel: params.convKernel(`${p}.conv.in.kernel`, [1, 1, cin, C], C),
        depthwise: params.convKernel(`${p}.conv.depthwise.kernel`, [k, k, C, 1], C, 1),
        outKernel: params.convKernel(`${p}.conv.out.kernel`, [1, 1, C, C], C),
      };
    } else if (o.attentionConv) {
      conv = { type: 'attention', attention: createAttentionConv(params, `${p}.conv`, cin, C, k) };
    } else {
      conv = {
        type: 'plain',
        kernel: params.convKernel(`${p}.conv.kernel`, [k, k, cin, C], C),
        bias: o.bias ? params.constant(`${p}.conv.bias`, [C], 0) : null,
      };
    }
    layers.push({
      conv,
      bn: o.batchNorm ? createBatchNorm(params, `${p}.bn`, C) : null,
      elu: eluOn(l),
      se: o.layers - l <= o.nSeBlocks ? createSeBlock(params, `${p}.se`, C, o.seReduction) : null,
    });
  }

  // Receptive radius (input pixels) of each layer's output, and of the core's output (the last stacked layer's).
  const layerRadius = layers.map((_, l) => Math.floor(k0 / 2) + l * Math.floor(k / 2));
  const lastStacked = Math.max(...stackIdx);
  const windowable = k0 % 2 === 1 && layers.slice(0, lastStacked + 1).every((layer) => layer.se === null);
  const radius = windowable ? layerRadius[lastStacked]! : undefined;
  /** Offset o between output and input pixels: output (y, x) sits over input (y + o, x + o). */
  const inputOffset = o.padInput ? 0 : Math.floor(k0 / 2);

  const minSize = o.padInput ? 1 : k0;
  const outSize = (s: number): number => (o.padInput ? s + 2 * Math.floor(k0 / 2) - k0 + 1 : s - k0 + 1);
  const outChannels = C * stackIdx.length;
  let disposed = false;
  const alive = (fn: string): void => {
    if (disposed) throw new Error(`${WHERE}.${fn}: the core was disposed`);
  };

  /**
   * The conv of layer `l`. With `affine` (evaluation-mode batch-norm) the per-channel scale is folded
   * into the last kernel and the shift into the bias: one conv instead of a conv and two full-size ops.
   * With `elu` the ELU is applied too, fused into the conv where the conv is a plain or separable one
   * (`tf.fused.conv2d`: one kernel with a bias and activation epilogue; under a gradient tape tfjs runs it
   * as conv, add, ELU, with their gradients).
   */
  const convForward = (x: tf.Tensor4D, conv: HiddenConv, l: number, affine: { scale: tf.Tensor1D; shift: tf.Tensor1D } | null, windowed = false, elu = false): tf.Tensor4D => {
    if (conv.type === 'attention') {
      const y = attentionConv(x, conv.attention);
      const z = affine ? tf.add(tf.mul(y, affine.scale), affine.shift) as tf.Tensor4D : y;
      return elu ? tf.elu(z) : z;
    }
    const act = elu ? 'elu' : 'linear';
    const fold = (kernel: tf.Variable): tf.Tensor4D => (affine ? tf.mul(kernel, affine.scale) : kernel) as tf.Tensor4D;
    if (conv.type === 'separable') {
      const a = tf.conv2d(x, conv.inKernel as tf.Tensor4D, 1, 'valid');
      const b = tf.depthwiseConv2d(a, conv.depthwise as tf.Tensor4D, 1, windowed ? 'valid' : 'same');
      return tf.fused.conv2d({ x: b, filter: fold(conv.outKernel), strides: 1, pad: 'valid', bias: affine?.shift, activation: act });
    }
    let input = x;
    let pad: 'valid' | 'same' = windowed ? 'valid' : 'same';
    if (l === 0 && windowed && o.inChannels < PATCH_CONV_MAX_CHANNELS) {
      const y = patchConv(input, fold(conv.kernel));
      const bias = affine ? (conv.bias ? tf.add(tf.mul(conv.bias, affine.scale), affine.shift) : affine.shift) : conv.bias;
      const z = bias ? tf.add(y, bias) as tf.Tensor4D : y;
      return elu ? tf.elu(z) : z;
    }
    if (l === 0 && !windowed) {
      pad = 'valid';
      // an odd kernel's symmetric zero padding is tfjs's 'same' (no padded copy of the input)
      if (o.padInput && k0 % 2 === 1) pad = 'same';
      else if (o.padInput) {
        const p = Math.floor(k0 / 2);
        input = tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]);
      }
    }
    const bias = affine ? (conv.bias ? tf.add(tf.mul(conv.bias, affine.scale), affine.shift) : affine.shift) : conv.bias;
    // tf.fused.conv2d's own gradient computes the input gradient even where nobody needs it (the first layer's,
    // w.r.t. the image), so it is used only where it fuses an ELU (tfjs unfuses it under a gradient tape) or a
    // bias after the first layer
    if (act === 'elu' || (bias && l > 0)) {
      return tf.fused.conv2d({ x: input, filter: fold(conv.kernel), strides: 1, pad, bias: bias ?? undefined, activation: act });
    }
    const y = tf.conv2d(input, fold(conv.kernel), 1, pad);
    return bias ? tf.add(y, bias) : y;
  };

  const core: Stacked2dCore = {
    kind: 'cores.stacked2d',
    inChannels: o.inChannels,
    options: o,
    outChannels,
    apply(x: tf.Tensor4D, applyOpts?: ApplyOptions): tf.Tensor4D {
      alive('apply');
      checkInput(`${WHERE}.apply`, x, o.inChannels, minSize);
      const training = readTraining(`${WHERE}.apply`, applyOpts);
      return tf.tidy(() => {
        const outs: tf.Tensor4D[] = [];
        let input: tf.Tensor4D = x;
        layers.forEach((layer, l) => {
          if (l >= 1 && o.skip > 1) input = tf.concat(outs.slice(-Math.min(o.skip, l)), 3);
          let y: tf.Tensor4D;
          if (layer.bn && training) {
            // batch statistics, ELU included: one op with a hand-written gradient (batchNormTrain)
            y = batchNormTrain(convForward(input, layer.conv, l, null), layer.bn, { momentum: o.momentum, epsilon: o.bnEps, activation: layer.elu ? 'elu' : 'linear' });
          } else {
            // evaluation-mode batch-norm folded into the conv, ELU fused into it
            y = convForward(input, layer.conv, l, layer.bn ? evalAffine(layer.bn, o.bnEps) : null, false, layer.elu);
          }
          if (layer.se) y = seBlock(y, layer.se);
          outs.push(y);
          input = y;
        });
        const picked = stackIdx.map((i) => outs[i] as tf.Tensor4D);
        // every layer output is a new tensor (never x): tidy keeps the one returned, no copy needed
        return picked.length === 1 ? (picked[0] as tf.Tensor4D) : tf.concat(picked, 3);
      });
    },
    ...(radius === undefined ? {} : { receptiveRadius: radius }),
    ...(radius === undefined || o.attentionConv ? {} : {
      applyWindows(x: tf.Tensor4D, placement: WindowPlacement): tf.Tensor4D {
        const where = `${WHERE}.applyWindows`;
        alive('applyWindows');
        checkInput(where, x, o.inChannels, 1);
        const imageSize = checkPlacement(where, x, placement, radius);
        const { origins } = placement;
        const [, sh, sw] = x.shape;
        return tf.tidy(() => {
          // each layer: valid conv, then zeros where its full-image map has none (the next layer's padding)
          const mask = (m: number): tf.Tensor4D => insideMask(origins, imageSize, m, sh - 2 * m, sw - 2 * m, inputOffset);
          const outs: tf.Tensor4D[] = [];
          let input: tf.Tensor4D = o.padInput ? tf.mul(x, insideMask(origins, imageSize, 0, sh, sw, 0)) : x;
          for (let l = 0; l <= lastStacked; l++) {
            const layer = layers[l]!;
            if (l >= 1 && o.skip > 1) {
              const prev = Array.from({ length: Math.min(o.skip, l) }, (_, j) => l - Math.min(o.skip, l) + j);
              input = tf.concat(prev.map((j) => cropBy(outs[j]!, layerRadius[l - 1]! - layerRadius[j]!)), 3);
            }
            // ELU passed in: under a gradient tape tfjs then runs plain ops whose filter gradients stay unevaluated
            const y = tf.mul(convForward(input, layer.conv, l, layer.bn ? evalAffine(layer.bn, o.bnEps) : null, true, layer.elu), mask(layerRadius[l]!)) as tf.Tensor4D;
            outs.push(y);
            input = y;
          }
          const picked = stackIdx.map((i) => cropBy(outs[i]!, radius - layerRadius[i]!));
          return picked.length === 1 ? tf.clone(picked[0]!) : tf.concat(picked, 3);
        });
      },
    }),
    computeOutputShape(inputShape: Shape3D): Shape3D {
      checkShape3(`${WHERE}.computeOutputShape`, inputShape, o.inChannels, minSize);
      return [outSize(inputShape[0]), outSize(inputShape[1]), outChannels];
    },
    laplaceRegularizer(): tf.Scalar {
      alive('laplaceRegularizer');
      const first = (layers[0]!.conv as { kernel: tf.Variable }).kernel as tf.Tensor4D;
      return o.inputRegularizer === 'laplaceL2'
        ? laplaceL2(first, { padding: o.laplacePadding, avg: true })
        : laplaceL2Norm(first, { padding: o.laplacePadding });
    },
    groupSparsityRegularizer(): tf.Scalar {
      alive('groupSparsityRegularizer');
      return tf.tidy(() => {
        const terms: tf.Scalar[] = [];
        for (const layer of layers.slice(1)) {
          const c = layer.conv;
          if (c.type === 'plain') terms.push(groupSparsity(c.kernel as tf.Tensor4D));
          else if (c.type === 'separable') terms.push(groupSparsity(c.depthwise as tf.Tensor4D));
        }
        return terms.length === 0 ? tf.scalar(0) : (tf.div(tf.addN(terms), terms.length) as tf.Scalar);
      });
    },
    regularizer(): tf.Scalar {
      alive('regularizer');
      return tf.tidy(() => {
        let r: tf.Scalar = tf.scalar(0);
        if (o.gammaInput !== 0) r = tf.add(r, tf.mul(core.laplaceRegularizer(), o.gammaInput));
        if (o.gammaHidden !== 0) r = tf.add(r, tf.mul(core.groupSparsityRegularizer(), o.gammaHidden));
        return r;
      });
    },
    getWeights() {
      alive('getWeights');
      return params.record();
    },
    getConfig(): JsonObject {
      return { kind: 'cores.stacked2d', ...(JSON.parse(JSON.stringify(o)) as JsonObject) };
    },
    dispose(): void {
      params.dispose();
      disposed = true;
    },
  };
  return core;
}
