import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, readdir, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SalDataError } from '@sal/types';
import { trainEncoder, type Encoder, type TrainerState } from '../src/index.js';
import { loadCheckpoint, saveCheckpoint } from '../src/node.js';
import { factories } from './fixtures/fake-modules.js';
import { fakeEncoder, syntheticData } from './fixtures/models.js';

const root = await mkdtemp(join(tmpdir(), 'sal-train-ckpt-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const weightsOf = (enc: Encoder) => Object.fromEntries(Object.entries(enc.getWeights()).map(([n, v]) => [n, Array.from(v.dataSync())]));
const predictAll = (enc: Encoder, x: tf.Tensor4D) => enc.sessionKeys.map((k) => tf.tidy(() => Array.from(enc.predict(x, k).dataSync())));
const probe = () =>
  tf.tensor4d(
    Float32Array.from({ length: 4 * 8 * 8 * 2 }, (_, i) => Math.cos(i * 0.37)),
    [4, 8, 8, 2],
  );

describe('checkpoints', () => {
  it('round trip: identical weights and predictions (batch-norm statistics included)', async () => {
    const ds = syntheticData(21);
    const enc = fakeEncoder(ds, 5);
    await trainEncoder(enc, ds, { maxEpochs: 1, quiet: true }); // running statistics move away from their init
    const dir = join(root, 'rt');
    await saveCheckpoint(dir, enc);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(manifest.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(manifest.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toContain('core/bn/runningMean');
    const { encoder: back, trainer } = await loadCheckpoint(dir, factories);
    expect(trainer).toBeNull();
    expect(weightsOf(back)).toEqual(weightsOf(enc));
    const x = probe();
    expect(predictAll(back, x)).toEqual(predictAll(enc, x));
    expect(back.getConfig()).toEqual(enc.getConfig());
    x.dispose();
    enc.dispose();
    back.dispose();
  });

  for (const [interval, stopAt] of [
    [1, 4],
    [2, 3],
  ] as const) {
    it(`resuming after an interruption ends exactly where an uninterrupted run ends (interval ${interval}, stop after epoch ${stopAt})`, async () => {
      const ds = syntheticData(22);
      const opts = { maxEpochs: 9, interval, patience: 1, lrDecaySteps: 3, lr: 0.02, batchSize: 48, seed: 9, quiet: true } as const;
      const a = fakeEncoder(ds, 6);
      const full = await trainEncoder(a, ds, opts);

      const b = fakeEncoder(ds, 6);
      const dir = join(root, `resume-${interval}`);
      const stopped = await trainEncoder(b, ds, {
        ...opts,
        checkpoint: (st) => saveCheckpoint(dir, b, st),
        onEpoch: (e) => (e.epoch === stopAt ? 'stop' : undefined),
      });
      expect(stopped.stopReason).toBe('interrupted');
      expect(stopped.epochs).toBe(stopAt);
      b.dispose();

      const before = tf.memory().numTensors;
      const { encoder: c, trainer } = await loadCheckpoint(dir, factories);
      expect(trainer!.json.earlyStopping.epoch).toBe(stopAt);
      const resumed = await trainEncoder(c, ds, { ...opts, resume: trainer });
      tf.dispose(Object.values((trainer as TrainerState).tensors));
      expect(resumed.epochs).toBeGreaterThan(stopAt);
      expect(resumed.stopReason).toBe(full.stopReason);
      expect(resumed.epochs).toBe(full.epochs);
      expect(resumed.bestScore).toBe(full.bestScore);
      expect(resumed.lr).toBe(full.lr);
      const strip = (h: typeof full.history) => h.map(({ seconds: _s, ...rest }) => rest);
      expect(strip(resumed.history)).toEqual(strip(full.history));
      expect(weightsOf(c)).toEqual(weightsOf(a));
      c.dispose();
      expect(tf.memory().numTensors).toBe(before);
      a.dispose();
    });
  }

  it('bad checkpoints give SalDataError and leave the files untouched', async () => {
    const ds = syntheticData(23);
    const enc = fakeEncoder(ds, 7);
    const good = join(root, 'good');
    await saveCheckpoint(good, enc, null);
    const snapshot = async (d: string) =>
      Object.fromEntries(await Promise.all((await readdir(d)).map(async (f) => [f, (await readFile(join(d, f))).toString('base64')])));
    const variant = async (name: string, edit: (d: string) => Promise<void>) => {
      const d = join(root, name);
      await cp(good, d, { recursive: true });
      await edit(d);
      const files = await snapshot(d);
      const before = tf.memory().numTensors;
      await expect(loadCheckpoint(d, factories)).rejects.toBeInstanceOf(SalDataError);
      expect(tf.memory().numTensors).toBe(before);
      expect(await snapshot(d)).toEqual(files);
    };
    const bin = await readFile(join(good, 'weights.bin'));
    const model = JSON.parse(await readFile(join(good, 'model.json'), 'utf8'));
    await variant('truncated', (d) => writeFile(join(d, 'weights.bin'), bin.subarray(0, bin.length - 8)));
    await variant('flipped', (d) => {
      const b = Buffer.from(bin);
      b[10] = b[10]! ^ 0xff;
      return writeFile(join(d, 'weights.bin'), b);
    });
    await variant('not-json', (d) => writeFile(join(d, 'model.json'), '{"format": "sal.enc'));
    await variant('wrong-format', (d) => writeFile(join(d, 'model.json'), JSON.stringify({ ...model, format: 'other' })));
    await variant('wrong-kind', (d) => {
      const m = structuredClone(model);
      m.config.core.kind = 'test.otherCore';
      return writeFile(join(d, 'model.json'), JSON.stringify(m));
    });
    await variant('wrong-shapes', (d) => {
      // the config now builds a core with 3 features: the stored weights no longer fit
      const m = structuredClone(model);
      m.config.core.config.features = 3;
      return writeFile(join(d, 'model.json'), JSON.stringify(m));
    });
    await variant('missing-weight', (d) => {
      const m = structuredClone(model);
      m.weightsManifest[0].weights[0].name = 'core/renamed';
      return writeFile(join(d, 'model.json'), JSON.stringify(m));
    });
    // the original still loads
    const { encoder } = await loadCheckpoint(good, factories);
    const x = probe();
    const ref = predictAll(encoder, x);
    encoder.dispose();

    // a save interrupted between its two renames: the previous checkpoint is found beside the target
    const crashed = join(root, 'crashed');
    await cp(good, join(root, '.crashed.old-1-abcd'), { recursive: true });
    const { encoder: recovered } = await loadCheckpoint(crashed, factories);
    expect(predictAll(recovered, x)).toEqual(ref);
    // the next save puts a checkpoint in place and removes the leftover
    await saveCheckpoint(crashed, recovered);
    expect((await readdir(root)).filter((f) => f.startsWith('.crashed'))).toEqual([]);
    recovered.dispose();
    await expect(loadCheckpoint(join(root, 'nothing-here'), factories)).rejects.toBeInstanceOf(SalDataError);
    x.dispose();

    // a save that fails half-way leaves the previous checkpoint intact and no temporary files
    const goodFiles = await snapshot(good);
    const dead = tf.scalar(1);
    dead.dispose();
    await expect(saveCheckpoint(good, enc, { json: {} as never, tensors: { 'adam/m/x': dead } })).rejects.toThrow();
    expect(await snapshot(good)).toEqual(goodFiles);
    expect((await readdir(root)).filter((f) => f.startsWith('.'))).toEqual([]);
    enc.dispose();
  });
});
