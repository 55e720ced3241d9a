import { checkNumber, checkOneOf, resolveOptions, SalConfigError, SalShapeError } from '@sal/types';
import { applyColormap, colorLimits, COLORMAP_NAMES, type ColormapName } from './colormap.js';
import { panelFigurePng, type Panel } from './layout.js';
import { blit, checkPlane, createImage, encodePng, resizeNearest, upscale, type RgbaImage } from './raster.js';

/**
 * A 2-D array as an image: flat row-major values `[h*w]` coloured with a colormap.
 * Limits default to the data range (symmetric ±max|x| for `diverging`).
 */
export function heatmapImage(data: ArrayLike<number>, h: number, w: number, opts?: { min?: number; max?: number; cmap?: ColormapName }): RgbaImage {
  checkPlane('viz.heatmapImage: data', data, h, w);
  return { width: w, height: h, data: applyColormap(data, opts) };
}

/** Options of {@link heatmapPng}. */
export interface HeatmapOptions {
  /** Low colour limit; NaN = automatic (see `applyColormap`). @default NaN */
  min?: number;
  /** High colour limit; NaN = automatic. @default NaN */
  max?: number;
  /** Colormap. @default 'viridis' */
  cmap?: ColormapName;
  /** Integer upscaling factor (each value becomes a scale×scale block). @default 1 */
  scale?: number;
  /** Draw a colour bar with the limits. @default false */
  colorbar?: boolean;
  /** Title above the map (escaped). @default '' */
  title?: string;
}
export const HEATMAP_DEFAULTS: Readonly<Required<HeatmapOptions>> = Object.freeze({
  min: NaN,
  max: NaN,
  cmap: 'viridis',
  scale: 1,
  colorbar: false,
  title: '',
});

/**
 * A heat map of `data` `[h*w]` as PNG bytes. Without colour bar and title the PNG is exactly
 * `(h*scale) × (w*scale)` pixels; with them the map is laid out by `panelFigureSvg`.
 */
export async function heatmapPng(data: ArrayLike<number>, h: number, w: number, opts?: HeatmapOptions): Promise<Uint8Array> {
  const where = 'viz.heatmapPng';
  const o = resolveOptions(where, HEATMAP_DEFAULTS, opts);
  const scale = checkNumber(where, 'scale', o.scale, { min: 1, integer: true });
  checkPlane(`${where}: data`, data, h, w);
  const lim = colorLimits(data, { min: o.min, max: o.max, cmap: o.cmap });
  const img = heatmapImage(data, h, w, lim);
  if (!o.colorbar && !o.title) return encodePng(upscale(img, scale));
  const panel: Panel = { image: upscale(img, scale), ...(o.title ? { title: o.title } : {}), ...(o.colorbar ? { colorbar: lim } : {}) };
  return panelFigurePng([panel], { gap: 8 });
}

/** Options of {@link imageGridImage} / {@link imageGridPng}. */
export interface ImageGridOptions {
  /** Number of rows; 0 = `ceil(n / cols)`. @default 0 */
  rows?: number;
  /** Number of columns; 0 = `ceil(n / rows)`, or `ceil(sqrt(n))` when rows is 0 too. @default 0 */
  cols?: number;
  /** Size in pixels of a cell's longest side (thumbnails are resized nearest-neighbour); 0 = native. @default 0 */
  cellSize?: number;
  /** White space between cells and around the grid, in pixels. @default 2 */
  gap?: number;
  /** Colormap of the thumbnails. @default 'grey' */
  cmap?: ColormapName;
  /** `'each'`: every thumbnail uses its own range; `'shared'`: one range (or `min`/`max`) for all. @default 'each' */
  normalize?: 'each' | 'shared';
  /** Shared low limit (with `normalize: 'shared'`); NaN = automatic. @default NaN */
  min?: number;
  /** Shared high limit (with `normalize: 'shared'`); NaN = automatic. @default NaN */
  max?: number;
  /** One label per image, drawn above each cell (escaped); empty = no labels. @default [] */
  labels?: readonly string[];
}
export const IMAGE_GRID_DEFAULTS: Readonly<Required<ImageGridOptions>> = Object.freeze({
  rows: 0,
  cols: 0,
  cellSize: 0,
  gap: 2,
  cmap: 'grey',
  normalize: 'each',
  min: NaN,
  max: NaN,
  labels: Object.freeze([]) as readonly string[],
});

interface GridPlan {
  rows: number;
  cols: number;
  thumbs: RgbaImage[];
  cellW: number;
  cellH: number;
  gap: number;
}

function planGrid(where: string, images: readonly ArrayLike<number>[], h: number, w: number, o: Required<ImageGridOptions>): GridPlan {
  if (!Array.isArray(images) || images.length === 0) throw new SalConfigError(where, 'images', 'a non-empty array of [h*w] arrays', images);
  const n = images.length;
  let rows = checkNumber(where, 'rows', o.rows, { min: 0, integer: true });
  let cols = checkNumber(where, 'cols', o.cols, { min: 0, integer: true });
  const cellSize = checkNumber(where, 'cellSize', o.cellSize, { min: 0, integer: true });
  const gap = checkNumber(where, 'gap', o.gap, { min: 0, integer: true });
  checkOneOf(where, 'cmap', o.cmap, COLORMAP_NAMES);
  const norm = checkOneOf(where, 'normalize', o.normalize, ['each', 'shared'] as const);
  if (rows === 0 && cols === 0) cols = Math.ceil(Math.sqrt(n));
  if (rows === 0) rows = Math.ceil(n / cols);
  if (cols === 0) cols = Math.ceil(n / rows);
  if (rows * cols < n) throw new SalConfigError(where, 'rows', `rows*cols >= ${n} images`, `${rows}x${cols}`);
  images.forEach((im, i) => checkPlane(`${where}: images[${i}]`, im, h, w));
  let shared: { min: number; max: number } | undefined;
  if (norm === 'shared') {
    let lo = Infinity,
      hi = -Infinity;
    for (const im of images)
      for (let i = 0; i < im.length; i++) {
        const v = im[i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    const auto = colorLimits([lo, hi], { cmap: o.cmap });
    shared = { min: Number.isNaN(o.min) ? auto.min : o.min, max: Number.isNaN(o.max) ? auto.max : o.max };
  }
  const dw = cellSize === 0 ? w : Math.max(1, Math.round((w * cellSize) / Math.max(h, w)));
  const dh = cellSize === 0 ? h : Math.max(1, Math.round((h * cellSize) / Math.max(h, w)));
  const thumbs = images.map((im) => resizeNearest(heatmapImage(im, h, w, { cmap: o.cmap, ...(shared ?? {}) }), dw, dh));
  return { rows, cols, thumbs, cellW: dw, cellH: dh, gap };
}

/**
 * Thumbnails of `images` (each a flat `[h*w]` array) on a rows×cols grid, row-major, on white.
 * Cell (r, c) has its top-left pixel at `(gap + c*(cellW+gap), gap + r*(cellH+gap))`.
 * Example: the 200 images that drive a neuron most as a 10×20 grid of grey thumbnails.
 */
export function imageGridImage(images: readonly ArrayLike<number>[], h: number, w: number, opts?: ImageGridOptions): RgbaImage {
  const where = 'viz.imageGrid';
  const o = resolveOptions(where, IMAGE_GRID_DEFAULTS, opts);
  const p = planGrid(where, images, h, w, o);
  const out = createImage(p.gap + p.cols * (p.cellW + p.gap), p.gap + p.rows * (p.cellH + p.gap));
  p.thumbs.forEach((t, i) => blit(out, t, p.gap + (i % p.cols) * (p.cellW + p.gap), p.gap + Math.floor(i / p.cols) * (p.cellH + p.gap)));
  return out;
}

/** {@link imageGridImage} as PNG bytes; with `labels`, the cells are laid out by `panelFigureSvg` with titles. */
export async function imageGridPng(images: readonly ArrayLike<number>[], h: number, w: number, opts?: ImageGridOptions): Promise<Uint8Array> {
  const where = 'viz.imageGridPng';
  const o = resolveOptions(where, IMAGE_GRID_DEFAULTS, opts);
  if (o.labels.length === 0) return encodePng(imageGridImage(images, h, w, o));
  if (o.labels.length !== images.length) throw new SalShapeError(`${where}: labels`, [images.length], [o.labels.length]);
  const p = planGrid(where, images, h, w, o);
  return panelFigurePng(
    p.thumbs.map((image, i) => ({ image, title: o.labels[i]! })),
    { cols: p.cols, gap: Math.max(p.gap, 4) },
  );
}

/** Options of {@link overlayImage} / {@link overlayPng}. */
export interface OverlayOptions {
  /** Opacity of the heat layer, 0–1: pixel = (1−alpha)·grey + alpha·heat, per channel, rounded. @default 0.5 */
  alpha?: number;
  /** Colormap of the heat layer. @default 'diverging' */
  cmap?: ColormapName;
  /** Low limit of the heat layer; NaN = automatic (symmetric for diverging). @default NaN */
  min?: number;
  /** High limit of the heat layer; NaN = automatic. @default NaN */
  max?: number;
  /** Integer upscaling of the PNG. @default 1 */
  scale?: number;
  /** Title above the overlay (PNG only; escaped). @default '' */
  title?: string;
  /**
   * Scale the opacity per pixel by the heat value's distance from the colormap centre (diverging) or
   * from the low end (other maps), so the image shows through where the heat map is near zero. @default false
   */
  weighted?: boolean;
}
export const OVERLAY_DEFAULTS: Readonly<Required<OverlayOptions>> = Object.freeze({
  alpha: 0.5,
  cmap: 'diverging',
  min: NaN,
  max: NaN,
  scale: 1,
  title: '',
  weighted: false,
});

/**
 * A heat map (e.g. a gRF) blended over a grey image, both flat `[h*w]`. The grey image uses its own
 * min–max range; the heat layer its colormap and limits.
 */
export function overlayImage(grey: ArrayLike<number>, heat: ArrayLike<number>, h: number, w: number, opts?: OverlayOptions): RgbaImage {
  const where = 'viz.overlay';
  const o = resolveOptions(where, OVERLAY_DEFAULTS, opts);
  const alpha = checkNumber(where, 'alpha', o.alpha, { min: 0, max: 1 });
  checkPlane(`${where}: grey`, grey, h, w);
  checkPlane(`${where}: heat`, heat, h, w);
  const base = applyColormap(grey, { cmap: 'grey' });
  const lim = colorLimits(heat, { cmap: o.cmap, min: o.min, max: o.max });
  const top = applyColormap(heat, lim);
  const out = new Uint8ClampedArray(base.length);
  const span = lim.max - lim.min;
  for (let i = 0; i < base.length; i += 4) {
    let a = alpha;
    if (o.weighted) {
      const t = span > 0 ? Math.min(1, Math.max(0, (heat[i / 4]! - lim.min) / span)) : 0.5;
      a *= lim.cmap === 'diverging' ? Math.abs(2 * t - 1) : t;
    }
    for (let k = 0; k < 3; k++) out[i + k] = Math.round((1 - a) * base[i + k]! + a * top[i + k]!);
    out[i + 3] = 255;
  }
  return { width: w, height: h, data: out };
}

/** {@link overlayImage} as PNG bytes (exact size `h*scale × w*scale` when untitled). */
export async function overlayPng(grey: ArrayLike<number>, heat: ArrayLike<number>, h: number, w: number, opts?: OverlayOptions): Promise<Uint8Array> {
  const o = resolveOptions('viz.overlayPng', OVERLAY_DEFAULTS, opts);
  const img = upscale(overlayImage(grey, heat, h, w, o), checkNumber('viz.overlayPng', 'scale', o.scale, { min: 1, integer: true }));
  return o.title ? panelFigurePng([{ image: img, title: o.title }]) : encodePng(img);
}

/** Options of {@link hotPixelsImage} / {@link hotPixelsPng}. */
export interface HotPixelsOptions {
  /** RGB colour of the marked pixels. @default [139, 0, 0] (dark red) */
  color?: readonly [number, number, number];
  /** Opacity of the mark, 0–1. @default 1 */
  alpha?: number;
  /** Integer upscaling of the PNG. @default 1 */
  scale?: number;
}
export const HOT_PIXELS_DEFAULTS: Readonly<Required<HotPixelsOptions>> = Object.freeze({
  color: Object.freeze([139, 0, 0]) as readonly [number, number, number],
  alpha: 1,
  scale: 1,
});

/** The grey image `[h*w]` with the pixels where `mask` `[h*w]` is truthy painted in `color`. */
export function hotPixelsImage(grey: ArrayLike<number>, mask: ArrayLike<number | boolean>, h: number, w: number, opts?: HotPixelsOptions): RgbaImage {
  const where = 'viz.hotPixels';
  const o = resolveOptions(where, HOT_PIXELS_DEFAULTS, opts);
  const alpha = checkNumber(where, 'alpha', o.alpha, { min: 0, max: 1 });
  if (!Array.isArray(o.color) || o.color.length !== 3) throw new SalConfigError(where, 'color', 'an [r,g,b] triplet', o.color);
  checkPlane(`${where}: grey`, grey, h, w);
  checkPlane(`${where}: mask`, mask as ArrayLike<number>, h, w);
  const out = applyColormap(grey, { cmap: 'grey' });
  for (let i = 0; i < h * w; i++) {
    if (!mask[i]) continue;
    for (let k = 0; k < 3; k++) out[4 * i + k] = Math.round((1 - alpha) * out[4 * i + k]! + alpha * o.color[k]!);
    out[4 * i + 3] = 255;
  }
  return { width: w, height: h, data: out };
}

/** {@link hotPixelsImage} as PNG bytes of size `h*scale × w*scale`. */
export async function hotPixelsPng(
  grey: ArrayLike<number>,
  mask: ArrayLike<number | boolean>,
  h: number,
  w: number,
  opts?: HotPixelsOptions,
): Promise<Uint8Array> {
  const o = resolveOptions('viz.hotPixelsPng', HOT_PIXELS_DEFAULTS, opts);
  return encodePng(upscale(hotPixelsImage(grey, mask, h, w, o), checkNumber('viz.hotPixelsPng', 'scale', o.scale, { min: 1, integer: true })));
}

/**
 * The pixels with the highest values pooled over several maps (e.g. the gRFs of 4 neurons for one
 * image): a pixel is hot when, in any map, its value is among that map's top `fraction` of pixels.
 * `maps` are flat `[h*w]` arrays of equal length; `absolute` ranks by |value|. Returns a 0/1 mask.
 */
export function hotPixelMask(maps: readonly ArrayLike<number>[], opts: { fraction?: number; absolute?: boolean } = {}): Uint8Array {
  const where = 'viz.hotPixelMask';
  const { fraction, absolute } = resolveOptions(where, { fraction: 0.02, absolute: false }, opts);
  checkNumber(where, 'fraction', fraction, { min: 0, max: 1 });
  if (!Array.isArray(maps) || maps.length === 0) throw new SalConfigError(where, 'maps', 'a non-empty array', maps);
  const n = maps[0]!.length;
  const mask = new Uint8Array(n);
  const k = Math.round(fraction * n);
  if (k === 0) return mask;
  maps.forEach((m, j) => {
    if (m.length !== n) throw new SalShapeError(`${where}: maps[${j}]`, [n], [m.length]);
    const vals: number[] = [];
    for (let i = 0; i < n; i++) vals.push(absolute ? Math.abs(m[i]!) : m[i]!);
    const order = vals.map((_, i) => i).sort((a, b) => vals[b]! - vals[a]! || a - b);
    for (let i = 0; i < k; i++) mask[order[i]!] = 1;
  });
  return mask;
}

/**
 * Figure 1 panel for one image: the image (grey), its saliency map (viridis) and the two gradients of
 * the smoothed map (grey, symmetric limits so 0 is mid-grey), all flat `[h*w]`, side by side with titles.
 */
export async function saliencyPanelPng(
  image: ArrayLike<number>,
  saliency: ArrayLike<number>,
  gradX: ArrayLike<number>,
  gradY: ArrayLike<number>,
  h: number,
  w: number,
  opts: { cellSize?: number; title?: string } = {},
): Promise<Uint8Array> {
  const o = resolveOptions('viz.saliencyPanelPng', { cellSize: Math.max(128, h, w), title: '' }, opts);
  return panelFigurePng(saliencyPanels(image, saliency, gradX, gradY, h, w), o);
}

/** The four panels of {@link saliencyPanelPng} (for custom layouts). */
export function saliencyPanels(
  image: ArrayLike<number>,
  saliency: ArrayLike<number>,
  gradX: ArrayLike<number>,
  gradY: ArrayLike<number>,
  h: number,
  w: number,
): Panel[] {
  const sym = (d: ArrayLike<number>): { min: number; max: number } => {
    const l = colorLimits(d, { cmap: 'diverging' });
    return { min: l.min, max: l.max };
  };
  return [
    { image: heatmapImage(image, h, w, { cmap: 'grey' }), title: 'image' },
    { image: heatmapImage(saliency, h, w, { cmap: 'viridis' }), title: 'saliency' },
    { image: heatmapImage(gradX, h, w, { cmap: 'grey', ...sym(gradX) }), title: '∂x saliency' },
    { image: heatmapImage(gradY, h, w, { cmap: 'grey', ...sym(gradY) }), title: '∂y saliency' },
  ];
}
