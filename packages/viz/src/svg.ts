import { SalConfigError } from '@sal/types';
import { encodePng, pngDataUri, type RgbaImage } from './raster.js';

/** Escape text for XML/HTML element content and attribute values (`& < > " '`). */
export function escapeXml(text: string): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Font stack used by every figure (fonts installed on most systems; librsvg falls back cleanly). */
export const FONT_FAMILY = 'DejaVu Sans, Liberation Sans, Lato, Arial, sans-serif';

/** Format a number compactly for labels (up to 3 significant digits, no trailing zeros). */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(3)));
}

/** An `<image>` element holding a raster at 1:1 (pixelated, so any later scaling stays crisp). */
export function svgImage(img: RgbaImage, x: number, y: number): string {
  return `<image x="${x}" y="${y}" width="${img.width}" height="${img.height}" preserveAspectRatio="none" image-rendering="pixelated" style="image-rendering:pixelated" href="${pngDataUri(encodePng(img))}"/>`;
}

/** A `<text>` element; `text` is escaped here. */
export function svgText(
  text: string,
  x: number,
  y: number,
  opts: { size?: number; anchor?: 'start' | 'middle' | 'end'; weight?: 'normal' | 'bold'; rotate?: number; fill?: string } = {},
): string {
  const { size = 12, anchor = 'start', weight = 'normal', rotate, fill = '#222' } = opts;
  const tr = rotate === undefined ? '' : ` transform="rotate(${rotate} ${x} ${y})"`;
  return `<text x="${x}" y="${y}" font-family="${FONT_FAMILY}" font-size="${size}" font-weight="${weight}" text-anchor="${anchor}" fill="${fill}"${tr}>${escapeXml(text)}</text>`;
}

/** A complete SVG document of the given size with a white background. */
export function svgDocument(width: number, height: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="${width}" height="${height}" fill="#ffffff"/>${body}</svg>`;
}

/**
 * Renders an SVG document to PNG bytes at `density` dots per inch (72: 1 SVG unit = 1 pixel). `@sal/viz/node`
 * registers one built on sharp when imported; a browser or another runtime registers its own.
 */
export type SvgRasterizer = (svg: string, density: number) => Promise<Uint8Array>;

let rasterizer: SvgRasterizer | null = null;

/** Register how SVG becomes PNG (`null` removes it). `import '@sal/viz/node'` registers sharp's. */
export function setSvgRasterizer(fn: SvgRasterizer | null): void {
  if (fn !== null && typeof fn !== 'function') throw new TypeError('viz.setSvgRasterizer: fn must be a function or null');
  rasterizer = fn;
}

/**
 * Render an SVG string to PNG bytes (RGBA; 1 SVG unit = 1 pixel at `scale` 1), with the registered rasterizer:
 * in Node, import anything from `@sal/viz/node` (sharp; `npm install sharp`) first.
 */
export async function svgToPng(svg: string, opts: { scale?: number } = {}): Promise<Uint8Array> {
  if (!rasterizer) {
    throw new SalConfigError(
      'viz.svgToPng',
      'rasterizer',
      "an SVG rasterizer: in Node import '@sal/viz/node' (renders with sharp: npm install sharp), elsewhere call setSvgRasterizer(fn)",
      null,
    );
  }
  return rasterizer(svg, 72 * (opts.scale ?? 1));
}
