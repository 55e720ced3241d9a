/**
 * The bilinear corner weights of one point on a feature map, with align-corners positions and zero padding:
 * the arithmetic shared by the differentiable sampler ({@link bilinearSample}) and the readouts' host-side
 * reads at given pixel positions.
 */

/**
 * Pixel coordinate of a grid value in [-1, 1] along an axis of `size` pixels, align-corners:
 * -1 → centre of pixel 0, +1 → centre of pixel `size − 1`: `(v + 1)·(size − 1)/2`.
 */
export function gridToPixel(v: number, size: number): number {
  return (v + 1) * ((size - 1) / 2);
}

/**
 * Called for each in-bounds corner of a point: corner `k = 2·dy + dx` (00, 01, 10, 11 as (y, x)) at pixel
 * (`yi`, `xi`), with the axis weights `wx`, `wy` (the corner's bilinear weight is `wx·wy`).
 */
export type CornerVisitor = (k: number, yi: number, xi: number, wx: number, wy: number) => void;

/**
 * Visit the (up to four) corners of the point (`px`, `py`) in pixels of an `h×w` map that lie inside the map;
 * corners outside contribute nothing (zero padding), and a non-finite point has none. With
 * x0 = ⌊px⌋, fx = px − x0 (likewise y), corner (dy, dx) sits at (y0 + dy, x0 + dx) with weights
 * `wx = dx ? fx : 1 − fx`, `wy = dy ? fy : 1 − fy`. On a pixel centre (fx = 0) the corners to the right
 * get weight 0 but are still visited (their position derivative is the one-sided one).
 */
export function forEachCorner(px: number, py: number, h: number, w: number, visit: CornerVisitor): void {
  if (!Number.isFinite(px) || !Number.isFinite(py)) return;
  const x0 = Math.floor(px);
  const y0 = Math.floor(py);
  const fx = px - x0;
  const fy = py - y0;
  for (let dy = 0; dy < 2; dy++) {
    for (let dx = 0; dx < 2; dx++) {
      const xi = x0 + dx;
      const yi = y0 + dy;
      if (xi < 0 || xi > w - 1 || yi < 0 || yi > h - 1) continue;
      visit(2 * dy + dx, yi, xi, dx === 0 ? 1 - fx : fx, dy === 0 ? 1 - fy : fy);
    }
  }
}
