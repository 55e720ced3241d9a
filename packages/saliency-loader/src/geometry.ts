/**
 * Crop/subsample and bilinear rescaling of `[h, w]` images, matching the original loader
 * (`img[top:H-bottom:sub, left:W-right:sub]`, then `skimage.transform.rescale(order=1, mode='reflect',
 * anti_aliasing=False, preserve_range=True)`).
 */
import { checkNumber, SalConfigError } from '@sal/types';
import { boundaryIndex } from './boundary.js';
import { checkImage, type ImageArray } from './filters.js';

/** `((top, bottom), (left, right))`: pixels removed from each side, as in the original's `crop`. */
export type Crop = readonly [readonly [top: number, bottom: number], readonly [left: number, right: number]];

/** Output `[h, w]` of {@link cropImage}; throws {@link SalConfigError} if the crop leaves nothing. */
export function cropShape(h: number, w: number, crop: Crop, subsample = 1, where = 'cropImage'): [number, number] {
  if (!Array.isArray(crop) || crop.length !== 2 || !crop.every((p) => Array.isArray(p) && p.length === 2)) {
    throw new SalConfigError(where, 'crop', '((top, bottom), (left, right)) as [[t, b], [l, r]]', crop);
  }
  const [[top, bottom], [left, right]] = crop;
  for (const [name, v] of [
    ['crop top', top],
    ['crop bottom', bottom],
    ['crop left', left],
    ['crop right', right],
  ] as const) {
    checkNumber(where, name, v, { min: 0, integer: true });
  }
  checkNumber(where, 'subsample', subsample, { min: 1, integer: true });
  if (top + bottom >= h || left + right >= w) {
    throw new SalConfigError(where, 'crop', `a crop smaller than the ${h}×${w} image (top+bottom < ${h}, left+right < ${w})`, crop);
  }
  return [Math.ceil((h - top - bottom) / subsample), Math.ceil((w - left - right) / subsample)];
}

/**
 * Crop `((top,bottom),(left,right))` with a step `subsample`: rows `top, top+s, … < h-bottom`, same for columns.
 * @returns `{ data: [h', w'], h, w }`
 */
export function cropImage(img: ImageArray, h: number, w: number, crop: Crop, subsample = 1): { data: Float32Array; h: number; w: number } {
  checkImage('cropImage', img, h, w);
  const [oh, ow] = cropShape(h, w, crop, subsample);
  const [[top], [left]] = crop;
  const out = new Float32Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    const row = (top + y * subsample) * w + left;
    for (let x = 0; x < ow; x++) out[y * ow + x] = img[row + x * subsample] as number;
  }
  return { data: out, h: oh, w: ow };
}

/** Output size of {@link rescale}: `max(1, round(n · scale))` per axis (numpy rounds halves to even). */
export function rescaleShape(h: number, w: number, scale: number): [number, number] {
  return [Math.max(1, roundHalfEven(h * scale)), Math.max(1, roundHalfEven(w * scale))];
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Linear-interpolation taps along one axis: for each output index, two source indices and weights. */
function taps(nIn: number, nOut: number): { i0: Int32Array; i1: Int32Array; w1: Float64Array } {
  const i0 = new Int32Array(nOut);
  const i1 = new Int32Array(nOut);
  const w1 = new Float64Array(nOut);
  const ratio = nIn / nOut;
  for (let o = 0; o < nOut; o++) {
    const c = (o + 0.5) * ratio - 0.5; // grid mode: pixel centres line up
    const f = Math.floor(c);
    w1[o] = c - f;
    i0[o] = boundaryIndex(f, nIn, 'mirror');
    i1[o] = boundaryIndex(f + 1, nIn, 'mirror');
  }
  return { i0, i1, w1 };
}

/**
 * Bilinear rescale of a `[h, w]` image by `scale`, as `skimage.transform.rescale(img, scale, order=1,
 * mode='reflect', anti_aliasing=False, preserve_range=True)`: output `round(h·scale) × round(w·scale)`,
 * pixel centres aligned (`x_in = (x_out + 0.5)·w/w' − 0.5`), skimage's 'reflect' (= scipy 'mirror') border.
 * @returns `{ data: [h', w'], h, w }`
 */
export function rescale(img: ImageArray, h: number, w: number, scale: number): { data: Float32Array; h: number; w: number } {
  checkImage('rescale', img, h, w);
  checkNumber('rescale', 'scale', scale, { min: 0, exclusiveMin: true });
  const [oh, ow] = rescaleShape(h, w, scale);
  return resize(img, h, w, oh, ow);
}

/** Bilinear resize of a `[h, w]` image to `[oh, ow]` with the conventions of {@link rescale}. */
export function resize(img: ImageArray, h: number, w: number, oh: number, ow: number): { data: Float32Array; h: number; w: number } {
  checkImage('resize', img, h, w);
  checkNumber('resize', 'oh', oh, { min: 1, integer: true });
  checkNumber('resize', 'ow', ow, { min: 1, integer: true });
  const ty = taps(h, oh);
  const tx = taps(w, ow);
  const out = new Float32Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    const r0 = (ty.i0[y] as number) * w;
    const r1 = (ty.i1[y] as number) * w;
    const wy = ty.w1[y] as number;
    for (let x = 0; x < ow; x++) {
      const a = tx.i0[x] as number;
      const b = tx.i1[x] as number;
      const wx = tx.w1[x] as number;
      const top = (img[r0 + a] as number) * (1 - wx) + (img[r0 + b] as number) * wx;
      const bot = (img[r1 + a] as number) * (1 - wx) + (img[r1 + b] as number) * wx;
      out[y * ow + x] = top * (1 - wy) + bot * wy;
    }
  }
  return { data: out, h: oh, w: ow };
}
