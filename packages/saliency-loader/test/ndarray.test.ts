import { describe, expect, it } from 'vitest';
import { SalShapeError } from '@sal/types';
import { encodeNpy, parseNpy, toNdarray } from '../src/index.js';

describe('toNdarray', () => {
  it('is a row-major view of an npy array that shares its data', () => {
    // [2,3,4] with value 100·i + 10·j + k at (i, j, k), through an npy round trip
    const data = Float32Array.from({ length: 24 }, (_, q) => 100 * Math.floor(q / 12) + 10 * (Math.floor(q / 4) % 3) + (q % 4));
    const npy = parseNpy(encodeNpy({ data, shape: [2, 3, 4] }));
    const v = toNdarray(npy);
    expect(v.shape).toEqual([2, 3, 4]);
    expect(v.dimension).toBe(3);
    expect(v.get(1, 2, 3)).toBe(123);
    expect(v.get(0, 1, 2)).toBe(12);
    expect(v.pick(1, null, 0).get(2)).toBe(120); // column k = 0 of slab i = 1
    v.set(0, 0, 1, -5);
    expect(npy.data[1]).toBe(-5); // no copy
    expect(v.data).toBe(npy.data);
  });

  it('refuses a shape that does not match the data', () => {
    expect(() => toNdarray({ data: new Float32Array(5), shape: [2, 3] })).toThrow(SalShapeError);
    expect(() => toNdarray({ data: new Float32Array(6), shape: [2, -3] })).toThrow(SalShapeError);
  });
});
