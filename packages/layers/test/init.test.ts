/** Seeded initialisers: sample statistics against the stated distributions, PyTorch's fans, determinism. */
import { describe, expect, it } from 'vitest';
import { createRng } from '@sal/types';
import { convFans, normalValues, uniformValues, xavierNormalKernel, xavierNormalStd, xavierNormalValues } from '../src/index.js';

function moments(v: Float32Array): { mean: number; variance: number } {
  let s = 0;
  for (const x of v) s += x;
  const mean = s / v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  return { mean, variance: ss / v.length };
}

describe('initialisers', () => {
  it('Xavier normal has mean 0 and variance 2/(fanIn+fanOut) (200 000 samples, 5 standard errors)', () => {
    const n = 200_000;
    const fanIn = 3 * 3 * 16,
      fanOut = 3 * 3 * 32; // a 3×3 conv 16 → 32
    expect(xavierNormalStd(fanIn, fanOut) ** 2).toBeCloseTo(2 / 432, 15);
    const { mean, variance } = moments(xavierNormalValues(createRng(7), n, fanIn, fanOut));
    const v = 2 / (fanIn + fanOut);
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(v / n));
    // the sample variance of a normal has standard error v·√(2/n)
    expect(Math.abs(variance - v)).toBeLessThan(5 * v * Math.sqrt(2 / n));
  });

  it("xavierNormalKernel uses PyTorch's conv fans k²·cin and k²·cout", () => {
    expect(convFans(5, 3, 4, 8)).toEqual({ fanIn: 60, fanOut: 120 });
    expect(convFans(3, 3, 1, 32)).toEqual({ fanIn: 9, fanOut: 288 }); // depthwise: one input per group
    const k = 5,
      cin = 2,
      cout = 6; // fans 50 and 150: variance 0.01
    const values = xavierNormalKernel(createRng(3), k, cin, cout);
    expect(values.length).toBe(k * k * cin * cout);
    const big = Array.from({ length: 400 }, (_, i) => xavierNormalKernel(createRng(i), k, cin, cout));
    const all = new Float32Array(big.length * values.length);
    big.forEach((b, i) => all.set(b, i * values.length));
    const { variance } = moments(all);
    expect(Math.abs(variance - 0.01)).toBeLessThan(5 * 0.01 * Math.sqrt(2 / all.length));
  });

  it('uniformValues stays in [lo, hi) with the uniform mean and variance; normalValues scales N(0,1)', () => {
    const u = uniformValues(createRng(11), 100_000, -0.5, 1.5);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...u)).toBeLessThan(1.5);
    const mu = moments(u);
    expect(Math.abs(mu.mean - 0.5)).toBeLessThan(5 * Math.sqrt(4 / 12 / 1e5));
    expect(Math.abs(mu.variance - 4 / 12)).toBeLessThan(0.01);
    const z = moments(normalValues(createRng(12), 100_000, 3));
    expect(Math.abs(z.variance - 9)).toBeLessThan(5 * 9 * Math.sqrt(2 / 1e5));
  });

  it('same seed, same values; another seed, other values', () => {
    const a = xavierNormalValues(createRng(5), 64, 10, 20);
    const b = xavierNormalValues(createRng(5), 64, 10, 20);
    const c = xavierNormalValues(createRng(6), 64, 10, 20);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(uniformValues(createRng(1), 8, 0, 1))).toEqual(Array.from(uniformValues(createRng(1), 8, 0, 1)));
  });
});
