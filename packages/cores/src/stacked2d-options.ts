/**
 * Options, defaults, the study's preset and the validation of {@link stacked2dCore}.
 */
import { SalConfigError, checkNumber, checkOneOf } from '@sal/types';
import { checkBool } from './validate.js';

export const WHERE = 'cores.stacked2dCore';

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

/** The resolved configuration of a stacked core, as `getConfig()` returns it. */
export type Stacked2dCoreConfig = Required<Stacked2dCoreOptions> & { kind: 'cores.stacked2d' };

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

/** Check every option; returns the indices of the stacked layers (see `stack`). */
export function validateStacked2d(o: Required<Stacked2dCoreOptions>): number[] {
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
