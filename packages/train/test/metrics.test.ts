import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalDataError, SalShapeError } from '@sal/types';
import { expectNoLeaks, onBackend } from '@sal/test-utils';
import { averagedCorrelation, correlation, fev, oracleCorrelation, poissonLoss, singleTrialCorrelation } from '../src/index.js';

describe('poissonLoss', () => {
  // per element ŷ − y·ln ŷ: 1 − 0, 2 − ln 2, 0.5 − 2·ln 0.5, 4 − 3·ln 4
  const hand = 1 + (2 - Math.log(2)) + (0.5 - 2 * Math.log(0.5)) + (4 - 3 * Math.log(4));

  it('sums ŷ − y·log(ŷ+eps) over batch and neurons, or averages', () => {
    const p = tf.tensor2d([
        [1, 2],
        [0.5, 4],
      ]),
      y = tf.tensor2d([
        [0, 1],
        [2, 3],
      ]);
    const s = expectNoLeaks(() => poissonLoss(p, y), 'poissonLoss');
    const m = poissonLoss(p, y, { reduction: 'mean' });
    expect(s.dataSync()[0]).toBeCloseTo(hand, 5);
    expect(hand).toBeCloseTo(4.034264097, 8);
    expect(m.dataSync()[0]).toBeCloseTo(hand / 4, 5);
    tf.dispose([p, y, s, m]);
  });

  it('gives the same value on the cpu backend', async () => {
    const vals = await onBackend('cpu', () =>
      tf.tidy(
        () =>
          poissonLoss(
            tf.tensor2d([
              [1, 2],
              [0.5, 4],
            ]),
            tf.tensor2d([
              [0, 1],
              [2, 3],
            ]),
          ).dataSync()[0]!,
      ),
    );
    expect(vals).toBeCloseTo(hand, 5);
  });

  it('is finite for a zero prediction with a zero target, and rejects bad input', () => {
    const p = tf.tensor2d([[0]]),
      y = tf.tensor2d([[0]]),
      y2 = tf.tensor2d([[1, 2]]);
    const s = poissonLoss(p, y);
    expect(s.dataSync()[0]).toBe(0);
    expect(() => poissonLoss(p, y2)).toThrow(SalShapeError);
    expect(() => poissonLoss(p, y, { reduction: 'max' as never })).toThrow(SalConfigError);
    expect(() => poissonLoss(p, y, { avg: true } as never)).toThrow(SalConfigError);
    tf.dispose([p, y, y2, s]);
  });
});

describe('correlation', () => {
  it('matches the hand value per column, ddof 0', () => {
    // columns: (1,2,3) vs (2,4,7): cov = 5/3, var = 2/3 and 114/27 → r = 15/√228; column 2 is anti-correlated
    const a = [1, 10, 2, 20, 3, 30],
      b = [2, 3, 4, 2, 7, 1];
    const r = correlation(a, b, 2);
    expect(r[0]).toBeCloseTo(15 / Math.sqrt(228), 6);
    expect(r[1]).toBeCloseTo(-1, 6);
  });

  it('a constant neuron scores 0, not NaN', () => {
    const r = correlation([1, 5, 2, 5, 3, 5], [1, 2, 2, 3, 3, 4], 2);
    expect(r[0]).toBeCloseTo(1, 6);
    expect(r[1]).toBe(0);
    expect(correlation([4, 4], [4, 4], 1)[0]).toBe(0);
  });

  it('rejects mismatched sizes', () => {
    expect(() => correlation([1, 2], [1], 1)).toThrow(SalShapeError);
    expect(() => correlation([1, 2, 3], [1, 2, 3], 2)).toThrow(SalShapeError);
  });
});

describe('repeat metrics', () => {
  it('FEV and FEVe on a tiny repeat table', () => {
    // neuron 0: image A [1,3], image B [4,6]; TotalVar = 13/3, NoiseVar = 2 → FEV = 7/13
    // neuron 1: A [0,2], B [2,4];  TotalVar = 8/3, NoiseVar = 2 → FEV = 1/4
    // predictions n0: A 2, B 5 → MSE 1 → FEVe = 1 − (1−2)/(7/3) = 10/7
    // predictions n1: constant 2 → MSE = (4+0+0+4)/4 = 2 → FEVe = 1 − 0 = 1
    const groups = [
      { targets: [1, 0, 3, 2], predictions: [2, 2, 2, 2] },
      { targets: [4, 2, 6, 4], predictions: [5, 2, 5, 2] },
    ];
    const r = fev(groups, 2);
    expect(r.totalVar[0]).toBeCloseTo(13 / 3, 10);
    expect(r.noiseVar[0]).toBeCloseTo(2, 10);
    expect(r.fev[0]).toBeCloseTo(7 / 13, 10);
    expect(r.fev[1]).toBeCloseTo(1 / 4, 10);
    expect(r.feve![0]).toBeCloseTo(10 / 7, 10);
    expect(r.feve![1]).toBeCloseTo(1, 10);
    expect(
      fev(
        groups.map((g) => ({ targets: g.targets })),
        2,
      ).feve,
    ).toBeNull();
  });

  it('oracle correlation is the leave-one-out correlation over repeats', () => {
    // A [1,2,6] → LOO means [4, 3.5, 1.5]; B [4,4,7] → [5.5, 5.5, 4]; Pearson of the 6 pairs (numpy: −0.2365249555)
    const r = oracleCorrelation([{ targets: [1, 2, 6] }, { targets: [4, 4, 7] }], 1);
    expect(r[0]).toBeCloseTo(-0.2365249555, 6);
  });

  it('single-trial vs repeat-averaged test correlation', () => {
    // 3 images × 2 repeats, one prediction per image (numpy: 0.7830553362 single-trial, 0.9041944175 averaged)
    const groups = [
      { targets: [1, 3], predictions: [1.5, 1.5] },
      { targets: [4, 6], predictions: [5, 5] },
      { targets: [2, 2], predictions: [3, 3] },
    ];
    expect(singleTrialCorrelation(groups, 1)[0]).toBeCloseTo(0.7830553362, 6);
    expect(averagedCorrelation(groups, 1)[0]).toBeCloseTo(0.9041944175, 6);
  });

  it('rejects tables without repeats or predictions', () => {
    expect(() => fev([{ targets: [1, 2] }], 2)).toThrow(SalDataError);
    expect(() => oracleCorrelation([], 1)).toThrow(SalDataError);
    expect(() => singleTrialCorrelation([{ targets: [1, 2] }], 1)).toThrow(SalDataError);
    expect(() => averagedCorrelation([{ targets: [1, 2], predictions: [1] }], 1)).toThrow(SalShapeError);
  });
});
