/** `sal train` says when a dataset has no saliency maps and the built-in model stands in (it used to do so silently). */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDatasetDir } from '@sal/saliency-loader/node';
import { simulateCommand } from '../src/commands/simulate.js';
import { BUILTIN_SALIENCY_NOTICE, datasetFor } from '../src/commands/train.js';

const dir = mkdtempSync(join(tmpdir(), 'sal-notice-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sal train without saliency maps', () => {
  it('names the built-in model, its agreement and how to give maps, only when the dataset has none', async () => {
    writeFileSync(
      join(dir, 'sim.json'),
      JSON.stringify({ height: 32, width: 48, nTrainImages: 12, nTestImages: 2, testRepeats: 2, nSessions: 1, neuronsPerSession: 2 }),
    );
    await simulateCommand({ out: join(dir, 'data'), seed: '2', config: join(dir, 'sim.json'), quiet: true });
    const raw = await readDatasetDir(join(dir, 'data'));
    expect(raw.saliency).toBeDefined();
    const opts = {
      data: join(dir, 'data'),
      crop: [
        [0, 0],
        [0, 0],
      ] as [[number, number], [number, number]],
      scale: 0.5,
      gradientSigma: 2,
    };
    const lines: string[] = [];
    datasetFor(raw, opts, (l) => lines.push(l));
    expect(lines).toEqual([]);
    datasetFor({ ...raw, saliency: undefined }, opts, (l) => lines.push(l));
    expect(lines).toEqual([BUILTIN_SALIENCY_NOTICE]);
    expect(lines[0]).toContain('centre–surround');
    expect(lines[0]).toContain('saliency.npy');
  });
});
