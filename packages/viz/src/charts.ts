import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { checkNumber, checkOneOf, mean, resolveOptions, SalConfigError, SalShapeError } from '@sal/types';
import { FONT_FAMILY, svgToPng } from './svg.js';

/** Common options of every chart. */
export interface ChartOptions {
  /** Chart title. @default '' */
  title?: string;
  /** x-axis title. @default 'x' */
  xLabel?: string;
  /** y-axis title. @default 'y' */
  yLabel?: string;
  /** Plot width in pixels (per panel). @default 360 */
  width?: number;
  /** Plot height in pixels. @default 240 */
  height?: number;
  /** Fixed x range `[lo, hi]`; empty = automatic. @default [] */
  xDomain?: readonly number[];
  /** Fixed y range `[lo, hi]`; empty = automatic. @default [] */
  yDomain?: readonly number[];
}

const CHART_DEFAULTS: Readonly<Required<ChartOptions>> = Object.freeze({
  title: '',
  xLabel: 'x',
  yLabel: 'y',
  width: 360,
  height: 240,
  xDomain: Object.freeze([]) as readonly number[],
  yDomain: Object.freeze([]) as readonly number[],
});

/** A Vega-Lite specification (a JSON object). */
export type Spec = Record<string, unknown>;

function checkChart(where: string, o: Required<ChartOptions>): void {
  checkNumber(where, 'width', o.width, { min: 20, integer: true });
  checkNumber(where, 'height', o.height, { min: 20, integer: true });
  for (const k of ['xDomain', 'yDomain'] as const) {
    const d = o[k];
    if (!Array.isArray(d) || !(d.length === 0 || (d.length === 2 && d.every((v) => Number.isFinite(v)) && d[0]! < d[1]!))) {
      throw new SalConfigError(where, k, '[] or [lo, hi] with lo < hi', d);
    }
  }
}

function scale(domain: readonly number[], extra: Spec = {}): Spec {
  return domain.length === 2 ? { domain: [...domain], ...extra } : { zero: false, ...extra };
}

function finite(where: string, arr: ArrayLike<number>, name: string): void {
  for (let i = 0; i < arr.length; i++) {
    if (!Number.isFinite(arr[i]!)) throw new SalConfigError(where, name, 'finite numbers', arr[i]);
  }
}

/** Render a vega-lite spec headless to an SVG string (no network access: data must be inline). */
export async function vegaLiteToSvg(spec: Spec): Promise<string> {
  const compiled = vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function base(o: Required<ChartOptions>, values: Spec[]): Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(o.title ? { title: o.title } : {}),
    data: { values },
    config: { font: FONT_FAMILY, background: 'white', view: { stroke: '#ccc' }, legend: { labelLimit: 320 } },
  };
}

/** One line of a line chart. `x` and `y` have equal length; `panel` puts it in a named panel (facet). */
export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  panel?: string;
}

/** Options of {@link lineChartSvg}. */
export interface LineChartOptions extends ChartOptions {
  /** y scale. @default 'linear' */
  yScale?: 'linear' | 'log';
  /** Draw a point at each value. @default false */
  points?: boolean;
}
export const LINE_CHART_DEFAULTS: Readonly<Required<LineChartOptions>> = Object.freeze({ ...CHART_DEFAULTS, yScale: 'linear', points: false });

/**
 * Line chart, one line per series (coloured, with a legend of series names). Series with a `panel`
 * are drawn in side-by-side panels (one per distinct panel name, in order of first appearance).
 */
export async function lineChartSvg(series: readonly LineSeries[], opts?: LineChartOptions): Promise<string> {
  const where = 'viz.lineChart';
  const o = resolveOptions(where, LINE_CHART_DEFAULTS, opts);
  checkChart(where, o);
  checkOneOf(where, 'yScale', o.yScale, ['linear', 'log'] as const);
  if (!Array.isArray(series) || series.length === 0) throw new SalConfigError(where, 'series', 'a non-empty array', series);
  const values: Spec[] = [];
  const names: string[] = [],
    panels: string[] = [];
  series.forEach((s, i) => {
    if (typeof s?.name !== 'string') throw new TypeError(`${where}: series[${i}].name must be a string`);
    if (s.x.length !== s.y.length) throw new SalShapeError(`${where}: series[${i}].y`, [s.x.length], [s.y.length]);
    finite(where, s.x, `series[${i}].x`);
    finite(where, s.y, `series[${i}].y`);
    if (!names.includes(s.name)) names.push(s.name);
    const panel = s.panel ?? '';
    if (!panels.includes(panel)) panels.push(panel);
    for (let j = 0; j < s.x.length; j++) values.push({ x: s.x[j], y: s.y[j], series: s.name, panel, k: i });
  });
  const faceted = panels.some((p) => p !== '');
  const unit: Spec = {
    width: o.width,
    height: o.height,
    mark: { type: 'line', point: o.points, strokeWidth: 1.8 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xLabel, scale: scale(o.xDomain) },
      y: { field: 'y', type: 'quantitative', title: o.yLabel, scale: scale(o.yDomain, o.yScale === 'log' ? { type: 'log' } : {}) },
      color: { field: 'series', type: 'nominal', title: null, sort: names },
      detail: { field: 'k', type: 'nominal' },
      order: { field: 'x', type: 'quantitative' },
    },
  };
  const spec = faceted
    ? { ...base(o, values), facet: { column: { field: 'panel', type: 'nominal', title: null, sort: panels } }, spec: unit }
    : { ...base(o, values), ...unit };
  return vegaLiteToSvg(spec);
}

/** One cell of a grouped chart: the values (e.g. over seeds) of `series` within `group`. */
export interface GroupedValue {
  group: string;
  series: string;
  values: ArrayLike<number>;
}

/** Options of {@link groupedChartSvg}. */
export interface GroupedChartOptions extends ChartOptions {
  /** `'bar'` draws bars at the mean, `'dot'` a point. @default 'dot' */
  mark?: 'bar' | 'dot';
  /** Error bars: standard deviation (ddof 0), standard error of the mean, or none. @default 'sd' */
  error?: 'sd' | 'sem' | 'none';
}
export const GROUPED_CHART_DEFAULTS: Readonly<Required<GroupedChartOptions>> = Object.freeze({ ...CHART_DEFAULTS, mark: 'dot', error: 'sd' });

/** Mean and error (sd with ddof 0, or sem = sd/√n with ddof 1 sd) of values; error is 0 for a single value. */
export function meanAndError(values: ArrayLike<number>, error: 'sd' | 'sem' | 'none'): { mean: number; err: number } {
  const n = values.length;
  const m = mean(values);
  if (error === 'none' || n < 2) return { mean: m, err: 0 };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! - m) ** 2;
  return { mean: m, err: error === 'sd' ? Math.sqrt(ss / n) : Math.sqrt(ss / (n - 1)) / Math.sqrt(n) };
}

/**
 * Grouped bars or dots with error bars: x = group (e.g. crop size), colour/offset = series (e.g. input
 * variant), y = mean of `values`, error bar = mean ± error. Groups and series keep their input order.
 */
export async function groupedChartSvg(data: readonly GroupedValue[], opts?: GroupedChartOptions): Promise<string> {
  const where = 'viz.groupedChart';
  const o = resolveOptions(where, GROUPED_CHART_DEFAULTS, opts);
  checkChart(where, o);
  const mark = checkOneOf(where, 'mark', o.mark, ['bar', 'dot'] as const);
  const error = checkOneOf(where, 'error', o.error, ['sd', 'sem', 'none'] as const);
  if (!Array.isArray(data) || data.length === 0) throw new SalConfigError(where, 'data', 'a non-empty array', data);
  const groups: string[] = [],
    series: string[] = [];
  const values = data.map((d, i) => {
    if (typeof d?.group !== 'string' || typeof d.series !== 'string') throw new TypeError(`${where}: data[${i}] needs string group and series`);
    if (!d.values || d.values.length === 0) throw new SalConfigError(where, `data[${i}].values`, 'at least one value', d.values);
    finite(where, d.values, `data[${i}].values`);
    if (!groups.includes(d.group)) groups.push(d.group);
    if (!series.includes(d.series)) series.push(d.series);
    const { mean, err } = meanAndError(d.values, error);
    return { group: d.group, series: d.series, mean, lo: mean - err, hi: mean + err, n: d.values.length };
  });
  const x = { field: 'group', type: 'nominal', title: o.xLabel, sort: groups, axis: { labelAngle: 0 } };
  const xOffset = { field: 'series', type: 'nominal', sort: series, scale: { paddingOuter: 0.2 } };
  const color = { field: 'series', type: 'nominal', title: null, sort: series };
  const y = { field: 'mean', type: 'quantitative', title: o.yLabel, scale: scale(o.yDomain, mark === 'bar' && o.yDomain.length === 0 ? { zero: true } : {}) };
  const layers: Spec[] = [{ mark: mark === 'bar' ? { type: 'bar' } : { type: 'point', filled: true, size: 60 }, encoding: { x, xOffset, color, y } }];
  if (error !== 'none') {
    layers.push({
      mark: { type: 'rule', color: '#333' },
      encoding: { x, xOffset, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
    });
  }
  return vegaLiteToSvg({ ...base(o, values), width: o.width, height: o.height, layer: layers });
}

/** A set of values to histogram. */
export interface HistogramSeries {
  name: string;
  values: ArrayLike<number>;
}

/** Options of {@link histogramSvg}. */
export interface HistogramOptions extends ChartOptions {
  /** Number of equal-width bins over the range. @default 40 */
  bins?: number;
  /** Bin range `[lo, hi]`; empty = the range of all values. Values outside are dropped. @default [] */
  range?: readonly number[];
  /** `true`: bar heights are densities (integrate to 1 over the range); `false`: counts. @default true */
  density?: boolean;
  /** Vertical reference lines at these x values (e.g. an observed statistic). @default [] */
  vlines?: readonly number[];
}
export const HISTOGRAM_DEFAULTS: Readonly<Required<HistogramOptions>> = Object.freeze({
  ...CHART_DEFAULTS,
  yLabel: 'density',
  bins: 40,
  range: Object.freeze([]) as readonly number[],
  density: true,
  vlines: Object.freeze([]) as readonly number[],
});

/**
 * Histogram counts on `bins` equal bins of [lo, hi] (the last bin includes hi; values outside are
 * dropped). Returns edges `[bins+1]`, counts `[bins]`, and densities `count / (total * width)`.
 */
export function histogram(
  values: ArrayLike<number>,
  bins: number,
  lo: number,
  hi: number,
): { edges: Float64Array; counts: Float64Array; density: Float64Array } {
  const where = 'viz.histogram';
  checkNumber(where, 'bins', bins, { min: 1, integer: true });
  if (!(hi > lo)) throw new SalConfigError(where, 'range', 'lo < hi', [lo, hi]);
  const width = (hi - lo) / bins;
  const edges = Float64Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const counts = new Float64Array(bins);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= lo && v <= hi)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]! += 1;
    total++;
  }
  const density = counts.map((c) => (total > 0 ? c / (total * width) : 0));
  return { edges, counts, density };
}

/** Overlaid semi-transparent histograms (one colour per series), as densities or counts. */
export async function histogramSvg(series: readonly HistogramSeries[], opts?: HistogramOptions): Promise<string> {
  const where = 'viz.histogram';
  const o = resolveOptions(where, HISTOGRAM_DEFAULTS, opts);
  checkChart(where, o);
  const bins = checkNumber(where, 'bins', o.bins, { min: 1, integer: true });
  if (!Array.isArray(series) || series.length === 0) throw new SalConfigError(where, 'series', 'a non-empty array', series);
  let lo = Infinity,
    hi = -Infinity;
  series.forEach((s, i) => {
    if (typeof s?.name !== 'string') throw new TypeError(`${where}: series[${i}].name must be a string`);
    finite(where, s.values, `series[${i}].values`);
    for (let j = 0; j < s.values.length; j++) {
      lo = Math.min(lo, s.values[j]!);
      hi = Math.max(hi, s.values[j]!);
    }
  });
  if (o.range.length === 2) [lo, hi] = [o.range[0]!, o.range[1]!];
  else if (o.range.length !== 0) throw new SalConfigError(where, 'range', '[] or [lo, hi]', o.range);
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const names = series.map((s) => s.name);
  const values: Spec[] = [];
  for (const s of series) {
    const h = histogram(s.values, bins, lo, hi);
    for (let b = 0; b < bins; b++) values.push({ series: s.name, x0: h.edges[b], x1: h.edges[b + 1], y: o.density ? h.density[b] : h.counts[b] });
  }
  finite(where, o.vlines, 'vlines');
  const xScale = { domain: o.xDomain.length === 2 ? [...o.xDomain] : [Math.min(lo, ...o.vlines), Math.max(hi, ...o.vlines)] };
  const bars: Spec = {
    data: { values },
    mark: { type: 'rect', opacity: 0.55 },
    encoding: {
      x: { field: 'x0', type: 'quantitative', title: o.xLabel, scale: xScale },
      x2: { field: 'x1' },
      y: { field: 'y', type: 'quantitative', title: o.yLabel, ...(o.yDomain.length === 2 ? { scale: { domain: [...o.yDomain] } } : {}) },
      y2: { datum: 0 },
      color: { field: 'series', type: 'nominal', title: null, sort: names },
    },
  };
  const layers: Spec[] = [bars];
  if (o.vlines.length > 0) {
    layers.push({
      data: { values: o.vlines.map((v) => ({ v })) },
      mark: { type: 'rule', color: '#b2182b', strokeWidth: 2 },
      encoding: { x: { field: 'v', type: 'quantitative' } },
    });
  }
  const { data: _unused, ...top } = base(o, []);
  return vegaLiteToSvg({ ...top, width: o.width, height: o.height, layer: layers });
}

/** Points of a scatter plot, one series per colour. */
export interface ScatterSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** Options of {@link scatterSvg}. */
export interface ScatterOptions extends ChartOptions {
  /** Draw the identity line y = x (e.g. recovered vs true). @default false */
  identity?: boolean;
  /** Smallest step between axis ticks on both axes (e.g. 1 for whole pixels: no ticks at half-integers); 0 = automatic. @default 0 */
  tickMinStep?: number;
}
export const SCATTER_DEFAULTS: Readonly<Required<ScatterOptions>> = Object.freeze({ ...CHART_DEFAULTS, identity: false, tickMinStep: 0 });

/** Scatter plot, one colour per series, optionally with the identity line. */
export async function scatterSvg(series: readonly ScatterSeries[], opts?: ScatterOptions): Promise<string> {
  const where = 'viz.scatter';
  const o = resolveOptions(where, SCATTER_DEFAULTS, opts);
  checkChart(where, o);
  if (!Array.isArray(series) || series.length === 0) throw new SalConfigError(where, 'series', 'a non-empty array', series);
  const values: Spec[] = [];
  let lo = Infinity,
    hi = -Infinity;
  series.forEach((s, i) => {
    if (typeof s?.name !== 'string') throw new TypeError(`${where}: series[${i}].name must be a string`);
    if (s.x.length !== s.y.length) throw new SalShapeError(`${where}: series[${i}].y`, [s.x.length], [s.y.length]);
    finite(where, s.x, `series[${i}].x`);
    finite(where, s.y, `series[${i}].y`);
    for (let j = 0; j < s.x.length; j++) {
      values.push({ x: s.x[j], y: s.y[j], series: s.name });
      lo = Math.min(lo, s.x[j]!, s.y[j]!);
      hi = Math.max(hi, s.x[j]!, s.y[j]!);
    }
  });
  const names = series.map((s) => s.name);
  const step = checkNumber(where, 'tickMinStep', o.tickMinStep, { min: 0 });
  // with a whole-number step the labels are whole numbers too
  const axis = step > 0 ? { axis: { tickMinStep: step, ...(Number.isInteger(step) ? { format: 'd' } : {}) } } : {};
  const points: Spec = {
    data: { values },
    mark: { type: 'point', filled: true, size: 40, opacity: 0.8 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xLabel, scale: scale(o.xDomain), ...axis },
      y: { field: 'y', type: 'quantitative', title: o.yLabel, scale: scale(o.yDomain), ...axis },
      color: { field: 'series', type: 'nominal', title: null, sort: names },
    },
  };
  const layers: Spec[] = [points];
  if (o.identity && Number.isFinite(lo)) {
    layers.unshift({
      data: {
        values: [
          { x: lo, y: lo },
          { x: hi, y: hi },
        ],
      },
      mark: { type: 'line', color: '#999', strokeDash: [4, 3] },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    });
  }
  const { data: _unused, ...top } = base(o, []);
  return vegaLiteToSvg({ ...top, width: o.width, height: o.height, layer: layers });
}

/** Render a chart SVG to PNG bytes (`scale` 2 for sharper text). */
export async function chartPng(svg: string, opts: { scale?: number } = {}): Promise<Uint8Array> {
  return svgToPng(svg, opts);
}
