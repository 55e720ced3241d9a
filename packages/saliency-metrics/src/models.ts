/**
 * Weight-free saliency models and a learnt centre bias. Each model maps a grey image `[h, w]` (0–255) to a
 * density over its pixels (sums to 1; see {@link toDensity}) and is deterministic.
 *
 * - **Image signature** (Hou, Harel & Koch, PAMI 2012): at a working width of `width` px, the sign of the
 *   image's 2-D DCT is transformed back (`IDCT(sign(DCT(x)))`), squared and blurred by σ = `blurSigma` ×
 *   the working width; the map is resized back to the image.
 * - **Boolean map saliency** (BMS, Zhang & Sclaroff, ICCV 2013), grey version: the blurred image is
 *   thresholded every `thresholdStep` grey levels; in each Boolean map and its complement the regions not
 *   connected to the border are "surrounded" and form an attention map, normalised by its L2 norm; the mean
 *   attention map is blurred by σ = `blurSigma` × the working width.
 * - **Centre bias**: the training fixations' histogram blurred by a σ chosen (from `sigmas`) by the
 *   held-out log-likelihood of odd images' fixations when fitted on even images' — a learnt, image-independent
 *   density (pysaliency's usual baseline).
 */
import { SalConfigError, resolveOptions } from '@sal/types';
import { gaussianFilter2d, resize } from '@sal/saliency-loader';
import { fixationMap, logOf, toDensity } from './density.js';

/** Options shared by the image models. */
export interface ImageModelOptions {
  /** Working width in pixels (the height keeps the aspect ratio). @default 64 */
  width?: number;
  /** Final blur σ as a fraction of the working width. @default 0.045 */
  blurSigma?: number;
  /** Density floor as a fraction of the mean map (see `toDensity`). @default 0.05 */
  floor?: number;
}

/** Options of {@link booleanMapSaliency}. */
export interface BmsOptions extends ImageModelOptions {
  /** Threshold step in grey levels. @default 8 */
  thresholdStep?: number;
}

export const IMAGE_SIGNATURE_DEFAULTS: Readonly<Required<ImageModelOptions>> = Object.freeze({ width: 64, blurSigma: 0.045, floor: 0.05 });
export const BMS_DEFAULTS: Readonly<Required<BmsOptions>> = Object.freeze({ width: 64, blurSigma: 0.045, floor: 0.05, thresholdStep: 8 });

/** Anti-aliased resize of a grey image to the working width. */
function toWorking(img: ArrayLike<number>, h: number, w: number, width: number): { x: Float32Array; h: number; w: number } {
  const ww = Math.min(width, w);
  const hh = Math.max(1, Math.round((h * ww) / w));
  const scale = ww / w;
  const src = scale < 1 ? gaussianFilter2d(Float32Array.from(img), h, w, 0.5 / scale) : Float32Array.from(img);
  const r = resize(src, h, w, hh, ww);
  return { x: r.data, h: r.h, w: r.w };
}

function backToImage(map: Float32Array, mh: number, mw: number, h: number, w: number, floor: number): Float64Array {
  const r = resize(map, mh, mw, h, w).data;
  return toDensity(r, floor);
}

/** Orthonormal DCT-II matrix `[n, n]`: `C[k, i] = a_k cos(π (i + ½) k / n)`. Its transpose is the inverse. */
export function dctMatrix(n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const a = k === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n);
    for (let i = 0; i < n; i++) c[k * n + i] = a * Math.cos((Math.PI * (i + 0.5) * k) / n);
  }
  return c;
}

/** 2-D orthonormal DCT-II of `[h, w]` (`inverse`: DCT-III, its inverse), by separable matrix products. */
export function dct2d(x: ArrayLike<number>, h: number, w: number, inverse = false): Float64Array {
  const ch = dctMatrix(h),
    cw = dctMatrix(w);
  const tmp = new Float64Array(h * w);
  // rows: tmp[y, k] = Σ_i x[y, i] C_w[k, i]   (inverse: Σ_i x[y, i] C_w[i, k])
  for (let y = 0; y < h; y++) {
    for (let k = 0; k < w; k++) {
      let s = 0;
      for (let i = 0; i < w; i++) s += x[y * w + i]! * (inverse ? cw[i * w + k]! : cw[k * w + i]!);
      tmp[y * w + k] = s;
    }
  }
  const out = new Float64Array(h * w);
  for (let k = 0; k < h; k++) {
    for (let xx = 0; xx < w; xx++) {
      let s = 0;
      for (let i = 0; i < h; i++) s += tmp[i * w + xx]! * (inverse ? ch[i * h + k]! : ch[k * h + i]!);
      out[k * w + xx] = s;
    }
  }
  return out;
}

/** Image signature saliency: a density `[h, w]`. */
export function imageSignature(img: ArrayLike<number>, h: number, w: number, opts?: ImageModelOptions): Float64Array {
  const o = resolveOptions('imageSignature', IMAGE_SIGNATURE_DEFAULTS, opts);
  const { x, h: mh, w: mw } = toWorking(img, h, w, o.width);
  const d = dct2d(x, mh, mw);
  for (let i = 0; i < d.length; i++) d[i] = Math.sign(d[i]!);
  const r = dct2d(d, mh, mw, true);
  const sq = Float32Array.from(r, (v) => v * v);
  return backToImage(gaussianFilter2d(sq, mh, mw, o.blurSigma * mw), mh, mw, h, w, o.floor);
}

/** Mark the pixels of `mask` (1) connected to the border (4-connectivity); returns surrounded = mask & !border-connected. */
function surrounded(mask: Uint8Array, h: number, w: number, stack: Int32Array, seen: Uint8Array): Uint8Array {
  seen.fill(0);
  let top = 0;
  const push = (i: number): void => {
    if (mask[i] && !seen[i]) {
      seen[i] = 1;
      stack[top++] = i;
    }
  };
  for (let x = 0; x < w; x++) {
    push(x);
    push((h - 1) * w + x);
  }
  for (let y = 0; y < h; y++) {
    push(y * w);
    push(y * w + w - 1);
  }
  while (top > 0) {
    const i = stack[--top]!;
    const y = (i / w) | 0,
      x = i - y * w;
    if (x > 0) push(i - 1);
    if (x < w - 1) push(i + 1);
    if (y > 0) push(i - w);
    if (y < h - 1) push(i + w);
  }
  const out = new Uint8Array(h * w);
  for (let i = 0; i < out.length; i++) out[i] = mask[i] && !seen[i] ? 1 : 0;
  return out;
}

/** Boolean map saliency (grey): a density `[h, w]`. */
export function booleanMapSaliency(img: ArrayLike<number>, h: number, w: number, opts?: BmsOptions): Float64Array {
  const o = resolveOptions('booleanMapSaliency', BMS_DEFAULTS, opts);
  if (!(o.thresholdStep >= 1 && o.thresholdStep <= 128))
    throw new SalConfigError('booleanMapSaliency', 'thresholdStep', 'a number in [1, 128]', o.thresholdStep);
  const { x, h: mh, w: mw } = toWorking(img, h, w, o.width);
  const sm = gaussianFilter2d(x, mh, mw, 1);
  const n = mh * mw;
  const acc = new Float32Array(n);
  const stack = new Int32Array(n),
    seen = new Uint8Array(n),
    mask = new Uint8Array(n);
  for (let t = 0; t < 256; t += o.thresholdStep) {
    for (const inv of [false, true]) {
      for (let i = 0; i < n; i++) mask[i] = sm[i]! > t !== inv ? 1 : 0;
      const a = surrounded(mask, mh, mw, stack, seen);
      let cnt = 0;
      for (let i = 0; i < n; i++) cnt += a[i]!;
      if (cnt === 0) continue;
      const k = 1 / Math.sqrt(cnt); // L2 norm of a 0/1 map
      for (let i = 0; i < n; i++) if (a[i]) acc[i] = acc[i]! + k;
    }
  }
  return backToImage(gaussianFilter2d(acc, mh, mw, o.blurSigma * mw), mh, mw, h, w, o.floor);
}

/** Options of {@link fitCenterBias}. */
export interface CenterBiasOptions {
  /** Candidate blur σ as fractions of the image height; the one with the best held-out likelihood is used. @default [0.02, 0.05, 0.1, 0.2] */
  sigmas?: readonly number[];
  /** Density floor (see `toDensity`). @default 0.01 */
  floor?: number;
}

/** A fitted centre bias: its density `[h, w]`, log-density and the chosen σ (fraction of the height). */
export interface CenterBias {
  readonly density: Float64Array;
  readonly logDensity: Float64Array;
  readonly sigma: number;
}

/** Learn an image-independent centre bias from training fixations (one `Int32Array` of pixel indices per image). */
export function fitCenterBias(fixationsPerImage: readonly ArrayLike<number>[], h: number, w: number, opts: CenterBiasOptions = {}): CenterBias {
  const sigmas = opts.sigmas ?? [0.02, 0.05, 0.1, 0.2];
  const floor = opts.floor ?? 0.01;
  if (sigmas.length === 0 || sigmas.some((s) => !(s > 0))) throw new SalConfigError('fitCenterBias', 'sigmas', 'positive fractions of the height', sigmas);
  if (fixationsPerImage.length < 2)
    throw new SalConfigError('fitCenterBias', 'fixationsPerImage', 'fixations of at least two images', fixationsPerImage.length);
  const pool = (odd: boolean): number[] => fixationsPerImage.filter((_, i) => (i % 2 === 1) === odd).flatMap((f) => Array.from(f));
  const even = pool(false),
    odd = pool(true);
  let best = sigmas[0]!,
    bestLl = -Infinity;
  for (const s of sigmas) {
    const lg = logOf(toDensity(fixationMap(even, h, w, s * h), floor));
    let ll = 0;
    for (const f of odd) ll += lg[f]!;
    if (ll > bestLl) {
      bestLl = ll;
      best = s;
    }
  }
  const density = toDensity(fixationMap([...even, ...odd], h, w, best * h), floor);
  return { density, logDensity: logOf(density), sigma: best };
}

/** A model density multiplied by a centre-bias density, renormalised (the usual way to add a centre bias). */
export function withCenterBias(density: ArrayLike<number>, bias: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(density as ArrayLike<number>, (p, i) => p * bias[i]!);
  let s = 0;
  for (const v of out) s += v;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / s;
  return out;
}
