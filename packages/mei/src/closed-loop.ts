/**
 * The closed loop in silico: synthesise each neuron's MEI on a model, show it to the TRUE simulated neuron
 * (`@sal/sim`), and compare its true response with the true response to the best natural image of the dataset
 * and to the best of a brute-force family of full-contrast patterns; locate the MEI against the true RF centre;
 * for shifting populations, check whether MEIs synthesised on images with a salient object move with it.
 */
import { SalConfigError, checkNumber, resolveOptions, type RawDataset } from '@sal/types';
import { computeFeatureMaps, neuronRate, type GroundTruth, type NeuronTruth } from '@sal/sim';
import type { SalDataset } from '@sal/saliency-loader';
import type { ResponseModel } from './model.js';
import { synthesizeMeis, type MeiOptions, type MeiResult } from './mei.js';
import { displayGeometry, pixelRange, toFullImage, toImageCoords, type DisplayGeometry } from './display.js';

/** What the closed loop needs: the dataset the model was trained on, its raw images and the simulation's truth. */
export interface ClosedLoopData {
  /** The preprocessed dataset (crop, scale, normalisation) the model reads. */
  readonly dataset: SalDataset;
  /** The raw dataset (full grey images) the simulation wrote. */
  readonly raw: RawDataset;
  /** The simulation's ground truth (e.g. `groundTruthFromJson(raw.meta.simulation)`). */
  readonly truth: GroundTruth;
  /** The session whose neurons the model predicts. */
  readonly sessionKey: string;
}

/** Options of {@link closedLoop}. */
export interface ClosedLoopOptions {
  /** Neuron indices within the session. `null`: all. @default null */
  neurons?: readonly number[] | null;
  /**
   * MEI synthesis options (not `neurons`); unset fields take {@link CLOSED_LOOP_MEI_DEFAULTS}, and `range`
   * defaults to the grey levels [0, 255] in model units, so that every MEI can be shown.
   * @default {}
   */
  mei?: Omit<MeiOptions, 'neurons'>;
  /** Natural images (ids of `raw`) searched for each neuron's best. `null`: every image. @default null */
  naturalImageIds?: readonly number[] | null;
  /** Also search the brute-force family of full-contrast gratings and plaids (see {@link patternImages}). @default true */
  patterns?: boolean;
  /**
   * Images with a salient object on which MEIs are also synthesised as perturbations of the image (norm
   * `shiftNorm`) to see whether they move with the object (the first ones of `naturalImageIds`). 0: skip. @default 0
   */
  shiftImages?: number;
  /** L2 norm (model units) of the perturbation MEIs of the shift check. @default 10 */
  shiftNorm?: number;
  /**
   * MEIs already synthesised on this model for these neurons (e.g. by `synthesizeMeis` with the image channel
   * only), used instead of synthesising them again. `null`: synthesise. @default null
   */
  meis?: MeiResult | null;
  /** Per-neuron scores (e.g. test correlations, session order) for the summary's selection. `null`: none. @default null */
  scores?: ArrayLike<number> | null;
  /** The summary also covers the neurons whose score exceeds this. @default 0.5 */
  minScore?: number;
  /**
   * The neurons' best true responses computed already (by {@link trueBests} with the same images and `patterns`),
   * used instead of searching the images again, e.g. when several models' MEIs are checked on the same neurons.
   * `null`: search. @default null
   */
  bests?: TrueBests | null;
}

/** The best true responses of some neurons over natural images and the pattern family (see {@link trueBests}). */
export interface TrueBests {
  /** `[neurons]` the largest true expected count over the natural images (each with its true, possibly shifted, centre). */
  readonly bestNatural: Float64Array;
  /** `[neurons]` the image of it. */
  readonly bestNaturalId: Int32Array;
  /** `[neurons]` the largest true expected count over the pattern family (NaN without patterns). */
  readonly bestPattern: Float64Array;
}

/** Defaults of {@link ClosedLoopOptions}. */
export const CLOSED_LOOP_DEFAULTS: Readonly<Required<ClosedLoopOptions>> = Object.freeze({
  neurons: null,
  mei: Object.freeze({}),
  naturalImageIds: null,
  meis: null,
  patterns: true,
  shiftImages: 0,
  shiftNorm: 10,
  scores: null,
  minScore: 0.5,
  bests: null,
});

/** The MEI options the closed loop uses unless told otherwise. */
export const CLOSED_LOOP_MEI_DEFAULTS: Readonly<Omit<MeiOptions, 'neurons'>> = Object.freeze({
  optimizer: 'adam',
  learningRate: 0.05,
  steps: 200,
  blur: 1,
  blurDecay: -0.005,
  init: 'noise',
  initStd: 0.1,
});

/** One neuron's closed-loop numbers. */
export interface ClosedLoopNeuron {
  /** Index within the session. */
  readonly neuron: number;
  /** The model's predicted response to its MEI. */
  readonly modelResponse: number;
  /** The true expected count for the MEI (shown at the crop's place on a mean-grey image; unshifted RF). */
  readonly trueMei: number;
  /** The largest true expected count over the natural images, and the image. */
  readonly bestNatural: number;
  readonly bestNaturalId: number;
  /** `trueMei / bestNatural`. */
  readonly ratioNatural: number;
  /** The largest true expected count over the pattern family (NaN without `patterns`). */
  readonly bestPattern: number;
  /** `trueMei / bestPattern` (NaN without `patterns`). */
  readonly ratioPattern: number;
  /** The true rate on a mean-grey image (the baseline). */
  readonly trueGrey: number;
  /** The MEI's centre (centre of mass of its squared deviation from grey), full-image pixels (x, y). */
  readonly meiCentre: readonly [number, number];
  /** The true (unshifted) RF centre, full-image pixels (x, y). */
  readonly trueCentre: readonly [number, number];
  /** Distance between the two, pixels. */
  readonly centreError: number;
  /** Whether the true RF shifts toward salient objects. */
  readonly shifts: boolean;
  /**
   * Shift check (with `shiftImages`): mean over images of the perturbation MEI's centre minus the grey MEI's
   * centre, projected on the unit vector from the true RF centre to the image's salient object (pixels); and the
   * same for the true RF centre. NaN without `shiftImages`.
   */
  readonly meiShiftTowardObject: number;
  readonly trueShiftTowardObject: number;
}

/** Medians over a set of neurons. */
export interface ClosedLoopSummary {
  readonly count: number;
  readonly medianRatioNatural: number;
  readonly medianRatioPattern: number;
  /** Fraction of neurons whose MEI drives the true neuron at least as much as the best natural image. */
  readonly fractionAboveNatural: number;
  readonly medianCentreError: number;
  /** Mean `meiShiftTowardObject` of shifting and of non-shifting neurons. */
  readonly meanMeiShiftShifting: number;
  readonly meanMeiShiftFixed: number;
  readonly meanTrueShiftShifting: number;
}

/** Result of {@link closedLoop}. */
export interface ClosedLoopResult {
  readonly neurons: readonly ClosedLoopNeuron[];
  /** Over every neuron. */
  readonly all: ClosedLoopSummary;
  /** Over the neurons whose score exceeds `minScore` (equal to `all` without scores). */
  readonly selected: ClosedLoopSummary;
  /** The MEIs in model space, image channel `[neurons, h, w]`. */
  readonly meis: Float32Array;
  /** The MEIs as shown to the true neurons, `[neurons, H, W]` grey levels. */
  readonly shown: Float32Array;
  readonly geometry: DisplayGeometry;
}

const WHERE = 'mei.closedLoop';

function median(v: number[]): number {
  const s = v.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function meanOf(v: number[]): number {
  const s = v.filter(Number.isFinite);
  return s.length === 0 ? Number.NaN : s.reduce((a, b) => a + b, 0) / s.length;
}

/** Centre of mass (x, y) of `(v − ref)²` over an `[h, w]` plane. */
function centreOfMass(v: ArrayLike<number>, ref: ArrayLike<number> | number, h: number, w: number): [number, number] {
  let s = 0,
    sx = 0,
    sy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const r = typeof ref === 'number' ? ref : ref[y * w + x]!;
      const q = (v[y * w + x]! - r) ** 2;
      s += q;
      sx += q * x;
      sy += q * y;
    }
  }
  return s > 0 ? [sx / s, sy / s] : [Number.NaN, Number.NaN];
}

/**
 * The brute-force pattern family: full-contrast gratings `127.5 + 127.5·cos(2π(x cos θ + y sin θ)/λ + φ)` and
 * plaids (the product of two orthogonal such cosines), 16 orientations θ, periods λ of 3, 4, 6, 8, 12, 16, 24
 * and 32 pixels, phases φ of 0 and π/2. Its best true response is a lower bound of the true neuron's optimum
 * at full contrast.
 * @returns each pattern `[H·W]` grey levels, in turn
 */
export function* patternImages(h: number, w: number): Generator<Float32Array> {
  checkNumber('mei.patternImages', 'h', h, { min: 1, integer: true });
  checkNumber('mei.patternImages', 'w', w, { min: 1, integer: true });
  for (const plaid of [false, true]) {
    for (let o = 0; o < 16; o++) {
      const th = (o * Math.PI) / 16;
      const c = Math.cos(th),
        s = Math.sin(th);
      for (const lambda of [3, 4, 6, 8, 12, 16, 24, 32]) {
        for (const phi of [0, Math.PI / 2]) {
          const img = new Float32Array(h * w);
          for (let y = 0; y < h; y++) {
            for (let x = 0; x < w; x++) {
              const a = Math.cos((2 * Math.PI * (x * c + y * s)) / lambda + phi);
              const b = plaid ? Math.cos((2 * Math.PI * (-x * s + y * c)) / lambda + phi) : 1;
              img[y * w + x] = 127.5 + 127.5 * a * b;
            }
          }
          yield img;
        }
      }
    }
  }
}

/**
 * The best true responses of `neurons` over the natural images `naturalImageIds` of `raw` (each image with the
 * neuron's true, possibly shifted, RF centre) and, with `patterns`, over the {@link patternImages} (unshifted):
 * what {@link closedLoop} compares each MEI with. Each image's feature maps are computed once for all neurons.
 * @throws SalConfigError for image ids outside `raw` or images of another size than the truth's
 */
export function trueBests(
  raw: RawDataset,
  truth: GroundTruth,
  neurons: readonly NeuronTruth[],
  opts: { naturalImageIds?: readonly number[] | null; patterns?: boolean } = {},
): TrueBests {
  const where = 'mei.trueBests';
  const [H, W] = truth.imageShape;
  const [nImg, rh, rw] = raw.imagesShape;
  if (rh !== H || rw !== W) throw new SalConfigError(where, 'raw', `images of the truth's ${H}×${W}`, [rh, rw]);
  const ids = opts.naturalImageIds ?? Array.from({ length: nImg }, (_, i) => i);
  for (const id of ids) checkNumber(where, 'naturalImageIds', id, { min: 0, max: nImg - 1, integer: true });
  const K = neurons.length;
  const bestNatural = new Float64Array(K).fill(-Infinity);
  const bestNaturalId = new Int32Array(K).fill(-1);
  for (const id of ids) {
    const maps = computeFeatureMaps(raw.images.subarray(id * H * W, (id + 1) * H * W), H, W);
    neurons.forEach((t, k) => {
      const r = neuronRate(t, maps, truth.rfCentre(t, id));
      if (r > bestNatural[k]!) {
        bestNatural[k] = r;
        bestNaturalId[k] = id;
      }
    });
  }
  const patterns = opts.patterns ?? true;
  const bestPattern = new Float64Array(K).fill(patterns ? -Infinity : Number.NaN);
  if (patterns) {
    for (const img of patternImages(H, W)) {
      const maps = computeFeatureMaps(img, H, W);
      neurons.forEach((t, k) => {
        bestPattern[k] = Math.max(bestPattern[k]!, neuronRate(t, maps, t));
      });
    }
  }
  return { bestNatural, bestNaturalId, bestPattern };
}

/** True expected count of `neuron` for a full grey image `[H·W]` with its RF at `centre` (default: unshifted). */
export function trueResponse(truth: GroundTruth, neuron: NeuronTruth, image: ArrayLike<number>, centre?: { x: number; y: number }): number {
  const [h, w] = truth.imageShape;
  return neuronRate(neuron, computeFeatureMaps(image, h, w), centre ?? neuron);
}

function summarise(rows: ClosedLoopNeuron[]): ClosedLoopSummary {
  return {
    count: rows.length,
    medianRatioNatural: median(rows.map((r) => r.ratioNatural)),
    medianRatioPattern: median(rows.map((r) => r.ratioPattern)),
    fractionAboveNatural: rows.length === 0 ? Number.NaN : rows.filter((r) => r.ratioNatural >= 1).length / rows.length,
    medianCentreError: median(rows.map((r) => r.centreError)),
    meanMeiShiftShifting: meanOf(rows.filter((r) => r.shifts).map((r) => r.meiShiftTowardObject)),
    meanMeiShiftFixed: meanOf(rows.filter((r) => !r.shifts).map((r) => r.meiShiftTowardObject)),
    meanTrueShiftShifting: meanOf(rows.filter((r) => r.shifts).map((r) => r.trueShiftTowardObject)),
  };
}

/**
 * Closed-loop check of a model's MEIs on the simulated population (see the module comment). The MEIs optimise
 * the image channel; other input channels (saliency, gradients) stay at the dataset mean (0) on grey, and at
 * the image's own values in the shift check.
 * @param model evaluation-mode model of `data.sessionKey` on `data.dataset`'s inputs (a single encoder's or an
 *   ensemble's `responseModel`)
 * @throws SalConfigError for a bad option or a session the truth does not know
 */
export function closedLoop(model: ResponseModel, data: ClosedLoopData, opts?: ClosedLoopOptions): ClosedLoopResult {
  const o = resolveOptions<ClosedLoopOptions>(WHERE, CLOSED_LOOP_DEFAULTS, opts);
  if (data === null || typeof data !== 'object' || !data.dataset || !data.raw || !data.truth)
    throw new TypeError(`${WHERE}: data must be { dataset, raw, truth, sessionKey }`);
  const { dataset, raw, truth, sessionKey } = data;
  if (!truth.sessionKeys.includes(sessionKey)) throw new SalConfigError(WHERE, 'sessionKey', `one of ${truth.sessionKeys.join(', ')}`, sessionKey);
  const [H, W] = truth.imageShape;
  const [nImg, rh, rw] = raw.imagesShape;
  if (rh !== H || rw !== W) throw new SalConfigError(WHERE, 'data.raw', `images of the truth's ${H}×${W}`, [rh, rw]);
  const geometry = displayGeometry(dataset, [H, W]);
  const [h, w, c] = dataset.inputShape;
  const imgCh = dataset.channelNames.indexOf('image');
  const session = dataset.sessions.find((s) => s.key === sessionKey);
  if (!session) throw new SalConfigError(WHERE, 'sessionKey', 'a session of the dataset', sessionKey);
  const neurons =
    o.neurons === null
      ? Array.from({ length: session.nNeurons }, (_, i) => i)
      : (Array.isArray(o.neurons)
          ? o.neurons
          : (() => {
              throw new SalConfigError(WHERE, 'neurons', 'an array of neuron indices or null', o.neurons);
            })()
        ).map((n) => checkNumber(WHERE, 'neurons', n, { min: 0, max: session.nNeurons - 1, integer: true }));
  const ids =
    o.naturalImageIds === null
      ? Array.from({ length: nImg }, (_, i) => i)
      : o.naturalImageIds.map((id) => checkNumber(WHERE, 'naturalImageIds', id, { min: 0, max: nImg - 1, integer: true }));
  if (ids.length === 0) throw new SalConfigError(WHERE, 'naturalImageIds', 'at least one image', ids);
  checkNumber(WHERE, 'shiftImages', o.shiftImages, { min: 0, max: ids.length, integer: true });
  checkNumber(WHERE, 'shiftNorm', o.shiftNorm, { min: 0, exclusiveMin: true });
  checkNumber(WHERE, 'minScore', o.minScore);
  if (o.scores !== null && (typeof o.scores !== 'object' || o.scores.length !== session.nNeurons)) {
    throw new SalConfigError(WHERE, 'scores', `null or ${session.nNeurons} per-neuron scores`, o.scores);
  }
  if (o.mei === null || typeof o.mei !== 'object' || 'neurons' in o.mei) throw new SalConfigError(WHERE, 'mei', 'MEI options without neurons', o.mei);
  const meiOpts: MeiOptions = { ...CLOSED_LOOP_MEI_DEFAULTS, range: pixelRange(geometry), ...o.mei, channels: [imgCh], neurons };
  const truths = neurons.map((n) => truth.neuron(sessionKey, n));

  // MEIs on grey
  let res: MeiResult;
  if (o.meis !== null) {
    res = o.meis;
    const P0 = res.shape[0] / neurons.length;
    if (!Number.isInteger(P0) || res.shape[1] !== h || res.shape[2] !== w || res.shape[3] !== 1 || neurons.some((n, k) => res.neurons[k * P0] !== n)) {
      throw new SalConfigError(WHERE, 'meis', `MEIs of the image channel [${neurons.length}·perNeuron, ${h}, ${w}, 1] of neurons ${JSON.stringify(neurons)}`, {
        shape: res.shape,
        neurons: Array.from(res.neurons),
      });
    }
  } else res = synthesizeMeis(model, [h, w, c], meiOpts);
  const P = res.shape[0] / neurons.length;
  const K = neurons.length;
  const meis = new Float32Array(K * h * w);
  for (let k = 0; k < K; k++) meis.set(res.data.subarray(k * P * h * w, (k * P + 1) * h * w), k * h * w);
  const shown = new Float32Array(K * H * W);
  const grey = new Float32Array(H * W).fill(geometry.mean);
  const greyMaps = computeFeatureMaps(grey, H, W);

  // true responses to natural images (with their true, possibly shifted, centres) and to the patterns
  if (o.bests !== null && (typeof o.bests !== 'object' || [o.bests.bestNatural, o.bests.bestNaturalId, o.bests.bestPattern].some((a) => a?.length !== K))) {
    throw new SalConfigError(WHERE, 'bests', `null or trueBests of the ${K} neurons`, o.bests);
  }
  const {
    bestNatural: bestNat,
    bestNaturalId: bestNatId,
    bestPattern: bestPat,
  } = o.bests ?? trueBests(raw, truth, truths, { naturalImageIds: ids, patterns: o.patterns });

  // shift check: perturbation MEIs on images with objects
  const meiShift = new Float64Array(K).fill(Number.NaN);
  const trueShift = new Float64Array(K).fill(Number.NaN);
  const greyCentres = Array.from({ length: K }, (_, k) => centreOfMass(meis.subarray(k * h * w, (k + 1) * h * w), 0, h, w));
  if (o.shiftImages > 0) {
    const sumMei = new Float64Array(K),
      sumTrue = new Float64Array(K),
      cnt = new Float64Array(K);
    for (const id of ids.slice(0, o.shiftImages)) {
      const base = dataset.input(id);
      const init = Float32Array.from({ length: h * w }, (_, q) => base[q * c + imgCh]!);
      const r = synthesizeMeis(model, [h, w, c], { ...meiOpts, perNeuron: 1, base, init, norm: o.shiftNorm, seed: (meiOpts.seed ?? 0) + 1 + id });
      const sal = truth.salientCentre(id);
      truths.forEach((t, k) => {
        const [mx, my] = centreOfMass(r.data.subarray(k * h * w, (k + 1) * h * w), init, h, w);
        const [gx, gy] = greyCentres[k]!;
        const d = Math.hypot(sal.x - t.x, sal.y - t.y);
        if (d === 0 || !Number.isFinite(mx) || !Number.isFinite(gx)) return;
        const ux = (sal.x - t.x) / d,
          uy = (sal.y - t.y) / d;
        const [fx, fy] = toImageCoords(mx, my, geometry);
        const [fgx, fgy] = toImageCoords(gx, gy, geometry);
        const tc = truth.rfCentre(t, id);
        sumMei[k] = sumMei[k]! + (fx - fgx) * ux + (fy - fgy) * uy;
        sumTrue[k] = sumTrue[k]! + (tc.x - t.x) * ux + (tc.y - t.y) * uy;
        cnt[k] = cnt[k]! + 1;
      });
    }
    for (let k = 0; k < K; k++)
      if (cnt[k]! > 0) {
        meiShift[k] = sumMei[k]! / cnt[k]!;
        trueShift[k] = sumTrue[k]! / cnt[k]!;
      }
  }

  const rows: ClosedLoopNeuron[] = truths.map((t, k) => {
    const img = toFullImage(meis.subarray(k * h * w, (k + 1) * h * w), geometry, geometry.mean);
    shown.set(img, k * H * W);
    const trueMei = trueResponse(truth, t, img);
    const [cx, cy] = greyCentres[k]!;
    const meiCentre = toImageCoords(cx, cy, geometry);
    return {
      neuron: neurons[k]!,
      modelResponse: res.activations[k * P]!,
      trueMei,
      bestNatural: bestNat[k]!,
      bestNaturalId: bestNatId[k]!,
      ratioNatural: trueMei / bestNat[k]!,
      bestPattern: bestPat[k]!,
      ratioPattern: trueMei / bestPat[k]!,
      trueGrey: neuronRate(t, greyMaps, t),
      meiCentre,
      trueCentre: [t.x, t.y],
      centreError: Math.hypot(meiCentre[0] - t.x, meiCentre[1] - t.y),
      shifts: t.shifts,
      meiShiftTowardObject: meiShift[k]!,
      trueShiftTowardObject: trueShift[k]!,
    };
  });
  const selected = o.scores === null ? rows : rows.filter((r) => o.scores![r.neuron]! > o.minScore);
  return { neurons: rows, all: summarise(rows), selected: summarise(selected), meis, shown, geometry };
}
