/**
 * The native float64 routines offered through `@sal/types`' float64 routines registry (`registerNativeKernels`
 * registers them): `symEig`, a symmetric eigendecomposition (blocked Householder tridiagonalisation, Q formed from
 * blocks of reflectors, implicit QL with the rotations applied in cache-sized column chunks; threads).
 */
import { SalShapeError, type Float64Routines, type SymEigResult } from '@sal/types';
import { loadNative, type NativeAddon } from './addon.js';

/** Names of the routines {@link nativeFloat64Routines} provides. */
export const NATIVE_FLOAT64_ROUTINES = ['symEig'] as const;

function symEigWith(addon: NativeAddon): (a: Float64Array, n: number) => SymEigResult {
  return (a, n) => {
    if (!Number.isInteger(n) || n < 1) throw new SalShapeError('native.symEig', 'n a positive integer', n);
    if (!(a instanceof Float64Array) || a.length !== n * n) throw new SalShapeError('native.symEig', `a Float64Array of ${n * n} values`, a);
    const d = new Float64Array(n);
    const vt = new Float64Array(n * n);
    addon.symEig(a, n, d, vt);
    return { d, vt };
  };
}

let routines: Float64Routines | null = null;

/** The native float64 routines, or `null` when the addon is unavailable (see `nativeStatus()`). */
export function nativeFloat64Routines(): Float64Routines | null {
  if (routines) return routines;
  const addon = loadNative();
  if (!addon) return null;
  routines = Object.freeze({ symEig: symEigWith(addon) });
  return routines;
}
