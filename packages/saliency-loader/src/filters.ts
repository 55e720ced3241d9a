/**
 * Separable 2-D filters matching `scipy.ndimage`: `gaussian_filter` and `sobel`. Images are row-major
 * `[h, w]` arrays; results are new `Float32Array`s (inputs are never modified). Sums run in float64.
 */
import { checkNumber, resolveOptions, SalConfigError, SalShapeError } from '@sal/types';
import { boundaryIndex, checkMode, type BoundaryMode } from './boundary.js';

/** Any numeric typed array or plain array of numbers holding a row-major `[h, w]` image. */
export type ImageArray = ArrayLike<number>;

export function checkImage(where: string, img: ImageArray, h: number, w: number): void {
  checkNumber(where, 'h', h, { min: 1, integer: true });
  checkNumber(where, 'w', w, { min: 1, integer: true });
  if (img.length !== h * w) throw new SalShapeError(`${where}(img)`, [h, w], [img.length], `length ${img.length} ≠ ${h}·${w}`);
}

/**
 * Correlate along one axis of a `[h, w]` image with `weights` centred at `weights.length >> 1`
 * (scipy `correlate1d`, origin 0): `out[i] = Σ_k weights[k] · in[i + k - r]`.
 */
export function correlate1d(img: ImageArray, h: number, w: number, weights: ArrayLike<number>, axis: 0 | 1, mode: BoundaryMode): Float64Array {
  const r = weights.length >> 1;
  const K = weights.length;
  const out = new Float64Array(h * w);
  const wk = Float64Array.from(weights);
  if (axis === 1) {
    // along each row: a padded copy of the row, then a dot product per pixel
    const line = new Float64Array(w + 2 * r);
    for (let y = 0; y < h; y++) {
      const base = y * w;
      for (let i = -r; i < w + r; i++) {
        const j = boundaryIndex(i, w, mode);
        line[i + r] = j < 0 ? 0 : (img[base + j] as number);
      }
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += (wk[k] as number) * (line[x + k] as number);
        out[base + x] = s;
      }
    }
    return out;
  }
  // along columns: whole rows at a time (contiguous memory), out[y,:] += w[k] · in[y+k−r,:]
  const src = img instanceof Float64Array ? img : Float64Array.from(img);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let k = 0; k < K; k++) {
      const j = boundaryIndex(y + k - r, h, mode);
      if (j < 0) continue;
      const c = wk[k] as number;
      if (c === 0) continue;
      const base = j * w;
      for (let x = 0; x < w; x++) out[o + x] = (out[o + x] as number) + c * (src[base + x] as number);
    }
  }
  return out;
}

/** Options of {@link gaussianFilter2d}. */
export interface GaussianFilterOptions {
  /** Boundary mode (scipy's). @default 'reflect' */
  mode?: BoundaryMode;
  /** Kernel radius in standard deviations: radius = `int(truncate·σ + 0.5)`. @default 4 */
  truncate?: number;
}

export const GAUSSIAN_FILTER_DEFAULTS: Readonly<Required<GaussianFilterOptions>> = Object.freeze({ mode: 'reflect', truncate: 4 });

/** Largest Gaussian kernel radius (pixels): beyond it a filter would take minutes and smooth any image flat. */
export const MAX_KERNEL_RADIUS = 1 << 16;

/** The normalised 1-D Gaussian kernel of scipy's `gaussian_filter1d`: length `2·radius+1`, summing to 1. */
export function gaussianKernel1d(sigma: number, truncate = 4): Float64Array {
  checkNumber('gaussianKernel1d', 'sigma', sigma, { min: 0, exclusiveMin: true });
  checkNumber('gaussianKernel1d', 'truncate', truncate, { min: 0 });
  const radius = Math.trunc(truncate * sigma + 0.5);
  if (radius > MAX_KERNEL_RADIUS)
    throw new SalConfigError(
      'gaussianKernel1d',
      'sigma',
      `a kernel radius (truncate · sigma) of at most ${MAX_KERNEL_RADIUS} pixels`,
      `${sigma} (radius ${radius})`,
    );
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let x = -radius; x <= radius; x++) {
    const v = Math.exp((-0.5 * x * x) / (sigma * sigma));
    k[x + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = (k[i] as number) / sum;
  return k;
}

/**
 * Gaussian blur of a `[h, w]` image, as `scipy.ndimage.gaussian_filter(img, sigma, mode, truncate=4)`:
 * separable, along rows (axis 0) then columns (axis 1). `sigma` is in pixels; 0 returns a copy.
 * @returns `[h, w]`
 */
export function gaussianFilter2d(img: ImageArray, h: number, w: number, sigma: number, opts?: GaussianFilterOptions): Float32Array {
  const where = 'gaussianFilter2d';
  const o = resolveOptions(where, GAUSSIAN_FILTER_DEFAULTS, opts);
  checkImage(where, img, h, w);
  checkNumber(where, 'sigma', sigma, { min: 0 });
  const mode = checkMode(where, o.mode);
  checkNumber(where, 'truncate', o.truncate, { min: 0 });
  if (sigma === 0) return Float32Array.from(img);
  const k = gaussianKernel1d(sigma, o.truncate);
  return Float32Array.from(correlate1d(correlate1d(img, h, w, k, 0, mode), h, w, k, 1, mode));
}

/** Options of {@link sobel}. */
export interface SobelOptions {
  /** Boundary mode (scipy's). @default 'nearest' */
  mode?: BoundaryMode;
}

export const SOBEL_DEFAULTS: Readonly<Required<SobelOptions>> = Object.freeze({ mode: 'nearest' });

const DIFF = [-1, 0, 1];
const SMOOTH = [1, 2, 1];

/**
 * Sobel derivative of a `[h, w]` image, as `scipy.ndimage.sobel(img, axis, mode)`: unnormalised,
 * `[-1, 0, 1]` along `axis` and `[1, 2, 1]` across it; positive where intensity grows with the index.
 * `axis = 1` (along the width) is our `grad_x`, `axis = 0` (along the height) is `grad_y`.
 * @returns `[h, w]`
 */
export function sobel(img: ImageArray, h: number, w: number, axis: 0 | 1, opts?: SobelOptions): Float32Array {
  const where = 'sobel';
  const o = resolveOptions(where, SOBEL_DEFAULTS, opts);
  checkImage(where, img, h, w);
  if (axis !== 0 && axis !== 1) throw new SalConfigError(where, 'axis', '0 (height) or 1 (width)', axis);
  const mode = checkMode(where, o.mode);
  const d = correlate1d(img, h, w, DIFF, axis, mode);
  return Float32Array.from(correlate1d(d, h, w, SMOOTH, axis === 0 ? 1 : 0, mode));
}
