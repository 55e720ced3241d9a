/**
 * Gradient receptive fields: gRF(neuron, image) = ∂ predicted response / ∂ input image, for many neurons ×
 * many images. In evaluation mode the rows of a batch are independent, so one backward pass of the
 * batch-summed response of one neuron yields that neuron's gRF for every image of the batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, checkNumber, checkOneOf, createRng, resolveOptions } from '@sal/types';
import { type GrfArray, type ImageInput, type ResponseModel, imageChunkData, imageShape } from './arrays.js';

/** Attribution method. */
export type GrfMethod = 'gradient' | 'smoothgrad' | 'integrated';

/** Progress report: `done` of `total` (neuron, image) pairs are finished. */
export type GrfProgress = (done: number, total: number) => void;

/** Options of {@link gradientReceptiveFields} and {@link gradientReceptiveFieldChunks}. */
export interface GrfOptions {
  /** Neuron indices (columns of the model's output), in output order. `null`: all neurons. @default null */
  neurons?: readonly number[] | null;
  /**
   * Input channels whose gradient is returned. One channel gives `[neurons, images, h, w]`, several give
   * `[neurons, images, h, w, channels]` in the order listed. @default [0]
   */
  channels?: readonly number[];
  /** Images per forward/backward pass. @default 32 */
  batchSize?: number;
  /**
   * `'gradient'`: the plain gradient (no smoothing, as the original). `'smoothgrad'`: the mean gradient over
   * noisy copies of the image. `'integrated'`: integrated gradients from a baseline image.
   * @default 'gradient'
   */
  method?: GrfMethod;
  /** SmoothGrad: number of noisy samples per image. @default 25 */
  samples?: number;
  /**
   * SmoothGrad: noise standard deviation as a fraction of each image's value range (max − min) in each
   * selected channel; noise is added to the selected channels only. @default 0.15
   */
  noise?: number;
  /** Seed of the SmoothGrad noise; the noise of image i depends only on the seed and i. @default 0 */
  seed?: number;
  /** Integrated gradients: number of points on the path (midpoint rule). @default 32 */
  steps?: number;
  /**
   * Integrated gradients: the baseline of the selected channels. A number (constant image), a
   * `Float32Array` of `h·w·channels` (one baseline, laid out `[h,w,channels]`) or of
   * `images·h·w·channels` (one per image). Other channels stay at the image's values. @default 0
   */
  baseline?: number | Float32Array;
  /**
   * Known supports of the gRFs, to share backward passes: `[neurons, h·w]` masks (1 where a neuron's gRF may
   * be non-zero, 0 where it is exactly zero for every image), one row per requested neuron in output order.
   * Neurons whose supports do not overlap are grouped: one backward pass of their summed responses gives
   * all of them, each cut out with its own mask. A conv core read out at one position has a support equal to
   * its receptive field around that position; {@link estimateSupports} estimates masks from probe images.
   * The result is exact only if the masks cover the true supports. `null`: one pass per neuron. @default null
   */
  supports?: Uint8Array | null;
  /** Called after every chunk of images with the number of finished (neuron, image) pairs and the total. @default null */
  onProgress?: GrfProgress | null;
}

/** Defaults of {@link GrfOptions}. */
export const GRF_DEFAULTS: Readonly<Required<GrfOptions>> = Object.freeze({
  neurons: null,
  channels: Object.freeze([0]) as readonly number[],
  batchSize: 32,
  method: 'gradient',
  samples: 25,
  noise: 0.15,
  seed: 0,
  steps: 32,
  baseline: 0,
  supports: null,
  onProgress: null,
});

/** Result of {@link gradientReceptiveFields}. */
export interface GrfResult extends GrfArray {
  /** The neuron indices, in output order. */
  readonly neurons: readonly number[];
  /** Neuron indices that shared one backward pass (singletons unless `supports` is given). */
  readonly groups: readonly (readonly number[])[];
}

/** One chunk of a streamed gRF computation: all requested neurons for images `[imageStart, imageStart+imageCount)`. */
export interface GrfChunk {
  /** First image of the chunk. */
  readonly imageStart: number;
  /** Images in the chunk. */
  readonly imageCount: number;
  /** The neuron indices, in output order. */
  readonly neurons: readonly number[];
  /** `[neurons, imageCount, h, w]` (or `[…, channels]` for several channels), row-major. */
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

interface Plan {
  o: Required<GrfOptions>;
  b: number;
  h: number;
  w: number;
  c: number;
  neurons: number[];
  /** Columns of the model's output. */
  nOut: number;
  channels: number[];
  baseline: Float32Array | number;
  /** Positions (in `neurons`) sharing one backward pass. */
  groups: number[][];
}

/** Greedy grouping of neurons whose masks do not overlap (in the given order, first group that fits). */
function groupBySupport(masks: Uint8Array, k: number, hw: number): number[][] {
  const groups: number[][] = [];
  const unions: Uint8Array[] = [];
  for (let n = 0; n < k; n++) {
    const m = masks.subarray(n * hw, (n + 1) * hw);
    let placed = false;
    for (let g = 0; g < groups.length && !placed; g++) {
      const u = unions[g]!;
      let overlap = false;
      for (let q = 0; q < hw; q++)
        if (m[q] && u[q]) {
          overlap = true;
          break;
        }
      if (!overlap) {
        for (let q = 0; q < hw; q++) if (m[q]) u[q] = 1;
        groups[g]!.push(n);
        placed = true;
      }
    }
    if (!placed) {
      groups.push([n]);
      unions.push(m.slice());
    }
  }
  return groups;
}

function plan(where: string, model: ResponseModel, images: ImageInput, opts: GrfOptions | undefined): Plan {
  if (typeof model !== 'function') throw new TypeError(`${where}: model must be a function (x: Tensor4D) => Tensor2D`);
  const o = resolveOptions<GrfOptions>(where, GRF_DEFAULTS, opts);
  const [b, h, w, c] = imageShape(where, images);
  checkNumber(where, 'batchSize', o.batchSize, { min: 1, integer: true });
  checkOneOf(where, 'method', o.method, ['gradient', 'smoothgrad', 'integrated'] as const);
  checkNumber(where, 'samples', o.samples, { min: 1, integer: true });
  checkNumber(where, 'noise', o.noise, { min: 0 });
  checkNumber(where, 'seed', o.seed, { integer: true });
  checkNumber(where, 'steps', o.steps, { min: 1, integer: true });
  if (o.onProgress !== null && typeof o.onProgress !== 'function') throw new SalConfigError(where, 'onProgress', 'a function or null', o.onProgress);
  if (!Array.isArray(o.channels) || o.channels.length === 0) throw new SalConfigError(where, 'channels', 'a non-empty array of channel indices', o.channels);
  const channels = o.channels.map((ch) => checkNumber(where, 'channels', ch, { min: 0, max: c - 1, integer: true }));
  if (new Set(channels).size !== channels.length) throw new SalConfigError(where, 'channels', 'distinct channel indices', o.channels);

  // Number of neurons: one forward pass of one image.
  let nOut = 0;
  if (b > 0) {
    tf.tidy(() => {
      const x = tf.zeros([1, h, w, c]) as tf.Tensor4D;
      const y = model(x);
      if (!(y instanceof tf.Tensor) || y.rank !== 2 || y.shape[0] !== 1)
        throw new SalShapeError(`${where}: model output`, '[B,N] with B = batch', y instanceof tf.Tensor ? y.shape : y);
      nOut = y.shape[1];
    });
  }
  let neurons: number[];
  if (o.neurons === null) {
    neurons = Array.from({ length: nOut }, (_, i) => i);
  } else {
    if (!Array.isArray(o.neurons)) throw new SalConfigError(where, 'neurons', 'an array of neuron indices or null', o.neurons);
    neurons = o.neurons.map((n) => checkNumber(where, 'neurons', n, { min: 0, max: b > 0 ? nOut - 1 : undefined, integer: true }));
  }
  let baseline: Float32Array | number = 0;
  if (typeof o.baseline === 'number') {
    baseline = checkNumber(where, 'baseline', o.baseline);
  } else if (o.baseline instanceof Float32Array) {
    const one = h * w * channels.length;
    if (o.baseline.length !== one && o.baseline.length !== b * one) {
      throw new SalConfigError(where, 'baseline', `a number or a Float32Array of ${one} or ${b * one} values`, `Float32Array(${o.baseline.length})`);
    }
    baseline = o.baseline;
  } else {
    throw new SalConfigError(where, 'baseline', 'a number or a Float32Array', o.baseline);
  }
  let groups = neurons.map((_, k) => [k]);
  if (o.supports !== null) {
    if (!(o.supports instanceof Uint8Array) || o.supports.length !== neurons.length * h * w) {
      throw new SalConfigError(
        where,
        'supports',
        `null or a Uint8Array of neurons·h·w = ${neurons.length * h * w} values`,
        o.supports instanceof Uint8Array ? `Uint8Array(${o.supports.length})` : o.supports,
      );
    }
    groups = groupBySupport(o.supports, neurons.length, h * w);
  }
  return { o, b, h, w, c, neurons, nOut, channels, baseline, groups };
}

/** Output shape for `count` images. */
function outShape(p: Plan, count: number): number[] {
  const s = [p.neurons.length, count, p.h, p.w];
  if (p.channels.length > 1) s.push(p.channels.length);
  return s;
}

/**
 * Gradients of each neuron's batch-summed response w.r.t. each of `inputs` (`[B,H,W,C]` each, same
 * images, different points), summed over inputs, selected channels only: `[K,B,H,W,Cs]`, data on the CPU.
 */
function gradsOfInputs(model: ResponseModel, inputs: Float32Array[], p: Plan, count: number): Float32Array {
  const { h, w, c, channels, neurons, nOut } = p;
  const grad = tf.grad((x: tf.Tensor) => model(x as tf.Tensor4D));
  const stacked = tf.tidy(() => {
    const accs: tf.Tensor[] = neurons.map(() => tf.zeros([count, h, w, c]));
    const sup = p.o.supports;
    const masks = sup === null ? null : neurons.map((_, k) => tf.tensor4d(Float32Array.from(sup.subarray(k * h * w, (k + 1) * h * w)), [1, h, w, 1]));
    for (const data of inputs) {
      const x = tf.tensor4d(data, [count, h, w, c]);
      for (const group of p.groups) {
        const oneHot = new Float32Array(count * nOut);
        for (let i = 0; i < count; i++) for (const k of group) oneHot[i * nOut + neurons[k]!] = 1;
        const dy = tf.tensor2d(oneHot, [count, nOut]);
        const g = grad(x, dy);
        for (const k of group) {
          const next = masks ? tf.add(accs[k]!, tf.mul(g, masks[k]!)) : tf.add(accs[k]!, g);
          accs[k]!.dispose();
          accs[k] = next;
        }
        tf.dispose([g, dy]);
      }
      x.dispose();
    }
    const sel = (t: tf.Tensor): tf.Tensor => {
      if (channels.length === c && channels.every((ch, i) => ch === i)) return t;
      if (channels.length === 1) return tf.slice(t, [0, 0, 0, channels[0]!], [-1, -1, -1, 1]);
      return tf.gather(t, tf.tensor1d(channels, 'int32'), 3);
    };
    return tf.stack(accs.map(sel));
  });
  try {
    return stacked.dataSync() as Float32Array;
  } finally {
    stacked.dispose();
  }
}

/** gRFs of every requested neuron for images `[start, start+count)`: `[K, count, h, w, Cs]`, row-major. */
function computeChunk(model: ResponseModel, images: ImageInput, p: Plan, start: number, count: number): Float32Array {
  const { o, h, w, c, channels } = p;
  const x = imageChunkData(images, start, count);
  const hw = h * w;
  const cs = channels.length;
  if (o.method === 'gradient') return gradsOfInputs(model, [x], p, count);

  if (o.method === 'smoothgrad') {
    // Noise scale per image and selected channel: noise × (max − min).
    const scale = new Float64Array(count * cs);
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < cs; j++) {
        let lo = Infinity,
          hi = -Infinity;
        const ch = channels[j]!;
        for (let q = 0; q < hw; q++) {
          const v = x[(i * hw + q) * c + ch]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        scale[i * cs + j] = o.noise * (hi - lo);
      }
    }
    const rngs = Array.from({ length: count }, (_, i) => createRng(o.seed).child(start + i));
    const inputs: Float32Array[] = [];
    for (let s = 0; s < o.samples; s++) {
      const noisy = x.slice();
      for (let i = 0; i < count; i++) {
        const rng = rngs[i]!;
        for (let q = 0; q < hw; q++) {
          for (let j = 0; j < cs; j++) {
            const z = rng.normal();
            noisy[(i * hw + q) * c + channels[j]!]! += z * scale[i * cs + j]!;
          }
        }
      }
      inputs.push(noisy);
    }
    const sum = gradsOfInputs(model, inputs, p, count);
    for (let i = 0; i < sum.length; i++) sum[i]! /= o.samples;
    return sum;
  }

  // Integrated gradients, midpoint rule: (x − x0) ⊙ mean_k ∇f(x0 + α_k (x − x0)), α_k = (k + ½)/m.
  const base = new Float32Array(count * hw * cs);
  if (typeof p.baseline === 'number') base.fill(p.baseline);
  else if (p.baseline.length === hw * cs) for (let i = 0; i < count; i++) base.set(p.baseline, i * hw * cs);
  else base.set(p.baseline.subarray(start * hw * cs, (start + count) * hw * cs));
  const diff = new Float32Array(count * hw * cs);
  for (let i = 0; i < count; i++) {
    for (let q = 0; q < hw; q++) {
      for (let j = 0; j < cs; j++) {
        const e = (i * hw + q) * cs + j;
        diff[e] = x[(i * hw + q) * c + channels[j]!]! - base[e]!;
      }
    }
  }
  const inputs: Float32Array[] = [];
  for (let k = 0; k < o.steps; k++) {
    const alpha = (k + 0.5) / o.steps;
    const pt = x.slice();
    for (let i = 0; i < count; i++) {
      for (let q = 0; q < hw; q++) {
        for (let j = 0; j < cs; j++) {
          const e = (i * hw + q) * cs + j;
          pt[(i * hw + q) * c + channels[j]!] = base[e]! + alpha * diff[e]!;
        }
      }
    }
    inputs.push(pt);
  }
  const sum = gradsOfInputs(model, inputs, p, count);
  const per = count * hw * cs;
  for (let k = 0; k < p.neurons.length; k++) {
    for (let e = 0; e < per; e++) sum[k * per + e] = (sum[k * per + e]! / o.steps) * diff[e]!;
  }
  return sum;
}

/**
 * Gradient receptive fields of many neurons on many images, computed chunk by chunk and streamed: each
 * chunk holds every requested neuron for `batchSize` consecutive images. Yields control between chunks.
 * @param model evaluation-mode model, `[B,H,W,C]` → `[B,N]`
 * @param images `[images, h, w, c]` as a tensor or CPU array (not disposed)
 */
export async function* gradientReceptiveFieldChunks(model: ResponseModel, images: ImageInput, opts?: GrfOptions): AsyncGenerator<GrfChunk, void, undefined> {
  const p = plan('grf.gradientReceptiveFieldChunks', model, images, opts);
  const total = p.neurons.length * p.b;
  for (let start = 0; start < p.b; start += p.o.batchSize) {
    const count = Math.min(p.o.batchSize, p.b - start);
    const data = p.neurons.length === 0 ? new Float32Array(0) : computeChunk(model, images, p, start, count);
    p.o.onProgress?.(p.neurons.length * (start + count), total);
    yield { imageStart: start, imageCount: count, neurons: p.neurons, data, shape: outShape(p, count) };
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * Gradient receptive fields gRF(neuron, image) = ∂ response[image, neuron] / ∂ images[image] (selected
 * channels) for every requested neuron and image, with no smoothing by default.
 * @param model evaluation-mode model, `[B,H,W,C]` → `[B,N]`; its rows must be independent
 * @param images `[images, h, w, c]` as a tensor or CPU array (not disposed)
 * @returns `{ data, shape: [neurons, images, h, w], neurons, groups }` (`[…, channels]` when several channels are selected)
 */
export function gradientReceptiveFields(model: ResponseModel, images: ImageInput, opts?: GrfOptions): GrfResult {
  const p = plan('grf.gradientReceptiveFields', model, images, opts);
  const shape = outShape(p, p.b);
  const per = p.h * p.w * p.channels.length;
  const out = new Float32Array(p.neurons.length * p.b * per);
  const total = p.neurons.length * p.b;
  for (let start = 0; start < p.b && p.neurons.length > 0; start += p.o.batchSize) {
    const count = Math.min(p.o.batchSize, p.b - start);
    const chunk = computeChunk(model, images, p, start, count);
    for (let k = 0; k < p.neurons.length; k++) {
      out.set(chunk.subarray(k * count * per, (k + 1) * count * per), (k * p.b + start) * per);
    }
    p.o.onProgress?.(p.neurons.length * (start + count), total);
  }
  return { data: out, shape, neurons: p.neurons, groups: p.groups.map((g) => g.map((k) => p.neurons[k]!)) };
}
