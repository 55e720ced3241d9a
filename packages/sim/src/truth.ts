/**
 * The ground truth of a simulated dataset, as a typed object and as compact plain JSON (saved in
 * `RawDataset.meta`). Per-image × per-neuron quantities are not stored: {@link GroundTruth.rfCentre}
 * recomputes the true centre, and {@link neuronRates} the true expected counts.
 */
import { SalDataError, type JsonObject, type JsonValue } from '@sal/types';
import { computeFeatureMaps, type FeaturePreference } from './features.js';
import {
  OBJECT_KINDS,
  resolveSimulationOptions,
  type ObjectKind,
  type PopulationKind,
  type ResolvedSimulationOptions,
  type SimulationOptions,
} from './options.js';
import { neuronRate, shiftedCentre, type NeuronTruth, type Point } from './population.js';
import { featureStride, type ImageTruth, type SalientObject } from './stimulus.js';

/** Tag of the JSON form. */
export const GROUND_TRUTH_KIND = 'sal.sim.groundTruth';
/** Version of the JSON form. */
export const GROUND_TRUTH_VERSION = 1;

/** Everything the simulation knows. */
export interface GroundTruth {
  readonly population: PopulationKind;
  /** The resolved options the data were made with (they re-create the dataset exactly). */
  readonly options: ResolvedSimulationOptions;
  /** `[height, width]` of the images. */
  readonly imageShape: readonly [h: number, w: number];
  /** Largest shift in pixels. */
  readonly maxShiftPx: number;
  /** Stride of the neurons' feature grid in pixels. */
  readonly featureStride: number;
  readonly sessionKeys: readonly string[];
  /** Every neuron, session-major (`neurons[id]`). */
  readonly neurons: readonly NeuronTruth[];
  /** Every image (`images[imageId]`). */
  readonly images: readonly ImageTruth[];
  /** Ids `0…nTrainImages-1` form the training pool; the rest are test images. */
  readonly nTrainImages: number;
  /** The neuron recorded in column `index` of session `sessionKey`. */
  neuron(sessionKey: string, index: number): NeuronTruth;
  /** The true (possibly shifted) receptive-field centre of a neuron (object or global id) on an image, pixels. */
  rfCentre(neuron: NeuronTruth | number, imageId: number): Point;
  /** The centre of the most salient object of an image, pixels. */
  salientCentre(imageId: number): Point;
}

/** Assemble a {@link GroundTruth} from its parts. */
export function makeGroundTruth(options: ResolvedSimulationOptions, neurons: readonly NeuronTruth[], images: readonly ImageTruth[]): GroundTruth {
  const where = 'sim.GroundTruth';
  const h = options.height,
    w = options.width;
  const maxShiftPx = options.maxShift * h;
  const keys = Array.from({ length: options.nSessions }, (_, s) => neurons[s * options.neuronsPerSession]?.session ?? `sim${s}`);
  const byKey = new Map(keys.map((k, s) => [k, s]));
  const image = (id: number): ImageTruth => {
    const im = images[id];
    if (im === undefined || !Number.isInteger(id)) throw new SalDataError(where, `an image id in [0, ${images.length})`, id);
    return im;
  };
  const pick = (n: NeuronTruth | number): NeuronTruth => {
    if (typeof n !== 'number') return n;
    const neuron = neurons[n];
    if (neuron === undefined || !Number.isInteger(n)) throw new SalDataError(where, `a neuron id in [0, ${neurons.length})`, n);
    return neuron;
  };
  return {
    population: options.population,
    options,
    imageShape: [h, w],
    maxShiftPx,
    featureStride: featureStride(h),
    sessionKeys: keys,
    neurons,
    images,
    nTrainImages: options.nTrainImages,
    neuron(sessionKey: string, index: number): NeuronTruth {
      const s = byKey.get(sessionKey);
      if (s === undefined) throw new SalDataError(where, `a session key among ${keys.join(', ')}`, sessionKey);
      if (!Number.isInteger(index) || index < 0 || index >= options.neuronsPerSession) {
        throw new SalDataError(where, `a neuron index in [0, ${options.neuronsPerSession})`, index);
      }
      return neurons[s * options.neuronsPerSession + index]!;
    },
    rfCentre(n: NeuronTruth | number, imageId: number): Point {
      return shiftedCentre(pick(n), image(imageId), maxShiftPx);
    },
    salientCentre(imageId: number): Point {
      const im = image(imageId);
      const o = im.objects[im.salient]!;
      return { x: o.x, y: o.y };
    },
  };
}

/**
 * The true expected counts `[neurons]` (global order) of every neuron on image `imageId`, whose pixels are
 * `image` (`[height, width]`, e.g. a row of `dataset.images`).
 */
export function neuronRates(truth: GroundTruth, image: ArrayLike<number>, imageId: number): Float64Array {
  const [h, w] = truth.imageShape;
  const maps = computeFeatureMaps(image, h, w);
  const out = new Float64Array(truth.neurons.length);
  truth.neurons.forEach((n, k) => {
    out[k] = neuronRate(n, maps, truth.rfCentre(n, imageId));
  });
  return out;
}

const NEURON_FIELDS = ['x', 'y', 'sigma', 'baseline', 'gain', 'slope', 'threshold', 'logEnergyMean', 'logEnergyStd', 'shiftStrength'] as const;
const OBJECT_FIELDS = ['x', 'y', 'rx', 'ry', 'angle', 'contrast', 'salience'] as const;

/**
 * Compact plain JSON of the ground truth: options, neurons as columns, objects as columns with a count
 * per image. Round-trips exactly through {@link groundTruthFromJson}.
 */
export function groundTruthToJson(truth: GroundTruth): JsonObject {
  const neurons: Record<string, JsonValue[]> = {
    session: [],
    index: [],
    featureKind: [],
    featureScale: [],
    orientation: [],
    selectivity: [],
    shifts: [],
  };
  for (const f of NEURON_FIELDS) neurons[f] = [];
  for (const n of truth.neurons) {
    neurons.session!.push(n.session);
    neurons.index!.push(n.index);
    neurons.featureKind!.push(n.feature.kind);
    neurons.featureScale!.push(n.feature.scale);
    neurons.orientation!.push(n.feature.orientation);
    neurons.selectivity!.push(n.feature.selectivity);
    neurons.shifts!.push(n.shifts);
    for (const f of NEURON_FIELDS) neurons[f]!.push(n[f]);
  }
  const objects: Record<string, number[]> = { count: [], salient: [], kind: [] };
  for (const f of OBJECT_FIELDS) objects[f] = [];
  for (const im of truth.images) {
    objects.count!.push(im.objects.length);
    objects.salient!.push(im.salient);
    for (const o of im.objects) {
      objects.kind!.push(OBJECT_KINDS.indexOf(o.kind));
      for (const f of OBJECT_FIELDS) objects[f]!.push(o[f]);
    }
  }
  const options = { ...truth.options, objectKinds: [...truth.options.objectKinds] } as unknown as JsonObject;
  return {
    kind: GROUND_TRUTH_KIND,
    version: GROUND_TRUTH_VERSION,
    objectKinds: [...OBJECT_KINDS],
    options: JSON.parse(JSON.stringify(options)) as JsonObject,
    neurons: neurons as JsonObject,
    images: objects as unknown as JsonObject,
  };
}

function arr(json: unknown, name: string, length: number, type: 'number' | 'string' | 'boolean'): unknown[] {
  if (!Array.isArray(json) || json.length !== length || !json.every((v) => typeof v === type)) {
    throw new SalDataError('sim.groundTruthFromJson', `'${name}' as ${length} ${type}s`, Array.isArray(json) ? `${json.length} values` : json);
  }
  return json;
}

/** Rebuild a {@link GroundTruth} from {@link groundTruthToJson}'s output; malformed input throws `SalDataError`. */
export function groundTruthFromJson(json: unknown): GroundTruth {
  const where = 'sim.groundTruthFromJson';
  if (json === null || typeof json !== 'object') throw new SalDataError(where, 'an object', json);
  const j = json as Record<string, unknown>;
  if (j.kind !== GROUND_TRUTH_KIND) throw new SalDataError(where, `kind '${GROUND_TRUTH_KIND}'`, j.kind);
  if (j.version !== GROUND_TRUTH_VERSION) throw new SalDataError(where, `version ${GROUND_TRUTH_VERSION}`, j.version);
  let options: ResolvedSimulationOptions;
  try {
    options = resolveSimulationOptions(j.options as SimulationOptions, where);
  } catch (e) {
    throw new SalDataError(where, 'valid simulation options', (e as Error).message);
  }
  const nNeurons = options.nSessions * options.neuronsPerSession;
  const nImages = options.nTrainImages + options.nTestImages;
  const nj = (j.neurons ?? {}) as Record<string, unknown>;
  const col = (name: string, type: 'number' | 'string' | 'boolean'): unknown[] => arr(nj[name], `neurons.${name}`, nNeurons, type);
  const session = col('session', 'string') as string[];
  const index = col('index', 'number') as number[];
  const kind = col('featureKind', 'string') as string[];
  const scale = col('featureScale', 'string') as string[];
  const orientation = col('orientation', 'number') as number[];
  const selectivity = col('selectivity', 'number') as number[];
  const shifts = col('shifts', 'boolean') as boolean[];
  const fields = Object.fromEntries(NEURON_FIELDS.map((f) => [f, col(f, 'number') as number[]])) as Record<(typeof NEURON_FIELDS)[number], number[]>;
  const neurons: NeuronTruth[] = [];
  for (let k = 0; k < nNeurons; k++) {
    const fk = kind[k],
      fs = scale[k];
    if ((fk !== 'oriented' && fk !== 'blob') || (fs !== 'fine' && fs !== 'coarse')) {
      throw new SalDataError(where, "feature kind 'oriented'|'blob' and scale 'fine'|'coarse'", `${fk}/${fs}`);
    }
    const feature: FeaturePreference = { kind: fk, scale: fs, orientation: orientation[k]!, selectivity: selectivity[k]! };
    neurons.push({
      session: session[k]!,
      index: index[k]!,
      id: k,
      x: fields.x[k]!,
      y: fields.y[k]!,
      sigma: fields.sigma[k]!,
      feature,
      baseline: fields.baseline[k]!,
      gain: fields.gain[k]!,
      slope: fields.slope[k]!,
      threshold: fields.threshold[k]!,
      logEnergyMean: fields.logEnergyMean[k]!,
      logEnergyStd: fields.logEnergyStd[k]!,
      shifts: shifts[k]!,
      shiftStrength: fields.shiftStrength[k]!,
    });
  }
  const ij = (j.images ?? {}) as Record<string, unknown>;
  const count = arr(ij.count, 'images.count', nImages, 'number') as number[];
  const salient = arr(ij.salient, 'images.salient', nImages, 'number') as number[];
  const nObjects = count.reduce((a, b) => a + b, 0);
  const kinds = arr(ij.kind, 'images.kind', nObjects, 'number') as number[];
  const ofields = Object.fromEntries(OBJECT_FIELDS.map((f) => [f, arr(ij[f], `images.${f}`, nObjects, 'number') as number[]])) as Record<
    (typeof OBJECT_FIELDS)[number],
    number[]
  >;
  const images: ImageTruth[] = [];
  let p = 0;
  for (let i = 0; i < nImages; i++) {
    const objects: SalientObject[] = [];
    for (let k = 0; k < count[i]!; k++, p++) {
      const ok = OBJECT_KINDS[kinds[p]!] as ObjectKind | undefined;
      if (ok === undefined) throw new SalDataError(where, `an object kind code in [0, ${OBJECT_KINDS.length})`, kinds[p]);
      objects.push({
        kind: ok,
        x: ofields.x[p]!,
        y: ofields.y[p]!,
        rx: ofields.rx[p]!,
        ry: ofields.ry[p]!,
        angle: ofields.angle[p]!,
        contrast: ofields.contrast[p]!,
        salience: ofields.salience[p]!,
      });
    }
    if (!(salient[i]! >= 0 && salient[i]! < objects.length)) throw new SalDataError(where, `images.salient[${i}] < ${objects.length}`, salient[i]);
    images.push({ objects, salient: salient[i]! });
  }
  return makeGroundTruth(options, neurons, images);
}
