import { describe, expect, it } from 'vitest';
import { SalDataError, SalShapeError, createRng } from '@sal/types';
import { aucBorji, aucJudd, aucShuffled, aucUniform, cc, informationGain, kld, logLikelihoodGain, nss, rankAuc, sim } from '../src/index.js';

describe('metrics against hand-computed cases', () => {
  it('rank AUC counts ties as half', () => {
    expect(rankAuc([3], [1, 3, 5])).toBeCloseTo(1.5 / 3, 15);
    expect(rankAuc([2, 6], [1, 5])).toBeCloseTo(3 / 4, 15);
  });
  it('AUC-Judd: map [.1,.4,.3,.2]', () => {
    expect(aucJudd([0.1, 0.4, 0.3, 0.2], [1])).toBeCloseTo(1, 15);
    // fixation at .3: TPR 0 → 1 at FPR 1/3 (one of the other three pixels is above): area 1/6 + 2/3
    expect(aucJudd([0.1, 0.4, 0.3, 0.2], [2])).toBeCloseTo(5 / 6, 15);
    // pysaliency's uniform AUC counts the fixated pixel among the negatives: (2 below + ½ tie) / 4
    expect(aucUniform([0.1, 0.4, 0.3, 0.2], [2])).toBeCloseTo(0.625, 15);
    // ties: a constant map is at chance; [1,1,0,0] with a fixation on pixel 0 → TPR 1 at FPR 1/3
    expect(aucJudd([0.25, 0.25, 0.25, 0.25], [0])).toBeCloseTo(0.5, 15);
    expect(aucJudd([1, 1, 0, 0], [0])).toBeCloseTo(1 / 6 + 2 / 3, 15);
  });
  it("shuffled AUC against other images' fixation locations", () => {
    // this image's fixation at .3 against locations 0 (.1), 1 (.4), 1 (.4): 1 below of 3
    expect(aucShuffled([0.1, 0.4, 0.3, 0.2], [2], [0, 1, 1])).toBeCloseTo(1 / 3, 15);
  });
  it('AUC-Borji: a map peaked at the fixations scores ≈ 1, and on a random map it estimates the uniform AUC', () => {
    const map = new Float64Array(400);
    const fix = [10, 50, 222];
    for (const f of fix) map[f] = 1;
    expect(aucBorji(map, fix)).toBeGreaterThan(0.97);
    const rng = createRng(5);
    const rand = Float64Array.from({ length: 400 }, () => rng.next());
    const fx = Array.from({ length: 40 }, (_, i) => i * 9);
    expect(Math.abs(aucBorji(rand, fx, { splits: 200 }) - aucUniform(rand, fx))).toBeLessThan(0.03);
    expect(aucBorji(rand, fx, { seed: 3 })).toBe(aucBorji(rand, fx, { seed: 3 }));
  });
  it('NSS: map [1,2,3,4] (mean 2.5, sd √1.25), fixation on 4', () => {
    expect(nss([1, 2, 3, 4], [3])).toBeCloseTo(1.5 / Math.sqrt(1.25), 14);
    expect(nss([1, 2, 3, 4], [0, 3])).toBeCloseTo(0, 14);
    expect(nss(new Float64Array(7).fill(1 / 7), [2])).toBeNaN();
    expect(nss(new Float64Array(236 * 420).fill(1 / (236 * 420)), [2])).toBeNaN();
    expect(
      cc(
        new Float64Array(99).fill(1 / 99),
        Float64Array.from({ length: 99 }, (_, i) => i),
      ),
    ).toBeNaN();
  });
  it('CC: [1,2,3] vs [2,4,7] → 5 / √(2 · 38/3)', () => {
    expect(cc([1, 2, 3], [2, 4, 7])).toBeCloseTo(5 / Math.sqrt((2 * 38) / 3), 14);
  });
  it('KLD and SIM: p = [.5,.5], q = [.25,.75] (unnormalised inputs are normalised)', () => {
    expect(kld([1, 1], [1, 3])).toBeCloseTo(0.5 * Math.log(2) + 0.5 * Math.log(2 / 3), 12);
    expect(kld([1, 1], [1, 1])).toBeCloseTo(0, 12);
    expect(sim([1, 1], [1, 3])).toBeCloseTo(0.75, 14);
    expect(() => kld([Math.log(0.5), Math.log(0.5)], [1, 1])).toThrow(SalDataError);
  });
  it('information gain in bits: model [.5,.5] over baseline [.25,.75], fixations on both pixels', () => {
    expect(informationGain([Math.log(0.5), Math.log(0.5)], [Math.log(0.25), Math.log(0.75)], [0, 1])).toBeCloseTo((1 + Math.log2(2 / 3)) / 2, 14);
    // against the uniform density: log2(0.25 · 2) on pixel 0
    expect(logLikelihoodGain([Math.log(0.25), Math.log(0.75)], [0])).toBeCloseTo(-1, 14);
  });
  it('bad fixations and sizes get typed errors', () => {
    expect(() => nss([1, 2], [2])).toThrow(SalShapeError);
    expect(() => nss([1, 2], [])).toThrow(SalDataError);
    expect(() => cc([1, 2], [1])).toThrow(SalShapeError);
  });
});
