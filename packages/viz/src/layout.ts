import { checkNumber, resolveOptions, SalConfigError } from '@sal/types';
import { sampleColormap, type ColormapName } from './colormap.js';
import { createImage, resizeNearest, type RgbaImage } from './raster.js';
import { formatNumber, svgDocument, svgImage, svgText, svgToPng } from './svg.js';

/** One panel of a multi-panel figure. */
export interface Panel {
  /** The picture (see `heatmapImage`, `overlayImage`, …). */
  image: RgbaImage;
  /** Title drawn above the panel (escaped). */
  title?: string;
  /** Draw a colour bar right of the panel for these limits. */
  colorbar?: { min: number; max: number; cmap: ColormapName };
  /** Draw a thin grey frame just outside the picture (e.g. a map whose zero is white, on the white page). */
  frame?: boolean;
}

/** Options of {@link panelFigureSvg} / {@link panelFigurePng}. */
export interface PanelFigureOptions {
  /** Panels per row. 0 = all panels in one row. @default 0 */
  cols?: number;
  /** Displayed size in pixels of each panel's longest side (nearest-neighbour). 0 = native size. @default 0 */
  cellSize?: number;
  /** Space between panels and around the figure, in pixels. @default 8 */
  gap?: number;
  /** Figure title (escaped). @default '' */
  title?: string;
  /** One label per row, drawn vertically left of the row (escaped). @default [] */
  rowLabels?: readonly string[];
}
export const PANEL_FIGURE_DEFAULTS: Readonly<Required<PanelFigureOptions>> = Object.freeze({
  cols: 0,
  cellSize: 0,
  gap: 8,
  title: '',
  rowLabels: Object.freeze([]) as readonly string[],
});

/** Where a panel's picture landed in the figure, in pixels. */
export interface PanelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A laid-out figure: the SVG document, its size and each panel's picture box. */
export interface PanelFigure {
  svg: string;
  width: number;
  height: number;
  boxes: PanelBox[];
}

const TITLE_H = 24,
  PANEL_TITLE_H = 16,
  ROW_LABEL_W = 20,
  COLORBAR_W = 12,
  COLORBAR_LABEL_W = 44;

function colorbarImage(height: number, cmap: ColormapName): RgbaImage {
  const img = createImage(COLORBAR_W, height);
  for (let y = 0; y < height; y++) {
    const c = sampleColormap(cmap, height === 1 ? 0.5 : 1 - y / (height - 1));
    for (let x = 0; x < COLORBAR_W; x++) {
      const i = (y * COLORBAR_W + x) * 4;
      img.data[i] = c[0];
      img.data[i + 1] = c[1];
      img.data[i + 2] = c[2];
      img.data[i + 3] = 255;
    }
  }
  return img;
}

/**
 * Lay panels out on a grid (row-major), with optional panel titles, colour bars, row labels and a figure
 * title, as one SVG document. Pictures are embedded at 1:1 after nearest-neighbour resizing, at integer
 * positions, so the rendered PNG reproduces their pixels exactly inside `boxes`.
 */
export function panelFigureSvg(panels: readonly Panel[], opts?: PanelFigureOptions): PanelFigure {
  const where = 'viz.panelFigure';
  const o = resolveOptions(where, PANEL_FIGURE_DEFAULTS, opts);
  if (!Array.isArray(panels) || panels.length === 0) throw new SalConfigError(where, 'panels', 'a non-empty array of panels', panels);
  const cols = checkNumber(where, 'cols', o.cols, { min: 0, integer: true }) || panels.length;
  const cellSize = checkNumber(where, 'cellSize', o.cellSize, { min: 0, integer: true });
  const gap = checkNumber(where, 'gap', o.gap, { min: 0, integer: true });
  const rows = Math.ceil(panels.length / cols);
  const shown = panels.map((p) => {
    if (!p?.image || !(p.image.data instanceof Uint8ClampedArray)) throw new TypeError(`${where}: every panel needs an RgbaImage 'image'`);
    if (cellSize === 0) return p.image;
    const s = cellSize / Math.max(p.image.width, p.image.height);
    return resizeNearest(p.image, Math.max(1, Math.round(p.image.width * s)), Math.max(1, Math.round(p.image.height * s)));
  });
  const cellW = Math.max(...shown.map((s) => s.width));
  const cellH = Math.max(...shown.map((s) => s.height));
  const hasTitles = panels.some((p) => p.title !== undefined && p.title !== '');
  const hasBars = panels.some((p) => p.colorbar !== undefined);
  const titleH = o.title ? TITLE_H : 0;
  const ptH = hasTitles ? PANEL_TITLE_H : 0;
  const rlW = o.rowLabels.length > 0 ? ROW_LABEL_W : 0;
  const barW = hasBars ? 4 + COLORBAR_W + COLORBAR_LABEL_W : 0;
  // rough text widths (average glyph ≈ 0.6 em) so titles are not clipped
  const textW = (t: string | undefined, size: number): number => (t ? Math.ceil(t.length * size * 0.6) : 0);
  const cellOuterW = Math.max(cellW + barW, ...panels.map((p) => textW(p.title, 11)));
  const cellOuterH = ptH + cellH;
  const contentW = rlW + cols * cellOuterW + (cols - 1) * gap;
  const width = Math.max(gap + contentW + gap, textW(o.title, 15) + 2 * gap);
  const x0 = Math.floor((width - contentW) / 2);
  const height = gap + titleH + rows * cellOuterH + (rows - 1) * gap + gap;
  const parts: string[] = [];
  if (o.title) parts.push(svgText(o.title, width / 2, gap + 16, { size: 15, anchor: 'middle', weight: 'bold' }));
  const boxes: PanelBox[] = [];
  for (let r = 0; r < rows; r++) {
    const y0 = gap + titleH + r * (cellOuterH + gap);
    const label = o.rowLabels[r];
    if (label !== undefined && label !== '') {
      parts.push(svgText(label, x0 + 14, y0 + ptH + cellH / 2, { size: 12, anchor: 'middle', rotate: -90 }));
    }
  }
  panels.forEach((p, i) => {
    const r = Math.floor(i / cols),
      c = i % cols;
    const img = shown[i]!;
    const x = x0 + rlW + c * (cellOuterW + gap) + Math.floor((cellOuterW - barW - img.width) / 2);
    const y = gap + titleH + r * (cellOuterH + gap);
    if (p.title) parts.push(svgText(p.title, x + img.width / 2, y + 12, { size: 11, anchor: 'middle' }));
    parts.push(svgImage(img, x, y + ptH));
    if (p.frame)
      parts.push(
        `<rect x="${x - 0.5}" y="${y + ptH - 0.5}" width="${img.width + 1}" height="${img.height + 1}" fill="none" stroke="#b0b0b0" stroke-width="1"/>`,
      );
    boxes.push({ x, y: y + ptH, width: img.width, height: img.height });
    if (p.colorbar) {
      const bx = x + img.width + 4,
        by = y + ptH;
      parts.push(svgImage(colorbarImage(img.height, p.colorbar.cmap), bx, by));
      const lx = bx + COLORBAR_W + 3;
      parts.push(svgText(formatNumber(p.colorbar.max), lx, by + 9, { size: 9 }));
      parts.push(svgText(formatNumber((p.colorbar.min + p.colorbar.max) / 2), lx, by + img.height / 2 + 3, { size: 9 }));
      parts.push(svgText(formatNumber(p.colorbar.min), lx, by + img.height, { size: 9 }));
    }
  });
  return { svg: svgDocument(width, height, parts.join('')), width, height, boxes };
}

/** {@link panelFigureSvg} rendered to PNG bytes. */
export async function panelFigurePng(panels: readonly Panel[], opts?: PanelFigureOptions): Promise<Uint8Array> {
  return svgToPng(panelFigureSvg(panels, opts).svg);
}
