/**
 * The contracts the packages compose through. Cores and readouts never import each other; `@sal/train`
 * takes anything that meets these interfaces. All tensors are NHWC.
 */
import type { Scalar, Tensor1D, Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs-core';
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
  /**
   * Present only when the core is local and stride 1 in evaluation mode: every layer applies the same
   * computation at every position of any input size, with zero padding only at the borders of its own
   * feature map, and no global operation (no squeeze-and-excitation, no pooling, no strides). Then output
   * pixel (y, x) sits over input pixel (y + o, x + o), o = (H − H')/2 from {@link computeOutputShape}, and
   * depends only on input pixels within `receptiveRadius` of it along each axis; a crop of the input that
   * covers that neighbourhood (touching the image borders where the neighbourhood does) reproduces it exactly.
   * Absent: the core cannot be evaluated on windows.
   */
  readonly receptiveRadius?: number;
  /**
   * Evaluation-mode features of windows cut from larger images, computed only where a window's whole
   * neighbourhood is present (optional; needs {@link receptiveRadius}). Window p's pixel (i, j) is image
   * pixel (oy + i, ox + j), `(oy, ox) = origins[2p], origins[2p+1]`; pixels outside the image are ignored.
   * Output pixel (i, j) of window p equals the core's feature at feature-map pixel
   * (oy + r + i − o, ox + r + j − o) of the full image (r = `receptiveRadius`, o as above), and 0 where that
   * pixel lies outside the feature map (as zero-padded sampling reads it).
   * @param x windows `[P, S_h, S_w, inChannels]` with `S > 2r`
   * @returns `[P, S_h − 2r, S_w − 2r, features]`
   */
  applyWindows?(x: Tensor4D, windows: WindowPlacement): Tensor4D;
}

/** Where windows sit in their images (see {@link Core.applyWindows}). */
export interface WindowPlacement {
  /** `[P, 2]` (y, x) of each window's top-left pixel in its image; may be negative or past the image. */
  readonly origins: Int32Array;
  /** `[height, width]` of the images. */
  readonly imageSize: readonly [height: number, width: number];
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
  /**
   * Evaluation-mode read point of every (image, neuron) in pixels of the feature map (x, y), as `apply`
   * computes it (with `opts.context` and `opts.shift`). Present only for readouts that read each neuron
   * bilinearly at one point, so that a neuron's response depends on the 2×2 feature pixels around it.
   * @returns `[B, N, 2]` on the CPU, double precision (exactly the values `apply` samples at)
   */
  readPositions?(batch: number, opts?: ReadoutApplyOptions): Float64Array;
  /**
   * Evaluation-mode response (before the output nonlinearity) of neuron `neurons[p]` read at `positions`
   * `[2p, 2p+1]` (x, y, in pixels of `features[p]`, zero padding outside) on feature map p. Present with
   * {@link readPositions}.
   * @param features `[P, h, w, inShape[2]]` (any h, w)
   * @returns `[P]`
   */
  applyAt?(features: Tensor4D, neurons: Int32Array, positions: Float64Array): Tensor1D;
  /**
   * Evaluation-mode shift the readout learned for every (image, neuron): the point `apply` reads at with
   * `opts.context` (without `opts.shift`) minus the neuron's own position, in pixels of the feature map (x, y).
   * Feature-map and input pixels differ by an offset only (cores of stride 1), so these are also input-image
   * pixels. Present only for readouts that shift their read points with the context (the saliency shifter).
   * @param batch images in `opts.context`
   * @returns `[batch, N, 2]` on the CPU, double precision
   */
  learnedShifts?(batch: number, opts?: ReadoutApplyOptions): Float64Array;
}

/**
 * A response model that can be evaluated on windows of its input (built e.g. by `@sal/train`'s
 * `windowedResponseModel`): the response of neuron n on image i depends only on the input inside a window
 * around the neuron's read point, so gradients can be computed on windows instead of whole images.
 */
export interface WindowedResponseModel {
  /** Number of neurons N. */
  readonly outDims: number;
  /**
   * Input channels whose gradient the windows give exactly: channels that reach the response only through
   * the core (not, e.g., through a readout's shift computed from the whole image).
   */
  readonly windowChannels: readonly number[];
  /** The plain evaluation-mode model, `[B,H,W,C]` → `[B,N]`. */
  predict(x: Tensor4D): Tensor2D;
  /** Read point of every (image, neuron) in input pixels (x, y) of `images` `[B,H,W,C]`: `[B, N, 2]`. */
  positions(images: Tensor4D): Float64Array;
  /** `[height, width]` of the windows for images of `imageSize`. */
  windowSize(imageSize: readonly [number, number]): readonly [number, number];
  /** Top-left pixel (y, x) of the window of a read point (x, y) in input pixels. */
  windowOrigin(x: number, y: number, imageSize: readonly [number, number]): readonly [number, number];
  /**
   * Evaluation-mode response of neuron `neurons[p]` on window p, read at input-pixel position
   * `positions[2p], positions[2p+1]` (x, y) of the full image; rows are independent.
   * @param windows `[P, S_h, S_w, C]` placed by {@link windowOrigin} (pixels outside the image are 0)
   * @returns `[P]`
   */
  respondAt(windows: Tensor4D, placement: WindowPlacement, neurons: Int32Array, positions: Float64Array): Tensor1D;
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

/**
 * One question a study answers: the question, the one-line answer and the numbers behind it (drawn as a report
 * table by `@sal/viz`'s `verdictTable`, produced by `@sal/study`).
 */
export interface Verdict {
  question: string;
  verdict: string;
  evidence?: string;
}
