/**
 * Typed errors shared by every @sal package. Each carries what was expected and what was found, so a
 * caller can react programmatically and a person can read the message.
 */

/** Longest rendering of a value in an error message; longer ones are cut with their size noted. */
export const MAX_DESCRIBED_LENGTH = 200;

/** Render any value compactly for an error message (shapes as `[a,b,c]`; typed arrays and long values summarised). */
export function describeValue(v: unknown): string {
  const text = render(v);
  return text.length <= MAX_DESCRIBED_LENGTH ? text : `${text.slice(0, MAX_DESCRIBED_LENGTH)}… (${text.length} characters)`;
}

function render(v: unknown): string {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const a = v as unknown as ArrayLike<number>;
    return `${v.constructor.name}(${a.length})`;
  }
  if (Array.isArray(v)) return v.length > 64 ? `[${v.slice(0, 64).map(render).join(',')},…] (${v.length} items)` : `[${v.map(render).join(',')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (typeof v === 'object') {
    try {
      return JSON.stringify(v, (_k, x: unknown) =>
        ArrayBuffer.isView(x) && !(x instanceof DataView) ? `${x.constructor.name}(${(x as unknown as ArrayLike<number>).length})` : x,
      );
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
