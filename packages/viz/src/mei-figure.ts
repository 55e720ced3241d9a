/**
 * The MEI figure: for each neuron (a row), its most exciting inputs (e.g. of one model and of an ensemble), the
 * model's gradient receptive field and the true receptive field side by side, on the model's input pixels, with
 * the true RF centre marked.
 */
import { SalConfigError, SalShapeError, checkNumber, resolveOptions } from '@sal/types';
import { heatmapImage } from './images.js';
import { panelFigurePng, type Panel } from './layout.js';
import type { RgbaImage } from './raster.js';
import type { ReportFigure } from './report.js';

/** One row of {@link meiFigure}: one neuron. Every map is flat row-major `[h*w]`. */
export interface MeiFigureRow {
  /** Row label, e.g. `'sim0/3 (r = 0.71)'`. */
  neuron: string;
  /** MEIs as grey levels 0–255, each with its panel title (e.g. `'MEI seed 2: 1.3×'`). Same count in every row. */
  meis: readonly { title: string; image: ArrayLike<number> }[];
  /** The model's gRF map (any sign; shown with viridis, limits per panel). */
  grf: ArrayLike<number>;
  /** The true RF map (shown with viridis, limits per panel). */
  trueRf: ArrayLike<number>;
  /** The true RF centre in input pixels (x = column, y = row), marked in red on every panel; `null`: no mark. */
  centre: readonly [number, number] | null;
}

/** Options of {@link meiFigure}. */
export interface MeiFigureOptions {
  /** Displayed size of each panel's longest side, pixels (0: a multiple of the map size near 112). @default 0 */
  cellSize?: number;
  /** Column title of the gRF panels. @default 'gRF' */
  grfTitle?: string;
  /** Column title of the true RF panels. @default 'true RF' */
  trueRfTitle?: string;
  /** Figure caption; `''`: a generic one. @default '' */
  caption?: string;
}

/** Defaults of {@link MeiFigureOptions}. */
export const MEI_FIGURE_DEFAULTS: Readonly<Required<MeiFigureOptions>> = Object.freeze({ cellSize: 0, grfTitle: 'gRF', trueRfTitle: 'true RF', caption: '' });

const WHERE = 'viz.meiFigure';
const MARK: readonly [number, number, number] = [220, 20, 60];

function marked(img: RgbaImage, centre: readonly [number, number] | null): RgbaImage {
  if (centre === null) return img;
  const x = Math.round(centre[0]),
    y = Math.round(centre[1]);
  if (!(x >= 0 && x < img.width && y >= 0 && y < img.height)) return img;
  const i = (y * img.width + x) * 4;
  img.data[i] = MARK[0];
  img.data[i + 1] = MARK[1];
  img.data[i + 2] = MARK[2];
  img.data[i + 3] = 255;
  return img;
}

/**
 * MEIs, gRF and true RF of several neurons (rows): the MEIs in grey (0 black, 255 white, fixed limits), the gRF
 * and the true RF in viridis with each panel's own limits, the true RF centre as one red pixel.
 * @throws SalConfigError for no rows or a bad option; SalShapeError for maps of the wrong size or rows with
 *   different numbers of MEIs
 */
export async function meiFigure(rows: readonly MeiFigureRow[], h: number, w: number, opts?: MeiFigureOptions): Promise<ReportFigure> {
  const o = resolveOptions(WHERE, MEI_FIGURE_DEFAULTS, opts);
  checkNumber(WHERE, 'h', h, { min: 1, integer: true });
  checkNumber(WHERE, 'w', w, { min: 1, integer: true });
  const cellSize = checkNumber(WHERE, 'cellSize', o.cellSize, { min: 0, integer: true });
  if (!Array.isArray(rows) || rows.length === 0) throw new SalConfigError(WHERE, 'rows', 'a non-empty array of rows', rows);
  const k = rows[0]!.meis?.length ?? 0;
  if (k === 0) throw new SalConfigError(WHERE, 'rows[0].meis', 'at least one MEI', rows[0]!.meis);
  const panels: Panel[] = [];
  rows.forEach((r, i) => {
    if (!Array.isArray(r.meis) || r.meis.length !== k) throw new SalShapeError(`${WHERE}: rows[${i}].meis`, [k], [r.meis?.length]);
    for (const m of r.meis) panels.push({ image: marked(heatmapImage(m.image, h, w, { min: 0, max: 255, cmap: 'grey' }), r.centre), title: m.title });
    panels.push({ image: marked(heatmapImage(r.grf, h, w, { cmap: 'viridis' }), r.centre), title: i === 0 ? o.grfTitle : '' });
    panels.push({ image: marked(heatmapImage(r.trueRf, h, w, { cmap: 'viridis' }), r.centre), title: i === 0 ? o.trueRfTitle : '' });
  });
  const cell = cellSize || Math.max(1, Math.round(112 / Math.max(h, w))) * Math.max(h, w);
  const bytes = await panelFigurePng(panels, { cols: k + 2, cellSize: cell, gap: 6, rowLabels: rows.map((r) => r.neuron) });
  const caption =
    o.caption ||
    `Per neuron (rows): ${k} most exciting input${k > 1 ? 's' : ''} (grey levels, 0 black to 255 white), the model's gradient receptive field and the true receptive field (viridis, limits per panel); the red pixel marks the true RF centre.`;
  return { kind: 'figure', png: bytes, caption };
}
