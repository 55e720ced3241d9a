/**
 * The saliency-shifter readout: a remapper conv net turns a context input (saliency and its gradients, or
 * a control) into a 2-channel shift field at input resolution; each neuron reads the core's features at
 * its Gaussian position plus the field sampled there.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, checkNumber, createRng, resolveOptions, type JsonObject, type Readout, type ReadoutApplyOptions } from '@sal/types';
import { bilinearSample } from './bilinear-sample.js';
import { ConvStack, type ConvBlockSpec } from './conv-stack.js';
import { GaussianBase, checkGaussianParams } from './gaussian-base.js';
import { GAUSSIAN_READOUT_DEFAULTS, type GaussianReadoutOptions } from './gaussian-readout.js';
import { torchDefaultConv } from './init.js';

export const SALIENCY_SHIFTER_KIND = 'readouts.saliencyShifter';

/**
 * Options of {@link saliencyShifterReadout}: the Gaussian readout's (same defaults; the original adds no bias,
 * we do by default) plus the remapper's.
 */
export interface SaliencyShifterReadoutOptions extends GaussianReadoutOptions {
  /** Channels of the context input (`opts.context`) the remapper reads. @default 3 */
  remapChannels?: number;
  /** Hidden channels of the remapper; 0 means `remapChannels`, as the original. @default 0 */
  remapHiddenChannels?: number;
  /** Conv layers of the remapper: `remapLayers-1` × [conv, batch-norm, ELU], then [conv → 2, batch-norm, tanh]. @default 2 */
  remapLayers?: number;
  /** Odd kernel size of the remapper convs ('same' padding). @default 3 */
  remapKernel?: number;
  /** The shift field is tanh(·) × maxRemapAmplitude, in [-1, 1] grid units. @default 0.2 */
  maxRemapAmplitude?: number;
  /**
   * Learn a gain per neuron that scales the shift it reads from the field (initialised to 1, so training starts
   * from the original's behaviour). Without it every neuron at a location gets the same shift, which also moves
   * neurons whose receptive fields do not shift; with it the model can learn which neurons shift. Not in the
   * original. @default false
   */
  neuronShiftGain?: boolean;
  /**
   * Scale γ of the remapper's last batch-norm at initialisation: the initial field is
   * tanh(γ·ẑ + β)·maxRemapAmplitude with ẑ the batch-normalised conv output (unit variance in training). The
   * original keeps PyTorch's γ = 1, which starts every neuron reading at random, saliency-dependent offsets of
   * about ±0.6·maxRemapAmplitude that training must first undo (on some seeds it does not within the epoch cap;
   * see the package README). 0 starts from the Gaussian readout (zero field); γ still gets a gradient, so the
   * field grows where shifting helps. @default 0
   */
  remapInitGain?: number;
}

export const SALIENCY_SHIFTER_READOUT_DEFAULTS: Readonly<Required<SaliencyShifterReadoutOptions>> = Object.freeze({
  ...GAUSSIAN_READOUT_DEFAULTS,
  remapChannels: 3,
  remapHiddenChannels: 0,
  remapLayers: 2,
  remapKernel: 3,
  maxRemapAmplitude: 0.2,
  neuronShiftGain: false,
  remapInitGain: 0,
});

/** A saliency-shifter readout; see {@link saliencyShifterReadout}. */
export class SaliencyShifterReadout extends GaussianBase implements Readout {
  readonly kind = SALIENCY_SHIFTER_KIND;
  /** Channels expected in `opts.context` (= `remapChannels`). */
  readonly contextChannels: number;
  private readonly options: Required<SaliencyShifterReadoutOptions>;
  private readonly remapper: ConvStack;
  /** `[N]` per-neuron gain of the shift, when `neuronShiftGain`. */
  private readonly shiftGain: tf.Variable | null;

  constructor(opts: SaliencyShifterReadoutOptions) {
    const where = SALIENCY_SHIFTER_KIND;
    const o = resolveOptions<SaliencyShifterReadoutOptions>(where, SALIENCY_SHIFTER_READOUT_DEFAULTS, opts);
    checkGaussianParams(where, o);
    checkNumber(where, 'remapChannels', o.remapChannels, { min: 1, integer: true });
    checkNumber(where, 'remapHiddenChannels', o.remapHiddenChannels, { min: 0, integer: true });
    checkNumber(where, 'remapLayers', o.remapLayers, { min: 1, integer: true });
    checkNumber(where, 'remapKernel', o.remapKernel, { min: 1, integer: true });
    if (o.remapKernel % 2 !== 1) throw new SalConfigError(where, 'remapKernel', 'an odd integer', o.remapKernel);
    checkNumber(where, 'maxRemapAmplitude', o.maxRemapAmplitude, { min: 0 });
    if (typeof o.neuronShiftGain !== 'boolean') throw new SalConfigError(where, 'neuronShiftGain', 'a boolean', o.neuronShiftGain);
    checkNumber(where, 'remapInitGain', o.remapInitGain, { min: 0 });
    const rng = createRng(o.seed).child(SALIENCY_SHIFTER_KIND);
    super(where, o, rng);
    this.options = { ...o, inShape: [o.inShape[0], o.inShape[1], o.inShape[2]] };
    this.contextChannels = o.remapChannels;
    const hidden = o.remapHiddenChannels === 0 ? o.remapChannels : o.remapHiddenChannels;
    const k = o.remapKernel;
    const specs: ConvBlockSpec[] = [];
    for (let i = 0; i < o.remapLayers; i++) {
      const last = i === o.remapLayers - 1;
      const cin = i === 0 ? o.remapChannels : hidden;
      const cout = last ? 2 : hidden;
      specs.push({
        inChannels: cin,
        outChannels: cout,
        kernel: k,
        batchNorm: true,
        activation: last ? 'tanh' : 'elu',
        init: torchDefaultConv(rng.child(`remap.${i}`), k, cin, cout),
        ...(last ? { bnGamma: o.remapInitGain } : {}),
      });
    }
    this.remapper = new ConvStack(specs);
    if (o.neuronShiftGain) {
      const ones = tf.ones([o.outDims]);
      this.shiftGain = tf.variable(ones, true);
      ones.dispose();
    } else {
      this.shiftGain = null;
    }
  }

  /**
   * The shift field: tanh(remapper(context)) × maxRemapAmplitude; channel 0 shifts x (width), channel 1 y.
   * @param context `[B, Hc, Wc, remapChannels]` at input resolution (any size; need not be square)
   * @returns `[B, Hc, Wc, 2]`
   */
  remapField(context: tf.Tensor4D, opts: ReadoutApplyOptions = {}): tf.Tensor4D {
    this.checkContext(context, undefined, 'remapField');
    return tf.tidy(() => tf.mul(this.remapper.apply(context, opts.training ?? false), this.options.maxRemapAmplitude) as tf.Tensor4D);
  }

  /**
   * Each neuron's position per image: its Gaussian position ({@link sampleGrid}: sampled in training, μ in
   * evaluation, clamped) plus the shift field read bilinearly (align corners) at that position. Not clamped
   * after the shift (points outside read zeros), as the original. The optional `opts.shift` is not included.
   * @returns `[B, N, 2]`
   */
  shiftedGrid(context: tf.Tensor4D, opts: ReadoutApplyOptions = {}): tf.Tensor3D {
    this.checkContext(context, undefined, 'shiftedGrid');
    const b = context.shape[0];
    return tf.tidy(() => {
      const grid = this.sampleGrid(b, { training: opts.training ?? false, seed: opts.seed ?? 0 });
      const field = tf.mul(this.remapper.apply(context, opts.training ?? false), this.options.maxRemapAmplitude) as tf.Tensor4D;
      let offset = bilinearSample(field, grid);
      if (this.shiftGain) offset = tf.mul(offset, tf.reshape(this.shiftGain, [1, -1, 1])) as tf.Tensor3D;
      return tf.add(grid, offset) as tf.Tensor3D;
    });
  }

  /**
   * @param x core features `[B, H, W, C]` matching `inShape`
   * @param opts `context` `[B, Hc, Wc, remapChannels]` is required
   * @returns `[B, N]`
   */
  apply(x: tf.Tensor4D, opts: ReadoutApplyOptions = {}): tf.Tensor2D {
    this.checkFeatures(x);
    const b = x.shape[0];
    this.checkContext(opts.context, b, 'apply');
    this.checkShift(opts.shift, b);
    this.constrain();
    return tf.tidy(() => {
      let grid = this.shiftedGrid(opts.context!, opts);
      if (opts.shift) grid = tf.add(grid, tf.expandDims(opts.shift, 1)) as tf.Tensor3D;
      return this.linear(bilinearSample(x, grid), true);
    });
  }

  /**
   * Evaluation-mode read points in feature-map pixels (x, y): {@link shiftedGrid} of `opts.context` (required)
   * plus `opts.shift`, exactly the points `apply` samples at. They depend on the whole context image.
   * @returns `[batch, N, 2]`
   */
  readPositions(batch: number, opts: ReadoutApplyOptions = {}): Float64Array {
    checkNumber(`${SALIENCY_SHIFTER_KIND}.readPositions`, 'batch', batch, { min: 1, integer: true });
    this.checkContext(opts.context, batch, 'readPositions');
    this.checkShift(opts.shift, batch);
    return this.gridToPixels(() => this.shiftedGrid(opts.context!, { ...opts, training: false }), opts.shift);
  }

  /**
   * Evaluation-mode learned shift of every (image, neuron) in feature-map pixels (x, y): {@link shiftedGrid} of
   * `opts.context` (required) minus the neuron's own position μ (clamped, as `apply` uses it), scaled to pixels
   * as `readPositions` does (align corners). See `Readout.learnedShifts`.
   * @returns `[batch, N, 2]`
   */
  learnedShifts(batch: number, opts: ReadoutApplyOptions = {}): Float64Array {
    checkNumber(`${SALIENCY_SHIFTER_KIND}.learnedShifts`, 'batch', batch, { min: 1, integer: true });
    this.checkContext(opts.context, batch, 'learnedShifts');
    const [h, w] = this.inShape;
    const n = this.outDims;
    const { grid, mu } = tf.tidy(() => ({
      grid: this.shiftedGrid(opts.context!, { ...opts, training: false }).dataSync(),
      mu: tf.clipByValue(this.mu, -1, 1).dataSync(),
    }));
    const out = new Float64Array(batch * n * 2);
    for (let i = 0; i < batch * n; i++) {
      const k = i % n;
      out[2 * i] = ((grid[2 * i]! - mu[2 * k]!) * (w - 1)) / 2;
      out[2 * i + 1] = ((grid[2 * i + 1]! - mu[2 * k + 1]!) * (h - 1)) / 2;
    }
    return out;
  }

  /**
   * `mu`, `sigma`, `features`, `bias` (as the Gaussian readout), `remap.<i>.conv.kernel|bias`,
   * `remap.<i>.bn.gamma|beta|movingMean|movingVariance`, and `shiftGain` with `neuronShiftGain`.
   */
  getWeights(): Record<string, tf.Variable> {
    return { ...this.gaussianWeights(), ...this.remapper.weights('remap'), ...(this.shiftGain ? { shiftGain: this.shiftGain } : {}) };
  }

  getConfig(): JsonObject {
    return { kind: this.kind, ...this.options, inShape: [...this.options.inShape] };
  }

  dispose(): void {
    this.disposeGaussian();
    this.remapper.dispose();
    this.shiftGain?.dispose();
  }

  private checkContext(context: tf.Tensor4D | undefined, batch: number | undefined, method: string): void {
    const where = `${SALIENCY_SHIFTER_KIND}.${method} context`;
    const expected = [batch ?? 'B', 'H', 'W', this.contextChannels];
    if (context === undefined) throw new SalShapeError(where, expected, 'no context', 'the saliency shifter needs opts.context');
    if (!(context instanceof tf.Tensor)) throw new TypeError(`${where}: must be a tf.Tensor`);
    if (context.rank !== 4 || context.shape[3] !== this.contextChannels || (batch !== undefined && context.shape[0] !== batch)) {
      throw new SalShapeError(where, expected, context.shape, `remapChannels = ${this.contextChannels}`);
    }
  }
}

/**
 * Create a saliency-shifter readout (the original's `RemappedGaussian2d_Sal` / `SaliencyShifter` for one
 * session), with a bias and support for non-square inputs.
 */
export function saliencyShifterReadout(opts: SaliencyShifterReadoutOptions): SaliencyShifterReadout {
  return new SaliencyShifterReadout(opts);
}
