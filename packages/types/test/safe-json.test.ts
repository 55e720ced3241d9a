import { describe, expect, it } from 'vitest';
import { parseJson, assertSafeKeys, isJsonObject, SalDataError } from '../src/index.js';

describe('parseJson', () => {
  it('parses ordinary JSON', () => {
    expect(parseJson('{"a":[1,{"b":null}]}', 'x.json')).toEqual({ a: [1, { b: null }] });
  });
  it.each(['__proto__', 'constructor', 'prototype'])('refuses a %s key at any depth, naming the path', (key) => {
    const text = `{"train":{"opts":[{"${key}":{"toString":1}}]}}`;
    expect(() => parseJson(text, 'config.json')).toThrow(SalDataError);
    expect(() => parseJson(text, 'config.json')).toThrow(`key '${key}' at train.opts[0]`);
    expect(Object.prototype.toString).toBe(Object.prototype.toString);
    expect(({} as Record<string, unknown>)['toString']).toBe(Object.prototype.toString);
  });
  it('names the file for malformed JSON', () => {
    expect(() => parseJson('{"a":', 'meta.json')).toThrow(/\[meta\.json\].*valid JSON/);
  });
  it('assertSafeKeys accepts safe trees and typed arrays', () => {
    expect(() => assertSafeKeys({ a: new Float32Array(2), b: [1, 'x'] }, 'v')).not.toThrow();
    expect(isJsonObject({})).toBe(true);
    expect(isJsonObject([])).toBe(false);
    expect(isJsonObject(null)).toBe(false);
  });
});
