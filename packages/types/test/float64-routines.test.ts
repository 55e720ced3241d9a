import { afterEach, describe, expect, it } from 'vitest';
import { float64Routines, registerFloat64Routines, type Float64Routines } from '../src/index.js';

describe('float64 routines registry', () => {
  let saved: Float64Routines | null = null;
  afterEach(() => {
    registerFloat64Routines(saved);
  });

  it('registers, replaces and removes routines, returning the previous ones', () => {
    saved = float64Routines();
    registerFloat64Routines(null);
    expect(float64Routines()).toBeNull();
    const first: Float64Routines = { symEig: (_a, n) => ({ d: new Float64Array(n), vt: new Float64Array(n * n) }) };
    const second: Float64Routines = {};
    expect(registerFloat64Routines(first)).toBeNull();
    expect(float64Routines()).toBe(first);
    expect(float64Routines()?.symEig?.(new Float64Array(4), 2).vt.length).toBe(4);
    expect(registerFloat64Routines(second)).toBe(first);
    expect(float64Routines()?.symEig).toBeUndefined();
    expect(registerFloat64Routines(null)).toBe(second);
    expect(float64Routines()).toBeNull();
  });

  it('is shared through globalThis (another copy of the package sees the same routines)', () => {
    saved = float64Routines();
    const r: Float64Routines = {};
    registerFloat64Routines(r);
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('@sal/types.float64Routines')]).toBe(r);
  });

  it('refuses what is not an object of functions', () => {
    saved = float64Routines();
    expect(() => registerFloat64Routines(42 as unknown as Float64Routines)).toThrow(TypeError);
    expect(() => registerFloat64Routines({ symEig: 'fast' } as unknown as Float64Routines)).toThrow(/symEig must be a function/);
    expect(float64Routines()).toBe(saved);
  });
});
