/**
 * Most exciting inputs (MEIs): inputs synthesised by gradient ascent on a model's predicted response of one
 * neuron, with the options of sinzlab/mei: initialisation, optimiser, gradient preconditioning (Gaussian blur
 * with a decaying schedule, frequency filtering), a norm or pixel-range constraint, jitter and random crops,
 * a mask, transparency, several diverse MEIs per neuron and the least exciting input.
 *
 * One step, for every MEI of a batch at once: compose the model input (background + mask ⊙ α ⊙ (x − background)),
 * transform it (jitter, random crop), evaluate the model, take the gradient of the objective with respect to x
 * (and α), precondition it, take an optimiser step, then constrain x (norm, then range).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, checkNumber, checkOneOf, createRng, deriveSeed, resolveOptions } from '@sal/types';
import type { ResponseModel } from './model.js';
import { fourierFilter, fourierMask, gaussianBlur, type FourierKind } from './precondition.js';

/** Where the MEI starts. */
export type MeiInit = 'noise' | 'grey' | Float32Array;

/** Options of {@link synthesizeMeis}. */
export interface MeiOptions {
  /** Neuron indices (columns of the model's output). `null`: every neuron. @default null */
  neurons?: readonly number[] | null;
  /** Input channels that are optimised (the others stay at `base`). @default [0] */
  channels?: readonly number[];
  /**
   * The input the MEI lives on, `[H,W,C]` (one for all) or `[neurons,H,W,C]` (one per neuron, in `neurons` order):
   * the channels not optimised are taken from it (e.g. the saliency context of a shifter readout), and its
   * optimised channels are the background of `mask` and `transparency` and the centre of the `norm`
   * constraint. `null`: zeros (the dataset mean of z-scored inputs). @default null
   */
  base?: Float32Array | null;
  /**
   * `'noise'`: the background plus Gaussian noise of standard deviation `initStd`, seeded per (neuron, copy);
   * `'grey'`: the background; or a `Float32Array` of the optimised channels, `[H,W,Cs]` (one for all) or
   * `[K,H,W,Cs]` (one per MEI row, see {@link MeiResult}). The constraints are applied to it first.
   * @default 'noise'
   */
  init?: MeiInit;
  /** Standard deviation of the `'noise'` initialisation. @default 0.1 */
  initStd?: number;
  /** `'max'`: the most exciting input; `'min'`: the least exciting input. @default 'max' */
  objective?: 'max' | 'min';
  /** `'sgd'` (plain gradient steps, as sinzlab/mei's usual `torch.optim.SGD`) or `'adam'`. @default 'sgd' */
  optimizer?: 'sgd' | 'adam';
  /** Step size. @default 1 */
  learningRate?: number;
  /** Optimisation steps. @default 200 */
  steps?: number;
  /** Gaussian blur of the gradient: standard deviation in pixels at step 0 (0: none). @default 1 */
  blur?: number;
  /** Added to the blur's σ at every step (negative: a decaying blur), as sinzlab/mei's `decay_factor`. @default 0 */
  blurDecay?: number;
  /** Smallest σ the schedule reaches (below it, no blur once it hits 0). @default 0 */
  blurMin?: number;
  /** Half-size of the blur kernel in standard deviations. @default 4 */
  blurTruncate?: number;
  /** Frequency filtering of the gradient (see `fourierMask`): `'none'`, `'smoothing'` or `'powerLaw'`. @default 'none' */
  fourier?: 'none' | FourierKind;
  /** Exponent of the frequency filter. @default 1 */
  fourierExponent?: number;
  /** Fixed L2 norm of (x − background) over the optimised channels of each MEI after every step. `null`: none. @default null */
  norm?: number | null;
  /** Pixel range `[min, max]` each optimised value is clipped to after every step (after `norm`). `null`: none. @default null */
  range?: readonly [number, number] | null;
  /** Largest random shift in pixels (the same for every MEI at a step; reflect padding). 0: none. @default 0 */
  jitter?: number;
  /**
   * Random crops `[h, w]`: at every step only a random `h × w` window of the MEI is shown (the rest is the
   * background), the same for every MEI at a step. `null`: none. @default null
   */
  crop?: readonly [number, number] | null;
  /**
   * A mask in [0, 1], `[H,W]` (one for all) or `[neurons,H,W]` (one per neuron, e.g. each neuron's gRF envelope): the
   * model sees background + mask ⊙ (x − background). `null`: none. @default null
   */
  mask?: Float32Array | null;
  /**
   * Transparency (sinzlab/mei's transparent MEIs): an opacity map α ∈ [0, 1] is optimised too, the model sees
   * background + α ⊙ (x − background), and the objective is the response × (1 − weight · mean α), which
   * rewards transparency. The weight, or `null` for none. @default null
   */
  transparency?: number | null;
  /** Diverse MEIs: MEIs per neuron. @default 1 */
  perNeuron?: number;
  /**
   * Diverse MEIs: weight of the mean pairwise correlation between the MEIs of one neuron, subtracted from the
   * objective (sinzlab/mei's `Similarity` regulariser with the mean instead of the max). @default 1
   */
  diversity?: number;
  /** MEIs optimised together (rounded down to whole neurons, at least one neuron). @default 32 */
  batchSize?: number;
  /** Seed of the noise, jitter and crops. @default 0 */
  seed?: number;
  /** Called after every batch with the number of finished MEIs and the total. @default null */
  onProgress?: ((done: number, total: number) => void) | null;
}

/** Defaults of {@link MeiOptions}. */
export const MEI_DEFAULTS: Readonly<Required<MeiOptions>> = Object.freeze({
  neurons: null,
  channels: Object.freeze([0]) as readonly number[],
  base: null,
  init: 'noise',
  initStd: 0.1,
  objective: 'max',
  optimizer: 'sgd',
  learningRate: 1,
  steps: 200,
  blur: 1,
  blurDecay: 0,
  blurMin: 0,
  blurTruncate: 4,
  fourier: 'none',
  fourierExponent: 1,
  norm: null,
  range: null,
  jitter: 0,
  crop: null,
  mask: null,
  transparency: null,
  perNeuron: 1,
  diversity: 1,
  batchSize: 32,
  seed: 0,
  onProgress: null,
});

/** Result of {@link synthesizeMeis}: K = neurons × perNeuron rows, neuron-major (copies of one neuron together). */
export interface MeiResult {
  /** The MEIs as the model sees them (background, mask and opacity applied), optimised channels only: `[K,H,W,Cs]`. */
  readonly data: Float32Array;
  readonly shape: readonly [k: number, h: number, w: number, cs: number];
  /** The neuron of each row. */
  readonly neurons: Int32Array;
  /** The copy (0…perNeuron−1) of each row. */
  readonly copies: Int32Array;
  /** The model's response of each row's neuron to its MEI (the full input with `base`'s other channels). */
  readonly activations: Float32Array;
  /** The opacity maps `[K,H,W]` with `transparency`, else `null`. */
  readonly alpha: Float32Array | null;
}

const WHERE = 'mei.synthesizeMeis';

interface Plan {
  o: Required<MeiOptions>;
  h: number;
  w: number;
  c: number;
  neurons: number[];
  channels: number[];
  others: number[];
  nOut: number;
  K: number;
}

function checkArray(name: string, v: Float32Array, sizes: number[]): void {
  if (!sizes.includes(v.length)) throw new SalConfigError(WHERE, name, `a Float32Array of ${sizes.join(' or ')} values`, `Float32Array(${v.length})`);
}

function plan(model: ResponseModel, inputShape: readonly [number, number, number], opts: MeiOptions | undefined): Plan {
  if (typeof model !== 'function') throw new TypeError(`${WHERE}: model must be a function (x: Tensor4D) => Tensor2D`);
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new SalShapeError(`${WHERE}: inputShape`, '[H,W,C] positive integers', inputShape);
  }
  const o = resolveOptions<MeiOptions>(WHERE, MEI_DEFAULTS, opts);
  const [h, w, c] = inputShape;
  checkOneOf(WHERE, 'objective', o.objective, ['max', 'min'] as const);
  checkOneOf(WHERE, 'optimizer', o.optimizer, ['sgd', 'adam'] as const);
  checkOneOf(WHERE, 'fourier', o.fourier, ['none', 'smoothing', 'powerLaw'] as const);
  checkNumber(WHERE, 'initStd', o.initStd, { min: 0 });
  checkNumber(WHERE, 'learningRate', o.learningRate, { min: 0, exclusiveMin: true });
  checkNumber(WHERE, 'steps', o.steps, { min: 0, integer: true });
  checkNumber(WHERE, 'blur', o.blur, { min: 0 });
  checkNumber(WHERE, 'blurDecay', o.blurDecay);
  checkNumber(WHERE, 'blurMin', o.blurMin, { min: 0 });
  checkNumber(WHERE, 'blurTruncate', o.blurTruncate, { min: 0, exclusiveMin: true });
  checkNumber(WHERE, 'fourierExponent', o.fourierExponent, { min: 0 });
  if (o.norm !== null) checkNumber(WHERE, 'norm', o.norm, { min: 0, exclusiveMin: true });
  if (o.range !== null) {
    if (!Array.isArray(o.range) || o.range.length !== 2 || !o.range.every(Number.isFinite) || !(o.range[0] < o.range[1])) {
      throw new SalConfigError(WHERE, 'range', '[min, max] finite with min < max, or null', o.range);
    }
  }
  checkNumber(WHERE, 'jitter', o.jitter, { min: 0, max: Math.min(h, w) - 1, integer: true });
  if (o.crop !== null) {
    if (
      !Array.isArray(o.crop) ||
      o.crop.length !== 2 ||
      !Number.isInteger(o.crop[0]) ||
      !Number.isInteger(o.crop[1]) ||
      o.crop[0] < 1 ||
      o.crop[1] < 1 ||
      o.crop[0] > h ||
      o.crop[1] > w
    ) {
      throw new SalConfigError(WHERE, 'crop', `[h, w] integers within [1, ${h}] × [1, ${w}], or null`, o.crop);
    }
  }
  if (o.transparency !== null) checkNumber(WHERE, 'transparency', o.transparency, { min: 0 });
  checkNumber(WHERE, 'perNeuron', o.perNeuron, { min: 1, integer: true });
  checkNumber(WHERE, 'diversity', o.diversity, { min: 0 });
  checkNumber(WHERE, 'batchSize', o.batchSize, { min: 1, integer: true });
  checkNumber(WHERE, 'seed', o.seed, { integer: true });
  if (o.onProgress !== null && typeof o.onProgress !== 'function') throw new SalConfigError(WHERE, 'onProgress', 'a function or null', o.onProgress);
  if (!Array.isArray(o.channels) || o.channels.length === 0) throw new SalConfigError(WHERE, 'channels', 'a non-empty array of channel indices', o.channels);
  const channels = o.channels.map((ch) => checkNumber(WHERE, 'channels', ch, { min: 0, max: c - 1, integer: true }));
  if (new Set(channels).size !== channels.length) throw new SalConfigError(WHERE, 'channels', 'distinct channel indices', o.channels);
  const others = Array.from({ length: c }, (_, i) => i).filter((i) => !channels.includes(i));

  let nOut = 0;
  tf.tidy(() => {
    const y = model(tf.zeros([1, h, w, c]) as tf.Tensor4D);
    if (!(y instanceof tf.Tensor) || y.rank !== 2 || y.shape[0] !== 1)
      throw new SalShapeError(`${WHERE}: model output`, '[B,N] with B = batch', y instanceof tf.Tensor ? y.shape : y);
    nOut = y.shape[1];
  });
  let neurons: number[];
  if (o.neurons === null) neurons = Array.from({ length: nOut }, (_, i) => i);
  else {
    if (!Array.isArray(o.neurons)) throw new SalConfigError(WHERE, 'neurons', 'an array of neuron indices or null', o.neurons);
    neurons = o.neurons.map((n) => checkNumber(WHERE, 'neurons', n, { min: 0, max: nOut - 1, integer: true }));
  }
  const nn = neurons.length;
  const K = nn * o.perNeuron;
  const cs = channels.length;
  if (o.base !== null) {
    if (!(o.base instanceof Float32Array)) throw new SalConfigError(WHERE, 'base', 'a Float32Array or null', o.base);
    checkArray('base', o.base, [h * w * c, nn * h * w * c]);
    if (!o.base.every(Number.isFinite)) throw new SalConfigError(WHERE, 'base', 'finite values', 'non-finite values');
  }
  if (o.init instanceof Float32Array) {
    checkArray('init', o.init, [h * w * cs, K * h * w * cs]);
    if (!o.init.every(Number.isFinite)) throw new SalConfigError(WHERE, 'init', 'finite values', 'non-finite values');
  } else checkOneOf(WHERE, 'init', o.init, ['noise', 'grey'] as const);
  if (o.mask !== null) {
    if (!(o.mask instanceof Float32Array)) throw new SalConfigError(WHERE, 'mask', 'a Float32Array or null', o.mask);
    checkArray('mask', o.mask, [h * w, nn * h * w]);
    if (!o.mask.every((v) => v >= 0 && v <= 1)) throw new SalConfigError(WHERE, 'mask', 'values in [0, 1]', 'values outside [0, 1]');
  }
  return { o, h, w, c, neurons, channels, others, nOut, K };
}

/** The rows of `groups` (positions in `neurons`) of a per-neuron array, each repeated `copies` times; a single row is repeated for all. */
function rowsOf(src: Float32Array, size: number, groups: number[], copies: number): Float32Array {
  const out = new Float32Array(groups.length * copies * size);
  groups.forEach((g, i) => {
    const row = src.length === size ? src : src.subarray(g * size, (g + 1) * size);
    for (let p = 0; p < copies; p++) out.set(row, (i * copies + p) * size);
  });
  return out;
}

/** One batch of MEIs to optimise, in CPU arrays (rows of `h × w` pixels; windows in the windowed path). */
export interface MeiBatch {
  k: number;
  h: number;
  w: number;
  /** `[k,h,w,c]` the model input every row starts from (its optimised channels are the background). */
  baseRows: Float32Array;
  /** `[k,h,w,cs]` the starting values of the optimised channels. */
  initData: Float32Array;
  /** `[k,h,w]` the mask, or null. */
  maskData: Float32Array | null;
  /** `[k,h,w]` 1 where a pixel exists (windows reaching past the image), or null (all exist). */
  valid: Float32Array | null;
  /** The response of each row's neuron to full model inputs `[k,h,w,c]`: `[k]`. */
  respond: (input: tf.Tensor4D) => tf.Tensor;
  /** Neuron and copy of each row (for the noise seeds). */
  rowNeuron: Int32Array;
  rowCopy: Int32Array;
}

/** The resolved procedure shared by the full-image and windowed paths. */
export interface MeiProcedure {
  o: Required<MeiOptions>;
  channels: number[];
  c: number;
  /** `[2·steps]` jitter (dy, dx) and crop origins of every step. */
  shifts: Int32Array;
  crops: Int32Array;
}

/** The seeded per-step jitter and crop origins for images of `h × w`. */
export function stepTransforms(o: Required<MeiOptions>, h: number, w: number): { shifts: Int32Array; crops: Int32Array } {
  const stepRng = createRng(deriveSeed(o.seed, 'steps'));
  const shifts = new Int32Array(2 * o.steps),
    crops = new Int32Array(2 * o.steps);
  for (let t = 0; t < o.steps; t++) {
    shifts[2 * t] = o.jitter > 0 ? stepRng.int(2 * o.jitter + 1) - o.jitter : 0;
    shifts[2 * t + 1] = o.jitter > 0 ? stepRng.int(2 * o.jitter + 1) - o.jitter : 0;
    crops[2 * t] = o.crop ? stepRng.int(h - o.crop[0] + 1) : 0;
    crops[2 * t + 1] = o.crop ? stepRng.int(w - o.crop[1] + 1) : 0;
  }
  return { shifts, crops };
}

/** The per-row arrays of the optimised channels for rows `groups` of a full-image problem. */
export function fullRows(
  o: Required<MeiOptions>,
  h: number,
  w: number,
  c: number,
  channels: number[],
  groups: number[],
  rowNeuron: Int32Array,
  rowCopy: Int32Array,
  r0: number,
): { baseRows: Float32Array; initData: Float32Array; maskData: Float32Array | null } {
  const P = o.perNeuron;
  const k = groups.length * P;
  const hw = h * w;
  const cs = channels.length;
  const baseRows = o.base === null ? new Float32Array(k * hw * c) : rowsOf(o.base, hw * c, groups, P);
  let initData: Float32Array;
  if (o.init instanceof Float32Array) {
    initData = o.init.length === hw * cs ? rowsOf(o.init, hw * cs, groups, P) : o.init.slice(r0 * hw * cs, (r0 + k) * hw * cs);
  } else {
    initData = new Float32Array(k * hw * cs);
    for (let q = 0; q < k * hw; q++) for (let e = 0; e < cs; e++) initData[q * cs + e] = baseRows[q * c + channels[e]!]!;
    if (o.init === 'noise') {
      for (let r = 0; r < k; r++) {
        const rng = createRng(deriveSeed(o.seed, `init:${rowNeuron[r0 + r]}:${rowCopy[r0 + r]}`));
        for (let q = 0; q < hw * cs; q++) initData[r * hw * cs + q] = initData[r * hw * cs + q]! + o.initStd * rng.normal();
      }
    }
  }
  const maskData = o.mask === null ? null : rowsOf(o.mask, hw, groups, P);
  return { baseRows, initData, maskData };
}

/**
 * The optimised channels of the base rows (`[k,h,w,cs]`, the background MEIs depart from) and the diversity pair
 * weights (`[k,k]`: 1 / pairs for each pair of MEIs of one neuron, upper triangle).
 */
function backgroundAndPairs(
  baseRows: Float32Array,
  k: number,
  hw: number,
  c: number,
  channels: readonly number[],
  P: number,
): { bgData: Float32Array; sameGroup: Float32Array } {
  const cs = channels.length;
  const bgData = new Float32Array(k * hw * cs);
  for (let q = 0; q < k * hw; q++) for (let e = 0; e < cs; e++) bgData[q * cs + e] = baseRows[q * c + channels[e]!]!;
  const sameGroup = new Float32Array(k * k);
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) if (Math.floor(i / P) === Math.floor(j / P)) sameGroup[i * k + j] = 1 / ((P * (P - 1)) / 2);
  return { bgData, sameGroup };
}

/**
 * Run the MEI procedure on one batch (see the module comment).
 * @returns the optimised channels as the model sees them `[k,h,w,cs]`, each row's final response and α
 */
export function optimiseBatch(proc: MeiProcedure, b: MeiBatch): { data: Float32Array; activations: Float32Array; alpha: Float32Array | null } {
  const { o, channels, c, shifts, crops } = proc;
  const { k, h, w, baseRows, initData, maskData, valid, respond } = b;
  const cs = channels.length;
  const P = o.perNeuron;
  const hw = h * w;
  const others = Array.from({ length: c }, (_, i) => i).filter((i) => !channels.includes(i));
  const fmask = o.fourier === 'none' ? null : fourierMask(h, w, o.fourier, o.fourierExponent);
  const sign = o.objective === 'max' ? 1 : -1;
  const { bgData, sameGroup } = backgroundAndPairs(baseRows, k, hw, c, channels, P);

  const keep: tf.Tensor[] = [];
  const hold = <T extends tf.Tensor>(t: T): T => {
    keep.push(t);
    return t;
  };
  try {
    const bg = hold(tf.tensor4d(bgData, [k, h, w, cs]));
    const fixed =
      others.length === 0
        ? null
        : hold(
            tf.tidy(() => {
              const t = tf.tensor4d(baseRows, [k, h, w, c]);
              return tf.concat(
                others.map((ch) => tf.slice(t, [0, 0, 0, ch], [-1, -1, -1, 1])),
                3,
              );
            }),
          );
    const mask = maskData === null ? null : hold(tf.tensor4d(maskData, [k, h, w, 1]));
    const validT = valid === null ? null : hold(tf.tensor4d(valid, [k, h, w, 1]));
    const pairs = P > 1 && o.diversity > 0 ? hold(tf.tensor2d(sameGroup, [k, k])) : null;

    /** The full model input from the optimised channels `v` (`[k,h,w,cs]`); zero where no pixel exists. */
    const assemble = (v: tf.Tensor4D): tf.Tensor4D => {
      let full: tf.Tensor4D = v;
      if (!(fixed === null && cs === c && channels.every((ch, i) => ch === i))) {
        const parts: tf.Tensor[] = [];
        for (let ch = 0; ch < c; ch++) {
          const e = channels.indexOf(ch);
          parts.push(e >= 0 ? tf.slice(v, [0, 0, 0, e], [-1, -1, -1, 1]) : tf.slice(fixed!, [0, 0, 0, others.indexOf(ch)], [-1, -1, -1, 1]));
        }
        full = tf.concat(parts, 3) as tf.Tensor4D;
      }
      return validT === null ? full : (tf.mul(full, validT) as tf.Tensor4D);
    };
    /** What the model sees without transforms: background + mask ⊙ α ⊙ (x − background). */
    const compose = (x: tf.Tensor4D, a: tf.Tensor4D | null): tf.Tensor4D => {
      if (mask === null && a === null) return x;
      let d: tf.Tensor = tf.sub(x, bg);
      if (mask !== null) d = tf.mul(d, mask);
      if (a !== null) d = tf.mul(d, a);
      return tf.add(bg, d) as tf.Tensor4D;
    };
    const constrain = (x: tf.Tensor4D): tf.Tensor4D =>
      tf.tidy(() => {
        let y: tf.Tensor = x;
        if (o.norm !== null) {
          const d = tf.sub(y, bg);
          const n = tf.sqrt(tf.sum(tf.square(d), [1, 2, 3], true));
          // a zero difference stays zero (no direction to scale)
          const scale = tf.div(o.norm, tf.maximum(n, 1e-12));
          y = tf.add(bg, tf.mul(d, tf.where(tf.greater(n, 0), scale, tf.onesLike(scale))));
        }
        if (o.range !== null) y = tf.clipByValue(y, o.range[0], o.range[1]);
        return (y === x ? tf.clone(x) : y) as tf.Tensor4D;
      });
    const checkResponse = (r: tf.Tensor): tf.Tensor => {
      if (!(r instanceof tf.Tensor) || r.rank !== 1 || r.shape[0] !== k)
        throw new SalShapeError(`${WHERE}: model output`, `one response per MEI (${k})`, r instanceof tf.Tensor ? r.shape : r);
      return r;
    };

    let x = tf.tidy(() => constrain(tf.tensor4d(initData, [k, h, w, cs])));
    let a: tf.Tensor4D | null = o.transparency === null ? null : (tf.fill([k, h, w, 1], 0.5) as tf.Tensor4D);
    let m: tf.Tensor4D[] = [],
      v: tf.Tensor4D[] = [];
    const b1 = 0.9,
      b2 = 0.999,
      eps = 1e-8;
    try {
      for (let t = 0; t < o.steps; t++) {
        const dy = shifts[2 * t]!,
          dx = shifts[2 * t + 1]!;
        const cy = crops[2 * t]!,
          cx = crops[2 * t + 1]!;
        const sigma = o.blur === 0 ? 0 : Math.max(o.blurMin, o.blur + o.blurDecay * t);
        const next: tf.Tensor4D[] = tf.tidy(() => {
          const f = (xv: tf.Tensor, av?: tf.Tensor): tf.Scalar => {
            let s = compose(xv as tf.Tensor4D, (av ?? null) as tf.Tensor4D | null);
            if (dy !== 0 || dx !== 0) {
              const pad = tf.mirrorPad(
                s,
                [
                  [0, 0],
                  [Math.abs(dy), Math.abs(dy)],
                  [Math.abs(dx), Math.abs(dx)],
                  [0, 0],
                ],
                'reflect',
              );
              s = tf.slice(pad, [0, Math.abs(dy) - dy, Math.abs(dx) - dx, 0], [k, h, w, cs]);
            }
            if (o.crop !== null) {
              const cm = new Float32Array(hw);
              for (let i = cy; i < cy + o.crop[0]; i++) cm.fill(1, i * w + cx, i * w + cx + o.crop[1]);
              s = tf.add(bg, tf.mul(tf.sub(s, bg), tf.tensor4d(cm, [1, h, w, 1])));
            }
            let r: tf.Tensor = tf.mul(checkResponse(respond(assemble(s))), sign);
            if (av !== undefined) r = tf.mul(r, tf.sub(1, tf.mul(o.transparency!, tf.mean(av, [1, 2, 3]))));
            let loss: tf.Tensor = tf.neg(tf.sum(r));
            if (pairs !== null) {
              const d = tf.reshape(tf.sub(xv, bg), [k, hw * cs]);
              const cen = tf.sub(d, tf.mean(d, 1, true));
              const nrm = tf.div(cen, tf.add(tf.sqrt(tf.sum(tf.square(cen), 1, true)), 1e-9));
              const corr = tf.matMul(nrm, nrm, false, true);
              loss = tf.add(loss, tf.mul(o.diversity, tf.sum(tf.mul(corr, pairs))));
            }
            return loss as tf.Scalar;
          };
          const grads = a === null ? [tf.grad((xv: tf.Tensor) => f(xv))(x)] : tf.grads((xv: tf.Tensor, av: tf.Tensor) => f(xv, av))([x, a]);
          // ascent direction on x: the negative loss gradient, preconditioned (and kept where pixels exist)
          let gx = tf.neg(grads[0]!) as tf.Tensor4D;
          if (sigma > 0) gx = gaussianBlur(gx, sigma, o.blurTruncate);
          if (fmask !== null) gx = fourierFilter(gx, fmask);
          if (validT !== null) gx = tf.mul(gx, validT) as tf.Tensor4D;
          const dirs: tf.Tensor4D[] = [gx];
          if (a !== null) dirs.push(tf.neg(grads[1]!) as tf.Tensor4D);
          const params: tf.Tensor4D[] = a === null ? [x] : [x, a];
          const nm: tf.Tensor4D[] = [],
            nv: tf.Tensor4D[] = [];
          const updated = params.map((pv, i) => {
            let step: tf.Tensor = dirs[i]!;
            if (o.optimizer === 'adam') {
              const mi = tf.add(tf.mul(m[i] ?? tf.zerosLike(pv), b1), tf.mul(dirs[i]!, 1 - b1)) as tf.Tensor4D;
              const vi = tf.add(tf.mul(v[i] ?? tf.zerosLike(pv), b2), tf.mul(tf.square(dirs[i]!), 1 - b2)) as tf.Tensor4D;
              nm.push(mi);
              nv.push(vi);
              step = tf.div(tf.div(mi, 1 - b1 ** (t + 1)), tf.add(tf.sqrt(tf.div(vi, 1 - b2 ** (t + 1))), eps));
            }
            return tf.add(pv, tf.mul(step, o.learningRate)) as tf.Tensor4D;
          });
          const nx = constrain(updated[0]!);
          const na = a === null ? null : (tf.clipByValue(updated[1]!, 0, 1) as tf.Tensor4D);
          return [nx, ...(na === null ? [] : [na]), ...nm, ...nv];
        });
        const np = a === null ? 1 : 2;
        x.dispose();
        x = next[0]!;
        if (a !== null) a.dispose();
        a = np === 2 ? next[1]! : null;
        for (const tns of [...m, ...v]) tns.dispose();
        m = next.slice(np, np + (next.length - np) / 2);
        v = next.slice(np + (next.length - np) / 2);
      }
      // final MEI as the model sees it, and its response
      const res = tf.tidy(() => {
        const s = compose(x, a);
        return { s: s === x ? tf.clone(s) : s, r: checkResponse(respond(assemble(s))) };
      });
      try {
        return {
          data: res.s.dataSync() as Float32Array,
          activations: Float32Array.from(res.r.dataSync()),
          alpha: a === null ? null : (a.dataSync() as Float32Array),
        };
      } finally {
        res.s.dispose();
        res.r.dispose();
      }
    } finally {
      x.dispose();
      a?.dispose();
      for (const tns of [...m, ...v]) tns.dispose();
    }
  } finally {
    for (const tns of keep) tns.dispose();
  }
}

/**
 * Synthesise MEIs (or least exciting inputs) of `model` for the chosen neurons: `perNeuron` MEIs each, rows
 * neuron-major. Deterministic: the noise of an MEI depends only on the seed, its neuron and its copy, and the
 * jitter and crop only on the seed and the step, so a neuron's MEIs do not depend on `batchSize` or on the
 * other neurons (up to float rounding).
 * @param model evaluation-mode model `[B,H,W,C]` → `[B,N]` (e.g. an ensemble's `responseModel(session)`)
 * @param inputShape `[H,W,C]` of the model's input
 * @throws SalConfigError for a bad option, SalShapeError for a bad input shape or model output
 */
export function synthesizeMeis(model: ResponseModel, inputShape: readonly [number, number, number], opts?: MeiOptions): MeiResult {
  const p = plan(model, inputShape, opts);
  const { o, h, w, c, neurons, channels, nOut, K } = p;
  const cs = channels.length;
  const P = o.perNeuron;
  const hw = h * w;
  const out = new Float32Array(K * hw * cs);
  const activations = new Float32Array(K);
  const alphaOut = o.transparency !== null ? new Float32Array(K * hw) : null;
  const rowNeuron = new Int32Array(K),
    rowCopy = new Int32Array(K);
  for (let r = 0; r < K; r++) {
    rowNeuron[r] = neurons[Math.floor(r / P)]!;
    rowCopy[r] = r % P;
  }
  const perBatch = Math.max(1, Math.floor(o.batchSize / P));
  const proc: MeiProcedure = { o, channels, c, ...stepTransforms(o, h, w) };

  for (let g0 = 0; g0 < neurons.length; g0 += perBatch) {
    const groups = Array.from({ length: Math.min(perBatch, neurons.length - g0) }, (_, i) => g0 + i);
    const k = groups.length * P;
    const r0 = g0 * P;
    const rows = fullRows(o, h, w, c, channels, groups, rowNeuron, rowCopy, r0);
    const onehot = new Float32Array(k * nOut);
    for (let r = 0; r < k; r++) onehot[r * nOut + rowNeuron[r0 + r]!] = 1;
    const hot = tf.tensor2d(onehot, [k, nOut]);
    try {
      const respond = (x: tf.Tensor4D): tf.Tensor => {
        const y = model(x);
        if (!(y instanceof tf.Tensor) || y.rank !== 2 || y.shape[0] !== k || y.shape[1] !== nOut) {
          throw new SalShapeError(`${WHERE}: model output`, [k, nOut], y instanceof tf.Tensor ? y.shape : y);
        }
        return tf.sum(tf.mul(y, hot), 1);
      };
      const r = optimiseBatch(proc, { k, h, w, ...rows, valid: null, respond, rowNeuron, rowCopy });
      out.set(r.data, r0 * hw * cs);
      activations.set(r.activations, r0);
      if (alphaOut !== null && r.alpha !== null) alphaOut.set(r.alpha, r0 * hw);
    } finally {
      hot.dispose();
    }
    o.onProgress?.(r0 + k, K);
  }
  return { data: out, shape: [K, h, w, cs], neurons: rowNeuron, copies: rowCopy, activations, alpha: alphaOut };
}

export { plan as planMeis, WHERE as MEI_WHERE };
