import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks } from '@sal/test-utils';
import { SalDataError } from '@sal/types';
import { correlation, groupByImage, predictSplit, scoreSession, splitCorrelation, trainEncoder, validationScore } from '../src/index.js';
import { createSyntheticDataset } from './fixtures/array-dataset.js';
import { fakeEncoder, syntheticData } from './fixtures/models.js';

/** Pearson correlation in float64 (reference, independent of the package). */
function pearson(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length,
    my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i]! - my);
    sxx += (xi - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

describe('predictSplit and session scores', () => {
  it('predicts every trial of a split in eval mode, with its targets and image ids', () => {
    const ds = syntheticData(41);
    const enc = fakeEncoder(ds, 1, 0.5); // large training noise: eval mode must not use it
    const p = expectNoLeaks(() => predictSplit(enc, ds, 'm1', 'validation', { batchSize: 7 }), 'predictSplit');
    expect(p.nNeurons).toBe(3);
    expect(p.imageIds.length).toBe(60);
    expect(p.batchSizes).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 4]);
    // reference: all validation trials in one forward pass
    const [batch] = [...ds.batches('m1', 'validation', { batchSize: 1000, shuffle: false })];
    const x = tf.tensor4d(batch!.inputs, batch!.inputShape as [number, number, number, number]);
    const y = enc.predict(x, 'm1');
    const ref = y.dataSync();
    for (let i = 0; i < ref.length; i++) expect(p.predictions[i]).toBeCloseTo(ref[i]!, 5);
    expect(Array.from(p.targets)).toEqual(Array.from(batch!.targets));
    expect(Array.from(p.imageIds)).toEqual(Array.from(batch!.imageIds));
    tf.dispose([x, y]);
    enc.dispose();
  });

  it('test scores: single-trial over all repeats and repeat-averaged over images', () => {
    const ds = createSyntheticDataset({ seed: 42, sessions: [{ key: 's', nNeurons: 2, nTrain: 40, nVal: 30 }], repeats: 3, nTest: 5 });
    const enc = fakeEncoder(ds, 2);
    const s = scoreSession(enc, ds, 's');
    const p = predictSplit(enc, ds, 's', 'test');
    expect(p.batchSizes).toEqual([3, 3, 3, 3, 3]);
    const groups = groupByImage(p);
    expect(groups.length).toBe(5);
    for (let j = 0; j < 2; j++) {
      const col = (a: ArrayLike<number>) => Array.from({ length: a.length / 2 }, (_, i) => a[i * 2 + j]!);
      expect(s.test[j]).toBeCloseTo(pearson(col(p.predictions), col(p.targets)), 5);
      const avgT: number[] = [],
        avgP: number[] = [];
      for (let img = 0; img < 5; img++) {
        avgT.push([0, 1, 2].reduce((a, r) => a + p.targets[(img * 3 + r) * 2 + j]!, 0) / 3);
        avgP.push([0, 1, 2].reduce((a, r) => a + p.predictions[(img * 3 + r) * 2 + j]!, 0) / 3);
      }
      expect(s.testAveraged[j]).toBeCloseTo(pearson(avgP, avgT), 5);
    }
    // FEV / FEVe / oracle of the same groups, through the table functions
    expect(s.fev).not.toBeNull();
    for (let j = 0; j < 2; j++) {
      const all = Array.from({ length: 15 }, (_, r) => p.targets[r * 2 + j]!);
      const m = all.reduce((a, b) => a + b, 0) / 15;
      const total = all.reduce((a, b) => a + (b - m) ** 2, 0) / 14;
      let noise = 0,
        mse = 0;
      for (let img = 0; img < 5; img++) {
        const rs = [0, 1, 2].map((r) => p.targets[(img * 3 + r) * 2 + j]!);
        const gm = rs.reduce((a, b) => a + b, 0) / 3;
        noise += rs.reduce((a, b) => a + (b - gm) ** 2, 0) / 2 / 5;
        mse += [0, 1, 2].reduce((a, r) => a + (p.targets[(img * 3 + r) * 2 + j]! - p.predictions[(img * 3 + r) * 2 + j]!) ** 2, 0) / 15;
      }
      expect(s.fev![j]).toBeCloseTo((total - noise) / total, 8);
      expect(s.feve![j]).toBeCloseTo(1 - (mse - noise) / (total - noise), 5);
    }
    expect(s.oracle!.length).toBe(2);
    const v = predictSplit(enc, ds, 's', 'validation');
    expect(Array.from(s.validation)).toEqual(Array.from(correlation(v.predictions, v.targets, 2)));
    expect(Array.from(splitCorrelation(enc, ds, 's', 'validation'))).toEqual(Array.from(s.validation));
    expect(validationScore(enc, ds)).toBeCloseTo((s.validation[0]! + s.validation[1]!) / 2, 12);
    enc.dispose();
  });

  it('an empty split is a data error', () => {
    const ds = createSyntheticDataset({ seed: 43, sessions: [{ key: 's', nNeurons: 1, nTrain: 10, nVal: 0 }] });
    const enc = fakeEncoder(ds, 3);
    expect(() => predictSplit(enc, ds, 's', 'validation')).toThrow(SalDataError);
    enc.dispose();
  });
});

describe('loss scaling', () => {
  it('scaleLoss multiplies each batch Poisson loss by sqrt(nTrain/B)', async () => {
    // one session, 160 training trials in batches of 40 → factor 2; a vanishing LR keeps the weights fixed
    const ds = createSyntheticDataset({ seed: 44, sessions: [{ key: 's', nNeurons: 2, nTrain: 160, nVal: 20 }] });
    const run = async (scaleLoss: boolean) => {
      const enc = fakeEncoder(ds, 4, 0);
      const r = await trainEncoder(enc, ds, { lr: 1e-30, maxEpochs: 1, batchSize: 40, scaleLoss, quiet: true });
      const reg = tf.tidy(() => enc.regularizer('s').dataSync()[0]!);
      enc.dispose();
      return { loss: r.history[1]!.loss!, reg };
    };
    const on = await run(true),
      off = await run(false);
    expect(on.reg).toBeCloseTo(off.reg, 6);
    expect(on.loss - on.reg).toBeCloseTo(2 * (off.loss - off.reg), 2);
  });
});
