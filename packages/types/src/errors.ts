/**
 * Typed errors shared by every @sal package. Each carries what was expected and what was found, so a
 * caller can react programmatically and a person can read the message.
 */

/** Render any value compactly for an error message (shapes as `[a,b,c]`). */
export function describeValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(describeValue).join(',')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (typeof v === 'object') {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}

/** A tensor or array had the wrong rank or size. `where` names the function and argument. */
export class SalShapeError extends RangeError {
  override readonly name = 'SalShapeError';
  constructor(
    readonly where: string,
    readonly expected: unknown,
    readonly actual: unknown,
    detail?: string,
  ) {
    super(`${where}: expected ${describeValue(expected)}, got ${describeValue(actual)}${detail ? ` (${detail})` : ''}`);
  }
}

/** An option was unknown, of the wrong type or out of range. */
export class SalConfigError extends RangeError {
  override readonly name = 'SalConfigError';
  constructor(
    readonly where: string,
    readonly option: string,
    readonly expected: string,
    readonly actual: unknown,
  ) {
    super(`${where}: option '${option}' expected ${expected}, got ${describeValue(actual)}`);
  }
}

/** Input data (a file, an array, a split) was malformed or inconsistent. */
export class SalDataError extends Error {
  override readonly name = 'SalDataError';
  constructor(
    readonly where: string,
    readonly expected: string,
    readonly actual: unknown,
    readonly file?: string,
  ) {
    super(`${where}${file ? ` [${file}]` : ''}: expected ${expected}, got ${describeValue(actual)}`);
  }
}

/** A requested tensor backend could not be started; `install` says what to install. */
export class SalBackendError extends Error {
  override readonly name = 'SalBackendError';
  constructor(
    readonly backend: string,
    readonly reason: string,
    readonly install?: string,
  ) {
    super(`backend '${backend}' is not available: ${reason}${install ? `; to use it: ${install}` : ''}`);
  }
}
