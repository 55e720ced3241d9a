/**
 * Boundary modes of `scipy.ndimage`, as index maps: where an out-of-range index reads from.
 */
import { checkOneOf } from '@sal/types';

/**
 * How values outside an array are extended (the `scipy.ndimage` names):
 * - `'reflect'`  half-sample symmetric `d c b a | a b c d | d c b a`
 * - `'mirror'`   whole-sample symmetric `d c b | a b c d | c b a`
 * - `'nearest'`  edge value repeated `a a a | a b c d | d d d`
 * - `'wrap'`     periodic `a b c d | a b c d | a b c d`
 * - `'constant'` zeros `0 0 0 | a b c d | 0 0 0`
 */
export type BoundaryMode = 'reflect' | 'mirror' | 'nearest' | 'wrap' | 'constant';

export const BOUNDARY_MODES: readonly BoundaryMode[] = Object.freeze(['reflect', 'mirror', 'nearest', 'wrap', 'constant']);

export function checkMode(where: string, mode: unknown): BoundaryMode {
  return checkOneOf(where, 'mode', mode, BOUNDARY_MODES);
}

/** Index of an array of length `n` that `i` reads under `mode`; -1 means "the constant 0". */
export function boundaryIndex(i: number, n: number, mode: BoundaryMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'nearest':
      return i < 0 ? 0 : n - 1;
    case 'constant':
      return -1;
    case 'wrap':
      return ((i % n) + n) % n;
    case 'reflect': {
      const p = 2 * n;
      const m = ((i % p) + p) % p;
      return m < n ? m : p - 1 - m;
    }
    case 'mirror': {
      if (n === 1) return 0;
      const p = 2 * n - 2;
      const m = ((i % p) + p) % p;
      return m < n ? m : p - m;
    }
  }
}
