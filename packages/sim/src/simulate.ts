/**
 * `simulateDataset`: images, neurons, shifts, Poisson responses and test repeats, returned as a
 * `RawDataset` (the ground truth in `meta`) and a typed {@link GroundTruth}.
 */
import { createRng, type RawDataset, type RawSession } from '@sal/types';
import { computeFeatureMaps, pooledEnergy, type FeatureMaps } from './features.js';
import { resolveSimulationOptions, type SimulationOptions } from './options.js';
import { calibrate, createPopulationResolved, rateFromEnergy, samplePoisson, shiftedCentre } from './population.js';
import { renderResolved, trueSaliency, type ImageTruth } from './stimulus.js';
import { groundTruthToJson, makeGroundTruth, type GroundTruth } from './truth.js';

/** What {@link simulateDataset} returns. */
export interface SimulationResult {
  readonly dataset: RawDataset;
  readonly truth: GroundTruth;
}

/** How far {@link simulateDataset} is: `stage` `'images'` (render, features, drive) or `'saliency'` (true maps). */
export type SimulationProgress = (stage: 'images' | 'saliency', done: number, total: number) => void;

/** Run-time hooks of {@link simulateDataset} (not simulation options: they change no result). */
export interface SimulationHooks {
  /** Called after every image of each stage. @default undefined */
  onProgress?: SimulationProgress;
}

/**
 * Simulate a multi-session V4 dataset with known ground truth. Deterministic from `opts.seed`; the
 * `'shift'` and `'noShift'` populations of one seed share images, neurons, trial order and random streams
 * and differ only in whether receptive fields shift.
 *
 * @example
 * const { dataset, truth } = simulateDataset({ nTrainImages: 1200, height: 96, width: 160, neuronsPerSession: 20 });
 */
export function simulateDataset(opts?: SimulationOptions, hooks: SimulationHooks = {}): SimulationResult {
  const o = resolveSimulationOptions(opts, 'sim.simulateDataset');
  const progress = hooks.onProgress;
  const { height: h, width: w, nTrainImages, nTestImages } = o;
  const nImages = nTrainImages + nTestImages;
  const px = h * w;
  let neurons = createPopulationResolved(o);
  const nN = neurons.length;
  const maxShiftPx = o.maxShift * h;

  const images = new Uint8Array(nImages * px);
  const imageTruths: ImageTruth[] = [];
  const nCal = Math.min(o.calibrationImages, nTrainImages);
  const logE0 = new Float64Array(nCal * nN);
  const energy = new Float64Array(nImages * nN);
  let maps: FeatureMaps | undefined;
  for (let i = 0; i < nImages; i++) {
    const stim = renderResolved(i, o, images.subarray(i * px, (i + 1) * px));
    const truth: ImageTruth = { objects: stim.objects, salient: stim.salient };
    imageTruths.push(truth);
    maps = computeFeatureMaps(stim.image, h, w, maps);
    for (let k = 0; k < nN; k++) {
      const n = neurons[k]!;
      const c = shiftedCentre(n, truth, maxShiftPx);
      const moved = c.x !== n.x || c.y !== n.y;
      // the unshifted energy is needed for calibration images, and as the response when the centre stays
      const e0 = i < nCal || !moved ? pooledEnergy(n.feature, maps, n.x, n.y, n.sigma) : 0;
      if (i < nCal) logE0[i * nN + k] = Math.log1p(e0);
      energy[i * nN + k] = moved ? pooledEnergy(n.feature, maps, c.x, c.y, n.sigma) : e0;
    }
    progress?.('images', i + 1, nImages);
  }
  neurons = calibrate(neurons, logE0, nCal);
  const rates = new Float64Array(nImages * nN);
  for (let i = 0; i < nImages; i++) {
    for (let k = 0; k < nN; k++) rates[i * nN + k] = rateFromEnergy(neurons[k]!, energy[i * nN + k]!);
  }

  const truth = makeGroundTruth(o, neurons, imageTruths);
  const root = createRng(o.seed);
  const nPerSession = Math.max(1, Math.round(o.sessionImageFraction * nTrainImages));
  const sessions: RawSession[] = truth.sessionKeys.map((key, s) => {
    const order = root.child(`trials:${key}`);
    const trainImageIds = order.permutation(nTrainImages).slice(0, nPerSession);
    const testIds: number[] = [];
    for (let t = 0; t < nTestImages; t++) for (let r = 0; r < o.testRepeats; r++) testIds.push(nTrainImages + t);
    const testImageIds = Int32Array.from(order.shuffle(testIds));
    // one spike stream per neuron and split: a neuron's counts depend only on its own rates
    const m = o.neuronsPerSession,
      first = s * m;
    const draw = (ids: Int32Array, split: string): Float32Array => {
      const out = new Float32Array(ids.length * m);
      for (let j = 0; j < m; j++) {
        const spikes = root.child(`spikes:${key}:${j}:${split}`);
        for (let t = 0; t < ids.length; t++) out[t * m + j] = samplePoisson(rates[ids[t]! * nN + first + j]!, spikes);
      }
      return out;
    };
    return {
      key,
      nNeurons: m,
      trainResponses: draw(trainImageIds, 'train'),
      trainImageIds,
      testResponses: draw(testImageIds, 'test'),
      testImageIds,
    };
  });

  let saliency: Float32Array | undefined;
  if (o.includeSaliency) {
    saliency = new Float32Array(nImages * px);
    for (let i = 0; i < nImages; i++) {
      saliency.set(trueSaliency(imageTruths[i]!, h, w, { output: 'logDensity' }), i * px);
      progress?.('saliency', i + 1, nImages);
    }
  }
  const dataset: RawDataset = {
    images,
    imagesShape: [nImages, h, w],
    sessions,
    ...(saliency ? { saliency } : {}),
    meta: { simulation: groundTruthToJson(truth) },
  };
  return { dataset, truth };
}
