/** What checkpoint files may replace and read, and how resume ends after the last epoch. */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SalConfigError, SalDataError } from '@sal/types';
import { trainEncoder, type TrainerState } from '../src/index.js';
import { isCheckpointDir, loadCheckpoint, saveCheckpoint } from '../src/node.js';
import { factories } from './fixtures/fake-modules.js';
import { fakeEncoder, syntheticData } from './fixtures/models.js';

const root = await mkdtemp(join(tmpdir(), 'sal-train-safety-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('saveCheckpoint writes only into its own folder', () => {
  it('refuses a file or a folder that is not a checkpoint and leaves it untouched; replaces a checkpoint or an empty folder', async () => {
    const ds = syntheticData(31);
    const enc = fakeEncoder(ds, 3);
    const file = join(root, 'a-file');
    await writeFile(file, 'precious');
    await expect(saveCheckpoint(file, enc)).rejects.toBeInstanceOf(SalConfigError);
    expect(await readFile(file, 'utf8')).toBe('precious');
    const dataDir = join(root, 'data');
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'meta.json'), '{}');
    await expect(saveCheckpoint(dataDir, enc)).rejects.toThrow(/not a sal checkpoint/);
    expect(await readdir(dataDir)).toEqual(['meta.json']);
    const empty = join(root, 'empty');
    await mkdir(empty);
    await saveCheckpoint(empty, enc);
    expect(await isCheckpointDir(empty)).toBe(true);
    await saveCheckpoint(empty, enc); // a checkpoint is replaced
    expect(await isCheckpointDir(dataDir)).toBe(false);
    expect((await readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]);
    enc.dispose();
  });

  it('extra files go into the same atomic unit; names that could escape or clash are refused', async () => {
    const ds = syntheticData(32);
    const enc = fakeEncoder(ds, 3);
    const dir = join(root, 'with-files');
    await saveCheckpoint(dir, enc, null, { files: { 'scores.json': '{"r": 0.5}', 'dataset.json': new Uint8Array([123, 125]) } });
    expect((await readdir(dir)).sort()).toEqual(['dataset.json', 'model.json', 'scores.json', 'weights.bin']);
    expect(await readFile(join(dir, 'scores.json'), 'utf8')).toBe('{"r": 0.5}');
    for (const name of ['../x.json', 'sub/x.json', 'model.json', 'weights.bin', '.hidden', '']) {
      await expect(saveCheckpoint(dir, enc, null, { files: { [name]: 'x' } })).rejects.toBeInstanceOf(SalConfigError);
    }
    expect((await readdir(dir)).sort()).toEqual(['dataset.json', 'model.json', 'scores.json', 'weights.bin']);
    enc.dispose();
  });

  it('temporary folders of a save that was killed are removed by the next save', async () => {
    const ds = syntheticData(33);
    const enc = fakeEncoder(ds, 3);
    const dir = join(root, 'stale');
    await saveCheckpoint(dir, enc);
    await mkdir(join(root, '.stale.tmp-999999-deadbeef'));
    await writeFile(join(root, '.stale.tmp-999999-deadbeef', 'weights.bin'), 'partial');
    await mkdir(join(root, '.stale.tmp-1-00000000'));
    await saveCheckpoint(dir, enc);
    expect((await readdir(root)).filter((n) => n.startsWith('.stale'))).toEqual([]);
    enc.dispose();
  });
});

describe('loadCheckpoint reads only inside its folder', () => {
  it('manifest paths outside the folder, special files and missing checkpoints are typed errors naming the path', async () => {
    const ds = syntheticData(34);
    const enc = fakeEncoder(ds, 3);
    const good = join(root, 'good');
    await saveCheckpoint(good, enc);
    const model = JSON.parse(await readFile(join(good, 'model.json'), 'utf8'));
    for (const path of ['../../../../etc/hostname', '/etc/hostname', 'sub/weights.bin', '..', '']) {
      const m = structuredClone(model);
      m.weightsManifest[0].paths = [path];
      await writeFile(join(good, 'model.json'), JSON.stringify(m));
      await expect(loadCheckpoint(good, factories)).rejects.toThrow(/weights path/);
    }
    await writeFile(join(good, 'model.json'), JSON.stringify(model));
    await rm(join(good, 'weights.bin'));
    await symlink('/dev/zero', join(good, 'weights.bin'));
    await expect(loadCheckpoint(good, factories)).rejects.toThrow(/regular file/);
    await expect(loadCheckpoint(join(root, 'none'), factories)).rejects.toThrow(/none.*|missing/);
    await expect(loadCheckpoint(join(root, 'none'), factories)).rejects.toBeInstanceOf(SalDataError);
    await writeFile(join(good, 'model.json'), JSON.stringify(model).replace('"config":{', '"config":{"__proto__":{"polluted":1},'));
    await expect(loadCheckpoint(good, factories)).rejects.toThrow(/__proto__/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    enc.dispose();
  });
});

describe('resuming after the last epoch', () => {
  const strip = (h: { seconds: number }[]) => h.map(({ seconds: _s, ...r }) => r);
  for (const [name, opts] of [
    ['patience', { maxEpochs: 6, patience: 1, lrDecaySteps: 2, lr: 0.02, batchSize: 48, seed: 4, quiet: true }],
    [
      'min-lr (the stop that used to skip its checkpoint)',
      { lr: 1e-4, minLr: 1e-4, patience: 1, tolerance: 0.5, lrDecaySteps: 3, maxEpochs: 30, seed: 4, quiet: true },
    ],
  ] as const) {
    it(`${name}: the last checkpoint records the stop, and resuming returns the same finalScore, history and weights`, async () => {
      const ds = syntheticData(35);
      const enc = fakeEncoder(ds, 5);
      const dir = join(root, `finished-${name.slice(0, 6)}`);
      let last: TrainerState['json'] | null = null;
      const full = await trainEncoder(enc, ds, {
        ...opts,
        checkpoint: async (s) => {
          last = structuredClone(s.json);
          await saveCheckpoint(dir, enc, s);
        },
      });
      expect(last!.stopReason).toBe(full.stopReason);
      expect(last!.lastScore).toBe(full.finalScore);
      const { encoder, trainer } = await loadCheckpoint(dir, factories);
      const again = await trainEncoder(encoder, ds, { ...opts, resume: trainer });
      tf.dispose(Object.values(trainer!.tensors));
      expect(again.finalScore).toBe(full.finalScore);
      expect(Number.isFinite(again.finalScore)).toBe(true);
      expect(again.stopReason).toBe(full.stopReason);
      expect(again.epochs).toBe(full.epochs);
      expect(strip(again.history)).toEqual(strip(full.history));
      const w = (e: typeof enc) => Object.fromEntries(Object.entries(e.getWeights()).map(([k, v]) => [k, Array.from(v.dataSync())]));
      expect(w(encoder)).toEqual(w(enc));
      encoder.dispose();
      enc.dispose();
    });
  }
});
