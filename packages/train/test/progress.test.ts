import { describe, expect, it } from 'vitest';
import { trainEncoder, trainedEpochs, type BatchProgress } from '../src/index.js';
import { fakeEncoder, syntheticData } from './fixtures/models.js';

describe('progress inside epochs and honest epoch counts', () => {
  it('onBatch reports every batch of every epoch; the evaluation before training is no epoch', async () => {
    // train trials: m1 160, m2 96; batches of 32: 5 and 3, m2 cycled to 5 rounds → 10 batches of 32 per epoch
    const ds = syntheticData(15);
    const enc = fakeEncoder(ds, 5);
    const seen: BatchProgress[] = [];
    const r = await trainEncoder(enc, ds, { maxEpochs: 2, patience: 5, batchSize: 32, quiet: true, onBatch: (p) => seen.push({ ...p }) });
    enc.dispose();
    expect(seen.map((p) => [p.epoch, p.batch, p.batches, p.images])).toEqual(
      [1, 2].flatMap((epoch) => Array.from({ length: 10 }, (_, b) => [epoch, b + 1, 10, 32 * (b + 1)])),
    );
    for (const [i, p] of seen.entries()) {
      expect(p.seconds).toBeGreaterThanOrEqual(0);
      if (p.batch > 1) expect(p.seconds).toBeGreaterThanOrEqual(seen[i - 1]!.seconds);
    }
    // the history opens with the evaluation before training (epoch 0, no loss): 3 records, 2 epochs trained
    expect(r.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
    expect(r.history[0]!.loss).toBeNull();
    expect(trainedEpochs(r.history)).toBe(2);
    expect(r.epochs).toBe(2);
  });

  it('trainedEpochs counts the records with a training loss', () => {
    const rec = (epoch: number, loss: number | null) => ({ epoch, loss, validation: 0.1, lr: 0.01, seconds: 1, events: [] });
    expect(trainedEpochs([])).toBe(0);
    expect(trainedEpochs([rec(0, null)])).toBe(0);
    expect(trainedEpochs([rec(0, null), rec(1, 2.5), rec(2, 2.4)])).toBe(2);
  });
});
