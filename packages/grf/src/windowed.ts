/**
 * Gradient receptive fields on windows: a neuron's gradient is non-zero only inside the core's receptive
 * field around its read point, so each (image, neuron) pair is differentiated on a small window of the input
 * and many pairs share one forward and backward pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, checkNumber, resolveOptions, type WindowedResponseModel } from '@sal/types';
import { type GrfArray, type ImageInput, imageChunk, imageChunkData, imageShape } from './arrays.js';
import type { GrfProgress } from './grf.js';

/** Options of {@link windowedGradientReceptiveFields}. */
export interface WindowedGrfOptions {
  /** Neuron indices, in output order. `null`: all neurons. @default null */
  neurons?: readonly number[] | null;
  /**
   * Input channels whose gradient is returned; each must be one of the model's `windowChannels`. One channel
   * gives `[neurons, images, h, w]`, several give `[neurons, images, h, w, channels]` in the order listed.
   * @default [0]
   */
  channels?: readonly number[];
  /**
   * (image, neuron) pairs per forward/backward pass. `null`: about 2¹⁷ window pixels per pass, at most 1024
   * pairs (memory grows with it). @default null
   */
  pairsPerPass?: number | null;
  /** Images per pass when computing the read points on whole images. @default 64 */
  batchSize?: number;
  /** Called after every pass with the number of finished (neuron, image) pairs and the total. @default null */
  onProgress?: GrfProgress | null;
}

/** Defaults of {@link WindowedGrfOptions}. */
export const WINDOWED_GRF_DEFAULTS: Readonly<Required<WindowedGrfOptions>> = Object.freeze({
  neurons: null,
  channels: Object.freeze([0]) as readonly number[],
  pairsPerPass: null,
  batchSize: 64,
  onProgress: null,
});

/** Result of {@link windowedGradientReceptiveFields}: the layout of `gradientReceptiveFields`'s result. */
export interface WindowedGrfResult extends GrfArray {
  /** The neuron indices, in output order. */
  readonly neurons: readonly number[];
  /** `[height, width]` of the windows. */
  readonly windowSize: readonly [number, number];
  /** Forward/backward passes run. */
  readonly passes: number;
}

const WHERE = 'grf.windowedGradientReceptiveFields';

function checkModel(model: WindowedResponseModel): void {
  const m = model as unknown as Record<string, unknown> | null;
  const fns = ['positions', 'respondAt', 'windowSize', 'windowOrigin'];
  if (
    m === null ||
    typeof m !== 'object' ||
    fns.some((f) => typeof m[f] !== 'function') ||
    !Array.isArray(m['windowChannels']) ||
    !Number.isInteger(m['outDims'])
  ) {
    throw new TypeError(
      `${WHERE}: model must be a WindowedResponseModel (${fns.join(', ')}, windowChannels, outDims), e.g. from @sal/train's windowedResponseModel`,
    );
  }
}

/**
 * Gradient receptive fields gRF(neuron, image) = ∂ response[image, neuron] / ∂ images[image] (selected
 * channels), computed on windows: equal to `gradientReceptiveFields(model.predict, images, …)` up to float
 * rounding, with zeros outside each window. Each pass differentiates the summed responses of up to
 * `pairsPerPass` (image, neuron) pairs with respect to their own windows.
 * @param model a windowed model (e.g. `windowedResponseModel(encoder, session)` from `@sal/train`)
 * @param images `[images, h, w, c]` as a tensor or CPU array (not disposed)
 * @returns `{ data, shape: [neurons, images, h, w], neurons, windowSize, passes }` (`[…, channels]` when several channels are selected)
 * @throws SalConfigError for a channel that is not one of `model.windowChannels`
 */
export function windowedGradientReceptiveFields(model: WindowedResponseModel, images: ImageInput, opts?: WindowedGrfOptions): WindowedGrfResult {
  checkModel(model);
  const o = resolveOptions<WindowedGrfOptions>(WHERE, WINDOWED_GRF_DEFAULTS, opts);
  const [b, h, w, c] = imageShape(WHERE, images);
  checkNumber(WHERE, 'batchSize', o.batchSize, { min: 1, integer: true });
  if (o.pairsPerPass !== null) checkNumber(WHERE, 'pairsPerPass', o.pairsPerPass, { min: 1, integer: true });
  if (o.onProgress !== null && typeof o.onProgress !== 'function') throw new SalConfigError(WHERE, 'onProgress', 'a function or null', o.onProgress);
  if (!Array.isArray(o.channels) || o.channels.length === 0) throw new SalConfigError(WHERE, 'channels', 'a non-empty array of channel indices', o.channels);
  const channels = o.channels.map((ch) => checkNumber(WHERE, 'channels', ch, { min: 0, max: c - 1, integer: true }));
  if (new Set(channels).size !== channels.length) throw new SalConfigError(WHERE, 'channels', 'distinct channel indices', o.channels);
  for (const ch of channels) {
    if (!model.windowChannels.includes(ch)) {
      throw new SalConfigError(
        WHERE,
        'channels',
        `channels that reach the response only through the core (${JSON.stringify(model.windowChannels)}); use gradientReceptiveFields for the others`,
        ch,
      );
    }
  }
  const nOut = model.outDims;
  let neurons: number[];
  if (o.neurons === null) neurons = Array.from({ length: nOut }, (_, i) => i);
  else {
    if (!Array.isArray(o.neurons)) throw new SalConfigError(WHERE, 'neurons', 'an array of neuron indices or null', o.neurons);
    neurons = o.neurons.map((n) => checkNumber(WHERE, 'neurons', n, { min: 0, max: nOut - 1, integer: true }));
  }
  const cs = channels.length;
  const K = neurons.length;
  const shape = cs > 1 ? [K, b, h, w, cs] : [K, b, h, w];
  const out = new Float32Array(K * b * h * w * cs);
  const imageSize: [number, number] = [h, w];
  const ws = model.windowSize(imageSize);
  const [sh, sw] = ws;
  if (!Number.isInteger(sh) || !Number.isInteger(sw) || sh < 1 || sw < 1)
    throw new SalShapeError(`${WHERE}: model.windowSize`, '[S_h, S_w] positive integers', ws);
  const perPass = o.pairsPerPass ?? Math.max(1, Math.min(1024, Math.round(2 ** 17 / (sh * sw))));
  const total = K * b;
  let done = 0;
  let passes = 0;
  if (K === 0 || b === 0) return { data: out, shape, neurons, windowSize: [sh, sw], passes };

  const winSize = sh * sw * c;
  const win = new Float32Array(perPass * winSize);
  const origins = new Int32Array(2 * perPass);
  const pairNeuron = new Int32Array(perPass);
  const pairPos = new Float64Array(2 * perPass);
  const pairOut = new Int32Array(perPass); // (k·b + image) of each pair
  let filled = 0;

  const flush = (): void => {
    const p = filled;
    const placement = { origins: origins.slice(0, 2 * p), imageSize } as const;
    const nn = pairNeuron.slice(0, p);
    const pp = pairPos.slice(0, 2 * p);
    const g = tf.tidy(() => {
      const x = tf.tensor4d(win.subarray(0, p * winSize), [p, sh, sw, c]);
      return tf.grad((t: tf.Tensor) => {
        const y = model.respondAt(t as tf.Tensor4D, placement, nn, pp);
        if (!(y instanceof tf.Tensor) || y.rank !== 1 || y.shape[0] !== p)
          throw new SalShapeError(`${WHERE}: model.respondAt output`, [p], y instanceof tf.Tensor ? y.shape : y);
        return tf.sum(y);
      })(x);
    });
    let d: Float32Array;
    try {
      d = g.dataSync() as Float32Array;
    } finally {
      g.dispose();
    }
    for (let q = 0; q < p; q++) {
      const oy = origins[2 * q]!;
      const ox = origins[2 * q + 1]!;
      const dst = pairOut[q]! * h * w * cs;
      const i0 = Math.max(0, -oy),
        i1 = Math.min(sh, h - oy);
      const j0 = Math.max(0, -ox),
        j1 = Math.min(sw, w - ox);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) {
          const src = ((q * sh + i) * sw + j) * c;
          const at = dst + ((oy + i) * w + ox + j) * cs;
          for (let e = 0; e < cs; e++) out[at + e] = d[src + channels[e]!]!;
        }
      }
    }
    passes++;
    done += p;
    filled = 0;
    o.onProgress?.(done, total);
  };

  for (let start = 0; start < b; start += o.batchSize) {
    const count = Math.min(o.batchSize, b - start);
    const pos = tf.tidy(() => imageChunk(images, start, count));
    let positions: Float64Array;
    try {
      positions = model.positions(pos);
    } finally {
      pos.dispose();
    }
    if (!(positions instanceof Float64Array) || positions.length !== count * nOut * 2) {
      throw new SalShapeError(`${WHERE}: model.positions output`, `Float64Array(${count * nOut * 2}) ([B,N,2])`, positions);
    }
    const data = imageChunkData(images, start, count);
    for (let k = 0; k < K; k++) {
      const n = neurons[k]!;
      for (let i = 0; i < count; i++) {
        const px = positions[(i * nOut + n) * 2]!;
        const py = positions[(i * nOut + n) * 2 + 1]!;
        const [oy, ox] = model.windowOrigin(px, py, imageSize);
        // cut the window, zeros outside the image
        const base = filled * winSize;
        win.fill(0, base, base + winSize);
        const i0 = Math.max(0, -oy),
          i1 = Math.min(sh, h - oy);
        const j0 = Math.max(0, -ox),
          j1 = Math.min(sw, w - ox);
        for (let y = i0; y < i1; y++) {
          if (j1 <= j0) break;
          const src = ((i * h + oy + y) * w + ox + j0) * c;
          win.set(data.subarray(src, src + (j1 - j0) * c), base + (y * sw + j0) * c);
        }
        origins[2 * filled] = oy;
        origins[2 * filled + 1] = ox;
        pairNeuron[filled] = n;
        pairPos[2 * filled] = px;
        pairPos[2 * filled + 1] = py;
        pairOut[filled] = k * b + start + i;
        filled++;
        if (filled === perPass) flush();
      }
    }
  }
  if (filled > 0) flush();
  return { data: out, shape, neurons, windowSize: [sh, sw], passes };
}
