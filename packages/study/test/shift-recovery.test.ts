import { describe, expect, it } from 'vitest';
import { formatOverSeeds, formatStat, leastSquaresSlope, mannWhitneyAuc, overSeeds, recoveryOverSeeds, shiftRecovery } from '../src/shift-recovery.js';

describe('leastSquaresSlope and mannWhitneyAuc', () => {
  it('match hand-computed values', () => {
    // x̄ = 2, ȳ = 13/3: Sxy = (−1)(−7/3) + 0 + (1)(8/3) = 5, Sxx = 2 → 2.5
    expect(leastSquaresSlope([1, 2, 3], [2, 4, 7])).toBeCloseTo(2.5, 12);
    expect(leastSquaresSlope([1, 1, 1], [2, 4, 7])).toBeNaN();
    expect(leastSquaresSlope([1], [2])).toBeNaN();
    expect(() => leastSquaresSlope([1, 2], [1])).toThrow(RangeError);
    // pairs (3,1) 1, (3,3) ½, (3,4) 0, (5,·) 3 → 4.5 / 6
    expect(mannWhitneyAuc([3, 5], [1, 3, 4])).toBe(0.75);
    expect(mannWhitneyAuc([3, 5], [1, 2])).toBe(1);
    expect(mannWhitneyAuc([0], [1, 2])).toBe(0);
    expect(mannWhitneyAuc([], [1])).toBeNaN();
    expect(mannWhitneyAuc([1], [])).toBeNaN();
  });
});

describe('shiftRecovery', () => {
  it('keeps the within-shifter correlation, the separation and the magnitude apart (hand-computed)', () => {
    // shifters: true 2, 4, 6 and learned 1, 1.5, 0.5; fixed: true 0, learned 0.2, 1.2; one neuron without a value.
    // within shifters: dx = (−2, 0, 2), dy = (0, 0.5, −0.5): Sxy = −1, Sxx = 8, Syy = 0.5 → r = −1/√4 = −0.5, slope −1/8.
    // AUC: 1 beats 0.2 not 1.2 (1), 1.5 beats both (2), 0.5 beats 0.2 (1) → 4/6. Fraction: mean 1 / mean 4 = 0.25.
    const r = shiftRecovery([2, 4, 6, 0, 0, 3], [1, 1.5, 0.5, 0.2, 1.2, Number.NaN], [true, true, true, false, false, true]);
    expect(r.shifters).toBe(3);
    expect(r.fixed).toBe(2);
    expect(r.withinShiftersR).toBeCloseTo(-0.5, 12);
    expect(r.withinShiftersSlope).toBeCloseTo(-0.125, 12);
    expect(r.auc).toBeCloseTo(4 / 6, 12);
    expect(r.recoveredFraction).toBeCloseTo(0.25, 12);
    expect(r.learnedShiftersMean).toBeCloseTo(1, 12);
    expect(r.learnedFixedMean).toBeCloseTo(0.7, 12);
    expect(r.trueShiftersMean).toBeCloseTo(4, 12);
    expect(r.aucMagnitude).toBeNaN();
    // by the length of the learned shift instead: shifters 3, 1, 2 vs fixed 2, 0.5 → (2 + 1 + 1.5) / 6 = 0.75
    const m = shiftRecovery([2, 4, 6, 0, 0, 3], [1, 1.5, 0.5, 0.2, 1.2, Number.NaN], [true, true, true, false, false, true], [3, 1, 2, 2, 0.5, 9]);
    expect(m.aucMagnitude).toBeCloseTo(0.75, 12);
    expect(m.auc).toBeCloseTo(4 / 6, 12);
    expect(() => shiftRecovery([1], [1], [true], [1, 2])).toThrow(RangeError);
  });

  it('two clusters give a high pooled r but nothing within the shifters', () => {
    // learned: shifters ≈ 2 whatever their true shift, fixed ≈ 0: the groups separate perfectly (AUC 1),
    // but within the shifters learned and true are unrelated (dy = 0.1·(1, −1, −1, 1) against dx = (−3, −1, 1, 3): Sxy = 0.1·(−3 + 1 − 1 + 3) = 0)
    const truth = [2, 4, 6, 8, 0, 0, 0, 0];
    const learned = [2.1, 1.9, 1.9, 2.1, 0.1, -0.1, 0, 0.05];
    const shifts = truth.map((t) => t > 0);
    const r = shiftRecovery(truth, learned, shifts);
    expect(r.auc).toBe(1);
    expect(r.withinShiftersR).toBeCloseTo(0, 12);
    expect(r.withinShiftersSlope).toBeCloseTo(0, 12);
    expect(r.recoveredFraction).toBeCloseTo(2 / 5, 12);
  });

  it('is undefined (NaN), never 0, where a statistic is undefined', () => {
    // the control population: nobody shifts, the truth is constant 0
    const ctl = shiftRecovery([0, 0, 0], [0.1, 0.3, -0.2], [false, false, false]);
    expect(ctl.shifters).toBe(0);
    for (const k of ['withinShiftersR', 'withinShiftersSlope', 'auc', 'recoveredFraction', 'learnedShiftersMean', 'trueShiftersMean'] as const)
      expect(ctl[k]).toBeNaN();
    expect(ctl.learnedFixedMean).toBeCloseTo(0.2 / 3, 12);
    // one shifter: no correlation or slope, but a separation and a fraction
    const one = shiftRecovery([4, 0], [1, 0], [true, false]);
    expect(one.withinShiftersR).toBeNaN();
    expect(one.withinShiftersSlope).toBeNaN();
    expect(one.auc).toBe(1);
    expect(one.recoveredFraction).toBe(0.25);
    // constant truth among the shifters: r and slope undefined
    const flat = shiftRecovery([3, 3, 3], [1, 2, 3], [true, true, true]);
    expect(flat.withinShiftersR).toBeNaN();
    expect(flat.withinShiftersSlope).toBeNaN();
    expect(flat.auc).toBeNaN();
    expect(flat.recoveredFraction).toBeCloseTo(2 / 3, 12);
    expect(() => shiftRecovery([1], [1, 2], [true])).toThrow(RangeError);
  });
});

describe('over seeds', () => {
  it('mean and sample sd of the finite per-seed values', () => {
    // 0.9 and 0.7: mean 0.8, sd √((0.01 + 0.01) / 1)
    const s = overSeeds([0.9, Number.NaN, 0.7]);
    expect(s.mean).toBeCloseTo(0.8, 12);
    expect(s.sd).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(s.n).toBe(2);
    expect(s.values).toEqual([0.9, Number.NaN, 0.7]);
    expect(overSeeds([0.5]).sd).toBeNaN();
    expect(overSeeds([Number.NaN]).n).toBe(0);
    expect(formatOverSeeds(s)).toBe('0.800 ± 0.141 (mean ± sd over 2 seeds)');
    expect(formatOverSeeds(overSeeds([0.35]), 0, 100, ' %')).toBe('35 % (1 seed)');
    expect(formatOverSeeds(overSeeds([Number.NaN, Number.NaN]))).toBe('undefined');
    expect(formatStat(Number.NaN)).toBe('undefined');
    expect(formatStat(null)).toBe('undefined');
    expect(formatStat(-0.1)).toBe('-0.100');
  });

  it('summarises each statistic of several models over their seeds', () => {
    const a = shiftRecovery([2, 4, 6, 0, 0], [1, 1.5, 0.5, 0.2, 1.2], [true, true, true, false, false]);
    const b = shiftRecovery([2, 4, 6, 0, 0], [2, 4, 6, 0, 0], [true, true, true, false, false]);
    const o = recoveryOverSeeds([a, b]);
    expect(o.auc.mean).toBeCloseTo((4 / 6 + 1) / 2, 12);
    expect(o.withinShiftersR.mean).toBeCloseTo((-0.5 + 1) / 2, 12);
    expect(o.withinShiftersR.sd).toBeCloseTo(Math.sqrt(2 * 0.75 ** 2), 12);
    expect(o.recoveredFraction.values).toEqual([0.25, 1]);
    expect(o.withinShiftersSlope.n).toBe(2);
  });
});
