import { SalConfigError, SalShapeError } from './errors.js';

/** Throw a {@link SalShapeError} unless `actual` equals `expected`; `null` entries in `expected` match anything. */
export function assertShape(where: string, actual: readonly number[], expected: readonly (number | null)[]): void {
  const ok = actual.length === expected.length && expected.every((e, i) => e === null || e === actual[i]);
  if (!ok)
    throw new SalShapeError(
      where,
      expected.map((e) => (e === null ? '*' : e)),
      actual,
    );
}

/** Throw a {@link SalShapeError} unless `actual` has the given rank. */
export function assertRank(where: string, actual: readonly number[], rank: number, axes?: string): void {
  if (actual.length !== rank) {
    throw new SalShapeError(where, axes ?? `rank ${rank}`, actual);
  }
}

/**
 * Merge user options over frozen defaults, rejecting unknown keys. Returns a fully resolved object.
 * `where` names the factory for the error message.
 */
export function resolveOptions<T extends object>(where: string, defaults: Readonly<Required<T>>, opts: Partial<T> | undefined): Required<T> {
  const out = { ...defaults } as Required<T>;
  if (opts === undefined) return out;
  if (opts === null || typeof opts !== 'object') throw new SalConfigError(where, '(options)', 'an object', opts);
  for (const [k, v] of Object.entries(opts)) {
    if (!(k in defaults)) {
      throw new SalConfigError(where, k, `one of ${Object.keys(defaults).join(', ')}`, k);
    }
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Check a number option: finite, and within [min, max] when given; integer if `integer`. */
export function checkNumber(
  where: string,
  option: string,
  value: unknown,
  range: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {},
): number {
  const { min, max, integer = false, exclusiveMin = false } = range;
  const desc = `${integer ? 'an integer' : 'a finite number'}${min !== undefined ? ` ${exclusiveMin ? '>' : '>='} ${min}` : ''}${max !== undefined ? ` <= ${max}` : ''}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new SalConfigError(where, option, desc, value);
  if (integer && !Number.isInteger(value)) throw new SalConfigError(where, option, desc, value);
  if (min !== undefined && (exclusiveMin ? value <= min : value < min)) throw new SalConfigError(where, option, desc, value);
  if (max !== undefined && value > max) throw new SalConfigError(where, option, desc, value);
  return value;
}

/** Check a string option against an allowed set. */
export function checkOneOf<T extends string>(where: string, option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new SalConfigError(where, option, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}
