import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { SalConfigError, SalDataError } from '@sal/types';
import { jobKey, keyToUuid, parsePlan, stableStringify } from '../src/index.js';

describe('canonical configs', () => {
  it('stable JSON sorts keys at every depth and keeps array order', () => {
    expect(stableStringify({ b: 1, a: [1, { d: 2, c: 'x' }], e: null })).toBe('{"a":[1,{"c":"x","d":2}],"b":1,"e":null}');
  });

  it('a job key is the SHA-256 of the stable JSON of {config, kind}, whatever the key order', () => {
    const expected = createHash('sha256').update('{"config":{"seed":1,"variant":"images"},"kind":"train"}').digest('hex');
    expect(jobKey('train', { variant: 'images', seed: 1 })).toBe(expected);
    expect(jobKey('train', { seed: 1, variant: 'images' })).toBe(expected);
    expect(jobKey('train', { seed: 2, variant: 'images' })).not.toBe(expected);
    expect(keyToUuid(expected)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('refuses non-finite numbers and non-JSON values', () => {
    expect(() => stableStringify({ a: NaN })).toThrow(SalConfigError);
    expect(() => stableStringify({ a: () => 1 })).toThrow(/config.a/);
  });
});

describe('parsePlan', () => {
  it('crosses grid axes (dotted names set nested fields) and merges duplicates', () => {
    const p = parsePlan({
      name: 's',
      jobs: [{ kind: 'train', config: { base: 1, seed: 1, variant: 'a', train: { maxEpochs: 5 } } }],
      grids: [{ kind: 'train', base: { base: 1 }, axes: { variant: ['a', 'b'], seed: [1, 2], 'train.maxEpochs': [5] } }],
    });
    expect(p.name).toBe('s');
    // the explicit job equals the grid's (a, 1) point: 4 jobs, not 5
    expect(p.jobs.map((j) => j.config)).toEqual([
      { base: 1, seed: 1, variant: 'a', train: { maxEpochs: 5 } },
      { base: 1, seed: 1, variant: 'b', train: { maxEpochs: 5 } },
      { base: 1, seed: 2, variant: 'a', train: { maxEpochs: 5 } },
      { base: 1, seed: 2, variant: 'b', train: { maxEpochs: 5 } },
    ]);
  });

  it('gives typed errors naming the field of a malformed plan', () => {
    expect(() => parsePlan('{"jobs": [')).toThrow(SalDataError);
    expect(() => parsePlan({ jobs: [{ kind: 'Train!', config: {} }] })).toThrow(/plan\.jobs\[0\]\.kind/);
    expect(() => parsePlan({ jobs: [{ kind: 'train', config: [] }] })).toThrow(/plan\.jobs\[0\]\.config/);
    expect(() => parsePlan({ grids: [{ kind: 'train', axes: { seed: [] } }] })).toThrow(/plan\.grids\[0\]\.axes\.seed/);
    expect(() => parsePlan({ jobz: [] })).toThrow(/plan\.jobz/);
    expect(() => parsePlan({})).toThrow(/at least one job/);
    expect(() => parsePlan({ jobs: [{ kind: 'grf', config: {} }] }, { kinds: ['train'] })).toThrow(/one of train/);
    expect(() => parsePlan('{"jobs": [{"kind": "train", "config": {"__proto__": {"x": 1}}}]}')).toThrow(SalDataError);
    expect(() => parsePlan({ grids: [{ kind: 'n', axes: { a: Array(1000).fill(0), b: Array(1000).fill(0) } }] })).toThrow(/at most 100000 jobs/);
  });
});
