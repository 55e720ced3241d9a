/**
 * The multiple-attention readout (neuralpredictors' AttentionReadout): a small conv net gives each neuron a
 * spatial attention map; the features are pooled by its softmax and weighted per neuron.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  SalConfigError,
  SalShapeError,
  checkNumber,
  createRng,
  resolveOptions,
  type JsonObject,
  type Readout,
  type ReadoutApplyOptions,
  type Shape3D,
} from '@sal/types';
import { ConvStack, type ConvBlockSpec } from './conv-stack.js';
import { newVariable, normalValues, xavierNormalKernel } from './init.js';

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
  }

  /**
   * Attention weights of every neuron: the softmax over positions of the attention net's output.
   * @param x features `[B, H, W, C]`
   * @returns `[B, H, W, N]`, summing to 1 over H×W for each image and neuron
   */
  attention(x: tf.Tensor4D, opts: ReadoutApplyOptions = {}): tf.Tensor4D {
    this.checkFeatures(x, 'attention');
    const [b, h, w] = x.shape;
    return tf.tidy(() => {
      const logits = tf.reshape(this.net.apply(x, opts.training ?? false), [b, h * w, this.outDims]);
      return tf.transpose(tf.reshape(tf.softmax(tf.transpose(logits, [0, 2, 1])), [b, this.outDims, h, w]), [0, 2, 3, 1]) as tf.Tensor4D;
    });
  }

  /**
   * y[b,n] = Σ_c F[n,c] Σ_hw a[b,hw,n]·x[b,hw,c] + bias[n]. `opts.training` switches batch-norm to batch
   * statistics; `opts.shift` and `opts.context` are ignored (the readout has no positions), as the original.
   * @param x features `[B, H, W, C]` matching `inShape`
   * @returns `[B, N]`
   */
  apply(x: tf.Tensor4D, opts: ReadoutApplyOptions = {}): tf.Tensor2D {
    this.checkFeatures(x, 'apply');
    const [b, h, w, c] = x.shape;
    return tf.tidy(() => {
      const logits = tf.reshape(this.net.apply(x, opts.training ?? false), [b, h * w, this.outDims]);
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

  /** `attention.<i>.conv.kernel|bias`, `attention.<i>.bn.gamma|beta|movingMean|movingVariance`, `features` `[N,C]`, `bias` `[N]`. */
  getWeights(): Record<string, tf.Variable> {
    const w: Record<string, tf.Variable> = { ...this.net.weights('attention'), features: this.features };
    if (this.biasVar) w['bias'] = this.biasVar;
    return w;
  }

  getConfig(): JsonObject {
    return { kind: this.kind, ...this.options, inShape: [...this.options.inShape] };
  }

  dispose(): void {
    this.net.dispose();
    this.features.dispose();
    this.biasVar?.dispose();
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
