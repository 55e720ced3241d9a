/**
 * The contracts the packages compose through. Cores and readouts never import each other; `@sal/train`
 * takes anything that meets these interfaces. All tensors are NHWC.
 */
import type { Scalar, Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs-core';
import type { JsonObject, SessionKey, Shape2D, Shape3D, Shape4D } from './shapes.js';

/** Options every learned module's `apply` takes. */
export interface ApplyOptions {
  /**
   * Training mode: batch-norm uses batch statistics and updates its running statistics; Gaussian readouts
   * sample their positions.
   * @default false
   */
  training?: boolean;
  /** Seed for any sampling done in training mode (same seed, same samples). @default 0 */
  seed?: number;
}

/** Anything with learned state that can be saved and rebuilt. */
export interface Module {
  /** Registered kind, e.g. `'cores.stacked2d'`; checkpoints use it to pick the factory. */
  readonly kind: string;
  /**
   * Every variable of the module, trainable or not (e.g. batch-norm running statistics), keyed by a
   * stable name unique within the module. `variable.trainable` says which an optimiser may change.
   */
  getWeights(): Record<string, Variable>;
  /** Plain JSON that rebuilds this module with its factory (weights not included). */
  getConfig(): JsonObject;
  /** Release every variable. */
  dispose(): void;
}

/** A convolutional core: images to a feature map. */
export interface Core extends Module {
  /** Input channels the core expects. */
  readonly inChannels: number;
  /**
   * @param x input `[batch, height, width, inChannels]`
   * @returns features `[batch, height', width', features]`
   */
  apply(x: Tensor4D, opts?: ApplyOptions): Tensor4D;
  /** `[height, width, channels]` of the input → `[height', width', features]` of the output. */
  computeOutputShape(inputShape: Shape3D): Shape3D;
  /** The weighted regularisation penalty (a new scalar the caller owns). */
  regularizer(): Scalar;
}

/** Options of a readout's `apply`. */
export interface ReadoutApplyOptions extends ApplyOptions {
  /**
   * Input of readouts that look at more than the core's features (the saliency shifter's remapper):
   * `[batch, height, width, contextChannels]` at input resolution.
   */
  context?: Tensor4D;
  /** A shift added to every neuron's position, `[batch, 2]` as (x, y) in the [-1, 1] grid units. */
  shift?: Tensor2D;
}

/** A readout: a feature map to one value per neuron. */
export interface Readout extends Module {
  /** `[height, width, features]` of the feature map it reads. */
  readonly inShape: Shape3D;
  /** Number of neurons N. */
  readonly outDims: number;
  /** Channels expected in `opts.context`; 0 when the readout takes no context. */
  readonly contextChannels: number;
  /**
   * @param features `[batch, height, width, features]`, matching `inShape`
   * @returns `[batch, neurons]` (before the output nonlinearity)
   */
  apply(features: Tensor4D, opts?: ReadoutApplyOptions): Tensor2D;
  /** The weighted regularisation penalty (a new scalar the caller owns). */
  regularizer(): Scalar;
  /** Set the per-neuron bias, e.g. from the mean response `[neurons]`. Readouts without a bias ignore it. */
  initBias(values: Float32Array): void;
}

/** Which part of the data. Train/validation are split by image id; test holds repeated images. */
export type Split = 'train' | 'validation' | 'test';

/** Names of the input channels a dataset can provide, in the original's order. */
export type ChannelName = 'image' | 'saliency' | 'grad_x' | 'grad_y';

/** One batch on the CPU, row-major, ready for `tf.tensor4d(inputs, inputShape)`. */
export interface Batch {
  readonly sessionKey: SessionKey;
  /** `[batch, height, width, channels]`, normalised. */
  readonly inputs: Float32Array;
  readonly inputShape: Shape4D;
  /** `[batch, neurons]` responses (spike counts or rates). */
  readonly targets: Float32Array;
  readonly targetShape: Shape2D;
  /** The image id of each row. */
  readonly imageIds: Int32Array;
}

/** What a dataset knows about one recording session. */
export interface SessionInfo {
  readonly key: SessionKey;
  readonly nNeurons: number;
  /** Number of trials in each split. */
  readonly nTrials: Readonly<Record<Split, number>>;
}

/** Options of {@link Dataset.batches}. */
export interface BatchOptions {
  /** Rows per batch (ignored for `test`, whose batches hold all repeats of one image). @default 64 */
  batchSize?: number;
  /** Shuffle the order (train default true, others false). */
  shuffle?: boolean;
  /** Seed of the shuffle. @default 0 */
  seed?: number;
}

/** A multi-session dataset of preprocessed inputs and responses. */
export interface Dataset {
  readonly sessions: readonly SessionInfo[];
  /** `[height, width, channels]` of one input. */
  readonly inputShape: Shape3D;
  /** The meaning of each input channel, in order. */
  readonly channelNames: readonly ChannelName[];
  /** Batches of one session's split; `test` batches group all repeats of one image. */
  batches(sessionKey: SessionKey, split: Split, opts?: BatchOptions): Iterable<Batch>;
}

/**
 * One recording session in raw form, as stored on disk (the original's per-session pickle):
 * responses to training images (train + validation, split later by image id) and to test images
 * (with repeats). Row `t` of a response matrix answers image `…ImageIds[t]`.
 */
export interface RawSession {
  readonly key: SessionKey;
  readonly nNeurons: number;
  /** `[trials, neurons]`, row-major. */
  readonly trainResponses: Float32Array;
  /** `[trials]` image id of each training trial. */
  readonly trainImageIds: Int32Array;
  /** `[trials, neurons]`, row-major; test images repeat. */
  readonly testResponses: Float32Array;
  /** `[trials]` image id of each test trial. */
  readonly testImageIds: Int32Array;
}

/** A whole dataset in raw form: grey images (id = index) and the sessions' responses. */
export interface RawDataset {
  /** `[nImages, height, width]` grey images, 0–255, row-major. */
  readonly images: Uint8Array;
  /** `[nImages, height, width]`. */
  readonly imagesShape: readonly [n: number, h: number, w: number];
  readonly sessions: readonly RawSession[];
  /** Optional precomputed saliency maps `[nImages, height, width]` on the full images (e.g. log-densities). */
  readonly saliency?: Float32Array;
  /** Free-form metadata saved beside the data (e.g. a simulation's ground truth). */
  readonly meta?: JsonObject;
}
