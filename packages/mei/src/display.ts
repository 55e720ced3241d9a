/**
 * From the model's input space back to the screen: an MEI lives on the cropped, rescaled, z-scored input of a
 * dataset; shown to a (simulated) neuron it is un-normalised to grey levels, resized to the crop and pasted into a
 * full-size image.
 */
import { SalConfigError, SalShapeError, checkNumber } from '@sal/types';
import { resize, type SalDataset } from '@sal/saliency-loader';

/** How a dataset's model input sits in the full images. */
export interface DisplayGeometry {
  /** `[height, width]` of the full images. */
  readonly imageShape: readonly [number, number];
  /** `[top, left]` pixels cropped away. */
  readonly offset: readonly [number, number];
  /** `[height, width]` of the crop in full-image pixels. */
  readonly cropShape: readonly [number, number];
  /** `[height, width]` of the model input. */
  readonly inputShape: readonly [number, number];
  /** Rescale factor from the crop to the model input. */
  readonly scale: number;
  /** The image channel's normalisation: grey level = value · std + mean. */
  readonly mean: number;
  readonly std: number;
}

/**
 * The geometry of `dataset`'s image channel in full images of `imageShape` (e.g. a simulation's
 * `truth.imageShape`).
 * @throws SalConfigError for a dataset with subsampling or without an image channel
 */
export function displayGeometry(dataset: SalDataset, imageShape: readonly [number, number]): DisplayGeometry {
  const where = 'mei.displayGeometry';
  if (dataset === null || typeof dataset !== 'object' || !dataset.options || !dataset.stats)
    throw new TypeError(`${where}: dataset must be a SalDataset (from @sal/saliency-loader's createDataset)`);
  const [H, W] = imageShape;
  checkNumber(where, 'imageShape[0]', H, { min: 1, integer: true });
  checkNumber(where, 'imageShape[1]', W, { min: 1, integer: true });
  if (dataset.options.subsample !== 1) throw new SalConfigError(where, 'dataset.options.subsample', '1 (no subsampling)', dataset.options.subsample);
  const ch = dataset.channelNames.indexOf('image');
  if (ch < 0) throw new SalConfigError(where, 'dataset.channelNames', "an 'image' channel", dataset.channelNames);
  const [[top, bottom], [left, right]] = dataset.options.crop;
  const cropShape: [number, number] = [H - top - bottom, W - left - right];
  const [h, w] = dataset.inputShape;
  return {
    imageShape: [H, W],
    offset: [top, left],
    cropShape,
    inputShape: [h, w],
    scale: dataset.options.scale,
    mean: dataset.stats.mean[ch]!,
    std: dataset.stats.std[ch]! > 0 ? dataset.stats.std[ch]! : 1,
  };
}

/** The model-input values of grey levels 0 and 255: the pixel range an MEI can be shown with. */
export function pixelRange(geometry: DisplayGeometry): [number, number] {
  return [(0 - geometry.mean) / geometry.std, (255 - geometry.mean) / geometry.std];
}

/**
 * Show an image-channel input `[h·w]` (model space) in a full image: grey levels `value · std + mean`, resized
 * bilinearly to the crop, clipped to [0, 255] and pasted at the crop's place into `background` (`[H·W]` grey
 * levels, or one grey level for all pixels).
 * @returns `[H·W]` grey levels
 */
export function toFullImage(input: ArrayLike<number>, geometry: DisplayGeometry, background: ArrayLike<number> | number = geometry.mean): Float32Array {
  const where = 'mei.toFullImage';
  const [H, W] = geometry.imageShape;
  const [h, w] = geometry.inputShape;
  if (input === null || typeof input !== 'object' || input.length !== h * w)
    throw new SalShapeError(`${where}: input`, `${h}·${w} = ${h * w} values`, input?.length);
  const out = new Float32Array(H * W);
  if (typeof background === 'number') out.fill(background);
  else {
    if (background.length !== H * W) throw new SalShapeError(`${where}: background`, `${H}·${W} = ${H * W} values`, background.length);
    out.set(background);
  }
  const grey = Float32Array.from({ length: h * w }, (_, i) => input[i]! * geometry.std + geometry.mean);
  const [ch, cw] = geometry.cropShape;
  const big = resize(grey, h, w, ch, cw).data;
  const [top, left] = geometry.offset;
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) out[(top + y) * W + left + x] = Math.min(255, Math.max(0, big[y * cw + x]!));
  }
  return out;
}

/** Full-image pixel coordinates (x, y) of model-input coordinates (the inverse of the crop and rescale). */
export function toImageCoords(x: number, y: number, geometry: DisplayGeometry): [number, number] {
  const [top, left] = geometry.offset;
  return [(x + 0.5) / geometry.scale - 0.5 + left, (y + 0.5) / geometry.scale - 0.5 + top];
}
