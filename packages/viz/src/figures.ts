/**
 * One helper per figure of the study (the checklist rows 1–14, plus the simulation's ground truth and
 * the RF-shift test). Each takes the plain arrays the analysis produces and returns a report figure
 * (`{ kind: 'figure', png | svg, caption }`) that `buildReport` inlines and `writeFigure` saves.
 * Images and maps are flat row-major `[h*w]` arrays.
 */
import { SalConfigError, SalShapeError, type Verdict } from '@sal/types';
import { groupedChartSvg, histogramSvg, lineChartSvg, scatterSvg, type LineSeries } from './charts.js';
import { colorLimits } from './colormap.js';
import { densityChartSvg } from './density.js';
import { hotPixelMask, hotPixelsImage, heatmapImage, imageGridPng, overlayImage, saliencyPanels } from './images.js';
import { panelFigurePng, type Panel } from './layout.js';
import type { ReportFigure, ReportTable } from './report.js';
import { formatAmplitude, MODEL_SCHEMA_DEFAULTS, modelSchemaSvg, type ModelSchemaOptions } from './schema.js';
import { formatNumber } from './svg.js';

/** A figure ready for the report: PNG bytes or an SVG string, and a caption. */
export type Figure = ReportFigure;

function png(bytes: Uint8Array, caption: string): Figure {
  return { kind: 'figure', png: bytes, caption };
}
function svg(text: string, caption: string): Figure {
  return { kind: 'figure', svg: text, caption };
}
/**
 * Default panel size near `target` pixels: an integer multiple of the image's longest side when the image
 * is smaller (so every pixel becomes an equal block), else `target` (nearest-neighbour downscaling).
 */
function cellFor(target: number, h: number, w: number): number {
  const m = Math.max(h, w);
  return m <= target ? Math.max(1, Math.round(target / m)) * m : target;
}

/** Reject option keys a figure helper does not know (a typo would otherwise be ignored silently). */
function known(where: string, opts: object, keys: readonly string[]): void {
  if (opts === null || typeof opts !== 'object') throw new SalConfigError(where, '(options)', 'an object', opts);
  for (const k of Object.keys(opts)) if (!keys.includes(k)) throw new SalConfigError(where, k, `one of ${keys.join(', ')}`, k);
}

function nonEmpty(where: string, name: string, a: unknown): void {
  if (!Array.isArray(a) || a.length === 0) throw new SalConfigError(where, name, 'a non-empty array', a);
}

/** Input of figure 1: one stimulus with its saliency map and the x/y gradients of the smoothed map, each `[h*w]`. */
export interface SaliencyExample {
  image: ArrayLike<number>;
  saliency: ArrayLike<number>;
  gradX: ArrayLike<number>;
  gradY: ArrayLike<number>;
}

/**
 * Figure 1: one column per image; rows: the image (grey), its saliency map (viridis), ∂x and ∂y of
 * the smoothed map (grey, symmetric limits). `examples` `[n]`, each map `[h*w]`.
 */
export async function saliencyFigure(
  examples: readonly SaliencyExample[],
  h: number,
  w: number,
  opts: { cellSize?: number; title?: string } = {},
): Promise<Figure> {
  known('viz.saliencyFigure', opts, ['cellSize', 'title']);
  nonEmpty('viz.saliencyFigure', 'examples', examples);
  const cols = examples.map((e) => saliencyPanels(e.image, e.saliency, e.gradX, e.gradY, h, w).map((p) => ({ image: p.image })));
  const panels: Panel[] = [];
  for (let r = 0; r < 4; r++) for (const c of cols) panels.push(c[r]!);
  const bytes = await panelFigurePng(panels, {
    cols: examples.length,
    cellSize: opts.cellSize ?? cellFor(128, h, w),
    gap: 6,
    title: opts.title ?? '',
    rowLabels: ['image', 'saliency', '∂x', '∂y'],
  });
  return png(bytes, 'Stimuli (grey), their saliency maps (viridis) and the x/y gradients of the smoothed saliency map (grey, 0 = mid-grey).');
}

/**
 * Figure 2: the schema of the saliency-shifter model (SVG). Pass the run's `maxRemapAmplitude` and
 * `neuronShiftGain`: the schema and the caption state them.
 */
export function modelSchemaFigure(opts: ModelSchemaOptions = {}): Figure {
  known('viz.modelSchemaFigure', opts, ['title', 'remapperInput', 'maxRemapAmplitude', 'neuronShiftGain']);
  const text = modelSchemaSvg(opts);
  const amp = formatAmplitude(opts.maxRemapAmplitude ?? MODEL_SCHEMA_DEFAULTS.maxRemapAmplitude);
  const gain = opts.neuronShiftGain ?? MODEL_SCHEMA_DEFAULTS.neuronShiftGain;
  return svg(
    text,
    `The shifter model: a core on the image; a remapper on saliency and its gradients computing a shift field, tanh × ${amp} in [−1, 1] grid units; each neuron's Gaussian readout position moves by the field at its position${gain ? ' times a learned per-neuron gain gₙ' : ''}, per image.`,
  );
}

/** One model's training history: validation correlation per epoch (epoch 1 first). `panel` groups models into panels. */
export interface TrainingHistory {
  name: string;
  valCorrelation: ArrayLike<number>;
  panel?: string;
}

/**
 * Figures 3 and 4: validation correlation per epoch, one line per model; models with a `panel` are split
 * into side-by-side panels (figure 3: 'images only' vs '+ saliency'; figure 4: one panel, one line per
 * remapper input).
 */
export async function trainingCurvesFigure(histories: readonly TrainingHistory[], opts: { title?: string; caption?: string } = {}): Promise<Figure> {
  known('viz.trainingCurvesFigure', opts, ['title', 'caption']);
  nonEmpty('viz.trainingCurvesFigure', 'histories', histories);
  const series: LineSeries[] = histories.map((hst) => ({
    name: hst.name,
    x: Array.from({ length: hst.valCorrelation.length }, (_, i) => i + 1),
    y: hst.valCorrelation,
    ...(hst.panel !== undefined ? { panel: hst.panel } : {}),
  }));
  const text = await lineChartSvg(series, {
    title: opts.title ?? 'Validation correlation during training',
    xLabel: 'epoch',
    yLabel: 'validation correlation',
    points: true,
  });
  return svg(text, opts.caption ?? 'Validation correlation per epoch, one line per model.');
}

/** Figure 4: {@link trainingCurvesFigure} for the shifter models, one line per remapper input. */
export async function shifterCurvesFigure(histories: readonly TrainingHistory[]): Promise<Figure> {
  return trainingCurvesFigure(histories, {
    title: 'Shifter model: validation correlation by remapper input',
    caption: 'Validation correlation per epoch of the shifter model for each remapper input (ones, saliency + gradients, images).',
  });
}

/** One trained configuration: test correlations over seeds for an input variant at a crop size. */
export interface TestResult {
  variant: string;
  cropSize: number | string;
  correlations: ArrayLike<number>;
}

/**
 * Figures 5 and 6: test correlation by crop size (x) and input variant (colour), mean ± sd over seeds.
 * Order of first appearance is kept for both.
 */
export async function testCorrelationFigure(
  results: readonly TestResult[],
  opts: { title?: string; mark?: 'bar' | 'dot'; caption?: string } = {},
): Promise<Figure> {
  known('viz.testCorrelationFigure', opts, ['title', 'mark', 'caption']);
  nonEmpty('viz.testCorrelationFigure', 'results', results);
  const text = await groupedChartSvg(
    results.map((r) => ({ group: String(r.cropSize), series: r.variant, values: r.correlations })),
    { title: opts.title ?? 'Test correlation', xLabel: 'crop size (px)', yLabel: 'test correlation', mark: opts.mark ?? 'dot', error: 'sd' },
  );
  return svg(
    text,
    opts.caption ??
      'Test correlation by input variant and crop size; points: mean over model seeds; bars: ± one standard deviation over model seeds (ddof 0), none where there is one seed.',
  );
}

/**
 * Figure 7: the images that drive a neuron most, as a grid of grey thumbnails (default 10 rows × 20
 * columns for 200 images). `images` `[n]` of `[h*w]`, strongest first; `labels` (one per image, e.g. rank and
 * image id) are drawn above the thumbnails and `title` above the grid.
 */
export async function exampleGridFigure(
  images: readonly ArrayLike<number>[],
  h: number,
  w: number,
  opts: { rows?: number; cols?: number; cellSize?: number; neuron?: string; labels?: readonly string[]; title?: string } = {},
): Promise<Figure> {
  known('viz.exampleGridFigure', opts, ['rows', 'cols', 'cellSize', 'neuron', 'labels', 'title']);
  nonEmpty('viz.exampleGridFigure', 'images', images);
  const cols = opts.cols ?? 20;
  const rows = opts.rows ?? Math.ceil(images.length / cols);
  const labels = opts.labels ?? [];
  if (labels.length !== 0 && labels.length !== images.length) throw new SalShapeError('viz.exampleGridFigure: labels', [images.length], [labels.length]);
  let bytes: Uint8Array;
  if (labels.length === 0 && !opts.title) {
    bytes = await imageGridPng(images, h, w, { rows, cols, cellSize: opts.cellSize ?? 48, gap: 2, cmap: 'grey' });
  } else {
    const size = opts.cellSize ?? 64;
    const panels = images.map((im, i) => ({ image: heatmapImage(im, h, w, { cmap: 'grey' }), title: labels[i] ?? '' }));
    bytes = await panelFigurePng(panels, { cols, cellSize: size, gap: 4, title: opts.title ?? '' });
  }
  const what = labels.length ? ', each labelled above' : '';
  return png(
    bytes,
    `The ${images.length} images that drive ${opts.neuron ?? 'the neuron'} most (by the model's predicted response), strongest first, row by row${what}; grey, each image on its own range.`,
  );
}

/** One row of figure 8: an image and the gRFs of several neurons on it, each `[h*w]`. */
export interface GrfRow {
  image: ArrayLike<number>;
  grfs: readonly ArrayLike<number>[];
  title?: string;
}

/**
 * Figure 8: per image (row): each neuron's gRF, the image (grey) and the image with the hot pixels (top
 * `fraction` of each gRF, pooled over the neurons) in dark red. All gRF panels share one symmetric diverging colour
 * scale (±max |gRF| over the figure: zero is white everywhere, blue negative, red positive), shown by a colour bar
 * beside the last gRF of the first row.
 */
export async function grfPanelFigure(
  rows: readonly GrfRow[],
  h: number,
  w: number,
  opts: { neurons?: readonly string[]; fraction?: number; cellSize?: number } = {},
): Promise<Figure> {
  known('viz.grfPanelFigure', opts, ['neurons', 'fraction', 'cellSize']);
  const where = 'viz.grfPanelFigure';
  nonEmpty(where, 'rows', rows);
  const k = rows[0]!.grfs.length;
  rows.forEach((r, i) => {
    if (r.grfs.length !== k) throw new SalShapeError(`${where}: rows[${i}].grfs`, [k], [r.grfs.length]);
  });
  let m = 0;
  for (const r of rows) for (const g of r.grfs) for (let i = 0; i < g.length; i++) if (Math.abs(g[i]!) > m) m = Math.abs(g[i]!);
  if (!(m > 0)) m = 1;
  const scale = { min: -m, max: m, cmap: 'diverging' as const };
  const panels: Panel[] = [];
  rows.forEach((r, i) => {
    r.grfs.forEach((g, j) =>
      panels.push({
        image: heatmapImage(g, h, w, scale),
        title: i === 0 ? `gRF ${opts.neurons?.[j] ?? `neuron ${j}`}` : '',
        frame: true,
        ...(i === 0 && j === k - 1 ? { colorbar: scale } : {}),
      }),
    );
    panels.push({ image: heatmapImage(r.image, h, w, { cmap: 'grey' }), title: i === 0 ? 'image' : '' });
    const mask = hotPixelMask(r.grfs, { fraction: opts.fraction ?? 0.02 });
    panels.push({ image: hotPixelsImage(r.image, mask, h, w), title: i === 0 ? 'hot pixels' : '' });
  });
  const bytes = await panelFigurePng(panels, {
    cols: k + 2,
    cellSize: opts.cellSize ?? cellFor(112, h, w),
    gap: 6,
    rowLabels: rows.map((r, i) => r.title ?? `image ${i + 1}`),
  });
  return png(
    bytes,
    `Gradient receptive fields of ${k} neurons per image on one shared colour scale (blue negative, white zero, red positive; colour bar: ±${formatNumber(m)}, the largest |gRF| in the figure), the image, and the pixels with the highest gRF values of all ${k} neurons in dark red.`,
  );
}

/** One overlay panel: an image `[h*w]`, a neuron's gRF on it `[h*w]`, and a title (e.g. neuron and response). */
export interface OverlayItem {
  image: ArrayLike<number>;
  grf: ArrayLike<number>;
  title: string;
}

/** Figure 9: gRFs over their images (diverging colormap, symmetric limits, semi-transparent). */
export async function grfOverlayFigure(
  items: readonly OverlayItem[],
  h: number,
  w: number,
  opts: { cols?: number; alpha?: number; weighted?: boolean; cellSize?: number; title?: string } = {},
): Promise<Figure> {
  known('viz.grfOverlayFigure', opts, ['cols', 'alpha', 'weighted', 'cellSize', 'title']);
  nonEmpty('viz.grfOverlayFigure', 'items', items);
  const panels = items.map((it) => ({
    image: overlayImage(it.image, it.grf, h, w, { alpha: opts.alpha ?? 0.6, weighted: opts.weighted ?? false }),
    title: it.title,
  }));
  const bytes = await panelFigurePng(panels, {
    cols: opts.cols ?? Math.min(items.length, 4),
    cellSize: opts.cellSize ?? cellFor(160, h, w),
    gap: 8,
    title: opts.title ?? '',
  });
  return png(bytes, 'Gradient receptive fields over the grey images (blue negative, white zero, red positive; symmetric limits per panel).');
}

/** For one neuron: the overlays of its most and least driving images (each item titled with the response). */
export interface StrongWeak {
  neuron: string;
  strongest: readonly OverlayItem[];
  weakest: readonly OverlayItem[];
}

/**
 * Figure 10: figure 9 for the images that drive each neuron most (one row) and least (next row). `titles` says
 * what the items' titles are, for the caption. @default 'the response'
 * Every row has the same number of items.
 */
export async function strongestWeakestFigure(
  neurons: readonly StrongWeak[],
  h: number,
  w: number,
  opts: { alpha?: number; weighted?: boolean; cellSize?: number; titles?: string } = {},
): Promise<Figure> {
  known('viz.strongestWeakestFigure', opts, ['alpha', 'weighted', 'cellSize', 'titles']);
  const where = 'viz.strongestWeakestFigure';
  nonEmpty(where, 'neurons', neurons);
  const cols = neurons[0]!.strongest.length;
  const panels: Panel[] = [];
  const labels: string[] = [];
  for (const n of neurons) {
    for (const [kind, items] of [
      ['strongest', n.strongest],
      ['weakest', n.weakest],
    ] as const) {
      if (items.length !== cols) throw new SalShapeError(`${where}: ${n.neuron}.${kind}`, [cols], [items.length]);
      items.forEach((it) =>
        panels.push({ image: overlayImage(it.image, it.grf, h, w, { alpha: opts.alpha ?? 0.6, weighted: opts.weighted ?? false }), title: it.title }),
      );
      labels.push(`${n.neuron}: ${kind}`);
    }
  }
  const bytes = await panelFigurePng(panels, { cols, cellSize: opts.cellSize ?? cellFor(128, h, w), gap: 8, rowLabels: labels });
  return png(
    bytes,
    `gRFs over the images that drive each neuron most (upper row) and least (lower row), each panel titled with ${opts.titles ?? 'the response'}; blue negative, white zero, red positive, symmetric limits per panel.`,
  );
}

function flatten(maps: ArrayLike<number> | readonly ArrayLike<number>[]): Float64Array {
  if (Array.isArray(maps) && maps.length > 0 && typeof maps[0] !== 'number') {
    const list = maps as readonly ArrayLike<number>[];
    const out = new Float64Array(list.reduce((a, m) => a + m.length, 0));
    let o = 0;
    for (const m of list) for (let i = 0; i < m.length; i++) out[o++] = m[i]!;
    return out;
  }
  return Float64Array.from(maps as ArrayLike<number>);
}

/**
 * The pixels inside a neuron's gRF: those where the mean |gRF| over `grfs` (each `[h*w]`, e.g. the neuron's gRFs
 * on every analysed image) is at least `fraction` of its largest value. Returns a 0/1 mask `[h*w]`.
 */
export function grfSupportMask(grfs: readonly ArrayLike<number>[], fraction = 0.1): Uint8Array {
  const where = 'viz.grfSupportMask';
  nonEmpty(where, 'grfs', grfs);
  if (!(fraction >= 0 && fraction <= 1)) throw new SalConfigError(where, 'fraction', 'a number in [0, 1]', fraction);
  const P = grfs[0]!.length;
  const acc = new Float64Array(P);
  grfs.forEach((g, j) => {
    if (g.length !== P) throw new SalShapeError(`${where}: grfs[${j}]`, [P], [g.length]);
    for (let i = 0; i < P; i++) acc[i]! += Math.abs(g[i]!);
  });
  let top = 0;
  for (const v of acc) if (v > top) top = v;
  const mask = new Uint8Array(P);
  if (top > 0) for (let i = 0; i < P; i++) mask[i] = acc[i]! >= fraction * top ? 1 : 0;
  return mask;
}

/** The values of `maps` (flattened) at the pixels where `mask` `[P]` is set; every map has P values. */
function masked(where: string, values: Float64Array, mask: ArrayLike<number | boolean>): Float64Array {
  const P = mask.length;
  if (P === 0 || values.length % P !== 0) throw new SalShapeError(`${where}: values`, `a multiple of the mask's ${P} pixels`, values.length);
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (mask[i % P]) out.push(values[i]!);
  return Float64Array.from(out);
}

/**
 * Figure 11: densities of gRF values for the strongest vs the weakest images of a neuron. Each input is
 * a list of gRFs (each `[h*w]`) or one flat array of values. Default range ±0.1 as in the original. With
 * `pixels`, only the values at the pixels of `pixels.mask` `[h*w]` count (e.g. {@link grfSupportMask}: inside the
 * gRF; outside it the gRF is ~0 and the histogram becomes a spike at zero); `pixels.description` says which in the caption.
 */
export async function grfDistributionFigure(
  strongest: ArrayLike<number> | readonly ArrayLike<number>[],
  weakest: ArrayLike<number> | readonly ArrayLike<number>[],
  opts: {
    range?: readonly [number, number];
    bins?: number;
    labels?: readonly [string, string];
    title?: string;
    style?: 'histogram' | 'kde';
    pixels?: { mask: ArrayLike<number | boolean>; description: string };
  } = {},
): Promise<Figure> {
  const where = 'viz.grfDistributionFigure';
  known(where, opts, ['range', 'bins', 'labels', 'title', 'style', 'pixels']);
  const [a, b] = opts.labels ?? ['strongest images', 'weakest images'];
  const pick = (v: Float64Array) => (opts.pixels ? masked(where, v, opts.pixels.mask) : v);
  const series = [
    { name: a, values: pick(flatten(strongest)) },
    { name: b, values: pick(flatten(weakest)) },
  ];
  const range = opts.range ?? [-0.1, 0.1];
  const common = {
    range,
    xLabel: 'gRF value (∂ predicted response / ∂ normalised pixel)',
    yLabel: 'density',
    title: opts.title ?? 'Distribution of gRF values',
  };
  const style = opts.style ?? 'histogram';
  if (style !== 'histogram' && style !== 'kde') throw new SalConfigError(where, 'style', "'histogram' or 'kde'", style);
  const text = style === 'kde' ? await densityChartSvg(series, common) : await histogramSvg(series, { ...common, bins: opts.bins ?? 60 });
  const where2 = opts.pixels ? ` at ${opts.pixels.description}` : ' at every pixel';
  return svg(
    text,
    `Densities of gRF values${where2} (${style === 'kde' ? 'Gaussian kernel density, Scott bandwidth' : 'histogram'}, range ${formatNumber(range[0])} to ${formatNumber(range[1])}): ${a} vs ${b}.`,
  );
}

/** Eigenvalues of one neuron's gRF PCA (any order; they are sorted descending here). */
export interface NeuronSpectrum {
  neuron: string;
  eigenvalues: ArrayLike<number>;
}

function sortedSpectrum(ev: ArrayLike<number>): number[] {
  return Array.from({ length: ev.length }, (_, i) => Math.max(0, ev[i]!)).sort((x, y) => y - x);
}

/**
 * Cumulative explained variance of a spectrum: element i (0-based) is Σ_{j≤i} λ_j / Σ λ over the
 * eigenvalues sorted descending, with negative round-off eigenvalues set to 0. `[n]` → `[n]`.
 */
export function cumulativeExplainedVariance(eigenvalues: ArrayLike<number>): Float64Array {
  const s = sortedSpectrum(eigenvalues);
  const total = s.reduce((a, b) => a + b, 0);
  const out = new Float64Array(s.length);
  let acc = 0;
  s.forEach((v, i) => {
    acc += v;
    out[i] = total > 0 ? acc / total : 0;
  });
  return out;
}

/** Figure 12: eigenvalues (sorted descending) of each neuron's gRF PCA, components 1..`components`. */
export async function eigenSpectrumFigure(spectra: readonly NeuronSpectrum[], opts: { components?: number; yScale?: 'linear' | 'log' } = {}): Promise<Figure> {
  known('viz.eigenSpectrumFigure', opts, ['components', 'yScale']);
  nonEmpty('viz.eigenSpectrumFigure', 'spectra', spectra);
  const k = opts.components ?? 10;
  const series = spectra.map((s) => {
    const v = sortedSpectrum(s.eigenvalues).slice(0, k);
    return { name: s.neuron, x: v.map((_, i) => i + 1), y: opts.yScale === 'log' ? v.map((x) => Math.max(x, 1e-12)) : v };
  });
  const text = await lineChartSvg(series, {
    title: 'Eigen-spectrum of the gRFs',
    xLabel: 'component',
    yLabel: 'eigenvalue',
    points: true,
    yScale: opts.yScale ?? 'linear',
  });
  return svg(text, `Eigenvalues of the gRF PCA (largest ${k}), one line per neuron.`);
}

/** Figure 13: cumulative explained variance against the number of components (default up to 200). */
export async function explainedVarianceFigure(spectra: readonly NeuronSpectrum[], opts: { components?: number } = {}): Promise<Figure> {
  known('viz.explainedVarianceFigure', opts, ['components']);
  nonEmpty('viz.explainedVarianceFigure', 'spectra', spectra);
  const k = opts.components ?? 200;
  const series = spectra.map((s) => {
    const c = Array.from(cumulativeExplainedVariance(s.eigenvalues).slice(0, k));
    return { name: s.neuron, x: c.map((_, i) => i + 1), y: c };
  });
  const text = await lineChartSvg(series, {
    title: 'Explained variance of the gRFs',
    xLabel: 'number of components',
    yLabel: 'cumulative explained variance',
    yDomain: [0, 1],
  });
  return svg(text, 'Cumulative explained variance of the gRF PCA against the number of components, one line per neuron.');
}

/** One row of figure 14: an image `[h*w]` and its projections into each neuron's gRF eigenspace `[h*w]`. */
export interface ProjectionRow {
  image: ArrayLike<number>;
  projections: readonly ArrayLike<number>[];
}

/**
 * Figure 14: images (first column) and their projections into the gRF eigenspace of each neuron (next
 * columns), grey with symmetric limits per panel. Make one figure per number of gRFs (500/1000/2000).
 */
export async function projectionGridFigure(
  rows: readonly ProjectionRow[],
  h: number,
  w: number,
  opts: { neurons?: readonly string[]; nGrfs?: number; cellSize?: number } = {},
): Promise<Figure> {
  known('viz.projectionGridFigure', opts, ['neurons', 'nGrfs', 'cellSize']);
  const where = 'viz.projectionGridFigure';
  nonEmpty(where, 'rows', rows);
  const k = rows[0]!.projections.length;
  const panels: Panel[] = [];
  rows.forEach((r, i) => {
    if (r.projections.length !== k) throw new SalShapeError(`${where}: rows[${i}].projections`, [k], [r.projections.length]);
    const sym = (d: ArrayLike<number>): { min: number; max: number } => {
      const l = colorLimits(d, { cmap: 'diverging' });
      return { min: l.min, max: l.max };
    };
    panels.push({ image: heatmapImage(r.image, h, w, { cmap: 'grey', ...sym(r.image) }), title: i === 0 ? 'image' : '' });
    r.projections.forEach((p, j) =>
      panels.push({ image: heatmapImage(p, h, w, { cmap: 'grey', ...sym(p) }), title: i === 0 ? (opts.neurons?.[j] ?? `neuron ${j}`) : '' }),
    );
  });
  const n = opts.nGrfs === undefined ? '' : ` built from ${opts.nGrfs} gRFs`;
  const bytes = await panelFigurePng(panels, {
    cols: k + 1,
    cellSize: opts.cellSize ?? cellFor(96, h, w),
    gap: 4,
    title: `Projections into the gRF eigenspace${n}`,
  });
  return png(bytes, `Images (left) projected into the gRF eigenspace of ${k} neurons${n}; grey, symmetric limits per panel.`);
}

/** Ground truth vs recovered receptive-field centres, per neuron (same order, same units). */
export interface RfRecovery {
  trueX: ArrayLike<number>;
  trueY: ArrayLike<number>;
  recoveredX: ArrayLike<number>;
  recoveredY: ArrayLike<number>;
}

/** Beyond the post: recovered RF centre coordinate against the true one (x and y as two series), with y = x. */
export async function rfRecoveryFigure(r: RfRecovery): Promise<Figure> {
  const text = await scatterSvg(
    [
      { name: 'x coordinate', x: r.trueX, y: r.recoveredX },
      { name: 'y coordinate', x: r.trueY, y: r.recoveredY },
    ],
    { title: 'Receptive-field centres: recovered vs true', xLabel: 'true centre coordinate (px)', yLabel: 'recovered centre coordinate (px)', identity: true },
  );
  return svg(
    text,
    'Receptive-field centre of each neuron (x and y coordinate, input pixels) recovered from the model against the simulation ground truth; dashed: y = x.',
  );
}

/** Options of {@link rfShiftFigure}: what the measured shift is, for the axis and the caption. */
export interface RfShiftFigureOptions {
  /** What the y axis plots (e.g. 'learned readout shift'); the axes add '(px)'. @default 'shift of the gRF centre' */
  measured?: string;
  /** Chart title. @default 'RF shift toward the salient object' */
  title?: string;
  /** Caption; the default names `measured`, the units and the reference line. */
  caption?: string;
}

/**
 * Beyond the post: a measured RF shift per neuron (by default the shift of the gRF centre toward the salient
 * object; `measured` names another, e.g. the model's learned readout shift) against the true shift, both in input
 * pixels, coloured by whether the neuron shifts in the simulation; ticks at whole pixels.
 */
export async function rfShiftFigure(
  neurons: { trueShift: ArrayLike<number>; measuredShift: ArrayLike<number>; shifts: ArrayLike<boolean | number> },
  opts: RfShiftFigureOptions = {},
): Promise<Figure> {
  const where = 'viz.rfShiftFigure';
  known(where, opts, ['measured', 'title', 'caption']);
  const n = neurons.trueShift.length;
  if (neurons.measuredShift.length !== n || neurons.shifts.length !== n)
    throw new SalShapeError(where, [n, n, n], [n, neurons.measuredShift.length, neurons.shifts.length]);
  const pick = (want: boolean): { x: number[]; y: number[] } => {
    const x: number[] = [],
      y: number[] = [];
    for (let i = 0; i < n; i++)
      if (Boolean(neurons.shifts[i]) === want) {
        x.push(neurons.trueShift[i]!);
        y.push(neurons.measuredShift[i]!);
      }
    return { x, y };
  };
  const measured = opts.measured ?? 'shift of the gRF centre';
  const series = [
    { name: 'shifting (truth)', ...pick(true) },
    { name: 'fixed (truth)', ...pick(false) },
  ].filter((s) => s.x.length > 0);
  const text = await scatterSvg(series, {
    title: opts.title ?? 'RF shift toward the salient object',
    xLabel: 'true shift toward the salient object (px)',
    yLabel: `${measured} (px)`,
    identity: true,
    tickMinStep: 1,
  });
  return svg(
    text,
    opts.caption ??
      `Per neuron: the ${measured} toward the most salient object against the simulated RF shift, both in input pixels, mean over images; dashed: y = x.`,
  );
}

/** Beyond the post: the permutation null distribution of the RF-shift statistic with the observed value. */
export async function permutationTestFigure(
  nullDistribution: ArrayLike<number>,
  observed: number,
  opts: { pValue?: number; bins?: number } = {},
): Promise<Figure> {
  known('viz.permutationTestFigure', opts, ['pValue', 'bins']);
  const p = opts.pValue === undefined ? '' : ` (p = ${formatNumber(opts.pValue)})`;
  const text = await histogramSvg([{ name: 'permutation null', values: nullDistribution }], {
    bins: opts.bins ?? 40,
    vlines: [observed],
    xLabel: 'RF-shift statistic',
    yLabel: 'density',
    title: `Permutation test${p}`,
  });
  return svg(text, `Null distribution of the RF-shift statistic under permutation; red line: observed value ${formatNumber(observed)}${p}.`);
}

/** One question the study answers and the one-line verdict (the shared type of `@sal/types`). */
export type { Verdict } from '@sal/types';

/** Beyond the post: the verdicts as a report table. */
export function verdictTable(verdicts: readonly Verdict[]): ReportTable {
  return {
    kind: 'table',
    columns: ['question', 'verdict', 'evidence'],
    rows: verdicts.map((v) => [v.question, v.verdict, v.evidence ?? '']),
    caption: 'One-line verdict per question.',
  };
}
