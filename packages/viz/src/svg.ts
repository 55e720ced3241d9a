import sharp from 'sharp';
import { encodePng, pngDataUri, type RgbaImage } from './raster.js';

/** Escape text for XML/HTML element content and attribute values (`& < > " '`). */
export function escapeXml(text: string): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
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

/** Render an SVG string to PNG bytes (RGBA; 1 SVG unit = 1 pixel at `scale` 1). */
export async function svgToPng(svg: string, opts: { scale?: number } = {}): Promise<Uint8Array> {
  const density = 72 * (opts.scale ?? 1);
  const buf = await sharp(Buffer.from(svg), { density }).ensureAlpha().png().toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
