/**
 * `createDataset`: a {@link Dataset} over a {@link RawDataset}. Every image used by a session is
 * transformed once (the transform cache): saliency on the full image → the same crop/subsample/scale for
 * image and map → Gaussian σ (post-crop pixels) → Sobel x and y → channels → per-channel z-scoring with
 * statistics of the training split. Batches only copy rows out of the cache.
 */
import {
  checkNumber,
  checkOneOf,
  createRng,
  resolveOptions,
  SalConfigError,
  SalDataError,
  SalShapeError,
  type Batch,
  type BatchOptions,
  type ChannelName,
  type Dataset,
  type RawDataset,
  type SessionInfo,
  type SessionKey,
  type Shape3D,
  type Split,
} from '@sal/types';
import { gaussianFilter2d, sobel } from './filters.js';
import { cropImage, cropShape, rescale, rescaleShape, type Crop } from './geometry.js';
import type { NpyArray } from './npy.js';
import {
  builtinSaliency,
  convertSaliency,
  runSaliencyFunction,
  SALIENCY_KINDS,
  type SaliencyFunction,
  type SaliencyKind,
  type SaliencyModelOptions,
} from './saliency.js';
import { applyChannelStats, checkStats, computeChannelStats, type ChannelStats } from './stats.js';
import { isPlaneSource, type PlaneSource, type StreamedRawDataset } from './planes.js';
import { validateRawDataset } from './validate.js';

/** Which input channels a dataset provides. */
export type ChannelSet = 'images' | 'images+saliency' | 'images+gradients' | 'all';
export const CHANNEL_SETS: readonly ChannelSet[] = Object.freeze(['images', 'images+saliency', 'images+gradients', 'all']);

/** The channels of each set, in order. */
export const CHANNELS: Readonly<Record<ChannelSet, readonly ChannelName[]>> = Object.freeze({
  images: Object.freeze(['image'] as ChannelName[]),
  'images+saliency': Object.freeze(['image', 'saliency'] as ChannelName[]),
  'images+gradients': Object.freeze(['image', 'grad_x', 'grad_y'] as ChannelName[]),
  all: Object.freeze(['image', 'saliency', 'grad_x', 'grad_y'] as ChannelName[]),
});

/** Precomputed saliency maps `[nImages, h, w]` on the full images. */
export interface PrecomputedSaliency {
  /** The maps, `[nImages, h, w]` row-major (a Float32Array, or an `.npy` array of f4/f8). */
  maps: Float32Array | NpyArray;
  /** What the maps hold. @default 'logDensity' */
  kind?: SaliencyKind;
}

/**
 * Where saliency maps come from: `'auto'` (`raw.saliency` if present, else the built-in model), `'raw'`
 * (`raw.saliency`, log-densities), `'builtin'` ({@link builtinSaliency}), precomputed maps, or a
 * user function `(img, h, w) => map` whose output is used as is.
 */
export type SaliencySource = 'auto' | 'raw' | 'builtin' | PrecomputedSaliency | SaliencyFunction;

/** Options of {@link createDataset}. */
export interface DatasetOptions {
  /** Pixels removed `((top, bottom), (left, right))`. The original's default was `((96,96),(96,96))`. @default [[0, 0], [0, 0]] */
  crop?: Crop;
  /** Keep every `subsample`-th row and column of the crop. @default 1 */
  subsample?: number;
  /** Bilinear rescale factor after the crop (output size rounded, e.g. 208·0.4 → 83). @default 1 */
  scale?: number;
  /** Input channels: `'images'` [image], `'images+saliency'` [image, saliency], `'images+gradients'` [image, grad_x, grad_y], `'all'` [image, saliency, grad_x, grad_y]. @default 'images' */
  channels?: ChannelSet;
  /** Where saliency maps come from (only used when a channel set needs them). @default 'auto' */
  saliency?: SaliencySource;
  /** The saliency channel (and the map the gradients are taken of) as a log-density or a density. @default 'logDensity' */
  saliencyOutput?: SaliencyKind;
  /** Options of the built-in model (its `output` is set by `saliencyOutput`). @default {} */
  saliencyModel?: Omit<SaliencyModelOptions, 'output'>;
  /** σ in post-crop/scale pixels of the Gaussian applied to the map before the Sobel gradients (0: none). @default 5 */
  gradientSigma?: number;
  /** Fraction of the training images (by id) in the training split; the rest is validation. @default 0.8 */
  trainFraction?: number;
  /** Seed of the train/validation split (the same split for every session). @default 0 */
  splitSeed?: number;
  /**
   * Keep only this fraction of the training-split images (a seeded subset, the original's `image_frac`), e.g. for
   * data-efficiency curves; trials of the dropped images are left out (they do not move to validation). @default 1
   */
  imageFraction?: number;
  /** Reuse normalisation statistics (e.g. another dataset's `stats`) instead of computing them. @default null */
  stats?: ChannelStats | null;
  /**
   * Largest transform cache (images × h × w × channels × 4 bytes), checked before anything is allocated, so a
   * mistaken `scale` is a typed error instead of an out-of-memory crash. @default 4294967296 (4 GiB)
   */
  maxCacheBytes?: number;
}

export const DATASET_DEFAULTS: Readonly<Required<DatasetOptions>> = Object.freeze({
  crop: Object.freeze([Object.freeze([0, 0]), Object.freeze([0, 0])]) as unknown as Crop,
  subsample: 1,
  scale: 1,
  channels: 'images',
  saliency: 'auto',
  saliencyOutput: 'logDensity',
  saliencyModel: Object.freeze({}),
  gradientSigma: 5,
  trainFraction: 0.8,
  splitSeed: 0,
  imageFraction: 1,
  stats: null,
  maxCacheBytes: 2 ** 32,
});

/** The dataset {@link createDataset} returns: the `Dataset` contract plus what it computed. */
export interface SalDataset extends Dataset {
  /** Normalisation statistics (computed on the training split, or the ones passed in). */
  readonly stats: ChannelStats;
  /** Image ids of the training and validation splits (sorted). */
  readonly split: { readonly train: Int32Array; readonly validation: Int32Array };
  /** The normalised input of one image, `[h, w, channels]` (a copy). */
  input(imageId: number): Float32Array;
  /** The normalised inputs of several images, `[ids.length, h, w, channels]` (e.g. for gRFs or visualisation). */
  inputsOf(imageIds: ArrayLike<number>): Float32Array;
  /** The image id of every trial of one session's split, in trial order (`[trials]`). */
  trialImageIds(sessionKey: SessionKey, split: Split): Int32Array;
  /** The resolved options. */
  readonly options: Readonly<Required<DatasetOptions>>;
}

/**
 * Split the sorted ids into train/validation: a seeded permutation, the first `round(n · trainFraction)` train.
 * @returns both parts sorted
 */
export function splitImageIds(ids: Int32Array, trainFraction: number, seed: number): { train: Int32Array; validation: Int32Array } {
  const perm = createRng(seed).permutation(ids.length);
  const nTrain = Math.round(ids.length * trainFraction);
  const train = Int32Array.from(perm.subarray(0, nTrain), (i) => ids[i] as number).sort();
  const validation = Int32Array.from(perm.subarray(nTrain), (i) => ids[i] as number).sort();
  return { train, validation };
}

interface SessionIndex {
  info: SessionInfo;
  rows: Record<Split, Int32Array>;
  responses: Record<'train' | 'test', Float32Array>;
  ids: Record<'train' | 'test', Int32Array>;
}

/**
 * Build a dataset over `raw`: validates it, splits training images into train/validation by id,
 * transforms every used image once and z-scores each channel with statistics of the training split.
 */
/** The checked geometry and channels of {@link createDataset}'s options (all checks before any allocation). */
function checkDatasetOptions(raw: RawDataset | StreamedRawDataset, o: Required<DatasetOptions>, where: string) {
  const [, H, W] = raw.imagesShape;
  const channelSet = checkOneOf(where, 'channels', o.channels, CHANNEL_SETS);
  const channels = CHANNELS[channelSet];
  checkNumber(where, 'subsample', o.subsample, { min: 1, integer: true });
  checkNumber(where, 'scale', o.scale, { min: 0, exclusiveMin: true });
  checkNumber(where, 'gradientSigma', o.gradientSigma, { min: 0 });
  checkNumber(where, 'trainFraction', o.trainFraction, { min: 0, max: 1, exclusiveMin: true });
  checkNumber(where, 'splitSeed', o.splitSeed, { integer: true });
  checkNumber(where, 'imageFraction', o.imageFraction, { min: 0, max: 1, exclusiveMin: true });
  const saliencyOutput = checkOneOf(where, 'saliencyOutput', o.saliencyOutput, SALIENCY_KINDS);
  const [ch, cw] = cropShape(H, W, o.crop, o.subsample, where);
  const [h, w] = o.scale === 1 ? [ch, cw] : rescaleShape(ch, cw, o.scale);
  const C = channels.length;
  checkNumber(where, 'maxCacheBytes', o.maxCacheBytes, { min: 1 });
  if (h * w * C * 4 > Math.min(o.maxCacheBytes, 2 ** 31)) {
    throw new SalConfigError(
      where,
      'scale',
      `an input of at most ${Math.min(o.maxCacheBytes, 2 ** 31)} bytes per image (maxCacheBytes)`,
      `${o.scale} (${h}×${w}×${C} float32)`,
    );
  }
  // σ beyond the image size smooths the map to a constant; the filter (8σ + 1 taps) would only cost time
  if (channels.includes('grad_x') && o.gradientSigma > Math.max(h, w)) {
    throw new SalConfigError(where, 'gradientSigma', `at most the input size ${Math.max(h, w)} pixels`, o.gradientSigma);
  }
  if (o.stats !== null) checkStats(where, o.stats, channels);
  return { channels, saliencyOutput, h, w, C };
}

/** Split by image id over the images that have training trials (the same split for every session). */
function splitImages(
  raw: RawDataset | StreamedRawDataset,
  o: Required<DatasetOptions>,
  where: string,
): { split: { train: Int32Array; validation: Int32Array }; inTrain: Uint8Array } {
  const n = raw.imagesShape[0];
  const isTrainImage = new Uint8Array(n);
  for (const s of raw.sessions) for (const id of s.trainImageIds) isTrainImage[id] = 1;
  const trainPool = Int32Array.from({ length: n }, (_, i) => i).filter((i) => isTrainImage[i] === 1);
  const fullSplit = splitImageIds(trainPool, o.trainFraction, o.splitSeed);
  const split =
    o.imageFraction === 1
      ? fullSplit
      : {
          train: splitImageIds(fullSplit.train, o.imageFraction, createRng(o.splitSeed).child('imageFraction').nextUint32()).train,
          validation: fullSplit.validation,
        };
  if (split.train.length === 0)
    throw new SalDataError(`${where}(split)`, 'a non-empty training split', `0 of ${trainPool.length} images (trainFraction ${o.trainFraction})`);
  if (o.trainFraction < 1 && split.validation.length === 0) {
    throw new SalDataError(`${where}(split)`, 'a non-empty validation split (or trainFraction 1)', `0 of ${trainPool.length} images`);
  }
  const inTrain = new Uint8Array(n); // 1 train, 2 validation, 0 dropped by imageFraction
  for (const id of split.train) inTrain[id] = 1;
  for (const id of split.validation) inTrain[id] = 2;
  return { split, inTrain };
}

/** Each session's trial rows of each split. */
function sessionIndexes(raw: RawDataset | StreamedRawDataset, inTrain: Uint8Array, where: string): SessionIndex[] {
  return raw.sessions.map((s) => {
    const tr: number[] = [];
    const va: number[] = [];
    s.trainImageIds.forEach((id, t) => {
      if (inTrain[id] === 1) tr.push(t);
      else if (inTrain[id] === 2) va.push(t);
    });
    if (tr.length === 0) throw new SalDataError(`${where}(session ${JSON.stringify(s.key)})`, 'training trials on images of the training split', 0);
    const rows = { train: Int32Array.from(tr), validation: Int32Array.from(va), test: Int32Array.from(s.testImageIds, (_, t) => t) };
    const info: SessionInfo = Object.freeze({
      key: s.key,
      nNeurons: s.nNeurons,
      nTrials: Object.freeze({ train: tr.length, validation: va.length, test: s.testImageIds.length }),
    });
    return { info, rows, responses: { train: s.trainResponses, test: s.testResponses }, ids: { train: s.trainImageIds, test: s.testImageIds } };
  });
}

export function createDataset(raw: RawDataset | StreamedRawDataset, opts?: DatasetOptions): SalDataset {
  const where = 'createDataset';
  const o = resolveOptions(where, DATASET_DEFAULTS, opts);
  validateRawDataset(raw, where);
  const [n, H, W] = raw.imagesShape;
  const { channels, saliencyOutput, h, w, C } = checkDatasetOptions(raw, o, where);

  const needSaliency = channels.includes('saliency') || channels.includes('grad_x');
  const saliencyOf = needSaliency ? saliencyProvider(raw, o.saliency, saliencyOutput, o.saliencyModel, where) : null;
  const { split, inTrain } = splitImages(raw, o, where);
  const sessions = sessionIndexes(raw, inTrain, where);

  // the transform cache: one row [h, w, C] per used image
  const slotOf = new Int32Array(n).fill(-1);
  let nSlots = 0;
  for (const s of raw.sessions) for (const ids of [s.trainImageIds, s.testImageIds]) for (const id of ids) if (slotOf[id] === -1) slotOf[id] = nSlots++;
  const pixels = h * w;
  const rowLen = pixels * C;
  if (nSlots * rowLen * 4 > o.maxCacheBytes) {
    throw new SalConfigError(
      where,
      'scale',
      `a transform cache of at most ${o.maxCacheBytes} bytes (maxCacheBytes)`,
      `${o.scale}: ${nSlots} images × ${h}×${w}×${C} float32 = ${nSlots * rowLen * 4} bytes`,
    );
  }
  // one array per image (no single huge allocation: typed arrays are limited to 4 GiB in Node 20)
  const cache: Float32Array[] = Array.from({ length: nSlots }, () => new Float32Array(rowLen));
  const grey = new Float32Array(H * W);
  for (let id = 0; id < n; id++) {
    const slot = slotOf[id] as number;
    if (slot < 0) continue;
    if (isPlaneSource(raw.images)) raw.images.read(id, grey);
    else grey.set(raw.images.subarray(id * H * W, (id + 1) * H * W));
    const planes: Partial<Record<ChannelName, Float32Array>> = { image: transform(grey, H, W, o.crop, o.subsample, o.scale) };
    if (saliencyOf) {
      const full = saliencyOf(id, grey, H, W); // on the full image, before the crop
      const map = transform(full, H, W, o.crop, o.subsample, o.scale);
      planes.saliency = map;
      if (channels.includes('grad_x')) {
        const smooth = o.gradientSigma > 0 ? gaussianFilter2d(map, h, w, o.gradientSigma) : map;
        planes.grad_x = sobel(smooth, h, w, 1);
        planes.grad_y = sobel(smooth, h, w, 0);
      }
    }
    const row = cache[slot] as Float32Array;
    channels.forEach((name, k) => {
      const p = planes[name] as Float32Array;
      for (let i = 0; i < pixels; i++) row[i * C + k] = p[i] as number;
    });
  }

  const stats =
    o.stats ??
    computeChannelStats(
      Array.from(split.train, (id) => cache[slotOf[id] as number] as Float32Array),
      channels,
    );
  for (const row of cache) applyChannelStats(row, stats);

  const byKey = new Map(sessions.map((s) => [s.info.key, s]));
  const inputShape: Shape3D = [h, w, C];

  function makeBatch(s: SessionIndex, part: 'train' | 'test', trials: ArrayLike<number>): Batch {
    const N = s.info.nNeurons;
    const B = trials.length;
    const inputs = new Float32Array(B * rowLen);
    const targets = new Float32Array(B * N);
    const imageIds = new Int32Array(B);
    const resp = s.responses[part];
    const ids = s.ids[part];
    for (let b = 0; b < B; b++) {
      const t = trials[b] as number;
      const id = ids[t] as number;
      imageIds[b] = id;
      const slot = slotOf[id] as number;
      inputs.set(cache[slot] as Float32Array, b * rowLen);
      targets.set(resp.subarray(t * N, (t + 1) * N), b * N);
    }
    return { sessionKey: s.info.key, inputs, inputShape: [B, h, w, C], targets, targetShape: [B, N], imageIds };
  }

  const dataset: SalDataset = {
    sessions: sessions.map((s) => s.info),
    inputShape,
    channelNames: channels,
    stats,
    split,
    options: o,
    input(imageId: number): Float32Array {
      const slot = Number.isInteger(imageId) && imageId >= 0 && imageId < n ? (slotOf[imageId] as number) : -1;
      if (slot < 0) throw new SalDataError('SalDataset.input', 'the id of an image used by a session', imageId);
      return (cache[slot] as Float32Array).slice();
    },
    inputsOf(imageIds: ArrayLike<number>): Float32Array {
      const out = new Float32Array(imageIds.length * rowLen);
      for (let b = 0; b < imageIds.length; b++) {
        const id = imageIds[b] as number;
        const slot = Number.isInteger(id) && id >= 0 && id < n ? (slotOf[id] as number) : -1;
        if (slot < 0) throw new SalDataError('SalDataset.inputsOf', 'ids of images used by a session', `${id} at position ${b}`);
        out.set(cache[slot] as Float32Array, b * rowLen);
      }
      return out;
    },
    trialImageIds(sessionKey: SessionKey, splitName: Split): Int32Array {
      const s = byKey.get(sessionKey);
      if (!s)
        throw new SalConfigError('SalDataset.trialImageIds', 'sessionKey', `one of ${[...byKey.keys()].map((k) => JSON.stringify(k)).join(', ')}`, sessionKey);
      checkOneOf('SalDataset.trialImageIds', 'split', splitName, ['train', 'validation', 'test'] as const);
      if (splitName === 'test') return s.ids.test.slice();
      return Int32Array.from(s.rows[splitName], (t) => s.ids.train[t] as number);
    },
    batches(sessionKey: SessionKey, splitName: Split, bopts: BatchOptions = {}): Iterable<Batch> {
      const w2 = 'SalDataset.batches';
      const s = byKey.get(sessionKey);
      if (!s) throw new SalConfigError(w2, 'sessionKey', `one of ${[...byKey.keys()].map((k) => JSON.stringify(k)).join(', ')}`, sessionKey);
      checkOneOf(w2, 'split', splitName, ['train', 'validation', 'test'] as const);
      const b = resolveOptions<BatchOptions>(w2, { batchSize: 64, shuffle: splitName === 'train', seed: 0 }, bopts);
      const batchSize = checkNumber(w2, 'batchSize', b.batchSize, { min: 1, integer: true });
      const seed = checkNumber(w2, 'seed', b.seed, { integer: true });
      if (typeof b.shuffle !== 'boolean') throw new SalConfigError(w2, 'shuffle', 'a boolean', b.shuffle);
      const shuffle = b.shuffle;
      return {
        *[Symbol.iterator](): Iterator<Batch> {
          const rng = createRng(seed).child(`${sessionKey}/${splitName}`);
          if (splitName === 'test') {
            // one batch per test image, holding all its repeats (in trial order)
            const groups = new Map<number, number[]>();
            s.ids.test.forEach((id, t) => {
              const g = groups.get(id);
              if (g) g.push(t);
              else groups.set(id, [t]);
            });
            const order = [...groups.keys()].sort((a, c) => a - c);
            if (shuffle) rng.shuffle(order);
            for (const id of order) yield makeBatch(s, 'test', groups.get(id) as number[]);
            return;
          }
          const rows = s.rows[splitName];
          const order = shuffle ? Int32Array.from(rng.permutation(rows.length), (i) => rows[i] as number) : rows;
          for (let start = 0; start < order.length; start += batchSize) {
            yield makeBatch(s, 'train', order.subarray(start, Math.min(order.length, start + batchSize)));
          }
        },
      };
    },
  };
  return dataset;
}

/** Crop/subsample/scale one `[H, W]` plane. */
function transform(plane: Float32Array, H: number, W: number, crop: Crop, subsample: number, scale: number): Float32Array {
  const c = cropImage(plane, H, W, crop, subsample);
  return scale === 1 ? c.data : rescale(c.data, c.h, c.w, scale).data;
}

/** Resolve the saliency source to `(id, fullImage, H, W) => fullMap` of the requested kind. */
function saliencyProvider(
  raw: RawDataset | StreamedRawDataset,
  source: SaliencySource,
  output: SaliencyKind,
  model: Omit<SaliencyModelOptions, 'output'>,
  where: string,
): (id: number, img: Float32Array, H: number, W: number) => Float32Array {
  const [n, H, W] = raw.imagesShape;
  const plane = H * W;
  const fromMaps =
    (maps: Float32Array | Float64Array, kind: SaliencyKind) =>
    (id: number): Float32Array =>
      convertSaliency(maps.subarray(id * plane, (id + 1) * plane), kind, output);
  if (typeof source === 'function') {
    const fn = source;
    return (_id, img, h, w) => runSaliencyFunction(fn, img.slice(), h, w, `${where}(saliency function)`);
  }
  if (source === 'auto') source = raw.saliency ? 'raw' : 'builtin';
  if (source === 'raw') {
    if (!raw.saliency) throw new SalConfigError(where, 'saliency', "maps in raw.saliency for 'raw' (or 'builtin', maps, a function)", 'raw');
    if (isPlaneSource(raw.saliency)) return streamedMaps(raw.saliency, plane, output, `${where}(raw.saliency)`);
    return fromMaps(raw.saliency, 'logDensity');
  }
  if (source === 'builtin') {
    const opts: SaliencyModelOptions = { ...model, output };
    builtinSaliency(new Float32Array(4), 2, 2, opts); // validate the options once, early
    return (_id, img, h, w) => builtinSaliency(img, h, w, opts);
  }
  if (source !== null && typeof source === 'object' && 'maps' in source) {
    const kind = checkOneOf(where, 'saliency.kind', source.kind ?? 'logDensity', SALIENCY_KINDS);
    const m = source.maps;
    let data: Float32Array | Float64Array;
    if (m instanceof Float32Array) {
      data = m;
      if (m.length !== n * plane) throw new SalShapeError(`${where}(saliency.maps)`, [n, H, W], [m.length], "maps must have the images' size");
    } else if (m && typeof m === 'object' && 'shape' in m && (m.data instanceof Float32Array || m.data instanceof Float64Array)) {
      if (m.shape.length !== 3 || m.shape[0] !== n || m.shape[1] !== H || m.shape[2] !== W)
        throw new SalShapeError(`${where}(saliency.maps)`, [n, H, W], m.shape, "maps must have the images' size");
      data = m.data;
    } else {
      throw new SalDataError(`${where}(saliency.maps)`, 'a Float32Array or an f4/f8 npy array', (m as NpyArray | undefined)?.dtype ?? typeof m);
    }
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new SalDataError(`${where}(saliency.maps)`, 'finite values', data[i]);
    return fromMaps(data, kind);
  }
  throw new SalConfigError(where, 'saliency', "'auto', 'raw', 'builtin', { maps, kind } or a function", source);
}

/** Log-density maps read one at a time into a reused buffer, each checked finite (as `validateRawDataset` checks arrays). */
function streamedMaps(src: PlaneSource, plane: number, output: SaliencyKind, where: string): (id: number) => Float32Array {
  const buf = new Float32Array(plane);
  return (id) => {
    src.read(id, buf);
    for (let i = 0; i < plane; i++) if (!Number.isFinite(buf[i])) throw new SalDataError(where, 'finite values', `${buf[i]} at image ${id}`);
    return convertSaliency(buf, 'logDensity', output);
  };
}
