/**
 * Optional float64 linear-algebra routines that an extension may provide (`@sal/native` registers its native
 * ones together with its kernels); numeric packages (`@sal/kpca`) call them through {@link float64Routines} when
 * present, else run their own JavaScript. The contract lives here so that neither side imports the other.
 *
 * The registry is process-global (kept on `globalThis` under `Symbol.for('@sal/types.float64Routines')`), so two
 * copies of this package, e.g. its source and its build, see the same routines.
 */

/** Eigenvalues and eigenvectors of a symmetric matrix. */
export interface SymEigResult {
  /** Eigenvalues `[n]`, in no particular order. */
  d: Float64Array;
  /** Eigenvectors as rows `[n,n]`, row-major: row i (unit length, orthogonal to the others) belongs to `d[i]`. */
  vt: Float64Array;
}

/** The routines; each is optional. */
export interface Float64Routines {
  /**
   * Eigendecomposition of the symmetric matrix `a` `[n,n]` (row-major, n ≥ 1; not modified, and only one triangle
   * may be read), into new arrays. Accuracy of LAPACK's `dsyev`: residuals ‖A·v − λ·v‖ of order n·ε·‖A‖, and
   * |vᵢ·vⱼ − δᵢⱼ| of order n·ε. Throws an `Error` when `a` has a NaN or infinite entry or the iteration does not
   * converge.
   */
  symEig?(a: Float64Array, n: number): SymEigResult;
}

const KEY = Symbol.for('@sal/types.float64Routines');
type Holder = { [KEY]?: Float64Routines | null };

/**
 * Register float64 routines, replacing those registered before (`null` removes them). Returns the previous ones,
 * so that a caller can put them back.
 * @throws TypeError when `routines` is not an object or one of its known members is not a function
 */
export function registerFloat64Routines(routines: Float64Routines | null): Float64Routines | null {
  if (routines !== null) {
    if (typeof routines !== 'object') throw new TypeError(`registerFloat64Routines: expected an object or null, got ${typeof routines}`);
    if (routines.symEig !== undefined && typeof routines.symEig !== 'function') {
      throw new TypeError(`registerFloat64Routines: symEig must be a function, got ${typeof routines.symEig}`);
    }
  }
  const holder = globalThis as Holder;
  const previous = holder[KEY] ?? null;
  holder[KEY] = routines;
  return previous;
}

/** The registered float64 routines, or `null` when none are. */
export function float64Routines(): Float64Routines | null {
  return (globalThis as Holder)[KEY] ?? null;
}
