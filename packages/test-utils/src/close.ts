/** Tolerances and comparisons for float32 numerics. */

/** Default tolerances: float32 arithmetic on different backends. */
export const TOL = Object.freeze({ rtol: 1e-4, atol: 1e-5 });

/** Largest |a-b| / (atol + rtol·|b|) over all elements; ≤ 1 means close. */
export function closeness(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number = TOL.rtol, atol: number = TOL.atol): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const r = Math.abs(a[i]! - b[i]!) / (atol + rtol * Math.abs(b[i]!));
    if (!(r <= worst)) worst = r; // NaN propagates
  }
  return worst;
}

/** Throw with the worst element when `actual` and `expected` differ beyond tolerance. */
export function expectArraysClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number = TOL.rtol, atol: number = TOL.atol): void {
  if (actual.length !== expected.length) throw new Error(`expected length ${expected.length}, got ${actual.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!,
      e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`arrays differ at ${i}: actual ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** Relative error ‖a−b‖ / max(‖b‖, tiny). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}
