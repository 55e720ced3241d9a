import { describe, expect, it } from 'vitest';
import { createRng, SalConfigError } from '@sal/types';
import { densityChartSvg, grfDistributionFigure, kernelDensity, scottBandwidth } from '../src/index.js';

function countLines(svg: string): number {
  let n = 0;
  for (const m of svg.matchAll(/<g class="mark-line role-mark[^"]*"[^>]*>(.*?)<\/g>/g)) n += (m[1]!.match(/<path\b/g) ?? []).length;
  return n;
}

describe('kernel density', () => {
  it('one point: the Gaussian itself', () => {
    const f = kernelDensity([0], [0, 0.5, -1], { bandwidth: 0.5 });
    const c = 1 / (0.5 * Math.sqrt(2 * Math.PI));
    expect(f[0]).toBeCloseTo(c, 12);
    expect(f[1]).toBeCloseTo(c * Math.exp(-0.5), 12);
    expect(f[2]).toBeCloseTo(c * Math.exp(-2), 12);
  });

  it("Scott's rule by hand: sd(ddof 1) · n^(−1/5)", () => {
    expect(scottBandwidth([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3) * 4 ** -0.2, 12);
  });

  it('rejects a non-positive bandwidth and unknown options', () => {
    expect(() => kernelDensity([0], [0], { bandwidth: 0 })).toThrow(SalConfigError);
    expect(() => kernelDensity([0], [0], { bw: 1 } as never)).toThrow(SalConfigError);
    // no spread: falls back to a narrow kernel instead of dividing by zero
    expect(kernelDensity([2, 2], [2])[0]).toBeCloseTo(1 / (1e-3 * Math.sqrt(2 * Math.PI)), 6);
  });

  it('integrates to 1 (trapezoid rule)', () => {
    const xs = Float64Array.from({ length: 2001 }, (_, i) => -5 + i * 0.005);
    const f = kernelDensity([-0.3, 0, 0.1, 1.2], xs);
    let area = 0;
    for (let i = 1; i < xs.length; i++) area += ((f[i]! + f[i - 1]!) / 2) * 0.005;
    expect(area).toBeCloseTo(1, 4);
  });

  it('the binned path for large inputs matches a brute-force sum', () => {
    const rng = createRng(3);
    const values = Float64Array.from({ length: 20_000 }, () => 0.03 * rng.normal());
    const xs = Float64Array.from({ length: 250 }, (_, i) => -0.1 + (0.2 * i) / 249);
    const h = 0.004;
    const fast = kernelDensity(values, xs, { bandwidth: h });
    for (const j of [0, 60, 125, 200, 249]) {
      let s = 0;
      for (const v of values) s += Math.exp(-0.5 * ((xs[j]! - v) / h) ** 2);
      const exact = s / (values.length * h * Math.sqrt(2 * Math.PI));
      expect(Math.abs(fast[j]! - exact)).toBeLessThan(1e-3 * Math.max(exact, 1));
    }
  });

  it('density chart: one curve per series; figure 11 in KDE style', async () => {
    const svg = await densityChartSvg(
      [
        { name: 'a', values: [0, 1, 2] },
        { name: 'b', values: [1, 1.5] },
      ],
      { points: 50 },
    );
    expect(countLines(svg)).toBe(2);
    const fig = await grfDistributionFigure([[0.01, -0.02, 0.03]], [0, 0.001, -0.001], { style: 'kde' });
    expect(countLines(fig.svg!)).toBe(2);
    expect(fig.svg).toContain('strongest images');
  });
});
