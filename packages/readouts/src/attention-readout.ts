/**
 * The multiple-attention readout (neuralpredictors' AttentionReadout): a small conv net gives each neuron a
 * spatial attention map; the features are pooled by its softmax and weighted per neuron. By default each neuron's
 * attention logits also get a learned Gaussian log-prior over positions (`positionPrior`), without which the
 * translation-equivariant attention net cannot tell where a neuron's receptive field is (see the README).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  SalConfigError,
  SalShapeError,
  checkNumber,
  checkOneOf,
  createRng,
  resolveOptions,
  type JsonObject,
  type Readout,
  type ReadoutApplyOptions,
  type Shape3D,
} from '@sal/types';
import { ConvStack, type ConvBlockSpec } from './conv-stack.js';
import { newVariable, normalValues, uniformValues, xavierNormalKernel } from './init.js';

export const ATTENTION_KIND = 'readouts.attention';

/** Options of {@link attentionReadout}. */
export interface AttentionReadoutOptions {
  /** `[height, width, channels]` of the feature map (required). @default [0, 0, 0] */
  inShape?: Shape3D;
  /** Number of neurons N (required). @default 0 */
  outDims?: number;
  /** Conv layers of the attention net: `attentionLayers-1` × [conv C→C, batch-norm, ELU], then conv C→N. @default 2 */
  attentionLayers?: number;
  /** Odd kernel size of the attention convs ('same' padding keeps the size). @default 3 */
  attentionKernel?: number;
  /** Standard deviation of the initial feature weights N(0, std²). @default 0.001 */
  initFeatureStd?: number;
  /** Weight of the L1 penalty on the feature weights. @default 4 */
  gammaReadout?: number;
  /** Add a per-neuron bias. @default true */
  bias?: boolean;
  /**
   * `'gaussian'`: add a learned log-prior −|p − μₙ|² / (2σₙ²) over the positions p (feature-map grid, [−1, 1]
   * align-corners units) to neuron n's attention logits, so that the softmax can place each neuron's pooling
   * where its receptive field is and the attention net modulates it. `'none'`: the original (attention from the
   * features alone, translation-equivariant). Not in the original. @default 'gaussian'
   */
  positionPrior?: 'gaussian' | 'none';
  /** μ of the position prior starts uniform in ±initMuRange (grid units). @default 0.2 */
  initMuRange?: number;
  /** σ of the position prior starts at initSigma (grid units). @default 0.5 */
  initSigma?: number;
  /** Seed of the initialisation. @default 0 */
  seed?: number;
}

export const ATTENTION_READOUT_DEFAULTS: Readonly<Required<AttentionReadoutOptions>> = Object.freeze({
  inShape: Object.freeze([0, 0, 0]) as unknown as Shape3D,
  outDims: 0,
  attentionLayers: 2,
  attentionKernel: 3,
  initFeatureStd: 1e-3,
  gammaReadout: 4,
  bias: true,
  positionPrior: 'gaussian',
  initMuRange: 0.2,
  initSigma: 0.5,
  seed: 0,
});

/** A multiple-attention readout; see {@link attentionReadout}. */
export class AttentionReadout implements Readout {
  readonly kind = ATTENTION_KIND;
  readonly contextChannels = 0;
  readonly inShape: Shape3D;
  readonly outDims: number;
  private readonly options: Required<AttentionReadoutOptions>;
  private readonly net: ConvStack;
  private readonly features: tf.Variable;
  private readonly biasVar: tf.Variable | null;
  /** Position prior: μ `[N, 2]` (x, y) and log σ `[1, N]`, or null. */
  private readonly prior: { mu: tf.Variable; logSigma: tf.Variable; gx: Float32Array; gy: Float32Array } | null;

  constructor(opts: AttentionReadoutOptions) {
    const where = ATTENTION_KIND;
    const o = resolveOptions<AttentionReadoutOptions>(where, ATTENTION_READOUT_DEFAULTS, opts);
    if (!Array.isArray(o.inShape) || o.inShape.length !== 3) throw new SalConfigError(where, 'inShape', '[height, width, channels]', o.inShape);
    o.inShape.forEach((d, i) => checkNumber(where, `inShape[${i}]`, d, { min: 1, integer: true }));
    checkNumber(where, 'outDims', o.outDims, { min: 1, integer: true });
    checkNumber(where, 'attentionLayers', o.attentionLayers, { min: 1, integer: true });
    checkNumber(where, 'attentionKernel', o.attentionKernel, { min: 1, integer: true });
    if (o.attentionKernel % 2 !== 1) throw new SalConfigError(where, 'attentionKernel', 'an odd integer', o.attentionKernel);
    checkNumber(where, 'initFeatureStd', o.initFeatureStd, { min: 0 });
    checkNumber(where, 'gammaReadout', o.gammaReadout, { min: 0 });
    if (typeof o.bias !== 'boolean') throw new SalConfigError(where, 'bias', 'a boolean', o.bias);
    checkOneOf(where, 'positionPrior', o.positionPrior, ['gaussian', 'none']);
    checkNumber(where, 'initMuRange', o.initMuRange, { min: 0, max: 1 });
    checkNumber(where, 'initSigma', o.initSigma, { min: 0, exclusiveMin: true });
    checkNumber(where, 'seed', o.seed, { integer: true });
    this.options = { ...o, inShape: [o.inShape[0], o.inShape[1], o.inShape[2]] };
    this.inShape = this.options.inShape;
    this.outDims = o.outDims;
    const c = o.inShape[2];
    const k = o.attentionKernel;
    const rng = createRng(o.seed).child(ATTENTION_KIND);
    const specs: ConvBlockSpec[] = [];
    for (let i = 0; i < o.attentionLayers; i++) {
      const last = i === o.attentionLayers - 1;
      const cout = last ? o.outDims : c;
      specs.push({
        inChannels: c,
        outChannels: cout,
        kernel: k,
        batchNorm: !last,
        activation: last ? 'none' : 'elu',
        init: { kernel: xavierNormalKernel(rng.child(`attention.${i}`), k, c, cout), bias: new Float32Array(cout) },
      });
    }
    this.net = new ConvStack(specs);
    this.features = newVariable(tf.tensor2d(normalValues(rng.child('features'), o.outDims * c, o.initFeatureStd), [o.outDims, c]), true);
    this.biasVar = o.bias ? newVariable(tf.zeros([o.outDims]), true) : null;
    if (o.positionPrior === 'gaussian') {
      const [h, w] = this.inShape;
      const n = o.outDims;
      // pixel (i, j) sits at x = −1 + 2j/(w−1), y = −1 + 2i/(h−1) (align corners; 0 for a size of 1)
      const gx = new Float32Array(h * w),
        gy = new Float32Array(h * w);
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) {
          gx[i * w + j] = w > 1 ? -1 + (2 * j) / (w - 1) : 0;
          gy[i * w + j] = h > 1 ? -1 + (2 * i) / (h - 1) : 0;
        }
      this.prior = {
        mu: newVariable(tf.tensor2d(uniformValues(rng.child('mu'), n * 2, -o.initMuRange, o.initMuRange), [n, 2]), true),
        logSigma: newVariable(tf.fill([1, n], Math.log(o.initSigma)), true),
        gx,
        gy,
      };
    } else {
      this.prior = null;
    }
  }

  /** Attention logits `[B, HW, N]`: the attention net's output plus the position prior. */
  private logits(x: tf.Tensor4D, training: boolean): tf.Tensor3D {
    const [b, h, w] = x.shape;
    const net = tf.reshape(this.net.apply(x, training), [b, h * w, this.outDims]) as tf.Tensor3D;
    if (!this.prior) return net;
    const { mu, logSigma } = this.prior;
    const gx = tf.tensor2d(this.prior.gx, [h * w, 1]),
      gy = tf.tensor2d(this.prior.gy, [h * w, 1]);
    const [mx, my] = tf.split(mu, 2, 1) as [tf.Tensor2D, tf.Tensor2D]; // [N, 1] each
    const d2 = tf.add(tf.square(tf.sub(gx, tf.transpose(mx))), tf.square(tf.sub(gy, tf.transpose(my)))); // [HW, N]
    const prior = tf.mul(d2, tf.mul(-0.5, tf.exp(tf.mul(-2, logSigma)))); // −d² / (2σ²)
    return tf.add(net, prior) as tf.Tensor3D;
  }

  /**
   * Attention weights of every neuron: the softmax over positions of the attention net's output plus, with
   * `positionPrior: 'gaussian'`, the neuron's log-prior −|p − μₙ|²/(2σₙ²).
   * @param x features `[B, H, W, C]`
   * @returns `[B, H, W, N]`, summing to 1 over H×W for each image and neuron
   */
  attention(x: tf.Tensor4D, opts: ReadoutApplyOptions = {}): tf.Tensor4D {
    this.checkFeatures(x, 'attention');
    const [b, h, w] = x.shape;
    return tf.tidy(() => {
      const logits = this.logits(x, opts.training ?? false);
      return tf.transpose(tf.reshape(tf.softmax(tf.transpose(logits, [0, 2, 1])), [b, this.outDims, h, w]), [0, 2, 3, 1]) as tf.Tensor4D;
    });
  }

  /**
   * y[b,n] = Σ_c F[n,c] Σ_hw a[b,hw,n]·x[b,hw,c] + bias[n] with a the {@link attention} weights. `opts.training` switches batch-norm to batch
   * statistics; `opts.shift` and `opts.context` are ignored, as in the original (the position prior is not shifted).
   * @param x features `[B, H, W, C]` matching `inShape`
   * @returns `[B, N]`
   */
  apply(x: tf.Tensor4D, opts: ReadoutApplyOptions = {}): tf.Tensor2D {
    this.checkFeatures(x, 'apply');
    const [b, h, w, c] = x.shape;
    return tf.tidy(() => {
      const logits = this.logits(x, opts.training ?? false);
      const a = tf.softmax(tf.transpose(logits, [0, 2, 1])); // [B, N, HW], softmax over positions
      const pooled = tf.matMul(a, tf.reshape(x, [b, h * w, c])); // [B, N, C]
      const y = tf.sum(tf.mul(pooled, this.features), 2) as tf.Tensor2D;
      return this.biasVar ? tf.add(y, this.biasVar) : y;
    });
  }

  /** gammaReadout · Σ|F| (a new scalar). */
  regularizer(): tf.Scalar {
    return tf.tidy(() => tf.mul(tf.sum(tf.abs(this.features)), this.options.gammaReadout) as tf.Scalar);
  }

  /** Set the bias `[N]`; ignored without a bias. */
  initBias(values: Float32Array): void {
    if (!this.biasVar) return;
    if (values.length !== this.outDims) throw new SalShapeError(`${ATTENTION_KIND}.initBias values`, [this.outDims], [values.length]);
    tf.tidy(() => this.biasVar!.assign(tf.tensor1d(values)));
  }

  /**
   * `attention.<i>.conv.kernel|bias`, `attention.<i>.bn.gamma|beta|movingMean|movingVariance`, `features` `[N,C]`,
   * `bias` `[N]`, and with the Gaussian position prior `prior.mu` `[N,2]` (x, y) and `prior.logSigma` `[1,N]`.
   */
  getWeights(): Record<string, tf.Variable> {
    const w: Record<string, tf.Variable> = { ...this.net.weights('attention'), features: this.features };
    if (this.biasVar) w['bias'] = this.biasVar;
    if (this.prior) {
      w['prior.mu'] = this.prior.mu;
      w['prior.logSigma'] = this.prior.logSigma;
    }
    return w;
  }

  getConfig(): JsonObject {
    return { kind: this.kind, ...this.options, inShape: [...this.options.inShape] };
  }

  dispose(): void {
    this.net.dispose();
    this.features.dispose();
    this.biasVar?.dispose();
    if (this.prior) tf.dispose([this.prior.mu, this.prior.logSigma]);
  }

  private checkFeatures(x: tf.Tensor4D, method: string): void {
    if (!(x instanceof tf.Tensor)) throw new TypeError(`${ATTENTION_KIND}.${method}: features must be a tf.Tensor`);
    const [h, w, c] = this.inShape;
    if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== c) {
      throw new SalShapeError(`${ATTENTION_KIND}.${method} features`, ['B', h, w, c], x.shape);
    }
  }
}

/** Create a multiple-attention readout. */
export function attentionReadout(opts: AttentionReadoutOptions): AttentionReadout {
  return new AttentionReadout(opts);
}
