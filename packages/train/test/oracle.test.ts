// correlation() works in float32-exact sums with a tiny eps, so correlations match to ~1e-8 (precision 7)
import { describe, expect, it } from 'vitest';
import { SalConfigError, SalDataError } from '@sal/types';
import { conservativeOracle, fractionOfOracle, oracleCorrelation, oracleScores, selectNeurons, signalToNoise } from '../src/index.js';

// one neuron, two images, two repeats: image A → 1, 3; image B → 4, 6
const groups = [
  { targets: [1, 3], predictions: [2, 2] },
  { targets: [4, 6], predictions: [4, 5] },
];

describe('oracle scores against hand-computed cases', () => {
  it('jackknife oracle: trials 1,3,4,6 against leave-one-out means 3,1,6,4 → r = 5/13', () => {
    expect(oracleCorrelation(groups, 1)[0]).toBeCloseTo(5 / 13, 7);
  });
  it('conservative oracle: varNoise 1, varMean 2.25 → 2.25 / sqrt(2.25 · 3.25)', () => {
    expect(conservativeOracle(groups, 1)[0]).toBeCloseTo(Math.sqrt(2.25 / 3.25), 12);
  });
  it('SNR without Anscombe: means 2, 5 → signal 2.25; ddof-1 variances 2, 2 → 1.125', () => {
    expect(signalToNoise(groups, 1, { anscombe: false })[0]).toBeCloseTo(1.125, 12);
  });
  it('SNR with Anscombe (2·sqrt(x + 3/8)), worked by hand to 6 digits', () => {
    // a(1)=2.345208, a(3)=3.674235, a(4)=4.183300, a(6)=5.049752; means 3.009722, 4.616526 → signal 0.645455;
    // variances 0.883157, 0.375370 → noise 0.629264; snr 1.025731
    expect(signalToNoise(groups, 1)[0]).toBeCloseTo(1.025731, 5);
  });
  it('fraction of oracle is the slope through the origin: (0.2·0.5 + 0.4·0.8) / (0.5² + 0.8²)', () => {
    expect(fractionOfOracle([0.2, 0.4, Number.NaN], [0.5, 0.8, 0.9])).toBeCloseTo(0.42 / 0.89, 12);
    expect(fractionOfOracle([0.3], [Number.NaN])).toBeNaN();
  });
  it('oracleScores: a model as good as the leave-one-out mean has fraction 1 per neuron', () => {
    // predictions equal to the leave-one-out means make the single-trial correlation equal the jackknife oracle
    const g = [
      { targets: [1, 3], predictions: [3, 1] },
      { targets: [4, 6], predictions: [6, 4] },
    ];
    const s = oracleScores(g, 1);
    expect(s.oracle[0]).toBeCloseTo(5 / 13, 7);
    expect(s.testCorrelation[0]).toBeCloseTo(5 / 13, 7);
    expect(s.fractionOfOracle).toBeCloseTo(1, 7);
    expect(s.perNeuron[0]).toBeCloseTo(1, 7);
    // the given predictions: trials 1,3,4,6 vs 2,2,4,5 (mean 3.25): cov 8.5, sums of squares 13 and 6.75
    expect(oracleScores(groups, 1, { oracle: 'conservative' }).testCorrelation[0]).toBeCloseTo(8.5 / Math.sqrt(13 * 6.75), 7);
    expect(() => oracleScores(groups, 1, { oracle: 'x' as never })).toThrow(SalConfigError);
  });
  it('two neurons are scored independently (row-major [repeats, N])', () => {
    const g2 = [{ targets: [1, 10, 3, 10] }, { targets: [4, 0, 6, 2] }];
    const c = conservativeOracle(g2, 2);
    expect(c[0]).toBeCloseTo(Math.sqrt(2.25 / 3.25), 12);
    // neuron 2: A 10,10 (var 0), B 0,2 (var 1) → varNoise 0.5; means 10, 1 → varMean 20.25
    expect(c[1]).toBeCloseTo(20.25 / Math.sqrt(20.25 * 20.75), 12);
  });
  it('selectNeurons keeps neurons passing every threshold; NaN fails', () => {
    expect(Array.from(selectNeurons({ oracle: [0.5, 0.1, Number.NaN, 0.4], snr: [1, 1, 1, 0.01] }, { minOracle: 0.3, minSnr: 0.1 }))).toEqual([0]);
    expect(Array.from(selectNeurons({ snr: [0.2, 0.05] }, { minSnr: 0.1 }))).toEqual([0]);
    expect(() => selectNeurons({ snr: [1] }, { minOracle: 0.2 })).toThrow(SalConfigError);
  });
  it('refuses single repeats and a single image with SalDataError', () => {
    expect(() => conservativeOracle([{ targets: [1] }, { targets: [2, 3] }], 1)).toThrow(SalDataError);
    expect(() => signalToNoise([{ targets: [1, 2] }], 1)).toThrow(SalDataError);
    expect(() => signalToNoise([{ targets: [-1, 2] }, { targets: [1, 2] }], 1)).toThrow(/Anscombe/);
  });
});
