/** The fuzz harness itself: each kind of failure it promises to catch is caught, and good outcomes are counted. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SalDataError } from '@sal/types';
import { formatReports, runFuzz } from '../src/fuzz.js';

describe('runFuzz', () => {
  it('counts typed errors naming the input and accepted loads; reports every other outcome as a failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sal-fuzz-harness-'));
    try {
      const reports = await runFuzz(
        [
          {
            category: 'a',
            name: 'typed',
            names: 'x.npy',
            run: () => {
              throw new SalDataError('f', 'e', 1, 'x.npy');
            },
          },
          { category: 'a', name: 'loads', names: 'x', run: () => 3, oracle: (v) => v === 3 },
          {
            category: 'b',
            name: 'typed, not naming',
            names: 'y.npy',
            run: () => {
              throw new SalDataError('f', 'e', 1, 'x.npy');
            },
          },
          {
            category: 'b',
            name: 'untyped',
            names: 'x',
            run: () => {
              throw new Error('raw');
            },
          },
          { category: 'b', name: 'loads without oracle', names: 'x', run: () => 1 },
          { category: 'b', name: 'wrong load', names: 'x', run: () => 2, oracle: (v) => v === 3 },
          { category: 'b', name: 'hangs', names: 'x', run: () => new Promise(() => undefined) },
          {
            category: 'b',
            name: 'leaves a temp file',
            names: 'x',
            dir,
            run: () => {
              writeFileSync(join(dir, '.a.tmp-1-2'), '');
              throw new TypeError('x');
            },
          },
          // last: a changed prototype stays changed for the cases after it
          {
            category: 'b',
            name: 'pollutes',
            names: 'x',
            run: () => {
              (Object.prototype as Record<string, unknown>)['polluted'] = 1;
              throw new TypeError('x');
            },
          },
        ],
        200,
      );
      delete (Object.prototype as Record<string, unknown>)['polluted'];
      const [a, b] = reports;
      expect(a).toMatchObject({ category: 'a', cases: 2, typedErrors: 1, correctLoads: 1, failures: [] });
      expect(b!.cases).toBe(7);
      expect(b!.failures.map((f) => f.split(':')[0])).toEqual([
        'typed, not naming',
        'untyped',
        'loads without oracle',
        'wrong load',
        'hangs',
        'leaves a temp file',
        'pollutes',
      ]);
      expect(formatReports(reports)).toMatch(/total\s+9\s+3\s+1\s+7/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
