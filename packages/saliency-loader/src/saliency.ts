/**
 * A classical saliency model that needs no downloaded weights, and helpers for saliency maps from other
 * sources. The model is an Itti–Koch-style centre–surround model of intensity contrast and orientation
 * energy, computed at a fixed working resolution in pixels per degree of visual angle:
 *
 * 1. the grey image (0–255 → 0–1) is anti-aliased and resized from `pixelsPerDegree` to
 *    `workingPixelsPerDegree` (DeepGaze's convention is to feed images at 35 px/deg);
 * 2. intensity feature maps `|G_c * I − G_s * I|` for centre σ_c ∈ `centerSigmas` (degrees) and
 *    surround σ_s = `surroundRatio` · σ_c;
 * 3. orientation feature maps: for θ ∈ {0°, 45°, 90°, 135°} the energy `(∂_θ (G_c * I))²` of the
 *    directional Sobel derivative, then the same centre–surround difference `|G_c * E − G_s * E|`;
 * 4. each map goes through Itti's normalisation N(·), approximated as `m / max(m) · (1 − mean(m / max(m)))²`
 *    (maps with one strong peak gain, maps with many similar peaks lose); the intensity and orientation
 *    conspicuity maps are summed, normalised again and added;
 *    Gaussians of σ ≥ 3 working pixels are approximated by three box filters of the same variance.
 * 5. the sum is blurred by `blurSigma` (degrees), resized back to the image's size, offset by
 *    `floor` × its mean (so no location has zero probability), optionally multiplied by a Gaussian centre
 *    bias, and normalised to sum 1 — a probability density over pixels, like DeepGaze's output.
 *
 * `model: 'spectralResidual'` replaces steps 1–4 with Hou & Zhang's spectral residual (CVPR 2007): the
 * image is resized to a `spectralSize`² grid, the log-amplitude spectrum minus its 3×3 local mean is
 * recombined with the phase, inverted and squared; step 5 is the same.
 */
import { checkNumber, checkOneOf, resolveOptions, SalConfigError, SalDataError, SalShapeError } from '@sal/types';
import { checkImage, correlate1d, gaussianFilter2d, sobel, type ImageArray } from './filters.js';
import { fft2d } from './fft.js';
import { fastGaussianBlur } from './fastblur.js';
import { resize } from './geometry.js';

/** What a saliency map holds: a log-density (DeepGaze's output, the original's stored maps) or a density summing to 1. */
export type SaliencyKind = 'logDensity' | 'density';
export const SALIENCY_KINDS: readonly SaliencyKind[] = Object.freeze(['logDensity', 'density']);

/** A user saliency model: a grey image `[h, w]` (0–255) to a map `[h, w]`. */
export type SaliencyFunction = (img: Float32Array, h: number, w: number) => Float32Array;

/** The built-in models: Itti–Koch-style centre–surround, or Hou & Zhang's spectral residual. */
export type SaliencyModelName = 'centerSurround' | 'spectralResidual';
export const SALIENCY_MODELS: readonly SaliencyModelName[] = Object.freeze(['centerSurround', 'spectralResidual']);

/** Options of {@link builtinSaliency}. */
export interface SaliencyModelOptions {
  /** Which built-in model. @default 'centerSurround' */
  model?: SaliencyModelName;
  /** Spectral residual: side of the square grid the image is resized to (a power of two). @default 64 */
  spectralSize?: number;
  /** Output a log-density or a density (sums to 1). @default 'logDensity' */
  output?: SaliencyKind;
  /** Multiply the density by a Gaussian centre bias (the original used a uniform prior, i.e. none). @default false */
  centerBias?: boolean;
  /** Standard deviation of the centre bias as a fraction of the image's height (rows) and width (columns). @default 0.25 */
  centerBiasSigma?: number;
  /** Final blur σ in degrees of visual angle (0: none). @default 0.5 */
  blurSigma?: number;
  /** Pixels per degree of the input image. @default 35 */
  pixelsPerDegree?: number;
  /** Pixels per degree the model runs at (the image is resized by `workingPixelsPerDegree / pixelsPerDegree`). @default 8 */
  workingPixelsPerDegree?: number;
  /** Centre σ of the feature scales, in degrees. @default [0.25, 0.5, 1] */
  centerSigmas?: readonly number[];
  /** Surround σ / centre σ. @default 4 */
  surroundRatio?: number;
  /** Density floor, as a fraction of the mean saliency added everywhere before normalising. @default 0.05 */
  floor?: number;
}

export const SALIENCY_MODEL_DEFAULTS: Readonly<Required<SaliencyModelOptions>> = Object.freeze({
  model: 'centerSurround',
  spectralSize: 64,
  output: 'logDensity',
  centerBias: false,
  centerBiasSigma: 0.25,
  blurSigma: 0.5,
  pixelsPerDegree: 35,
  workingPixelsPerDegree: 8,
  centerSigmas: Object.freeze([0.25, 0.5, 1]),
  surroundRatio: 4,
  floor: 0.05,
});

/** Itti's map normalisation, approximated: scale to max 1, weight by (1 − mean)². Zero maps stay zero. */
function normalizeMap(m: Float32Array): Float32Array {
  let max = 0;
  for (const v of m) if (v > max) max = v;
  if (!(max > 0)) return new Float32Array(m.length);
  let mean = 0;
  for (const v of m) mean += v / max;
  mean /= m.length;
  const k = ((1 - mean) * (1 - mean)) / max;
  const out = new Float32Array(m.length);
  for (let i = 0; i < m.length; i++) out[i] = (m[i] as number) * k;
  return out;
}

function addInto(acc: Float32Array, m: Float32Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + (m[i] as number);
}

/** Gaussian blur inside the model: exact for small σ, three box filters (same variance) for σ ≥ 3 px. */
function blur(x: Float32Array, h: number, w: number, sigma: number): Float32Array {
  return sigma >= 3 ? fastGaussianBlur(x, h, w, sigma) : gaussianFilter2d(x, h, w, sigma);
}

function centreSurround(x: Float32Array, h: number, w: number, sc: number, ss: number): Float32Array {
  const c = blur(x, h, w, sc);
  const s = blur(x, h, w, ss);
  for (let i = 0; i < c.length; i++) c[i] = Math.abs((c[i] as number) - (s[i] as number));
  return c;
}

/**
 * The built-in saliency model (see the module comment) on a grey `[h, w]` image (0–255).
 * @returns `[h, w]` log-density or density (sums to 1)
 */
export function builtinSaliency(img: ImageArray, h: number, w: number, opts?: SaliencyModelOptions): Float32Array {
  const where = 'builtinSaliency';
  const o = resolveOptions(where, SALIENCY_MODEL_DEFAULTS, opts);
  checkImage(where, img, h, w);
  const output = checkOneOf(where, 'output', o.output, SALIENCY_KINDS);
  checkNumber(where, 'centerBiasSigma', o.centerBiasSigma, { min: 0, exclusiveMin: true });
  checkNumber(where, 'blurSigma', o.blurSigma, { min: 0 });
  const ppd = checkNumber(where, 'pixelsPerDegree', o.pixelsPerDegree, { min: 0, exclusiveMin: true });
  checkNumber(where, 'workingPixelsPerDegree', o.workingPixelsPerDegree, { min: 0, exclusiveMin: true });
  checkNumber(where, 'surroundRatio', o.surroundRatio, { min: 1, exclusiveMin: true });
  checkNumber(where, 'floor', o.floor, { min: 0 });
  if (!Array.isArray(o.centerSigmas) || o.centerSigmas.length === 0) checkNumber(where, 'centerSigmas', o.centerSigmas, {});
  for (const s of o.centerSigmas) checkNumber(where, 'centerSigmas', s, { min: 0, exclusiveMin: true });

  const model = checkOneOf(where, 'model', o.model, SALIENCY_MODELS);
  checkNumber(where, 'spectralSize', o.spectralSize, { min: 4, max: 1024, integer: true });
  if ((o.spectralSize & (o.spectralSize - 1)) !== 0) throw new SalConfigError(where, 'spectralSize', 'a power of two', o.spectralSize);
  // blurSigma is in degrees: × ppd → image pixels; × S / max(h, w) → pixels of the spectral grid
  const sal =
    model === 'spectralResidual'
      ? spectralResidualMap(img, h, w, o.spectralSize, (o.blurSigma * ppd * o.spectralSize) / Math.max(h, w))
      : centerSurroundMap(img, h, w, o);
  return toDensity(sal, h, w, o, output);
}

/** Hou & Zhang (2007): log-amplitude minus its 3×3 local mean, back with the phase, squared; on an S×S grid. */
function spectralResidualMap(img: ImageArray, h: number, w: number, S: number, blurPx: number): Float32Array {
  let x: Float32Array = Float32Array.from(img, (v) => v / 255);
  const ratio = Math.max(h, w) / S;
  if (ratio > 1) x = gaussianFilter2d(x, h, w, (ratio - 1) / 2);
  let m = spectralResidual(resize(x, h, w, S, S).data, S);
  if (blurPx > 0) m = gaussianFilter2d(m, S, S, blurPx);
  return resize(m, S, S, h, w).data;
}

/**
 * The spectral residual of an `[S, S]` grid (S a power of two): `|IFFT(exp(R + iφ))|²` with
 * `R = log|F| − mean3×3(log|F|)` (periodic boundary) and φ the phase of `F = FFT(grid)`. No blur.
 * @returns `[S, S]`
 */
export function spectralResidual(grid: ArrayLike<number>, S: number): Float32Array {
  if (grid.length !== S * S) throw new SalShapeError('spectralResidual(grid)', [S, S], [grid.length]);
  const re = Float64Array.from(grid);
  const im = new Float64Array(S * S);
  fft2d(re, im, S, S);
  const logA = new Float64Array(S * S);
  const phase = new Float64Array(S * S);
  for (let i = 0; i < S * S; i++) {
    logA[i] = Math.log(Math.hypot(re[i] as number, im[i] as number) + 1e-12);
    phase[i] = Math.atan2(im[i] as number, re[i] as number);
  }
  const box = [1 / 3, 1 / 3, 1 / 3];
  const mean = correlate1d(correlate1d(logA, S, S, box, 0, 'wrap'), S, S, box, 1, 'wrap'); // the spectrum is periodic
  for (let i = 0; i < S * S; i++) {
    const a = Math.exp((logA[i] as number) - (mean[i] as number));
    re[i] = a * Math.cos(phase[i] as number);
    im[i] = a * Math.sin(phase[i] as number);
  }
  fft2d(re, im, S, S, true);
  return Float32Array.from({ length: S * S }, (_, i) => (re[i] as number) ** 2 + (im[i] as number) ** 2);
}

function centerSurroundMap(img: ImageArray, h: number, w: number, o: Required<SaliencyModelOptions>): Float32Array {
  const ppd = o.pixelsPerDegree;
  const wppd = o.workingPixelsPerDegree;
  // 1. grey 0–1, anti-aliased, at the working resolution
  const f = wppd / ppd;
  let x: Float32Array = Float32Array.from(img, (v) => v / 255);
  if (f < 1) x = gaussianFilter2d(x, h, w, (1 / f - 1) / 2);
  const wh = Math.max(1, Math.round(h * f));
  const ww = Math.max(1, Math.round(w * f));
  if (wh !== h || ww !== w) x = resize(x, h, w, wh, ww).data;

  // 2–4. feature maps, normalised, summed into conspicuity maps
  const intensity = new Float32Array(wh * ww);
  const orientation = new Float32Array(wh * ww);
  const angles = [0, Math.PI / 4, Math.PI / 2, (3 * Math.PI) / 4];
  for (const sigmaDeg of o.centerSigmas) {
    const sc = sigmaDeg * wppd;
    const ss = sc * o.surroundRatio;
    addInto(intensity, normalizeMap(centreSurround(x, wh, ww, sc, ss)));
    const smooth = blur(x, wh, ww, sc);
    const gx = sobel(smooth, wh, ww, 1);
    const gy = sobel(smooth, wh, ww, 0);
    for (const t of angles) {
      const c = Math.cos(t) / 8;
      const s = Math.sin(t) / 8;
      const e = new Float32Array(wh * ww);
      for (let i = 0; i < e.length; i++) {
        const d = c * (gx[i] as number) + s * (gy[i] as number);
        e[i] = d * d;
      }
      addInto(orientation, normalizeMap(centreSurround(e, wh, ww, sc, ss)));
    }
  }
  let sal: Float32Array = normalizeMap(intensity);
  addInto(sal, normalizeMap(orientation));

  // 5. blur, back to the image size, density
  if (o.blurSigma > 0) sal = blur(sal, wh, ww, o.blurSigma * wppd);
  if (wh !== h || ww !== w) sal = resize(sal, wh, ww, h, w).data;
  return sal;
}

/** Offset by a floor, optional centre bias, normalise to a density; log if asked. */
function toDensity(sal: Float32Array, h: number, w: number, o: Required<SaliencyModelOptions>, output: SaliencyKind): Float32Array {
  let mean = 0;
  for (const v of sal) mean += Math.max(0, v);
  mean /= sal.length;
  const offset = mean > 0 ? o.floor * mean : 1;
  const dens = new Float64Array(h * w);
  const sy = o.centerBiasSigma * h;
  const sx = o.centerBiasSigma * w;
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  let total = 0;
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      const i = y * w + xx;
      let p = Math.max(0, sal[i] as number) + offset;
      if (o.centerBias) p *= Math.exp(-0.5 * (((y - cy) / sy) ** 2 + ((xx - cx) / sx) ** 2));
      dens[i] = p;
      total += p;
    }
  }
  const out = new Float32Array(h * w);
  for (let i = 0; i < out.length; i++) {
    const p = (dens[i] as number) / total;
    out[i] = output === 'density' ? p : Math.log(p);
  }
  return out;
}

/**
 * Convert a map between log-density and density. A density input is normalised to sum 1 first; its
 * zeros become `log(1e-30)`, not −∞.
 * @returns a new `[h, w]` map
 */
export function convertSaliency(map: ArrayLike<number>, from: SaliencyKind, to: SaliencyKind): Float32Array {
  checkOneOf('convertSaliency', 'from', from, SALIENCY_KINDS);
  checkOneOf('convertSaliency', 'to', to, SALIENCY_KINDS);
  if (from === to) return Float32Array.from(map);
  if (from === 'logDensity') return Float32Array.from(map, (v) => Math.exp(v));
  let s = 0;
  for (let i = 0; i < map.length; i++) s += map[i] as number;
  return Float32Array.from(map, (v) => Math.log(Math.max(v / s, 1e-30)));
}

/** Run a user saliency function and check that it returned a finite `[h, w]` map. */
export function runSaliencyFunction(fn: SaliencyFunction, img: Float32Array, h: number, w: number, where = 'saliency function'): Float32Array {
  const out = fn(img, h, w);
  if (!(out instanceof Float32Array)) throw new TypeError(`${where}: must return a Float32Array`);
  if (out.length !== h * w) throw new SalShapeError(where, [h, w], [out.length], 'the map must have the image size');
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]))
      throw new SalDataError(where, 'a map of finite values', `${out[i]} at pixel ${i} (row ${Math.floor(i / w)}, column ${i % w})`);
  }
  return out;
}

/**
 * Saliency maps of every image of a stack `[n, h, w]` (0–255), with the built-in model (options) or a
 * user function: compute them once, store them (e.g. as `saliency.npy` of a dataset directory) and
 * reuse them with `saliency: 'raw'`. `onProgress(done, n)` is called after each image.
 * @returns `[n, h, w]` maps
 */
export function computeSaliencyMaps(
  images: ArrayLike<number>,
  shape: readonly [n: number, h: number, w: number],
  model: SaliencyModelOptions | SaliencyFunction = {},
  onProgress?: (done: number, total: number) => void,
): Float32Array {
  const [n, h, w] = shape;
  if (!shape.every((d) => Number.isInteger(d) && d >= 1) || images.length !== n * h * w) {
    throw new SalShapeError('computeSaliencyMaps(images)', [n, h, w], [images.length]);
  }
  const out = new Float32Array(n * h * w);
  const plane = new Float32Array(h * w);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < h * w; k++) plane[k] = images[i * h * w + k] as number;
    const map =
      typeof model === 'function' ? runSaliencyFunction(model, plane.slice(), h, w, 'computeSaliencyMaps(model)') : builtinSaliency(plane, h, w, model);
    out.set(map, i * h * w);
    onProgress?.(i + 1, n);
  }
  return out;
}
