/**
 * On a user's data (no ground truth): does the saliency shifter's learned shift point toward each image's salient
 * point? Per neuron, the learned shift (image pixels, {@link learnedShiftsInPixels}) is projected on the unit
 * direction from the neuron's RF centre (the shifter model's mean gRF centre) to the image's salient point and
 * averaged over the analysis images; a sign-flip test over neurons asks whether the mean projection differs from 0.
 */
import { mean } from '@sal/types';
import type { SalDataset } from '@sal/saliency-loader';
import type { Encoder } from '@sal/train';
import type { GrfAnalysis } from './analysis.js';
import type { CropGeometry } from './data.js';
import { inputToImageCoords, learnedShiftsInPixels } from './learned-shifts.js';
import { pairedComparison, type PairedComparison } from './stats.js';

/** Per neuron (session order), on the images of the gRF analysis. */
export interface LearnedShiftAnalysis {
  neurons: { session: string; index: number }[];
  imageIds: number[];
  /** RF centre of each neuron used for the directions: the shifter model's mean gRF centre, image pixels (x, y). */
  centres: [number, number][];
  /** Mean over images of the learned shift projected on the direction to the salient point (image px; > 0: toward it). */
  projection: number[];
  /** Mean over images of the learned shift's length (image px). */
  magnitude: number[];
}

/** The numbers `results.json` keeps. */
export interface LearnedShiftSummary {
  /** Mean over neurons of the per-neuron projections (image px), with a sign-flip test against 0. */
  toward: PairedComparison;
  /** Mean over neurons of the mean shift length (image px). */
  meanMagnitude: number;
  images: number;
  /** How the projection was measured. */
  method: string;
}

export const LEARNED_SHIFT_METHOD =
  "learned shift of each neuron and image (the readout's learnedShifts, divided by the rescale factor: image pixels) projected on the unit direction from the neuron's mean gRF centre (shifter model) to the image's salient point, averaged over images whose salient point lies ≥ 1 px from the centre";

/**
 * The learned shifts of the shifter model `encoder` on the gRF analysis images `grf.imageIds` of `dataset`, against
 * the salient points `salientOf(imageId)` (full-image pixels). `null` when its readouts learn no shifts.
 */
export function analyseLearnedShiftsOnData(
  encoder: Encoder,
  dataset: SalDataset,
  grf: GrfAnalysis,
  crop: CropGeometry,
  salientOf: (imageId: number) => { x: number; y: number },
): LearnedShiftAnalysis | null {
  const ids = grf.imageIds;
  const [h, w, c] = dataset.inputShape;
  const m = ids.length;
  const inputs = { data: dataset.inputsOf(ids), shape: [m, h, w, c] as const };
  const salient = ids.map((id) => salientOf(id));
  const out: LearnedShiftAnalysis = { neurons: [], imageIds: [...ids], centres: [], projection: [], magnitude: [] };
  let k = 0;
  for (const s of dataset.sessions) {
    const shifts = learnedShiftsInPixels(encoder, s.key, inputs, { scale: crop.scale });
    if (!shifts) return null;
    for (let n = 0; n < s.nNeurons; n++, k++) {
      const [cx, cy] = inputToImageCoords(grf.neurons[k]!.meanCentre[0], grf.neurons[k]!.meanCentre[1], crop);
      let proj = 0,
        len = 0,
        cnt = 0;
      for (let i = 0; i < m; i++) {
        const sx = shifts[(i * s.nNeurons + n) * 2]!,
          sy = shifts[(i * s.nNeurons + n) * 2 + 1]!;
        len += Math.hypot(sx, sy);
        const dx = salient[i]!.x - cx,
          dy = salient[i]!.y - cy,
          d = Math.hypot(dx, dy);
        if (d < 1) continue;
        proj += (sx * dx + sy * dy) / d;
        cnt++;
      }
      out.neurons.push({ session: s.key, index: n });
      out.centres.push([cx, cy]);
      out.projection.push(cnt ? proj / cnt : Number.NaN);
      out.magnitude.push(m ? len / m : Number.NaN);
    }
  }
  return out;
}

/** Summary of {@link analyseLearnedShiftsOnData} (sign-flip test seeded with `permutationSeed`). */
export function summariseLearnedShifts(r: LearnedShiftAnalysis, permutationSeed: number): LearnedShiftSummary {
  return {
    toward: pairedComparison(
      r.projection,
      r.projection.map(() => 0),
      9999,
      permutationSeed,
    ),
    meanMagnitude: mean(r.magnitude.filter(Number.isFinite)),
    images: r.imageIds.length,
    method: LEARNED_SHIFT_METHOD,
  };
}
