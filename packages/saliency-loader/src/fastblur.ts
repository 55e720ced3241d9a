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
  const radii = boxWidths(sigma)
    .map((bw) => (bw - 1) >> 1)
    .filter((r) => r > 0);
  const maxR = Math.max(0, ...radii);
  let cur = Float64Array.from(img);
  // rows: running sums along each (contiguous) row
  const a = new Float64Array(w);
  const b = new Float64Array(w);
  const pad = new Float64Array(Math.max(h, w) + 2 * maxR);
  for (let y = 0; y < h; y++) {
    a.set(cur.subarray(y * w, (y + 1) * w));
    let s = a,
      d = b;
    for (const r of radii) {
      boxLine(s, d, w, r, pad);
      [s, d] = [d, s];
    }
    cur.set(s, y * w);
  }
  // columns: running sums over whole rows at a time (contiguous memory)
  let next = new Float64Array(h * w);
  const acc = new Float64Array(w);
  for (const r of radii) {
    const inv = 1 / (2 * r + 1);
    acc.fill(0);
    for (let k = -r; k <= r; k++) {
      const base = boundaryIndex(k, h, 'reflect') * w;
      for (let x = 0; x < w; x++) acc[x] = (acc[x] as number) + (cur[base + x] as number);
    }
    for (let y = 0; y < h; y++) {
      const o = y * w;
      for (let x = 0; x < w; x++) next[o + x] = (acc[x] as number) * inv;
      if (y + 1 < h) {
        const add = boundaryIndex(y + 1 + r, h, 'reflect') * w;
        const sub = boundaryIndex(y - r, h, 'reflect') * w;
        for (let x = 0; x < w; x++) acc[x] = (acc[x] as number) + (cur[add + x] as number) - (cur[sub + x] as number);
      }
    }
    [cur, next] = [next, cur];
  }
  return Float32Array.from(cur);
}
