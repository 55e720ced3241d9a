/**
 * JSON from users (configs, manifests, `meta.json`) parsed so that it can never touch `Object.prototype`:
 * the keys `__proto__`, `constructor` and `prototype` are refused at any depth with a typed error.
 */
import { SalDataError } from './errors.js';
import type { JsonValue } from './shapes.js';

/** Keys that are refused in user JSON: merging them into an object could rewrite prototypes. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type { JsonValue };

/**
 * Parse `text` as JSON. Throws `SalDataError` naming `what` (a file or argument) for malformed JSON and for
 * a forbidden key (`__proto__`, `constructor`, `prototype`) anywhere in it.
 */
export function parseJson(text: string, what: string): JsonValue {
  if (typeof text !== 'string') throw new SalDataError('parseJson(text)', 'a string of JSON', text, what);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SalDataError('parseJson', 'valid JSON', (e as Error).message, what);
  }
  assertSafeKeys(value, what);
  return value as JsonValue;
}

/**
 * Throw `SalDataError` if `value` (any JSON-like tree of arrays and plain objects) holds a forbidden key at any
 * depth. The path of the first one found is named.
 */
export function assertSafeKeys(value: unknown, what: string): void {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) continue;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push([v[i], `${path}[${i}]`]);
      continue;
    }
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(key)) {
        throw new SalDataError('parseJson', `no key named __proto__, constructor or prototype`, `key '${key}' at ${path || '(top level)'}`, what);
      }
      stack.push([(v as Record<string, unknown>)[key], path ? `${path}.${key}` : key]);
    }
  }
}

/** True for a non-null, non-array object (what JSON calls an object). */
export function isJsonObject(v: unknown): v is { [key: string]: JsonValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);
}
