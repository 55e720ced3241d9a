/**
 * The Gaussian readout (neuralpredictors' FullGaussian2d): each neuron reads the feature map at one
 * learned position, sampled from N(μ, Σ) per image in training and μ in evaluation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, createRng, resolveOptions, type JsonObject, type Readout, type ReadoutApplyOptions, type Shape3D } from '@sal/types';
import { bilinearSample } from './bilinear-sample.js';
import { GaussianBase, checkGaussianParams, type GaussType } from './gaussian-base.js';

export const GAUSSIAN_KIND = 'readouts.gaussian';

/** Options of {@link gaussianReadout}. */
export interface GaussianReadoutOptions {
  /** `[height, width, channels]` of the feature map (required). @default [0, 0, 0] */
  inShape?: Shape3D;
  /** Number of neurons N (required). @default 0 */
  outDims?: number;
  /** Parameterisation of σ: one value, one per axis, or a 2×2 factor (covariance σσᵀ). @default 'full' */
  gaussType?: GaussType;
  /** μ starts uniform in ±initMuRange. @default 0.2 */
  initMuRange?: number;
  /** σ starts at initSigma (isotropic/uncorrelated) or uniform in ±initSigma (full). @default 1 */
  initSigma?: number;
  /** Weight of the L1 penalty on the feature weights. @default 4 */
  gammaReadout?: number;
  /** Add a per-neuron bias. @default true */
  bias?: boolean;
  /** Seed of the initialisation. @default 0 */
  seed?: number;
}

export const GAUSSIAN_READOUT_DEFAULTS: Readonly<Required<GaussianReadoutOptions>> = Object.freeze({
  inShape: Object.freeze([0, 0, 0]) as unknown as Shape3D,
  outDims: 0,
  gaussType: 'full',
  initMuRange: 0.2,
  initSigma: 1,
  gammaReadout: 4,
  bias: true,
  seed: 0,
});

/** A Gaussian readout; see {@link gaussianReadout}. */
export class GaussianReadout extends GaussianBase implements Readout {
  readonly kind = GAUSSIAN_KIND;
  readonly contextChannels = 0;
  private readonly options: Required<GaussianReadoutOptions>;

  constructor(opts: GaussianReadoutOptions) {
    const where = GAUSSIAN_KIND;
    const o = resolveOptions<GaussianReadoutOptions>(where, GAUSSIAN_READOUT_DEFAULTS, opts);
    checkGaussianParams(where, o);
    super(where, o, createRng(o.seed).child(GAUSSIAN_KIND));
    this.options = { ...o, inShape: [o.inShape[0], o.inShape[1], o.inShape[2]] };
  }

  /**
   * Reads each neuron's features at its position (see {@link GaussianBase.sampleGrid}) plus `opts.shift`.
   * Projects μ and σ first ({@link GaussianBase.constrain}). `opts.context` is ignored.
   * @param x features `[B, H, W, C]` matching `inShape`
   * @returns `[B, N]`
   */
  apply(x: tf.Tensor4D, opts: ReadoutApplyOptions = {}): tf.Tensor2D {
    this.checkFeatures(x);
    const b = x.shape[0];
    this.checkShift(opts.shift, b);
    this.constrain();
    return tf.tidy(() => {
      let grid: tf.Tensor3D | tf.Tensor2D;
      if (opts.training) grid = this.sampleGrid(b, { training: true, seed: opts.seed ?? 0 });
      else grid = tf.clipByValue(this.mu, -1, 1) as tf.Tensor2D; // shared over the batch
      if (opts.shift) grid = tf.add(grid, tf.expandDims(opts.shift, 1)) as tf.Tensor3D;
      return this.linear(bilinearSample(x, grid), true);
    });
  }

  /**
   * Evaluation-mode read points in feature-map pixels (x, y): μ clamped to [-1, 1], plus `opts.shift`, exactly
   * the points `apply` samples at. `opts.context` is ignored.
   * @returns `[batch, N, 2]`
   */
  readPositions(batch: number, opts: ReadoutApplyOptions = {}): Float64Array {
    checkNumber(`${this.where}.readPositions`, 'batch', batch, { min: 1, integer: true });
    this.checkShift(opts.shift, batch);
    return this.gridToPixels(() => tf.broadcastTo(tf.expandDims(tf.clipByValue(this.mu, -1, 1), 0), [batch, this.outDims, 2]) as tf.Tensor3D, opts.shift);
  }

  getWeights(): Record<string, tf.Variable> {
    return this.gaussianWeights();
  }

  getConfig(): JsonObject {
    return { kind: this.kind, ...this.options, inShape: [...this.options.inShape] };
  }

  dispose(): void {
    this.disposeGaussian();
  }
}

/**
 * Create a Gaussian readout (FullGaussian2d). Weights: `mu` `[N,2]` (x, y), `sigma`, `features` `[C,N]`
 * (init 1/C), `bias` `[N]` (init 0).
 */
export function gaussianReadout(opts: GaussianReadoutOptions): GaussianReadout {
  return new GaussianReadout(opts);
}
