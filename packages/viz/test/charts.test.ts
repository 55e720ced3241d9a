import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { SalConfigError, SalShapeError } from '@sal/types';
import { chartPng, groupedChartSvg, histogram, histogramSvg, lineChartSvg, meanAndError, scatterSvg } from '../src/index.js';

/** Number of drawn items inside the `mark-<type> role-mark` groups of a vega SVG. */
function countMarks(svg: string, type: string): number {
  const re = new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, 'g');
  let n = 0;
  for (const m of svg.matchAll(re)) n += (m[1]!.match(/<(path|line)\b/g) ?? []).length;
  return n;
}
function isSvg(svg: string): void {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
}

describe('line charts', () => {
  it('one line per series, names in the legend (escaped), valid SVG', async () => {
    const svg = await lineChartSvg(
      [
        { name: 'CNN + Gaussian', x: [1, 2, 3], y: [0.1, 0.2, 0.3] },
        { name: 'untrained <ResNet> & co', x: [1, 2, 3], y: [0.05, 0.1, 0.2] },
        { name: 'third', x: [1, 2], y: [0.3, 0.2] },
      ],
      { title: 'Validation', xLabel: 'epoch', yLabel: 'correlation' },
    );
    isSvg(svg);
    expect(countMarks(svg, 'line')).toBe(3);
    expect(svg).toContain('CNN + Gaussian');
    expect(svg).toContain('untrained &lt;ResNet&gt; &amp; co');
    expect(svg).not.toContain('<ResNet>');
    expect(svg).toContain('epoch');
    const png = PNG.sync.read(Buffer.from(await chartPng(svg)));
    expect(png.width).toBeGreaterThan(360);
  });

  it('panels: one line per (series, panel) pair and a header per panel', async () => {
    const svg = await lineChartSvg([
      { name: 'a', x: [0, 1], y: [0, 1], panel: 'images only' },
      { name: 'b', x: [0, 1], y: [1, 0], panel: 'images only' },
      { name: 'a', x: [0, 1], y: [0, 2], panel: '+ saliency' },
    ]);
    expect(countMarks(svg, 'line')).toBe(3);
    expect(svg).toContain('images only');
    expect(svg).toContain('+ saliency');
  });

  it('is deterministic and checks its input', async () => {
    const s = [{ name: 'x', x: [1, 2, 3], y: [3, 1, 2] }];
    expect(await lineChartSvg(s, { yScale: 'log' })).toBe(await lineChartSvg(s, { yScale: 'log' }));
    await expect(lineChartSvg([{ name: 'x', x: [1, 2], y: [1] }])).rejects.toThrow(SalShapeError);
    await expect(lineChartSvg([{ name: 'x', x: [1], y: [NaN] }])).rejects.toThrow(SalConfigError);
    await expect(lineChartSvg(s, { xDomain: [2, 1] })).rejects.toThrow(SalConfigError);
  });
});

describe('grouped charts', () => {
  it('mean and error by hand', () => {
    expect(meanAndError([1, 3], 'sd')).toEqual({ mean: 2, err: 1 });
    const sem = meanAndError([1, 2, 3, 4], 'sem');
    expect(sem.mean).toBe(2.5);
    expect(sem.err).toBeCloseTo(Math.sqrt(5 / 3) / 2, 12);
    expect(meanAndError([5], 'sd')).toEqual({ mean: 5, err: 0 });
  });

  it('one dot and one error bar per (group, series)', async () => {
    const data = [];
    for (const g of ['41', '61', '83']) for (const s of ['images', '+ saliency', 'all']) data.push({ group: g, series: s, values: [0.3, 0.32, 0.35] });
    const svg = await groupedChartSvg(data, { xLabel: 'crop size', yLabel: 'test correlation' });
    isSvg(svg);
    expect(countMarks(svg, 'symbol')).toBe(9);
    expect(countMarks(svg, 'rule')).toBe(9);
    for (const s of ['images', '+ saliency', 'all', 'crop size']) expect(svg).toContain(s);
    const bars = await groupedChartSvg(data, { mark: 'bar', error: 'none' });
    expect(countMarks(bars, 'rect')).toBe(9);
    expect(countMarks(bars, 'rule')).toBe(0);
  });
});

describe('histograms and scatter', () => {
  it('bins by hand: counts, edges, densities; the last bin includes hi', () => {
    const h = histogram([-0.1, -0.03, 0, 0.01, 0.1, 0.2], 4, -0.1, 0.1);
    expect([...h.counts]).toEqual([1, 1, 2, 1]);
    expect(h.edges[0]).toBeCloseTo(-0.1, 15);
    expect(h.edges[4]).toBeCloseTo(0.1, 15);
    // densities integrate to 1 over the range
    expect(h.density.reduce((a, b) => a + b * 0.05, 0)).toBeCloseTo(1, 12);
    expect(h.density[2]).toBeCloseTo(2 / (5 * 0.05), 12);
  });

  it('one rect per bin per series, series names present', async () => {
    const svg = await histogramSvg(
      [
        { name: '200 strongest', values: [0.01, -0.02, 0.05] },
        { name: '200 weakest', values: [0, 0, 0.001] },
      ],
      { bins: 10, range: [-0.1, 0.1], xLabel: 'gRF value' },
    );
    isSvg(svg);
    expect(countMarks(svg, 'rect')).toBe(20);
    expect(svg).toContain('200 strongest');
    expect(svg).toContain('200 weakest');
  });

  it('scatter: one symbol per point, identity line optional', async () => {
    const svg = await scatterSvg(
      [
        { name: 'shifting', x: [1, 2, 3], y: [1, 2, 4] },
        { name: 'fixed', x: [0], y: [0] },
      ],
      { identity: true },
    );
    expect(countMarks(svg, 'symbol')).toBe(4);
    expect(countMarks(svg, 'line')).toBe(1);
    expect(svg).toContain('shifting');
    expect(await scatterSvg([{ name: 's', x: [1], y: [2] }])).not.toContain('mark-line role-mark');
  });
});
