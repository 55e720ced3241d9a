/** The weight-free models as saliency functions of the loader's shape (grey image → log-density map). */
import { SalConfigError } from '@sal/types';
import { booleanMapSaliency, imageSignature, type BmsOptions, type ImageModelOptions } from './models.js';

/** Names of the weight-free models of this package. */
export const WEIGHT_FREE_MODELS = ['imageSignature', 'bms'] as const;
export type WeightFreeModel = (typeof WEIGHT_FREE_MODELS)[number];

/**
 * A saliency function `(img, h, w) → Float32Array` of natural-log densities (what `createDataset`'s
 * `saliency` option and the study's stored maps hold), from one of {@link WEIGHT_FREE_MODELS}.
 * `imageSignature` scored best on the simulation (see the README's table).
 */
export function weightFreeSaliency(
  model: WeightFreeModel = 'imageSignature',
  opts: BmsOptions & ImageModelOptions = {},
): (img: Float32Array, h: number, w: number) => Float32Array {
  if (!(WEIGHT_FREE_MODELS as readonly string[]).includes(model))
    throw new SalConfigError('weightFreeSaliency', 'model', WEIGHT_FREE_MODELS.join(' | '), model);
  return (img, h, w) => {
    const { thresholdStep, ...common } = opts;
    const d =
      model === 'bms'
        ? booleanMapSaliency(img, h, w, { ...common, ...(thresholdStep !== undefined ? { thresholdStep } : {}) })
        : imageSignature(img, h, w, common);
    return Float32Array.from(d, (p) => Math.log(p));
  };
}
