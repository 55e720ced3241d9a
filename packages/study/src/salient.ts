/**
 * Salient points of a user's images from their saliency maps (there is no ground truth to take them from): the
 * pixel where each image's map is largest inside the crop window, in full-image pixels.
 */
import { SalDataError, SalShapeError } from '@sal/types';
import type { CropGeometry } from './data.js';

/** How {@link salientPointsFromMaps} picks the points (for reports and `results.json`). */
export const SALIENT_POINT_RULE =
  'the argmax of each image\'s saliency map (the maps the models use) inside the crop window, i.e. rows top … H − bottom − 1 and columns left … W − right − 1 of the full image, in full-image pixels (x = column, y = row); ties go to the first pixel in row-major order, NaN pixels are skipped';

/**
 * The salient point of every image: the argmax of its map `maps[i]` (`[n, H, W]`, any monotone scale such as a
 * log-density) inside the crop window of `crop.pixels`, as full-image pixels `{ x: column, y: row }`. See
 * {@link SALIENT_POINT_RULE}.
 * @returns a function of the image id (computed once for all images)
 */
export function salientPointsFromMaps(
  maps: Float32Array, shape: readonly [number, number, number], crop: Pick<CropGeometry, 'pixels'>,
): (imageId: number) => { x: number; y: number } {
  const where = 'study.salientPointsFromMaps';
  const [n, H, W] = shape;
  if (maps.length !== n * H * W) throw new SalShapeError(`${where} maps`, [n, H, W], maps.length, 'values');
  const [[top, bottom], [left, right]] = crop.pixels;
  if (top + bottom >= H || left + right >= W) throw new SalShapeError(`${where} crop`, `a window inside ${H}×${W}`, crop.pixels);
  const points = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity, bx = -1, by = -1;
    for (let y = top; y < H - bottom; y++) {
      const row = i * H * W + y * W;
      for (let x = left; x < W - right; x++) {
        const v = maps[row + x]!;
        if (v > best) { best = v; bx = x; by = y; }
      }
    }
    if (bx < 0) throw new SalDataError(where, 'a saliency map with a finite value inside the crop window', 'only NaN or −∞', `image ${i}`);
    points[2 * i] = bx;
    points[2 * i + 1] = by;
  }
  return (id) => {
    if (!Number.isInteger(id) || id < 0 || id >= n) throw new RangeError(`${where}: image id ${id} outside [0, ${n})`);
    return { x: points[2 * id]!, y: points[2 * id + 1]! };
  };
}
