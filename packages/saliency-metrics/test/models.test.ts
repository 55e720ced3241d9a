import { describe, expect, it } from 'vitest';
import { createRng } from '@sal/types';
import { booleanMapSaliency, dct2d, fitCenterBias, imageSignature, sampleFixations, toDensity, withCenterBias } from '../src/index.js';

/** A 48×64 dark image with a bright 10×12 square at rows 20–29, columns 40–51, plus seeded noise. */
function squareImage(): Float32Array {
  const rng = createRng(2);
  const img = Float32Array.from({ length: 48 * 64 }, () => 60 + 10 * rng.next());
  for (let y = 20; y < 30; y++) for (let x = 40; x < 52; x++) img[y * 64 + x] = 200;
  return img;
}
function massInSquare(d: ArrayLike<number>): number {
  let s = 0;
  for (let y = 20; y < 30; y++) for (let x = 40; x < 52; x++) s += d[y * 64 + x]!;
  return s;
}

describe('DCT', () => {
  it('matches the DCT-II definition by brute force and inverts', () => {
    const h = 3,
      w = 4;
    const x = Float64Array.from({ length: 12 }, (_, i) => Math.sin(i * 1.7) + i / 5);
    const d = dct2d(x, h, w);
    const a = (k: number, n: number): number => (k === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n));
    for (let u = 0; u < h; u++) {
      for (let v = 0; v < w; v++) {
        let s = 0;
        for (let i = 0; i < h; i++)
          for (let j = 0; j < w; j++) s += x[i * w + j]! * Math.cos((Math.PI * (i + 0.5) * u) / h) * Math.cos((Math.PI * (j + 0.5) * v) / w);
        expect(d[u * w + v]).toBeCloseTo(a(u, h) * a(v, w) * s, 12);
      }
    }
    const back = dct2d(d, h, w, true);
    back.forEach((v, i) => expect(v).toBeCloseTo(x[i]!, 12));
  });
});

describe('weight-free models', () => {
  // the square covers 120 of 3072 pixels (3.9 %)
  for (const [name, model] of [
    ['image signature', imageSignature],
    ['BMS', booleanMapSaliency],
  ] as const) {
    it(`${name}: a density that puts over twice its area's share on the salient square, deterministic`, () => {
      const img = squareImage();
      const d = model(img, 48, 64);
      expect(d.length).toBe(48 * 64);
      expect(d.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
      expect(Math.min(...d)).toBeGreaterThan(0);
      expect(massInSquare(d)).toBeGreaterThan(2 * (120 / 3072));
      expect(model(img, 48, 64)).toEqual(d);
    });
  }
});

describe('fixations and centre bias', () => {
  it('sampleFixations follows the density and is seeded', () => {
    const dens = [0.1, 0.2, 0.7];
    const f = sampleFixations(dens, 20000, 4);
    const counts = [0, 0, 0];
    for (const i of f) counts[i]!++;
    counts.forEach((c, i) => expect(Math.abs(c / 20000 - dens[i]!)).toBeLessThan(0.015));
    expect(sampleFixations(dens, 50, 4)).toEqual(sampleFixations(dens, 50, 4));
  });
  it('fitCenterBias learns where fixations fall, and withCenterBias multiplies and renormalises', () => {
    const h = 30,
      w = 40;
    const centre = new Float64Array(h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) centre[y * w + x] = Math.exp(-(((y - 15) / 4) ** 2 + ((x - 20) / 5) ** 2) / 2);
    const fx = Array.from({ length: 20 }, (_, i) => sampleFixations(toDensity(centre, 0), 30, i));
    const cb = fitCenterBias(fx, h, w);
    expect(cb.density.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(cb.density[15 * w + 20]!).toBeGreaterThan(20 * cb.density[2 * w + 3]!);
    const m = withCenterBias([0.5, 0.5], [0.25, 0.75]);
    expect(m[0]).toBeCloseTo(0.25, 14);
    expect(m[1]).toBeCloseTo(0.75, 14);
  });
});

describe('weightFreeSaliency', () => {
  it('returns log-densities of the model (exp sums to 1) and refuses unknown models', async () => {
    const { weightFreeSaliency } = await import('../src/index.js');
    const img = squareImage();
    const f = weightFreeSaliency('imageSignature');
    const l = f(img, 48, 64);
    expect(l).toBeInstanceOf(Float32Array);
    expect(Array.from(l, Math.exp).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const d = imageSignature(img, 48, 64);
    expect(Math.exp(l[100]!)).toBeCloseTo(d[100]!, 8);
    expect(() => weightFreeSaliency('deepgaze' as never)).toThrow(/imageSignature \| bms/);
  });
});
