import { describe, expect, it } from 'vitest';
import { mean, pearson, formatP, pClause } from '../src/index.js';

describe('mean', () => {
  it('averages by hand', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(mean(new Float32Array([-1, 1, 3]))).toBe(1);
  });
  it('is NaN for an empty array', () => {
    expect(mean([])).toBeNaN();
  });
});

describe('pearson', () => {
  it('matches a hand-computed case', () => {
    // a = [1,2,3], b = [1,3,2]: deviations (-1,0,1), (-1,1,0); cov 1, var 2 and 2 → 0.5
    expect(pearson([1, 2, 3], [1, 3, 2])).toBeCloseTo(0.5, 15);
    expect(pearson([1, 2, 3, 4], [8, 6, 4, 2])).toBeCloseTo(-1, 15);
  });
  it('is NaN where undefined (constant side, fewer than two pairs)', () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(pearson([1], [2])).toBeNaN();
    expect(pearson([], [])).toBeNaN();
  });
  it('skips non-finite pairs only when asked', () => {
    const a = [1, 2, Number.NaN, 3],
      b = [1, 3, 5, 2];
    expect(pearson(a, b)).toBeNaN();
    expect(pearson(a, b, { skipNonFinite: true })).toBeCloseTo(0.5, 15);
  });
  it('refuses arrays of different lengths', () => {
    expect(() => pearson([1, 2], [1])).toThrow(/expected 2 values/);
  });
});

describe('formatP / pClause', () => {
  it('formats p-values', () => {
    expect(formatP(0.0004)).toBe('< 0.001');
    expect(formatP(0.04213)).toBe('0.042');
    expect(formatP(Number.NaN)).toBe('n/a');
    expect(pClause(0.0004)).toBe('p < 0.001');
    expect(pClause(0.5)).toBe('p = 0.500');
    expect(pClause(Number.NaN)).toBe('p n/a');
  });
});
