import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError } from '@sal/types';
import { trainEncoder, validationScore, type EpochRecord } from '../src/index.js';
import { fakeEncoder, syntheticData } from './fixtures/models.js';

const weightsOf = (enc: ReturnType<typeof fakeEncoder>) => Object.fromEntries(Object.entries(enc.getWeights()).map(([n, v]) => [n, Array.from(v.dataSync())]));

describe('trainEncoder', () => {
  it('learns the synthetic data: validation correlation rises; the best weights (batch-norm statistics included) are restored; no tensor leaks', async () => {
    const ds = syntheticData();
    const enc = fakeEncoder(ds);
    enc.initBiases(ds);
    const lines: string[] = [];
    const seen: EpochRecord[] = [];
    const liveTensors: number[] = [];
    const runningMean = new Map<number, number[]>();
    const before = tf.memory().numTensors;
    const r = await trainEncoder(enc, ds, {
      maxEpochs: 12,
      patience: 2,
      lrDecaySteps: 2,
      lr: 0.01,
      batchSize: 32,
      seed: 5,
      stream: { write: (s: string) => lines.push(s) },
      onEpoch: (e) => {
        seen.push(e);
        liveTensors.push(tf.memory().numTensors);
        runningMean.set(e.epoch, Array.from(enc.getWeights()['core/bn/runningMean']!.dataSync()));
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    // from epoch 1 on (Adam moments and the best snapshot exist), the live tensor count stays constant
    expect(new Set(liveTensors.slice(1)).size).toBe(1);
    const start = r.history[0]!.validation!;
    expect(r.history[0]!.epoch).toBe(0);
    expect(r.bestScore).toBeGreaterThan(start + 0.2);
    expect(r.bestScore).toBeGreaterThan(0.4);
    // the encoder holds the best weights: scoring it again gives the best score exactly
    expect(r.finalScore).toBeCloseTo(r.bestScore, 6);
    expect(validationScore(enc, ds)).toBeCloseTo(r.bestScore, 6);
    // the batch-norm running mean (a non-trainable weight) is that of the best epoch, not of the last
    expect(r.bestEpoch).toBeLessThan(r.epochs);
    const finalMean = Array.from(enc.getWeights()['core/bn/runningMean']!.dataSync());
    expect(finalMean).toEqual(runningMean.get(r.bestEpoch));
    expect(finalMean).not.toEqual(runningMean.get(r.epochs - 1));
    expect(r.history.length).toBe(r.epochs + 1);
    expect(seen.map((e) => e.epoch)).toEqual(r.history.map((e) => e.epoch));
    expect(lines.length).toBe(r.history.length);
    expect(lines[1]).toMatch(/^epoch +1 +loss [\d.]+ +val [-\d.]+ +best [-\d.]+ +lr 1\.00e-2/);
    const losses = r.history.slice(1).map((e) => e.loss!);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    enc.dispose();
  });

  it('decays the LR by 0.3 at each restore and stops after lrDecaySteps rounds', async () => {
    const ds = syntheticData(12);
    const enc = fakeEncoder(ds, 2);
    // patience 1, three rounds: the first two end with restore + decay, the third stops
    const r = await trainEncoder(enc, ds, { maxEpochs: 40, patience: 1, lrDecaySteps: 3, lr: 0.02, batchSize: 64, quiet: true, seed: 1 });
    const decayEpochs = r.history.filter((e) => e.events.includes('restore-decay'));
    expect(r.stopReason).toBe('patience');
    expect(decayEpochs.length).toBe(2);
    expect(r.epochs).toBeLessThan(40);
    for (const e of decayEpochs) {
      const next = r.history.find((h) => h.epoch === e.epoch + 1);
      if (next) expect(next.lr).toBeCloseTo(e.lr * 0.3, 12);
    }
    expect(r.lr).toBeCloseTo(0.02 * 0.3 ** decayEpochs.length, 12);
    expect(r.finalScore).toBeCloseTo(r.bestScore, 6);
    enc.dispose();
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const ds = syntheticData(13);
    const run = async (seed: number) => {
      const enc = fakeEncoder(ds, 3);
      await trainEncoder(enc, ds, { maxEpochs: 2, patience: 5, quiet: true, seed, batchSize: 64 });
      const w = weightsOf(enc);
      enc.dispose();
      return w;
    };
    const a = await run(7),
      b = await run(7),
      c = await run(8);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('one optimiser step per round of sessions (gradients accumulate), or one per batch', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { saveCheckpoint } = await import('../src/node.js');
    const dir = await mkdtemp(join(tmpdir(), 'sal-train-acc-'));
    const ds = syntheticData(15); // train trials: m1 160, m2 96 → batches of 32: 5 and 3, cycled to 5 rounds
    for (const [accumulateSessions, steps] of [
      [true, 5],
      [false, 10],
    ] as const) {
      const enc = fakeEncoder(ds, 5);
      await trainEncoder(enc, ds, {
        maxEpochs: 1,
        batchSize: 32,
        quiet: true,
        accumulateSessions,
        checkpoint: (st) => saveCheckpoint(join(dir, String(accumulateSessions)), enc, st),
      });
      const st = JSON.parse(await readFile(join(dir, String(accumulateSessions), 'trainer.json'), 'utf8'));
      expect(st.state.adamStep).toBe(steps);
      enc.dispose();
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("stops with 'min-lr' when a decay round starts at the LR floor, with the best weights restored", async () => {
    const ds = syntheticData(16);
    const enc = fakeEncoder(ds, 6);
    const r = await trainEncoder(enc, ds, { lr: 1e-4, minLr: 1e-4, patience: 1, tolerance: 0.5, lrDecaySteps: 3, maxEpochs: 30, quiet: true });
    expect(r.stopReason).toBe('min-lr');
    expect(r.lr).toBe(1e-4);
    expect(r.epochs).toBe(1); // no evaluation beats the start by 0.5: the first round ends after epoch 1
    expect(r.finalScore).toBeCloseTo(r.bestScore, 6);
    enc.dispose();
  });

  it('checks its options', async () => {
    const ds = syntheticData(14);
    const enc = fakeEncoder(ds, 4);
    await expect(trainEncoder(enc, ds, { lr: 0 })).rejects.toBeInstanceOf(SalConfigError);
    await expect(trainEncoder(enc, ds, { epochs: 3 } as never)).rejects.toBeInstanceOf(SalConfigError);
    enc.dispose();
  });
});
