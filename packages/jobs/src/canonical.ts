/**
 * Canonical job configs and their keys: a job's identity is the SHA-256 of the stable JSON (keys sorted, no
 * whitespace) of its kind and full config, as nnfabrik keys its tables by a hash of the model, dataset, trainer
 * and seed configs. The same config gives the same key on every machine, whatever the key order it was written in.
 */
import { createHash } from 'node:crypto';
import { SalConfigError, isJsonObject } from '@sal/types';

/** Stable JSON: object keys sorted, no whitespace; non-finite numbers and non-JSON values are refused. */
export function stableStringify(value: unknown, where = 'stableStringify', path = 'config'): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new SalConfigError(where, path, 'a finite number', value);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => stableStringify(v, where, `${path}[${i}]`)).join(',')}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(value[k], where, `${path}.${k}`)}`).join(',')}}`;
  }
  throw new SalConfigError(where, path, 'a JSON value', typeof value);
}

/** The key of a job: hex SHA-256 of the stable JSON of `{kind, config}`. */
export function jobKey(kind: string, config: unknown): string {
  return createHash('sha256')
    .update(stableStringify({ config, kind } as unknown, 'jobKey'))
    .digest('hex');
}

/** The queue's job id derived from a key (the first 128 bits of the hash written as a UUID). */
export function keyToUuid(key: string): string {
  return `${key.slice(0, 8)}-${key.slice(8, 12)}-${key.slice(12, 16)}-${key.slice(16, 20)}-${key.slice(20, 32)}`;
}
