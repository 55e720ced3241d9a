/**
 * Config files: JSON read with clear errors (file, position, unknown keys) and merged over defaults.
 */
import { readFileSync } from 'node:fs';
import { SalConfigError } from '@sal/types';

/** Read a JSON config file into an object, with the file named in every error. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SalConfigError('sal', '--config', 'a readable JSON file', `${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SalConfigError('sal', '--config', 'valid JSON', `${path}: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SalConfigError('sal', '--config', 'a JSON object', `${path}: ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
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
