import { checkNumber, checkOneOf, resolveOptions, SalConfigError } from '@sal/types';
import { VIRIDIS_HEX } from './viridis-table.js';

/** Names of the built-in colormaps. */
export type ColormapName = 'viridis' | 'diverging' | 'grey';
export const COLORMAP_NAMES: readonly ColormapName[] = Object.freeze(['viridis', 'diverging', 'grey']);

/** An RGB triplet, each channel 0–255. */
export type Rgb = readonly [r: number, g: number, b: number];

function parseHexTable(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Viridis as a flat `[256*3]` RGB table (entry i at `3i..3i+2`). */
export const VIRIDIS: Uint8Array = parseHexTable(VIRIDIS_HEX);

/**
 * Anchors of the diverging map, evenly spaced on [0, 1]: ColorBrewer RdBu reversed (blue low, red high)
 * with the centre replaced by pure white, so the value at t = 0.5 is exactly #ffffff.
 */
const DIVERGING_ANCHORS: readonly Rgb[] = [
  [5, 48, 97],
  [33, 102, 172],
  [67, 147, 195],
  [146, 197, 222],
  [209, 229, 240],
  [255, 255, 255],
  [253, 219, 199],
  [244, 165, 130],
  [214, 96, 77],
  [178, 24, 43],
  [103, 0, 31],
];

/**
 * Colour at position `t` ∈ [0, 1] (clamped) of a colormap.
 * - viridis: the 256-entry table, entry `min(255, floor(256 t))` (matplotlib's lookup rule);
 * - diverging: linear interpolation between the anchors (blue → white at 0.5 → red);
 * - grey: `round(255 t)` on all three channels.
 */
export function sampleColormap(cmap: ColormapName, t: number): Rgb {
  const u = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t));
  if (cmap === 'viridis') {
    const i = Math.min(255, Math.floor(u * 256)) * 3;
    return [VIRIDIS[i]!, VIRIDIS[i + 1]!, VIRIDIS[i + 2]!];
  }
  if (cmap === 'grey') {
    const v = Math.round(255 * u);
    return [v, v, v];
  }
  if (cmap === 'diverging') {
    const pos = u * (DIVERGING_ANCHORS.length - 1);
    const k = Math.min(DIVERGING_ANCHORS.length - 2, Math.floor(pos));
    const f = pos - k;
    const a = DIVERGING_ANCHORS[k]!,
      b = DIVERGING_ANCHORS[k + 1]!;
    return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
  }
  throw new SalConfigError('viz.sampleColormap', 'cmap', `one of ${COLORMAP_NAMES.join(', ')}`, cmap);
}

/** Options of {@link applyColormap} and of every function that colours an array. */
export interface ColormapOptions {
  /** Value mapped to the low end. `NaN` = automatic: the data minimum, or −max|x| for `diverging`. @default NaN */
  min?: number;
  /** Value mapped to the high end. `NaN` = automatic: the data maximum, or +max|x| for `diverging`. @default NaN */
  max?: number;
  /** Colormap name. @default 'viridis' */
  cmap?: ColormapName;
}
export const COLORMAP_DEFAULTS: Readonly<Required<ColormapOptions>> = Object.freeze({ min: NaN, max: NaN, cmap: 'viridis' });

/** Resolved colour limits of `data` for a colormap (the same rule {@link applyColormap} uses). */
export function colorLimits(data: ArrayLike<number>, opts?: ColormapOptions): { min: number; max: number; cmap: ColormapName } {
  const where = 'viz.colorLimits';
  const o = resolveOptions(where, COLORMAP_DEFAULTS, opts);
  const cmap = checkOneOf(where, 'cmap', o.cmap, COLORMAP_NAMES);
  let lo = Infinity,
    hi = -Infinity,
    absMax = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    const a = Math.abs(v);
    if (a > absMax) absMax = a;
  }
  if (lo === Infinity) {
    lo = 0;
    hi = 0;
  }
  let min: number, max: number;
  if (cmap === 'diverging') {
    min = Number.isNaN(o.min) ? (Number.isNaN(o.max) ? -absMax : -Math.abs(o.max)) : o.min;
    max = Number.isNaN(o.max) ? (Number.isNaN(o.min) ? absMax : Math.abs(o.min)) : o.max;
  } else {
    min = Number.isNaN(o.min) ? lo : o.min;
    max = Number.isNaN(o.max) ? hi : o.max;
  }
  checkNumber(where, 'min', min);
  checkNumber(where, 'max', max);
  if (max < min) throw new SalConfigError(where, 'max', `>= min (${min})`, max);
  return { min, max, cmap };
}

/**
 * Map values to colours. `data` is any flat array; returns RGBA bytes `[data.length*4]`.
 * Values are mapped linearly from [min, max] to [0, 1] and clamped; when min = max every finite value
 * maps to 0.5. Non-finite values become fully transparent pixels.
 */
export function applyColormap(data: ArrayLike<number>, opts?: ColormapOptions): Uint8ClampedArray {
  const { min, max, cmap } = colorLimits(data, opts);
  const out = new Uint8ClampedArray(data.length * 4);
  const span = max - min;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) continue;
    const t = span > 0 ? (v - min) / span : 0.5;
    const c = sampleColormap(cmap, t);
    out[4 * i] = c[0];
    out[4 * i + 1] = c[1];
    out[4 * i + 2] = c[2];
    out[4 * i + 3] = 255;
  }
  return out;
}
