import { describe, expect, it } from 'vitest';
import { simulateDataset } from '../src/index.js';
import { TINY } from './helpers.js';

describe('splits', () => {
  it('test images repeat testRepeats times per session; train ids are each shown once and disjoint from test ids', () => {
    const opts = { ...TINY, testRepeats: 7, nTestImages: 5, sessionImageFraction: 0.75, seed: 2 };
    const { dataset, truth } = simulateDataset(opts);
    const nTrain = opts.nTrainImages!;
    expect(dataset.imagesShape).toEqual([nTrain + 5, 64, 96]);
    expect(dataset.images.length).toBe((nTrain + 5) * 64 * 96);
    expect(truth.nTrainImages).toBe(nTrain);
    expect(dataset.sessions.map((s) => s.key)).toEqual(['sim0', 'sim1']);
    const subsets: string[] = [];
    for (const s of dataset.sessions) {
      expect(s.nNeurons).toBe(opts.neuronsPerSession);
      // train: a subset of the pool, each image once
      const train = Array.from(s.trainImageIds);
      expect(train.length).toBe(Math.round(0.75 * nTrain));
      expect(new Set(train).size).toBe(train.length);
      expect(train.every((id) => id >= 0 && id < nTrain)).toBe(true);
      subsets.push([...train].sort((a, b) => a - b).join(','));
      // test: every test image exactly testRepeats times, ids after the pool
      const counts = new Map<number, number>();
      for (const id of s.testImageIds) counts.set(id, (counts.get(id) ?? 0) + 1);
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual([nTrain, nTrain + 1, nTrain + 2, nTrain + 3, nTrain + 4]);
      expect([...counts.values()].every((c) => c === 7)).toBe(true);
      expect(train.some((id) => counts.has(id))).toBe(false);
      // response matrices: [trials, neurons] of non-negative integer counts
      expect(s.trainResponses.length).toBe(train.length * s.nNeurons);
      expect(s.testResponses.length).toBe(s.testImageIds.length * s.nNeurons);
      for (const v of [...s.trainResponses, ...s.testResponses]) expect(Number.isInteger(v) && v >= 0).toBe(true);
      // test trials are shuffled, not blocked by image
      expect(Array.from(s.testImageIds.subarray(0, 7)).every((id) => id === s.testImageIds[0])).toBe(false);
    }
    // sessions draw their own subsets
    expect(subsets[0]).not.toBe(subsets[1]);
  });

  it('the whole pool by default, and no saliency unless asked', () => {
    const { dataset } = simulateDataset(TINY);
    for (const s of dataset.sessions) expect(s.trainImageIds.length).toBe(TINY.nTrainImages);
    expect(dataset.saliency).toBeUndefined();
  });
});
