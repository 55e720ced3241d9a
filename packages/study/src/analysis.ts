/**
 * Opening the trained models up: gradient receptive fields on held-out images, their centres against the
 * simulation's ground truth (RF recovery; does the centre move toward the salient object, per neuron and as a
 * permutation test), top/bottom images, value distributions, and the per-neuron gRF PCA with projections of
 * images into each neuron's gRF eigenspace.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  bottomKImages,
  gradientReceptiveFields,
  grfCentres,
  gatherGrfValues,
  hotPixels,
  predictResponses,
  rfShiftPermutationTest,
  topKImages,
  windowedGradientReceptiveFields,
  type CpuImages,
  type GrfArray,
  type GrfProgress,
  type ResponseModel,
} from '@sal/grf';
import { SalConfigError, pearson, type WindowedResponseModel } from '@sal/types';
import { fitEigenspaceProjector, grfPca } from '@sal/kpca';
import type { GroundTruth } from '@sal/sim';
import type { SalDataset } from '@sal/saliency-loader';
import { windowedResponseModel, type Encoder } from '@sal/train';
import type { StudyConfig } from './config.js';
import { toInputCoords, type CropGeometry } from './data.js';

/** gRFs and their statistics for every neuron of one model. */
export interface GrfAnalysis {
  /** Image ids the gRFs were computed on (validation split). */
  imageIds: number[];
  /** `[M, h, w]` the image channel of those inputs (normalised), for display. */
  images: Float32Array;
  h: number;
  w: number;
  /** Per session: `[N, M, h, w]` gRFs. */
  grfs: Record<string, Float32Array>;
  /** Per neuron, in session order. */
  neurons: NeuronGrfStats[];
  /** Permutation test of "gRF centres move toward the most salient object", over all neurons. */
  test: { statistic: number; pValue: number; permutations: number };
  /** Detection of shifting neurons by their per-neuron p-value < 0.05, against the ground truth (null without one). */
  detection: { truePositives: number; falsePositives: number; shifters: number; nonShifters: number } | null;
}

export interface NeuronGrfStats {
  session: string;
  index: number;
  /** Mean gRF centre over images, input pixels (x, y). */
  meanCentre: [number, number];
  /** The simulation's RF centre mapped into input pixels (null without ground truth). */
  trueCentre: [number, number] | null;
  /** Whether the simulated neuron shifts toward saliency (null without ground truth). */
  shifts: boolean | null;
  /** Mean projection of its centre displacement on the direction of the salient object (px). */
  meanProjection: number;
  pValue: number;
}

function imageChannel(inputs: Float32Array, m: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(m * h * w);
  for (let i = 0; i < m * h * w; i++) out[i] = inputs[i * c]!;
  return out;
}

/** The model of one session as a `ResponseModel` in evaluation mode. */
export function sessionModel(encoder: Encoder, key: string): ResponseModel {
  return (x) => encoder.predict(x, key, { training: false });
}

/**
 * gRFs (image channel 0) of every neuron of one session, `[N, M, h, w]`: on windows around each neuron's read
 * point when the model allows it (`windowedResponseModel`; the same values up to float rounding, many times
 * faster), otherwise one backward pass per neuron on whole images (e.g. the attention readout, or the saliency
 * shifter whose remapper reads the image). `windowed` says which path ran.
 */
export function sessionGrfs(encoder: Encoder, key: string, inputs: CpuImages, onProgress: GrfProgress | null = null): GrfArray & { windowed: boolean } {
  let model: WindowedResponseModel | null = null;
  try {
    model = windowedResponseModel(encoder, key);
  } catch (err) {
    if (!(err instanceof SalConfigError)) throw err;
  }
  if (model?.windowChannels.includes(0)) {
    const g = windowedGradientReceptiveFields(model, inputs, { channels: [0], onProgress });
    return { data: g.data, shape: g.shape, windowed: true };
  }
  const g = gradientReceptiveFields(sessionModel(encoder, key), inputs, { channels: [0], batchSize: 32, onProgress });
  return { data: g.data, shape: g.shape, windowed: false };
}

/** Validation image ids used for the analyses (the first `count`). */
export function analysisImageIds(dataset: SalDataset, count: number): number[] {
  return Array.from(dataset.split.validation.subarray(0, count));
}

/**
 * gRFs of every neuron of one model and the centre-of-mass test toward each image's salient point. The salient
 * point of an image is `salientOf(imageId)` in full-image pixels, by default the simulation's most salient object
 * (`truth.salientCentre`). Without ground truth (`truth` null, a user's data) the true centres, the shifting flags
 * and the detection counts are null.
 */
export function analyseGrfs(
  encoder: Encoder,
  dataset: SalDataset,
  truth: GroundTruth | null,
  crop: CropGeometry,
  config: StudyConfig,
  seed: number,
  salientOf?: (imageId: number) => { x: number; y: number },
): GrfAnalysis {
  const ids = analysisImageIds(dataset, config.analysis.grfImages);
  const [h, w, c] = dataset.inputShape;
  const m = ids.length;
  const inputs: CpuImages = { data: dataset.inputsOf(ids), shape: [m, h, w, c] };
  const salientPoint = salientOf ?? (truth ? (id: number) => truth.salientCentre(id) : null);
  if (!salientPoint) throw new SalConfigError('study.analyseGrfs', 'salientOf', 'salient points (no ground truth given)', 'none');
  const salient = new Float64Array(m * 2);
  ids.forEach((id, i) => {
    const s = salientPoint(id);
    const [x, y] = toInputCoords(s.x, s.y, crop);
    salient[2 * i] = x;
    salient[2 * i + 1] = y;
  });
  const grfs: Record<string, Float32Array> = {};
  const centresAll: number[] = [];
  const neurons: NeuronGrfStats[] = [];
  for (const s of dataset.sessions) {
    const g = sessionGrfs(encoder, s.key, inputs);
    grfs[s.key] = g.data;
    const { centres } = grfCentres({ data: g.data, shape: [s.nNeurons, m, h, w] });
    for (const v of centres) centresAll.push(v);
    for (let n = 0; n < s.nNeurons; n++) {
      const nt = truth ? truth.neuron(s.key, n) : null;
      const trueCentre = nt ? toInputCoords(nt.x, nt.y, crop) : null;
      neurons.push({ session: s.key, index: n, meanCentre: [0, 0], trueCentre, shifts: nt ? nt.shifts : null, meanProjection: 0, pValue: 1 });
    }
  }
  const N = neurons.length;
  const t = rfShiftPermutationTest(Float64Array.from(centresAll), [N, m], salient, { permutations: config.analysis.permutations, seed });
  let tp = 0,
    fp = 0,
    shifters = 0;
  neurons.forEach((nr, k) => {
    nr.meanCentre = [t.meanCentres[2 * k]!, t.meanCentres[2 * k + 1]!];
    nr.meanProjection = t.perNeuron[k]!;
    nr.pValue = t.perNeuronPValues[k]!;
    if (nr.shifts) shifters++;
    if (nr.pValue < 0.05) {
      if (nr.shifts) tp++;
      else fp++;
    }
  });
  return {
    imageIds: ids,
    images: imageChannel(inputs.data, m, h, w, c),
    h,
    w,
    grfs,
    neurons,
    test: { statistic: t.statistic, pValue: t.pValue, permutations: config.analysis.permutations },
    detection: truth ? { truePositives: tp, falsePositives: fp, shifters, nonShifters: N - shifters } : null,
  };
}

/** Per-neuron gRF PCA and eigenspace projections for the best neurons. */
export interface PcaAnalysis {
  neurons: { session: string; index: number; label: string }[];
  eigenvalues: number[][];
  cumulative: number[][];
  thresholdComponents: number[];
  /** For each projection count: `[neurons][images] → [h·w]` projected images, and the images shown. */
  projections: { count: number; images: Float32Array[][] }[];
  projectedImageIndices: number[];
}

export function analysePca(grf: GrfAnalysis, best: { session: string; index: number }[], config: StudyConfig, seed: number): PcaAnalysis {
  const { h, w } = grf;
  const P = h * w;
  const m = grf.imageIds.length;
  const shown = [0, 1, 2, 3].filter((i) => i < m);
  const out: PcaAnalysis = { neurons: [], eigenvalues: [], cumulative: [], thresholdComponents: [], projections: [], projectedImageIndices: shown };
  const rowsOf = (session: string, index: number, count: number) => {
    if (count > m) throw new RangeError(`study.analysePca: ${count} gRFs requested, ${m} computed`);
    const g = grf.grfs[session]!;
    const data = new Float64Array(count * P);
    for (let i = 0; i < count * P; i++) data[i] = g[index * m * P + i]!;
    return { rows: count, cols: P, data };
  };
  const imgs = { rows: shown.length, cols: P, data: Float64Array.from(shown.flatMap((i) => Array.from(grf.images.subarray(i * P, (i + 1) * P)))) };
  // counts larger than the gRFs computed (a small validation split) are capped, and the cap is reported
  const counts = [...new Set(config.analysis.projectionCounts.map((c) => Math.min(c, m)))];
  for (const count of counts) out.projections.push({ count, images: [] });
  for (const nb of best) {
    out.neurons.push({ ...nb, label: `${nb.session}/${nb.index}` });
    const pca = grfPca(rowsOf(nb.session, nb.index, m), { seed });
    out.eigenvalues.push(Array.from(pca.eigenvalues));
    out.cumulative.push(Array.from(pca.cumulativeVarianceRatio));
    out.thresholdComponents.push(pca.thresholdComponents);
    counts.forEach((count, pi) => {
      const proj = fitEigenspaceProjector(rowsOf(nb.session, nb.index, count), { seed });
      const projected = proj.project(imgs);
      out.projections[pi]!.images.push(shown.map((_, k) => Float32Array.from(projected.data.subarray(k * P, (k + 1) * P))));
    });
  }
  return out;
}

/** Images that drive a neuron most and least (by the model's prediction), and their gRF value distributions. */
export interface ExampleAnalysis {
  session: string;
  index: number;
  top: number[];
  bottom: number[];
  topValues: Float32Array;
  bottomValues: Float32Array;
  /** The model's predicted response to each of `top` and `bottom` (same order). */
  topResponses: number[];
  bottomResponses: number[];
  /** Hot pixels pooled over the best neurons of the session, for the first image. */
  hotMask: Uint8Array;
}

export function analyseExamples(
  encoder: Encoder,
  grf: GrfAnalysis,
  dataset: SalDataset,
  neuron: { session: string; index: number },
  k: number,
  bestOfSession: number[],
): ExampleAnalysis {
  const { h, w } = grf;
  const m = grf.imageIds.length;
  const [, , c] = dataset.inputShape;
  const inputs: CpuImages = { data: dataset.inputsOf(grf.imageIds), shape: [m, h, w, c] };
  const pred = predictResponses(sessionModel(encoder, neuron.session), inputs);
  const nNeurons = pred.shape[1];
  const col = new Float32Array(m);
  for (let i = 0; i < m; i++) col[i] = pred.data[i * nNeurons + neuron.index]!;
  const one = { data: col, shape: [m, 1] as [number, number] };
  const kk = Math.min(k, Math.floor(m / 2));
  const top = Array.from(topKImages(one, kk).indices);
  const bottom = Array.from(bottomKImages(one, kk).indices);
  const shape: [number, number, number, number] = [nNeurons, m, h, w];
  const g = { data: grf.grfs[neuron.session]!, shape };
  const hp = hotPixels(g, 0, { neurons: bestOfSession, fraction: 0.02 });
  return {
    ...neuron,
    top,
    bottom,
    topValues: gatherGrfValues(g, neuron.index, top),
    bottomValues: gatherGrfValues(g, neuron.index, bottom),
    topResponses: top.map((i) => col[i]!),
    bottomResponses: bottom.map((i) => col[i]!),
    hotMask: hp.mask,
  };
}

/** Tensors alive now (for the leak check the study runs between stages). */
export const liveTensors = (): number => tf.memory().numTensors;

/** The shifter model's own shifts against the simulation's true shifts, per neuron (input pixels). */
export interface ModelShiftAnalysis {
  neurons: { session: string; index: number; shifts: boolean }[];
  /** Mean over images of the true RF displacement projected on the direction to the most salient object. */
  trueProjection: number[];
  /** The same for the model's shift (its shifted readout position minus μ). */
  modelProjection: number[];
  /** Mean over the same images of the length of the model's shift, in any direction (px). */
  modelMagnitude: number[];
  /** Pearson correlation of the two over neurons. */
  agreement: number;
}

/**
 * The learned shift of every neuron and image (the readout's `learnedShifts`, input pixels, evaluation mode),
 * projected, like the true shift, on the unit direction from the neuron's true RF centre to the image's most
 * salient object, and averaged over images. Empty for models whose readouts learn no shifts.
 */
export function analyseModelShifts(encoder: Encoder, dataset: SalDataset, truth: GroundTruth, crop: CropGeometry, config: StudyConfig): ModelShiftAnalysis {
  const ids = analysisImageIds(dataset, config.analysis.grfImages);
  const [h, w, c] = dataset.inputShape;
  const m = ids.length;
  const inputs = dataset.inputsOf(ids);
  const out: ModelShiftAnalysis = { neurons: [], trueProjection: [], modelProjection: [], modelMagnitude: [], agreement: Number.NaN };
  for (const s of dataset.sessions) {
    const shifts = learnedShiftsOf(encoder, s.key, inputs, [m, h, w, c]);
    if (!shifts) return out;
    for (let n = 0; n < s.nNeurons; n++) {
      const nt = truth.neuron(s.key, n);
      const [cx, cy] = toInputCoords(nt.x, nt.y, crop);
      let tp = 0,
        mp = 0,
        mm = 0,
        cnt = 0;
      ids.forEach((id, i) => {
        const sal = truth.salientCentre(id);
        const [sx, sy] = toInputCoords(sal.x, sal.y, crop);
        const dx = sx - cx,
          dy = sy - cy,
          d = Math.hypot(dx, dy);
        if (d < 1) return;
        const ux = dx / d,
          uy = dy / d;
        const tc = truth.rfCentre(nt, id);
        const tdx = (tc.x - nt.x) * crop.scale,
          tdy = (tc.y - nt.y) * crop.scale;
        const k = (i * s.nNeurons + n) * 2;
        tp += tdx * ux + tdy * uy;
        mp += shifts[k]! * ux + shifts[k + 1]! * uy;
        mm += Math.hypot(shifts[k]!, shifts[k + 1]!);
        cnt++;
      });
      out.neurons.push({ session: s.key, index: n, shifts: nt.shifts });
      out.trueProjection.push(cnt ? tp / cnt : Number.NaN);
      out.modelProjection.push(cnt ? mp / cnt : Number.NaN);
      out.modelMagnitude.push(cnt ? mm / cnt : Number.NaN);
    }
  }
  // NaN (undefined) when either side is constant, e.g. the true shifts of a population where no RF shifts
  out.agreement = pearson(out.trueProjection, out.modelProjection, { skipNonFinite: true });
  return out;
}

/** The session readout's learned shifts `[m, N, 2]` (input pixels) on `inputs`, or null if it learns none. */
function learnedShiftsOf(encoder: Encoder, key: string, inputs: Float32Array, shape: [number, number, number, number]): Float64Array | null {
  const readout = encoder.readouts[key]!;
  if (typeof readout.learnedShifts !== 'function') return null;
  const x = tf.tensor4d(inputs, shape);
  const context = encoder.context(x, key);
  try {
    return readout.learnedShifts(shape[0], context ? { context } : {});
  } finally {
    x.dispose();
    context?.dispose();
  }
}
