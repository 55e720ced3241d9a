/**
 * The layers of {@link stacked2dCore}: their variables (created from the resolved options) and the forward pass of
 * one layer's convolution, with evaluation-mode batch-norm folded into it and the ELU fused where tfjs can.
 */
import * as tf from '@tensorflow/tfjs-core';
import { separableConv, type BatchNormParams } from '@sal/layers';
import type { ParamStore } from './params.js';
import { createBatchNorm } from './batch-norm.js';
import { createSeBlock, type SeBlockParams } from './se-block.js';
import { attentionConv, createAttentionConv, type AttentionConvParams } from './attention-conv.js';
import { patchConv } from './windows.js';
import type { Stacked2dCoreOptions } from './stacked2d-options.js';

type Resolved = Readonly<Required<Stacked2dCoreOptions>>;

/** `applyWindows` computes the first conv as patch products below this many input channels (see `patchConv`). */
const PATCH_CONV_MAX_CHANNELS = 8;

/** The convolution of one layer: plain (the first layer's always), depth-separable or local self-attention. */
export type LayerConv =
  | { type: 'plain'; kernel: tf.Variable; bias: tf.Variable | null }
  | { type: 'separable'; inKernel: tf.Variable; depthwise: tf.Variable; outKernel: tf.Variable }
  | { type: 'attention'; attention: AttentionConvParams };

/** One layer: conv → batch-norm → ELU → squeeze-and-excitation (each but the conv optional). */
export interface Layer {
  conv: LayerConv;
  bn: BatchNormParams | null;
  elu: boolean;
  se: SeBlockParams | null;
}

/** A per-channel affine map `y·scale + shift` (`[C]` each): evaluation-mode batch-norm. */
export interface Affine {
  scale: tf.Tensor1D;
  shift: tf.Tensor1D;
}

/** How {@link convForward} runs one layer's conv. */
export interface ConvCall {
  /** Evaluation-mode batch-norm to fold into the conv (kernel·scale, bias·scale + shift), or `null` for none. */
  affine: Affine | null;
  /** Valid padding everywhere (window runs, see `applyWindows`) instead of the full-image padding. @default false */
  windowed?: boolean;
  /** Apply ELU, fused into the conv where it is a plain or separable one. @default false */
  elu?: boolean;
  /**
   * Run a separable conv as one op (`separableConv` of `@sal/layers`: no intermediate maps; x's gradient is as cheap,
   * its kernels' gradients recompute the maps), for evaluation. Training keeps the three ops. @default false
   */
  fused?: boolean;
}

/** Whether layer `l` ends in an ELU. */
function eluOn(o: Resolved, l: number): boolean {
  return !o.linear && (l < o.layers - 1 || o.finalNonlinearity);
}

function plainConv(params: ParamStore, prefix: string, k: number, cin: number, o: Resolved): LayerConv {
  const c = o.hiddenChannels;
  return {
    type: 'plain',
    kernel: params.convKernel(`${prefix}.conv.kernel`, [k, k, cin, c], c),
    bias: o.bias ? params.constant(`${prefix}.conv.bias`, [c], 0) : null,
  };
}

function hiddenConv(params: ParamStore, prefix: string, cin: number, o: Resolved): LayerConv {
  const c = o.hiddenChannels;
  const k = o.hiddenKern;
  if (o.depthSeparable) {
    return {
      type: 'separable',
      inKernel: params.convKernel(`${prefix}.conv.in.kernel`, [1, 1, cin, c], c),
      depthwise: params.convKernel(`${prefix}.conv.depthwise.kernel`, [k, k, c, 1], c, 1),
      outKernel: params.convKernel(`${prefix}.conv.out.kernel`, [1, 1, c, c], c),
    };
  }
  if (o.attentionConv) return { type: 'attention', attention: createAttentionConv(params, `${prefix}.conv`, cin, c, k) };
  return plainConv(params, prefix, k, cin, o);
}

/**
 * The variables of every layer, in the order (and with the names, `layer<l>.conv…`, `layer<l>.bn…`,
 * `layer<l>.se…`) that checkpoints use.
 */
export function createLayers(params: ParamStore, o: Resolved): Layer[] {
  const c = o.hiddenChannels;
  const layers: Layer[] = [
    {
      conv: plainConv(params, 'layer0', o.inputKern, o.inChannels, o),
      bn: o.batchNorm ? createBatchNorm(params, 'layer0.bn', c) : null,
      elu: eluOn(o, 0),
      se: null,
    },
  ];
  for (let l = 1; l < o.layers; l++) {
    const cin = o.skip > 1 ? Math.min(o.skip, l) * c : c;
    const conv = hiddenConv(params, `layer${l}`, cin, o);
    layers.push({
      conv,
      bn: o.batchNorm ? createBatchNorm(params, `layer${l}.bn`, c) : null,
      elu: eluOn(o, l),
      se: o.layers - l <= o.nSeBlocks ? createSeBlock(params, `layer${l}.se`, c, o.seReduction) : null,
    });
  }
  return layers;
}

/** The conv bias after folding `affine` in: `bias·scale + shift`, `shift`, the bias, or null. */
function foldedBias(conv: { bias: tf.Variable | null }, affine: Affine | null): tf.Tensor1D | null {
  if (!affine) return conv.bias as tf.Tensor1D | null;
  return conv.bias ? (tf.add(tf.mul(conv.bias, affine.scale), affine.shift) as tf.Tensor1D) : affine.shift;
}

function attentionForward(x: tf.Tensor4D, conv: Extract<LayerConv, { type: 'attention' }>, affine: Affine | null, elu: boolean): tf.Tensor4D {
  const y = attentionConv(x, conv.attention);
  const z = affine ? (tf.add(tf.mul(y, affine.scale), affine.shift) as tf.Tensor4D) : y;
  return elu ? tf.elu(z) : z;
}

/**
 * The conv of layer `l`. With `call.affine` (evaluation-mode batch-norm) the per-channel scale is folded
 * into the last kernel and the shift into the bias: one conv instead of a conv and two full-size ops.
 * With `call.elu` the ELU is applied too, fused into the conv where the conv is a plain or separable one
 * (`tf.fused.conv2d`: one kernel with a bias and activation epilogue; under a gradient tape tfjs runs it
 * as conv, add, ELU, with their gradients).
 */
export function convForward(x: tf.Tensor4D, conv: LayerConv, l: number, o: Resolved, call: ConvCall): tf.Tensor4D {
  const { affine, windowed = false, elu = false, fused = false } = call;
  if (conv.type === 'attention') return attentionForward(x, conv, affine, elu);
  const act = elu ? 'elu' : 'linear';
  const fold = (kernel: tf.Variable): tf.Tensor4D => (affine ? tf.mul(kernel, affine.scale) : kernel) as tf.Tensor4D;
  if (conv.type === 'separable') {
    // (an even depthwise kernel with 'same' padding is padded asymmetrically by tfjs: the three ops handle it)
    if (fused && (windowed || (conv.depthwise.shape[0] as number) % 2 === 1)) {
      const kernels = { inKernel: conv.inKernel as tf.Tensor4D, depthwise: conv.depthwise as tf.Tensor4D, outKernel: fold(conv.outKernel) };
      return separableConv(x, kernels, { bias: affine?.shift ?? null, pad: windowed ? 'valid' : 'same', activation: act });
    }
    const a = tf.conv2d(x, conv.inKernel as tf.Tensor4D, 1, 'valid');
    const b = tf.depthwiseConv2d(a, conv.depthwise as tf.Tensor4D, 1, windowed ? 'valid' : 'same');
    return tf.fused.conv2d({ x: b, filter: fold(conv.outKernel), strides: 1, pad: 'valid', bias: affine?.shift, activation: act });
  }
  if (l === 0 && windowed && o.inChannels < PATCH_CONV_MAX_CHANNELS) {
    const y = patchConv(x, fold(conv.kernel));
    const bias = foldedBias(conv, affine);
    const z = bias ? (tf.add(y, bias) as tf.Tensor4D) : y;
    return elu ? tf.elu(z) : z;
  }
  const { input, pad } = l === 0 && !windowed ? firstLayerPadding(x, o) : { input: x, pad: windowed ? ('valid' as const) : ('same' as const) };
  const bias = foldedBias(conv, affine);
  // tf.fused.conv2d's own gradient computes the input gradient even where nobody needs it (the first layer's,
  // w.r.t. the image), so it is used only where it fuses an ELU (tfjs unfuses it under a gradient tape) or a
  // bias after the first layer
  if (act === 'elu' || (bias && l > 0)) {
    return tf.fused.conv2d({ x: input, filter: fold(conv.kernel), strides: 1, pad, bias: bias ?? undefined, activation: act });
  }
  const y = tf.conv2d(input, fold(conv.kernel), 1, pad);
  return bias ? tf.add(y, bias) : y;
}

/**
 * The first layer's padding on a full image: none, or zero padding `inputKern//2` when `padInput` (tfjs's
 * `'same'` for an odd kernel, which needs no padded copy of the input).
 */
function firstLayerPadding(x: tf.Tensor4D, o: Resolved): { input: tf.Tensor4D; pad: 'valid' | 'same' } {
  const k0 = o.inputKern;
  if (!o.padInput) return { input: x, pad: 'valid' };
  if (k0 % 2 === 1) return { input: x, pad: 'same' };
  const p = Math.floor(k0 / 2);
  return {
    input: tf.pad(x, [
      [0, 0],
      [p, p],
      [p, p],
      [0, 0],
    ]),
    pad: 'valid',
  };
}
