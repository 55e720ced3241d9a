/**
 * The stacked 2-D convolutional core with squeeze-and-excitation blocks (nnvision `SE2dCore`, built on
 * neuralpredictors `Stacked2dCore`), NHWC, functional tfjs-core ops.
 *
 * Layer 0: conv `inputKern×inputKern` (zero padding `inputKern//2` when `padInput`, else none) → batch-norm
 * → ELU. Layers 1…L−1: a `hiddenKern×hiddenKern` conv with same-size padding (plain, depth-separable
 * 1×1 → depthwise → 1×1 without bias, or local self-attention) → batch-norm → ELU (not on the last layer
 * when `finalNonlinearity` is false) → squeeze-and-excitation on the last `nSeBlocks` hidden layers.
 * Options and validation: `stacked2d-options.ts`; layer variables and the conv forward: `stacked2d-layers.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { resolveOptions, type ApplyOptions, type Core, type JsonObject, type Shape3D, type WindowPlacement } from '@sal/types';
import { batchNormTrain, evalAffine } from '@sal/layers';
import { ParamStore } from './params.js';
import { seBlock } from './se-block.js';
import { groupSparsity, laplaceL2, laplaceL2Norm } from './regularizers.js';
import { checkInput, checkShape3, readTraining } from './validate.js';
import { checkPlacement, cropBy, insideMask } from './windows.js';
import { STACKED2D_DEFAULTS, WHERE, validateStacked2d, type Stacked2dCoreOptions } from './stacked2d-options.js';
import { convForward, createLayers, type Layer } from './stacked2d-layers.js';

export { STACKED2D_DEFAULTS, STUDY_CORE_PRESET } from './stacked2d-options.js';
export type { Stacked2dCoreOptions, Stacked2dCoreConfig } from './stacked2d-options.js';

type Resolved = Readonly<Required<Stacked2dCoreOptions>>;

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

/** Sizes and offsets of a core: what `computeOutputShape`, `receptiveRadius` and `applyWindows` need. */
interface Geometry {
  /** Receptive radius (input pixels) of each layer's output. */
  layerRadius: number[];
  /** The deepest stacked layer. */
  lastStacked: number;
  /** The core's receptive radius, when windows can be computed (odd first kernel, no SE block up to `lastStacked`). */
  radius: number | undefined;
  /** Offset between output and input pixels: output (y, x) sits over input (y + offset, x + offset). */
  inputOffset: number;
  /** Smallest input height/width. */
  minSize: number;
}

function geometry(o: Resolved, layers: readonly Layer[], stackIdx: readonly number[]): Geometry {
  const k0 = o.inputKern;
  const layerRadius = layers.map((_, l) => Math.floor(k0 / 2) + l * Math.floor(o.hiddenKern / 2));
  const lastStacked = Math.max(...stackIdx);
  const windowable = k0 % 2 === 1 && layers.slice(0, lastStacked + 1).every((layer) => layer.se === null);
  return {
    layerRadius,
    lastStacked,
    radius: windowable ? layerRadius[lastStacked]! : undefined,
    inputOffset: o.padInput ? 0 : Math.floor(k0 / 2),
    minSize: o.padInput ? 1 : k0,
  };
}

/** Output height/width for an input of size `s`. */
function outSize(o: Resolved, s: number): number {
  const k0 = o.inputKern;
  return o.padInput ? s + 2 * Math.floor(k0 / 2) - k0 + 1 : s - k0 + 1;
}

/** One layer on full images: conv → batch-norm (batch statistics in training, folded into the conv otherwise) → ELU → SE. */
function layerForward(input: tf.Tensor4D, layer: Layer, l: number, o: Resolved, training: boolean): tf.Tensor4D {
  let y: tf.Tensor4D;
  if (layer.bn && training) {
    // batch statistics, ELU included: one op with a hand-written gradient (batchNormTrain)
    const pre = convForward(input, layer.conv, l, o, { affine: null });
    y = batchNormTrain(pre, layer.bn, { momentum: o.momentum, epsilon: o.bnEps, activation: layer.elu ? 'elu' : 'linear' });
  } else {
    // evaluation-mode batch-norm folded into the conv, ELU fused into it
    y = convForward(input, layer.conv, l, o, { affine: layer.bn ? evalAffine(layer.bn, o.bnEps) : null, elu: layer.elu, fused: !training });
  }
  return layer.se ? seBlock(y, layer.se) : y;
}

/** The full-image forward pass: every layer, then the stacked outputs concatenated along channels. */
function applyLayers(x: tf.Tensor4D, layers: readonly Layer[], stackIdx: readonly number[], o: Resolved, training: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const outs: tf.Tensor4D[] = [];
    let input: tf.Tensor4D = x;
    layers.forEach((layer, l) => {
      if (l >= 1 && o.skip > 1) input = tf.concat(outs.slice(-Math.min(o.skip, l)), 3);
      const y = layerForward(input, layer, l, o, training);
      outs.push(y);
      input = y;
    });
    const picked = stackIdx.map((i) => outs[i] as tf.Tensor4D);
    // every layer output is a new tensor (never x): tidy keeps the one returned, no copy needed
    return picked.length === 1 ? (picked[0] as tf.Tensor4D) : tf.concat(picked, 3);
  });
}

/**
 * The windowed forward pass (evaluation mode): each layer a valid conv, then zeros where its full-image map
 * has none (the next layer's padding); the stacked outputs cropped to the core's radius.
 */
function applyWindowLayers(
  x: tf.Tensor4D,
  placement: WindowPlacement,
  imageSize: [number, number],
  layers: readonly Layer[],
  stackIdx: readonly number[],
  o: Resolved,
  g: Geometry & { radius: number },
): tf.Tensor4D {
  const { origins } = placement;
  const [, sh, sw] = x.shape;
  const { layerRadius, radius } = g;
  return tf.tidy(() => {
    const mask = (m: number): tf.Tensor4D => insideMask(origins, imageSize, m, sh - 2 * m, sw - 2 * m, g.inputOffset);
    const outs: tf.Tensor4D[] = [];
    let input: tf.Tensor4D = o.padInput ? tf.mul(x, insideMask(origins, imageSize, 0, sh, sw, 0)) : x;
    for (let l = 0; l <= g.lastStacked; l++) {
      const layer = layers[l]!;
      if (l >= 1 && o.skip > 1) {
        const prev = Array.from({ length: Math.min(o.skip, l) }, (_, j) => l - Math.min(o.skip, l) + j);
        input = tf.concat(
          prev.map((j) => cropBy(outs[j]!, layerRadius[l - 1]! - layerRadius[j]!)),
          3,
        );
      }
      // ELU passed in: under a gradient tape tfjs then runs plain ops whose filter gradients stay unevaluated
      const affine = layer.bn ? evalAffine(layer.bn, o.bnEps) : null;
      const y = tf.mul(convForward(input, layer.conv, l, o, { affine, windowed: true, elu: layer.elu, fused: true }), mask(layerRadius[l]!)) as tf.Tensor4D;
      outs.push(y);
      input = y;
    }
    const picked = stackIdx.map((i) => cropBy(outs[i]!, radius - layerRadius[i]!));
    return picked.length === 1 ? tf.clone(picked[0]!) : tf.concat(picked, 3);
  });
}

/** The first layer's smoothness penalty (`inputRegularizer`), unweighted. */
function laplacePenalty(layers: readonly Layer[], o: Resolved): tf.Scalar {
  const first = (layers[0]!.conv as { kernel: tf.Variable }).kernel as tf.Tensor4D;
  return o.inputRegularizer === 'laplaceL2' ? laplaceL2(first, { padding: o.laplacePadding, avg: true }) : laplaceL2Norm(first, { padding: o.laplacePadding });
}

/** The hidden layers' group-sparsity penalty, unweighted, averaged over layers (0 without hidden layers). */
function groupSparsityPenalty(layers: readonly Layer[]): tf.Scalar {
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [];
    for (const layer of layers.slice(1)) {
      const c = layer.conv;
      if (c.type === 'plain') terms.push(groupSparsity(c.kernel as tf.Tensor4D));
      else if (c.type === 'separable') terms.push(groupSparsity(c.depthwise as tf.Tensor4D));
    }
    return terms.length === 0 ? tf.scalar(0) : (tf.div(tf.addN(terms), terms.length) as tf.Scalar);
  });
}

/** Resolve, validate and freeze the options; returns them with the stacked layer indices. */
function resolveStacked2d(opts: Stacked2dCoreOptions | undefined): { o: Resolved; stackIdx: number[] } {
  const o = resolveOptions<Stacked2dCoreOptions>(WHERE, STACKED2D_DEFAULTS, opts);
  if (Array.isArray(o.stack)) o.stack = [...o.stack];
  const stackIdx = validateStacked2d(o);
  if (Array.isArray(o.stack)) Object.freeze(o.stack);
  return { o: Object.freeze(o), stackIdx };
}

/**
 * Build a stacked conv core (SE2dCore). Weights are initialised from `seed`: same seed, same weights.
 * @example
 * const core = stacked2dCore({ ...STUDY_CORE_PRESET, seed: 1 });
 * core.computeOutputShape([83, 83, 1]); // [69, 69, 32]
 */
export function stacked2dCore(opts?: Stacked2dCoreOptions): Stacked2dCore {
  const { o, stackIdx } = resolveStacked2d(opts);
  const params = new ParamStore(o.seed);
  const layers = createLayers(params, o);
  const g = geometry(o, layers, stackIdx);
  const { radius } = g;
  const outChannels = o.hiddenChannels * stackIdx.length;
  let disposed = false;
  const alive = (fn: string): void => {
    if (disposed) throw new Error(`${WHERE}.${fn}: the core was disposed`);
  };

  const core: Stacked2dCore = {
    kind: 'cores.stacked2d',
    inChannels: o.inChannels,
    options: o,
    outChannels,
    apply(x: tf.Tensor4D, applyOpts?: ApplyOptions): tf.Tensor4D {
      alive('apply');
      checkInput(`${WHERE}.apply`, x, o.inChannels, g.minSize);
      return applyLayers(x, layers, stackIdx, o, readTraining(`${WHERE}.apply`, applyOpts));
    },
    ...(radius === undefined ? {} : { receptiveRadius: radius }),
    ...(radius === undefined || o.attentionConv
      ? {}
      : {
          applyWindows(x: tf.Tensor4D, placement: WindowPlacement): tf.Tensor4D {
            const where = `${WHERE}.applyWindows`;
            alive('applyWindows');
            checkInput(where, x, o.inChannels, 1);
            const imageSize = checkPlacement(where, x, placement, radius);
            return applyWindowLayers(x, placement, imageSize, layers, stackIdx, o, { ...g, radius });
          },
        }),
    computeOutputShape(inputShape: Shape3D): Shape3D {
      checkShape3(`${WHERE}.computeOutputShape`, inputShape, o.inChannels, g.minSize);
      return [outSize(o, inputShape[0]), outSize(o, inputShape[1]), outChannels];
    },
    laplaceRegularizer(): tf.Scalar {
      alive('laplaceRegularizer');
      return laplacePenalty(layers, o);
    },
    groupSparsityRegularizer(): tf.Scalar {
      alive('groupSparsityRegularizer');
      return groupSparsityPenalty(layers);
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
