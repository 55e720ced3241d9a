import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, SalConfigError } from '../src/index.js';

describe('createRng', () => {
  it('is xoshiro128** seeded by splitmix32: values of an independent (Python) implementation', () => {
    const a = createRng(42);
    expect([a.nextUint32(), a.nextUint32(), a.nextUint32(), a.nextUint32()]).toEqual([2837322924, 544945897, 479756282, 3500138142]);
    // Box–Muller on the first two uniforms, both values used
    const b = createRng(7);
    expect(b.normal()).toBeCloseTo(-1.6997666603638308, 14);
    expect(b.normal()).toBeCloseTo(-0.13089946149672535, 14);
  });

  it('same seed gives the same stream; different seeds differ', () => {
    const a = createRng(42),
      b = createRng(42),
      c = createRng(43);
    const sa = Array.from({ length: 100 }, () => a.next());
    const sb = Array.from({ length: 100 }, () => b.next());
    const sc = Array.from({ length: 100 }, () => c.next());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    expect(sa.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('uniform draws have mean 1/2 and variance 1/12', () => {
    const r = createRng(1);
    const n = 200_000;
    let s = 0,
      s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      s += x;
      s2 += x * x;
    }
    const m = s / n;
    expect(Math.abs(m - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s2 / n - m * m - 1 / 12)).toBeLessThan(0.002);
  });

  it('normal draws have mean 0, variance 1 and the right tail mass', () => {
    const r = createRng(7);
    const n = 200_000;
    let s = 0,
      s2 = 0,
      tail = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
      if (Math.abs(x) > 1.959964) tail++;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.015);
    expect(Math.abs(tail / n - 0.05)).toBeLessThan(0.003);
  });

  it('child streams depend on seed and label only, not on the parent position', () => {
    const a = createRng(5);
    const c1 = a.child('readout').next();
    for (let i = 0; i < 10; i++) a.next();
    expect(a.child('readout').next()).toBe(c1);
    expect(createRng(5).child('core').next()).not.toBe(c1);
    expect(createRng(6).child('readout').next()).not.toBe(c1);
    expect(deriveSeed(5, 1)).not.toBe(deriveSeed(5, '1x'));
  });

  it('permutation and shuffle are permutations and seeded', () => {
    const p = Array.from(createRng(3).permutation(50));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(createRng(3).permutation(50))).toEqual(p);
    const arr = createRng(9).shuffle([1, 2, 3, 4, 5, 6]);
    expect([...arr].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('int stays in range and rejects bad n; seed must be an integer', () => {
    const r = createRng(11);
    for (let i = 0; i < 1000; i++) {
      const k = r.int(7);
      expect(k >= 0 && k < 7).toBe(true);
    }
    expect(() => r.int(0)).toThrow(SalConfigError);
    expect(() => createRng(1.5)).toThrow(/seed/);
  });
});
