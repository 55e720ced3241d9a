/**
 * Turning a static-image recording in the field's trial-wise form (one image and one response vector per
 * trial, a tier per trial, an image id per trial) into sal's {@link RawDataset}: images are stored once per
 * distinct image id, trials of the `train` and `validation` tiers become the session's training trials and
 * trials of the `test` tier its test trials (repeats stay repeats: same image id). Behaviour, pupil centre
 * and the original trial indices are kept as per-trial arrays beside the dataset.
 */
import { SalConfigError, SalDataError, SalShapeError, type JsonObject, type JsonValue, type RawDataset } from '@sal/types';
import type { NpyArray } from '@sal/saliency-loader';

/** A per-trial array `[trials, width]` (float32) or `[trials]` (int32) kept beside a converted dataset. */
export interface TrialArray {
  readonly data: Float32Array | Int32Array;
  readonly shape: readonly number[];
}

/** Trial-wise static recording, the common form of the FileTree and HDF5 readers. */
export interface StaticTrials {
  /** Where the data came from (e.g. `neuralpredictors-filetree`), saved in `meta.source.format`. */
  readonly format: string;
  /** Number of trials. */
  readonly nTrials: number;
  /** Neurons per trial. */
  readonly nNeurons: number;
  /** The grey image of trial `t`, any of `[h, w]`, `[1, h, w]`, `[h, w, 1]` (see {@link toGreyPlane}). */
  image(t: number): Promise<NpyArray> | NpyArray;
  /** The responses of trial `t`, `[nNeurons]`. */
  responses(t: number): Promise<NpyArray> | NpyArray;
  /** Tier of each trial (`train`, `validation`, `test`, `final_test`, `none`, …). */
  readonly tiers: readonly string[];
  /** Image id of each trial (repeats share it); without it every trial is its own image. */
  readonly imageIds?: ArrayLike<number>;
  /** Extra per-trial channels, e.g. `behavior` `[trials, 3]`, `pupil_center` `[trials, 2]`. */
  readonly trialArrays?: Readonly<Record<string, { data: ArrayLike<number>; width: number }>>;
  /** Per-neuron metadata (unit ids, coordinates, areas, …), saved in `meta.neurons`. */
  readonly neurons?: JsonObject;
}

/** Options of {@link assembleStaticDataset}. */
export interface AssembleOptions {
  /** The session's key. @default 'session' */
  sessionKey?: string;
  /** Tiers whose trials become training trials. @default ['train', 'validation'] */
  trainTiers?: readonly string[];
  /** Tiers whose trials become test trials. @default ['test'] */
  testTiers?: readonly string[];
  /** Check that trials sharing an image id show the same image. @default true */
  checkRepeats?: boolean;
}

/** A converted recording: sal's dataset and the per-trial arrays in the order of its training and test trials. */
export interface StaticConversion {
  readonly dataset: RawDataset;
  /** `trial_index` (the original trial of each row) and every `trialArrays` channel, per part. */
  readonly trials: { readonly train: Readonly<Record<string, TrialArray>>; readonly test: Readonly<Record<string, TrialArray>> };
}

/**
 * One grey uint8 plane from an image array of shape `[h, w]`, `[1, h, w]` or `[h, w, 1]`. uint8 data are
 * taken as they are; any other numeric dtype must hold finite grey levels within 0–255 (rounded), since
 * sal's datasets store raw grey levels (normalised images are refused, naming the range found).
 */
export function toGreyPlane(a: NpyArray, where: string, file?: string): { plane: Uint8Array; h: number; w: number } {
  const s = a.shape;
  let h: number, w: number;
  if (s.length === 2) [h, w] = s as [number, number];
  else if (s.length === 3 && s[0] === 1) [, h, w] = s as [number, number, number];
  else if (s.length === 3 && s[2] === 1) [h, w] = s as [number, number, number];
  else throw new SalShapeError(`${where}${file ? `(${file})` : ''}`, '[h, w], [1, h, w] or [h, w, 1] (one grey channel)', s);
  if (a.dtype === 'u1') return { plane: a.data as Uint8Array, h, w };
  if (a.dtype === 'i8' || a.dtype === 'u8' || a.dtype === 'b1')
    throw new SalDataError(where, 'grey levels as uint8 or a float/integer dtype up to 32 bits', a.dtype, file);
  const src = a.data as ArrayLike<number>;
  const plane = new Uint8Array(h * w);
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < plane.length; i++) {
    const v = src[i] as number;
    if (!Number.isFinite(v)) throw new SalDataError(where, 'finite grey levels', `${v} at pixel ${i}`, file);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    plane[i] = Math.round(v);
  }
  if (lo < 0 || hi > 255)
    throw new SalDataError(where, 'grey levels within 0–255 (sal stores raw images, not normalised ones)', `values in [${lo}, ${hi}]`, file);
  return { plane, h, w };
}

function toFloat(a: NpyArray, n: number, where: string, file?: string): ArrayLike<number> {
  if (a.dtype === 'i8' || a.dtype === 'u8') throw new SalDataError(where, 'responses as float or an integer dtype up to 32 bits', a.dtype, file);
  if (a.data.length !== n) throw new SalShapeError(`${where}${file ? `(${file})` : ''}`, [n], a.shape, 'one response per neuron');
  return a.data as ArrayLike<number>;
}

/**
 * Build sal's {@link RawDataset} (one session) from a trial-wise recording. Trials of other tiers than
 * `trainTiers` and `testTiers` (e.g. SENSORIUM's `final_test`, whose responses are withheld) are left out.
 * `meta` holds `source`, `imageIds` (the original id of each of sal's images), `validationImageIds` (sal ids
 * of the images shown in the `validation` tier), per-tier trial counts and `neurons`.
 * @throws SalDataError on unknown/missing tiers, non-integer image ids, repeats showing different images,
 *   mismatched sizes; SalConfigError on a tier in both lists.
 */
export async function assembleStaticDataset(src: StaticTrials, opts: AssembleOptions = {}): Promise<StaticConversion> {
  const where = 'assembleStaticDataset';
  const trainTiers = new Set(opts.trainTiers ?? ['train', 'validation']);
  const testTiers = new Set(opts.testTiers ?? ['test']);
  for (const t of testTiers) if (trainTiers.has(t)) throw new SalConfigError(where, 'testTiers', `tiers not in trainTiers (${[...trainTiers].join(', ')})`, t);
  const sessionKey = opts.sessionKey ?? 'session';
  const checkRepeats = opts.checkRepeats ?? true;
  const T = src.nTrials,
    k = src.nNeurons;
  if (!Number.isInteger(T) || T < 1) throw new SalDataError(where, 'at least one trial', T);
  if (!Number.isInteger(k) || k < 1) throw new SalDataError(where, 'at least one neuron', k);
  if (src.tiers.length !== T) throw new SalShapeError(`${where}(tiers)`, [T], [src.tiers.length], 'one tier per trial');
  if (src.imageIds && src.imageIds.length !== T) throw new SalShapeError(`${where}(imageIds)`, [T], [src.imageIds.length], 'one image id per trial');
  for (const [name, arr] of Object.entries(src.trialArrays ?? {})) {
    if (arr.data.length !== T * arr.width)
      throw new SalShapeError(`${where}(${name})`, [T, arr.width], [arr.data.length / arr.width, arr.width], 'one row per trial');
  }
  const included: number[] = [];
  const counts: Record<string, number> = {};
  for (let t = 0; t < T; t++) {
    const tier = src.tiers[t] as string;
    counts[tier] = (counts[tier] ?? 0) + 1;
    if (trainTiers.has(tier) || testTiers.has(tier)) included.push(t);
  }
  if (!included.some((t) => trainTiers.has(src.tiers[t] as string)))
    throw new SalDataError(`${where}(tiers)`, `training trials (tiers ${[...trainTiers].join(', ')})`, counts);
  if (!included.some((t) => testTiers.has(src.tiers[t] as string)))
    throw new SalDataError(`${where}(tiers)`, `test trials (tiers ${[...testTiers].join(', ')})`, counts);
  const origId = (t: number): number => {
    if (!src.imageIds) return t;
    const v = Number(src.imageIds[t]);
    if (!Number.isSafeInteger(v)) throw new SalDataError(`${where}(imageIds)`, 'integer image ids', `${src.imageIds[t]} at trial ${t}`);
    return v;
  };
  // sal image index per distinct original id, in increasing original id
  const distinct = [...new Set(included.map(origId))].sort((a, b) => a - b);
  const salId = new Map<number, number>(distinct.map((id, i) => [id, i]));
  const n = distinct.length;
  let h = 0,
    w = 0;
  let images = new Uint8Array(0);
  const filled = new Uint8Array(n);
  const rows = { train: [] as number[], test: [] as number[] };
  const resp = { train: new Float32Array(0), test: new Float32Array(0) };
  for (const t of included) rows[testTiers.has(src.tiers[t] as string) ? 'test' : 'train'].push(t);
  resp.train = new Float32Array(rows.train.length * k);
  resp.test = new Float32Array(rows.test.length * k);
  const rowOf = new Map<number, [part: 'train' | 'test', row: number]>();
  rows.train.forEach((t, r) => rowOf.set(t, ['train', r]));
  rows.test.forEach((t, r) => rowOf.set(t, ['test', r]));
  for (const t of included) {
    const id = salId.get(origId(t)) as number;
    if (!filled[id] || checkRepeats) {
      const { plane, h: ph, w: pw } = toGreyPlane(await src.image(t), `${where}(image of trial ${t})`);
      if (h === 0) {
        h = ph;
        w = pw;
        images = new Uint8Array(n * h * w);
      } else if (ph !== h || pw !== w) {
        throw new SalShapeError(`${where}(image of trial ${t})`, [h, w], [ph, pw], 'all images must have one size');
      }
      if (!filled[id]) {
        images.set(plane, id * h * w);
        filled[id] = 1;
      } else {
        const base = id * h * w;
        for (let i = 0; i < h * w; i++) {
          if (images[base + i] !== plane[i])
            throw new SalDataError(
              `${where}(image of trial ${t})`,
              `the image of the other trials with image id ${origId(t)}`,
              `a different image (pixel ${i})`,
            );
        }
      }
    }
    const [part, row] = rowOf.get(t) as ['train' | 'test', number];
    const r = toFloat(await src.responses(t), k, `${where}(responses of trial ${t})`);
    const out = resp[part];
    for (let j = 0; j < k; j++) out[row * k + j] = r[j] as number;
  }
  const trials = { train: {} as Record<string, TrialArray>, test: {} as Record<string, TrialArray> };
  for (const part of ['train', 'test'] as const) {
    trials[part]['trial_index'] = { data: Int32Array.from(rows[part]), shape: [rows[part].length] };
    for (const [name, arr] of Object.entries(src.trialArrays ?? {})) {
      const data = new Float32Array(rows[part].length * arr.width);
      rows[part].forEach((t, r) => {
        for (let c = 0; c < arr.width; c++) data[r * arr.width + c] = arr.data[t * arr.width + c] as number;
      });
      trials[part][name] = { data, shape: [rows[part].length, arr.width] };
    }
  }
  const validationIds = [...new Set(rows.train.filter((t) => src.tiers[t] === 'validation').map((t) => salId.get(origId(t)) as number))].sort((a, b) => a - b);
  const meta: Record<string, JsonValue> = {
    source: { format: src.format, trainTiers: [...trainTiers], testTiers: [...testTiers], trialsPerTier: counts },
    imageIds: distinct,
    validationImageIds: validationIds,
    ...(src.neurons ? { neurons: src.neurons } : {}),
  };
  const dataset: RawDataset = {
    images,
    imagesShape: [n, h, w],
    sessions: [
      {
        key: sessionKey,
        nNeurons: k,
        trainResponses: resp.train,
        trainImageIds: Int32Array.from(rows.train, (t) => salId.get(origId(t)) as number),
        testResponses: resp.test,
        testImageIds: Int32Array.from(rows.test, (t) => salId.get(origId(t)) as number),
      },
    ],
    meta: meta as JsonObject,
  };
  return { dataset, trials };
}
