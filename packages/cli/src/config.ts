/**
 * Config files: JSON read with clear errors (file, position, unknown keys) and merged over defaults. Every JSON
 * file a user hands in is parsed with `parseJson`, which refuses `__proto__`, `constructor` and `prototype` keys
 * before anything is merged, so no config can touch `Object.prototype`.
 */
import { readFileSync, statSync } from 'node:fs';
import { SalConfigError, SalDataError, isJsonObject, parseJson, type JsonValue } from '@sal/types';

/** Largest JSON file read (configs, dataset.json, results.json). */
export const MAX_JSON_FILE_BYTES = 64 * 1024 * 1024;

/** Read a regular file's text (never a FIFO or device; at most `MAX_JSON_FILE_BYTES`), or throw `onError(reason)`. */
function readTextFile(path: string, onError: (reason: string) => Error): string {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw onError('not a regular file');
    if (st.size > MAX_JSON_FILE_BYTES) throw onError(`${st.size} bytes, more than ${MAX_JSON_FILE_BYTES}`);
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof SalConfigError || err instanceof SalDataError) throw err;
    throw onError((err as NodeJS.ErrnoException).code ?? (err as Error).message);
  }
}

/**
 * Read a JSON object file that a program wrote (e.g. a checkpoint's `dataset.json`, a run's `results.json`) with
 * `parseJson`; unreadable, malformed or non-object content is a `SalDataError` naming `where` and the file.
 */
export function readJsonObjectFile(path: string, where: string, what: string): Record<string, JsonValue> {
  const text = readTextFile(path, (reason) => new SalDataError(where, `${what} (a readable JSON file)`, reason, path));
  const value = parseJson(text, path);
  if (!isJsonObject(value)) throw new SalDataError(where, `${what} (a JSON object)`, value, path);
  return value;
}

/** Read a JSON config file into an object, with the file named in every error. */
export function readConfigFile(path: string): Record<string, unknown> {
  const text = readTextFile(path, (reason) => new SalConfigError('sal', '--config', 'a readable JSON file', `${path} (${reason})`));
  let value: unknown;
  try {
    value = parseJson(text, path);
  } catch (err) {
    if (!(err instanceof SalDataError) || err.expected !== 'valid JSON') throw err; // a forbidden key: as parseJson says
    throw new SalConfigError('sal', '--config', 'valid JSON', `${path}: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SalConfigError('sal', '--config', 'a JSON object', `${path}: ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Check the shape of a config override before it is merged: a section that is an object in `base` (e.g. `train`,
 * `crops`) must be an object (not null, an array or a number) in `override`, at every depth. `SalConfigError` names
 * the section.
 */
export function checkSections(base: object, override: Record<string, unknown>, where: string, path = ''): void {
  for (const [k, v] of Object.entries(override)) {
    if (!Object.hasOwn(base, k)) continue; // unknown keys are refused by the merge, with the allowed ones listed
    const b = (base as Record<string, unknown>)[k];
    const p = path ? `${path}.${k}` : k;
    if (isJsonObject(b)) {
      if (!isJsonObject(v)) throw new SalConfigError(where, p, 'an object', v);
      checkSections(b, v, where, p);
    }
  }
}

/**
 * Check that `dir` can be an output folder before any work starts: absent (it will be created) or a folder. A file
 * there, or a file in its parent path, is a `SalConfigError` naming the flag and the path (no raw EEXIST/ENOTDIR).
 */
export function checkOutDir(dir: string, where: string, flag: string): void {
  try {
    if (!statSync(dir).isDirectory()) throw new SalConfigError(where, flag, 'a folder (or a path where one can be created)', `${dir} (a file)`);
  } catch (err) {
    if (err instanceof SalConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    throw new SalConfigError(where, flag, 'a folder (or a path where one can be created)', `${dir} (${code ?? (err as Error).message})`);
  }
}

/** Reject keys of `obj` not in `allowed`, naming the section. */
export function checkKeys(section: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new SalConfigError(`sal config${section ? ` (${section})` : ''}`, k, `one of ${allowed.join(', ')}`, k);
  }
}

/** Parse an integer flag, naming it in the error. */
export function intFlag(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new SalConfigError('sal', name, `an integer >= ${min}`, value);
  return n;
}
