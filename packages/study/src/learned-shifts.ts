/**
 * The saliency shifter's learned shifts in image pixels, through the public `Readout.learnedShifts` contract (any
 * readout that shifts its read points with a context), and the mapping between the model's input pixels and the
 * pixels of the dataset's full images.
 *
 * Frames: a dataset's input is the full image cropped by `[[top, bottom], [left, right]]` pixels and rescaled by
 * `scale` (skimage's pixel-centre convention: input pixel i covers image `(i + 0.5) / scale − 0.5` after the crop
 * offset). `learnedShifts` returns feature-map pixels, which equal input pixels for the stride-1 cores of sal (they
 * differ by an offset only). A shift of `d` input pixels is therefore `d / scale` image pixels, whatever the crop.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, checkNumber } from '@sal/types';
import type { Encoder } from '@sal/train';
import type { CropGeometry } from './data.js';

/**
 * Full-image pixel coordinates (x = column, y = row) of an input-pixel position of the cropped, rescaled input: the
 * inverse of `toInputCoords`, `x_image = (x_input + 0.5) / scale − 0.5 + left` (and the same for y with `top`).
 */
export function inputToImageCoords(x: number, y: number, crop: Pick<CropGeometry, 'pixels' | 'scale'>): [number, number] {
  const [[top], [left]] = crop.pixels;
  return [(x + 0.5) / crop.scale - 0.5 + left, (y + 0.5) / crop.scale - 0.5 + top];
}

/** Options of {@link learnedShiftsInPixels}. */
export interface LearnedShiftsOptions {
  /** Rescale factor between the full images and the model input (the dataset's `scale`). @default 1 */
  scale?: number;
}

/**
 * The learned shift of every (image, neuron) of one session in **image pixels** (x, y), evaluation mode: the
 * session readout's `learnedShifts` (feature-map = input pixels) on the context the encoder builds for `inputs`,
 * divided by `scale`. `null` when the session's readout learns no shifts (e.g. the Gaussian readout).
 * @param inputs `{ data, shape: [m, h, w, C] }` model inputs (e.g. `dataset.inputsOf(ids)`), NHWC
 * @returns `[m, N, 2]` row-major, double precision
 */
export function learnedShiftsInPixels(
  encoder: Encoder,
  sessionKey: string,
  inputs: { data: Float32Array; shape: readonly [number, number, number, number] },
  opts: LearnedShiftsOptions = {},
): Float64Array | null {
  const where = 'study.learnedShiftsInPixels';
  const scale = checkNumber(where, 'scale', opts.scale ?? 1, { min: 0, exclusiveMin: true });
  const readout = encoder.readouts[sessionKey];
  if (!readout) throw new SalConfigError(where, 'sessionKey', `one of ${encoder.sessionKeys.join(', ')}`, sessionKey);
  const [m, h, w, c] = inputs.shape;
  if (inputs.shape.length !== 4 || !(m >= 1) || inputs.data.length !== m * h * w * c) {
    throw new SalShapeError(`${where} inputs`, ['m ≥ 1', 'h', 'w', 'C'], inputs.shape, `data of ${inputs.data.length} values`);
  }
  if (typeof readout.learnedShifts !== 'function') return null;
  const x = tf.tensor4d(inputs.data, [m, h, w, c]);
  const context = encoder.context(x, sessionKey);
  try {
    const shifts = readout.learnedShifts(m, context ? { context } : {});
    const out = new Float64Array(shifts.length);
    for (let i = 0; i < shifts.length; i++) out[i] = shifts[i]! / scale;
    return out;
  } finally {
    x.dispose();
    context?.dispose();
  }
}
