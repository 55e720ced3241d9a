/**
 * A fast approximate Gaussian blur (three successive box filters, widths chosen so the variance matches
 * σ²; cost independent of σ), used inside the built-in saliency model for its large surround scales.
 * 'reflect' boundary (scipy's half-sample symmetric).
 */
import { boundaryIndex } from './boundary.js';

/** Widths of the three boxes whose summed variance best matches σ² (odd widths). */
export function boxWidths(sigma: number, n = 3): number[] {
  const ideal = Math.sqrt((12 * sigma * sigma) / n + 1);
  let wl = Math.floor(ideal);
  if (wl % 2 === 0) wl--;
  const wu = wl + 2;
  const m = Math.round((12 * sigma * sigma - n * wl * wl - 4 * n * wl - 3 * n) / (-4 * wl - 4));
  return Array.from({ length: n }, (_, i) => (i < m ? wl : wu));
}

function boxLine(src: Float64Array, dst: Float64Array, n: number, r: number, pad: Float64Array): void {
  // pad[i + r] = src[reflect(i)] for i in [-r, n + r)
  for (let i = -r; i < n + r; i++) pad[i + r] = src[boundaryIndex(i, n, 'reflect')] as number;
  const inv = 1 / (2 * r + 1);
  let s = 0;
  for (let k = 0; k < 2 * r + 1; k++) s += pad[k] as number;
  dst[0] = s * inv;
  for (let i = 1; i < n; i++) {
    s += (pad[i + 2 * r] as number) - (pad[i - 1] as number);
    dst[i] = s * inv;
  }
}

/** Approximate Gaussian blur of a `[h, w]` image with σ in pixels. @returns `[h, w]` */
export function fastGaussianBlur(img: ArrayLike<number>, h: number, w: number, sigma: number): Float32Array {
  const radii = boxWidths(sigma).map((bw) => (bw - 1) >> 1);
  const maxR = Math.max(...radii);
  const cur = Float64Array.from(img);
  const n = Math.max(h, w);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const pad = new Float64Array(n + 2 * maxR);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) a[x] = cur[y * w + x] as number;
    let s = a, d = b;
    for (const r of radii) { if (r > 0) { boxLine(s, d, w, r, pad); [s, d] = [d, s]; } }
    for (let x = 0; x < w; x++) cur[y * w + x] = s[x] as number;
  }
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) a[y] = cur[y * w + x] as number;
    let s = a, d = b;
    for (const r of radii) { if (r > 0) { boxLine(s, d, h, r, pad); [s, d] = [d, s]; } }
    for (let y = 0; y < h; y++) cur[y * w + x] = s[y] as number;
  }
  return Float32Array.from(cur);
}
