/**
 * Shared parameters and position sampling of the Gaussian readouts (neuralpredictors' FullGaussian2d):
 * per-neuron position μ, spread σ, feature weights and bias.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, checkNumber, checkOneOf, createRng, type Rng, type Shape3D } from '@sal/types';
import { forEachCorner, gridToPixel } from '@sal/layers';
import { newVariable, uniformValues } from './init.js';

/** How σ is parameterised. */
export type GaussType = 'isotropic' | 'uncorrelated' | 'full';
export const GAUSS_TYPES: readonly GaussType[] = Object.freeze(['isotropic', 'uncorrelated', 'full']);

/** Options of {@link GaussianBase.sampleGrid}. */
export interface SampleGridOptions {
  /** Sample N(μ, σ) per image (true) or use μ (false). @default false */
  training?: boolean;
  /** Seed of the samples in training. @default 0 */
  seed?: number;
}

/** Parameters shared by the Gaussian readouts. */
export interface GaussianParams {
  inShape: Shape3D;
  outDims: number;
  gaussType: GaussType;
  initMuRange: number;
  initSigma: number;
  gammaReadout: number;
  bias: boolean;
  seed: number;
}

/** Check the shared options; returns the validated in-shape. */
export function checkGaussianParams(where: string, o: GaussianParams): void {
  if (!Array.isArray(o.inShape) || o.inShape.length !== 3) throw new SalConfigError(where, 'inShape', '[height, width, channels]', o.inShape);
  o.inShape.forEach((d, i) => checkNumber(where, `inShape[${i}]`, d, { min: 1, integer: true }));
  checkNumber(where, 'outDims', o.outDims, { min: 1, integer: true });
  checkOneOf(where, 'gaussType', o.gaussType, GAUSS_TYPES);
  checkNumber(where, 'initMuRange', o.initMuRange, { min: 0, max: 1 });
  checkNumber(where, 'initSigma', o.initSigma, { min: 0 });
  checkNumber(where, 'gammaReadout', o.gammaReadout, { min: 0 });
  if (typeof o.bias !== 'boolean') throw new SalConfigError(where, 'bias', 'a boolean', o.bias);
  checkNumber(where, 'seed', o.seed, { integer: true });
}

/** Base class: owns μ `[N,2]`, σ, features `[C,N]` and bias `[N]`. */
export abstract class GaussianBase {
  readonly inShape: Shape3D;
  readonly outDims: number;
  readonly gaussType: GaussType;
  protected readonly mu: tf.Variable;
  protected readonly sigma: tf.Variable;
  protected readonly features: tf.Variable;
  protected readonly biasVar: tf.Variable | null;
  protected readonly gammaReadout: number;
  protected readonly where: string;

  protected constructor(where: string, p: GaussianParams, rng: Rng) {
    this.where = where;
    this.inShape = [p.inShape[0], p.inShape[1], p.inShape[2]] as const;
    this.outDims = p.outDims;
    this.gaussType = p.gaussType;
    this.gammaReadout = p.gammaReadout;
    const n = p.outDims;
    const c = p.inShape[2];
    this.mu = newVariable(tf.tensor2d(uniformValues(rng.child('mu'), n * 2, -p.initMuRange, p.initMuRange), [n, 2]), true);
    if (p.gaussType === 'isotropic') this.sigma = newVariable(tf.fill([n, 1], p.initSigma), true);
    else if (p.gaussType === 'uncorrelated') this.sigma = newVariable(tf.fill([n, 2], p.initSigma), true);
    else this.sigma = newVariable(tf.tensor3d(uniformValues(rng.child('sigma'), n * 4, -p.initSigma, p.initSigma), [n, 2, 2]), true);
    this.features = newVariable(tf.fill([c, n], 1 / c), true);
    this.biasVar = p.bias ? newVariable(tf.zeros([n]), true) : null;
  }

  /** The Gaussian part's variables: `mu` `[N,2]`, `sigma` (`[N,1]`, `[N,2]` or `[N,2,2]`), `features` `[C,N]`, `bias` `[N]`. */
  protected gaussianWeights(): Record<string, tf.Variable> {
    const w: Record<string, tf.Variable> = { mu: this.mu, sigma: this.sigma, features: this.features };
    if (this.biasVar) w['bias'] = this.biasVar;
    return w;
  }

  /**
   * Project the parameters onto their valid range in place, as the original does before every forward:
   * μ to [-1, 1] and, for the isotropic/uncorrelated types, σ to ≥ 0. `apply` calls it.
   */
  constrain(): void {
    tf.tidy(() => {
      this.mu.assign(tf.clipByValue(this.mu, -1, 1));
      if (this.gaussType !== 'full') this.sigma.assign(tf.relu(this.sigma));
    });
  }

  /**
   * The readout positions before any shift: in training one sample of N(μ, Σ) per image and neuron
   * (Σ = σ² for isotropic/uncorrelated, σσᵀ for `full`, where position = μ + σ·z), in evaluation μ;
   * clamped to [-1, 1]. Deterministic for a given `seed`. Does not modify the parameters.
   * @returns `[B, N, 2]` as (x, y)
   */
  sampleGrid(batch: number, opts: SampleGridOptions = {}): tf.Tensor3D {
    checkNumber(`${this.where}.sampleGrid`, 'batch', batch, { min: 1, integer: true });
    const training = opts.training ?? false;
    const seed = opts.seed ?? 0;
    if (training) checkNumber(`${this.where}.sampleGrid`, 'seed', seed, { integer: true });
    const n = this.outDims;
    return tf.tidy(() => {
      if (!training) return tf.broadcastTo(tf.expandDims(tf.clipByValue(this.mu, -1, 1), 0), [batch, n, 2]) as tf.Tensor3D;
      const rng = createRng(seed).child('readout-positions');
      const zv = new Float32Array(batch * n * 2);
      for (let i = 0; i < zv.length; i++) zv[i] = rng.normal();
      const z = tf.tensor3d(zv, [batch, n, 2]);
      let offset: tf.Tensor;
      if (this.gaussType === 'full') {
        // offset[b,n,c] = Σ_d σ[n,c,d]·z[b,n,d]
        offset = tf.sum(tf.mul(tf.expandDims(this.sigma, 0), tf.expandDims(z, 2)), 3);
      } else {
        offset = tf.mul(z, tf.expandDims(this.sigma, 0));
      }
      return tf.clipByValue(tf.add(offset, tf.expandDims(this.mu, 0)), -1, 1) as tf.Tensor3D;
    });
  }

  /**
   * y[b,n] = Σ_c features[c,n]·sample(x)[b,n,c] + bias[n].
   * @param samples `[B, N, C]` features read at each neuron's position
   * @returns `[B, N]`
   */
  protected linear(samples: tf.Tensor3D, withBias: boolean): tf.Tensor2D {
    const y = tf.sum(tf.mul(samples, tf.transpose(this.features)), 2) as tf.Tensor2D;
    return withBias && this.biasVar ? tf.add(y, this.biasVar) : y;
  }

  /** Check the feature map against `inShape`. */
  protected checkFeatures(x: tf.Tensor4D): void {
    if (!(x instanceof tf.Tensor)) throw new TypeError(`${this.where}.apply: features must be a tf.Tensor`);
    const [h, w, c] = this.inShape;
    if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== c) {
      throw new SalShapeError(`${this.where}.apply features`, ['B', h, w, c], x.shape);
    }
  }

  /** Check an optional shift `[B, 2]`. */
  protected checkShift(shift: tf.Tensor2D | undefined, batch: number): void {
    if (shift === undefined) return;
    if (!(shift instanceof tf.Tensor)) throw new TypeError(`${this.where}.apply: shift must be a tf.Tensor`);
    if (shift.rank !== 2 || shift.shape[0] !== batch || shift.shape[1] !== 2) {
      throw new SalShapeError(`${this.where}.apply shift`, [batch, 2], shift.shape);
    }
  }

  /**
   * Read points `[B, N, 2]` (x, y) in feature-map pixels from the grid values `[B, N, 2]` in [-1, 1] units that
   * `makeGrid` builds (plus `shift` `[B, 2]` when given), computed in double precision exactly as the bilinear
   * sampler does (align corners). The grid is disposed here.
   */
  protected gridToPixels(makeGrid: () => tf.Tensor3D, shift?: tf.Tensor2D): Float64Array {
    const [h, w] = this.inShape;
    const grid = tf.tidy(() => (shift ? tf.add(makeGrid(), tf.expandDims(shift, 1)) : makeGrid()) as tf.Tensor3D);
    let g: Float32Array | Int32Array | Uint8Array;
    try {
      g = grid.dataSync();
    } finally {
      grid.dispose();
    }
    const out = new Float64Array(g.length);
    for (let i = 0; i < g.length; i += 2) {
      out[i] = gridToPixel(g[i]!, w);
      out[i + 1] = gridToPixel(g[i + 1]!, h);
    }
    return out;
  }

  /**
   * Evaluation-mode response (before the output nonlinearity) of neuron `neurons[p]` read bilinearly at
   * `positions[2p], positions[2p+1]` (x, y in pixels of feature map p; zero padding outside the map):
   * y[p] = Σ_c features[c, n_p]·sample(x[p])[c] + bias[n_p]. Rows are independent; the gradient reaches `x`.
   * @param x feature maps `[P, h, w, C]` (any h, w; C = `inShape[2]`)
   * @param neurons `[P]` neuron indices
   * @param positions `[P, 2]` (x, y) in pixels of the feature maps
   * @returns `[P]`
   */
  applyAt(x: tf.Tensor4D, neurons: Int32Array, positions: Float64Array): tf.Tensor1D {
    const where = `${this.where}.applyAt`;
    if (!(x instanceof tf.Tensor)) throw new TypeError(`${where}: features must be a tf.Tensor`);
    const c = this.inShape[2];
    if (x.rank !== 4 || x.shape[3] !== c) throw new SalShapeError(`${where} features`, ['P', 'h', 'w', c], x.shape);
    const [p, h, w] = x.shape;
    if (!(neurons instanceof Int32Array) || neurons.length !== p) throw new SalShapeError(`${where} neurons`, `Int32Array(${p})`, neurons);
    if (!(positions instanceof Float64Array) || positions.length !== 2 * p)
      throw new SalShapeError(`${where} positions`, `Float64Array(${2 * p}) ([P,2])`, positions);
    for (const n of neurons) if (n < 0 || n >= this.outDims) throw new SalConfigError(where, 'neurons', `indices in [0, ${this.outDims - 1}]`, n);
    // bilinear weights of the (up to) four corners of each point, as a dense [P, h, w] map (zero padding)
    const wmap = new Float32Array(p * h * w);
    for (let k = 0; k < p; k++) {
      forEachCorner(positions[2 * k]!, positions[2 * k + 1]!, h, w, (_, yi, xi, wx, wy) => {
        wmap[(k * h + yi) * w + xi] = wx * wy;
      });
    }
    return tf.tidy(() => {
      const idx = tf.tensor1d(neurons, 'int32');
      const weights = tf.reshape(tf.gather(tf.transpose(this.features), idx), [p, 1, 1, c]); // [P,1,1,C]
      const perPixel = tf.sum(tf.mul(x, weights), 3); // [P,h,w]
      const y = tf.sum(tf.mul(perPixel, tf.tensor3d(wmap, [p, h, w])), [1, 2]) as tf.Tensor1D;
      return this.biasVar ? tf.add(y, tf.gather(this.biasVar, idx)) : y;
    });
  }

  /** gammaReadout · Σ|features| (a new scalar). */
  regularizer(): tf.Scalar {
    return tf.tidy(() => tf.mul(tf.sum(tf.abs(this.features)), this.gammaReadout) as tf.Scalar);
  }

  /** Set the bias `[N]`, e.g. to the mean response. Ignored when the readout has no bias. */
  initBias(values: Float32Array): void {
    if (!this.biasVar) return;
    if (!(values instanceof Float32Array) && !Array.isArray(values)) throw new TypeError(`${this.where}.initBias: values must be a Float32Array`);
    if (values.length !== this.outDims) throw new SalShapeError(`${this.where}.initBias values`, [this.outDims], [values.length]);
    tf.tidy(() => this.biasVar!.assign(tf.tensor1d(values)));
  }

  protected disposeGaussian(): void {
    this.mu.dispose();
    this.sigma.dispose();
    this.features.dispose();
    this.biasVar?.dispose();
  }
}
