/**
 * Salient points of a user's images from their saliency maps (there is no ground truth to take them from): where
 * each image's map is largest inside the crop window, in full-image pixels.
 */
import { SalDataError, SalShapeError } from '@sal/types';
import type { CropGeometry } from './data.js';

/** How {@link salientPointsFromMaps} picks the points (for reports and `results.json`). */
export const SALIENT_POINT_RULE =
  "the argmax of each image's saliency map (the maps the models use) inside the crop window, i.e. rows top … H − bottom − 1 and columns left … W − right − 1 of the full image, in full-image pixels (x = column, y = row); where several pixels share the maximum (a plateau), their centroid; NaN pixels are skipped";

/**
 * The salient point of every image: the argmax of its map `maps[i]` (`[n, H, W]`, any monotone scale such as a
 * log-density) inside the crop window of `crop.pixels`, as full-image pixels `{ x: column, y: row }`; when several
 * pixels share the maximum, their centroid (a flat-topped map would otherwise put the point at the plateau's corner:
 * on the simulation's true saliency the first maximal pixel lies a median 6.5 px from the most salient object's
 * centre, the plateau's centroid 0.1 px). See {@link SALIENT_POINT_RULE}.
 * @returns a function of the image id (computed once for all images)
 */
export function salientPointsFromMaps(
  maps: Float32Array,
  shape: readonly [number, number, number],
  crop: Pick<CropGeometry, 'pixels'>,
): (imageId: number) => { x: number; y: number } {
  const where = 'study.salientPointsFromMaps';
  const [n, H, W] = shape;
  if (maps.length !== n * H * W) throw new SalShapeError(`${where} maps`, [n, H, W], maps.length, 'values');
  const [[top, bottom], [left, right]] = crop.pixels;
  if (top + bottom >= H || left + right >= W) throw new SalShapeError(`${where} crop`, `a window inside ${H}×${W}`, crop.pixels);
  const points = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity,
      sx = 0,
      sy = 0,
      count = 0;
    for (let y = top; y < H - bottom; y++) {
      const row = i * H * W + y * W;
      for (let x = left; x < W - right; x++) {
        const v = maps[row + x]!;
        if (v > best) {
          best = v;
          sx = x;
          sy = y;
          count = 1;
        } else if (v === best && count > 0) {
          sx += x;
          sy += y;
          count++;
        }
      }
    }
    if (count === 0) throw new SalDataError(where, 'a saliency map with a finite value inside the crop window', 'only NaN or −∞', `image ${i}`);
    points[2 * i] = sx / count;
    points[2 * i + 1] = sy / count;
  }
  return (id) => {
    if (!Number.isInteger(id) || id < 0 || id >= n) throw new RangeError(`${where}: image id ${id} outside [0, ${n})`);
    return { x: points[2 * id]!, y: points[2 * id + 1]! };
  };
}
