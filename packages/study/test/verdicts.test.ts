import { describe, expect, it } from 'vitest';
import { compareOverSeeds, comparisonEvidence, comparisonVerdicts, modelKey, outcome, type SeedComparison } from '../src/verdicts.js';
import { pairedComparison } from '../src/stats.js';

const N = 12;
const crop = 'crop 64×64';
/** Per-neuron scores `base + step·i` for every neuron i. */
const line = (base: number, step = 0.01): number[] => Array.from({ length: N }, (_, i) => base + step * i);

/** Scores of two variants over the given seeds; `shifterBy[k]` is how far seed k's shifter is above `images`. */
function scores(pop: 'shift' | 'noShift', shifterBy: number[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  shifterBy.forEach((d, k) => {
    m.set(modelKey(pop, 'images', crop, 2 + k), line(0.4 + 0.01 * k));
    m.set(modelKey(pop, 'shifter-saliency', crop, 2 + k), line(0.4 + 0.01 * k + d));
  });
  return m;
}

describe('compareOverSeeds', () => {
  it('tests over neurons on the seed-averaged correlations and gives each seed its own mean difference', () => {
    const m = scores('shift', [0.03, -0.01, 0.04]);
    // one neuron's shifter score moved, so the test has something to permute
    (m.get(modelKey('shift', 'shifter-saliency', crop, 3)) as number[])[5] = 0.7;
    const c = compareOverSeeds(m, 'shift', 'shifter-saliency', 'images', crop, [2, 3, 4], 7)!;
    // averages by hand: images 0.41 + 0.01 i; shifter 0.41 + 0.02 + 0.01 i, except neuron 5 (seed 3 at 0.7 instead of 0.45)
    const a = line(0.43);
    a[5] = (0.48 + 0.7 + 0.51) / 3;
    expect(c.meanDiff).toBeCloseTo(pairedComparison(a, line(0.41), 9999, 7).meanDiff, 12);
    expect(c.pValue).toBe(pairedComparison(a, line(0.41), 9999, 7).pValue);
    expect(c.n).toBe(N);
    expect(c.seedDeltas[0]).toBeCloseTo(0.03, 12);
    expect(c.seedDeltas[1]).toBeCloseTo(-0.01 + (0.7 - 0.45) / N, 12);
    expect(c.seedDeltas[2]).toBeCloseTo(0.04, 12);
  });

  it('is undefined when a seed of either variant is missing, and refuses models of different sizes', () => {
    const m = scores('shift', [0.03, 0.02]);
    expect(compareOverSeeds(m, 'shift', 'shifter-saliency', 'images', crop, [2, 3, 4], 0)).toBeUndefined();
    expect(compareOverSeeds(m, 'noShift', 'shifter-saliency', 'images', crop, [2], 0)).toBeUndefined();
    m.set(modelKey('shift', 'images', crop, 3), line(0.4).slice(1));
    expect(() => compareOverSeeds(m, 'shift', 'shifter-saliency', 'images', crop, [2, 3], 0)).toThrow(RangeError);
  });

  it('with one seed equals the plain paired comparison', () => {
    const m = scores('noShift', [0.02]);
    const c = compareOverSeeds(m, 'noShift', 'shifter-saliency', 'images', crop, [2], 3)!;
    const plain = pairedComparison(m.get(modelKey('noShift', 'shifter-saliency', crop, 2))!, m.get(modelKey('noShift', 'images', crop, 2))!, 9999, 3);
    expect({ ...c, seedDeltas: undefined }).toEqual({ ...plain, seedDeltas: undefined });
    expect(c.seedDeltas).toHaveLength(1);
  });
});

describe('verdicts', () => {
  const cmp = (meanDiff: number, pValue: number, seedDeltas: number[]): SeedComparison => ({ meanDiff, pValue, fractionBetter: 0.75, n: 32, seedDeltas });

  it('says yes only when the neurons agree and every seed agrees', () => {
    expect(outcome(cmp(0.03, 0.001, [0.02, 0.04, 0.03]))).toBe('better');
    expect(outcome(cmp(0.03, 0.001, [0.08, -0.01, 0.02]))).toBe('seeds disagree');
    expect(outcome(cmp(0.03, 0.2, [0.02, 0.04, 0.03]))).toBe('not better');
    expect(outcome(cmp(-0.03, 0.001, [-0.02, -0.04]))).toBe('not better');
    expect(outcome(cmp(0.03, 0.001, [0.03]))).toBe('better');
  });

  it('reads the control comparison and lists the per-seed differences as evidence', () => {
    const c = {
      'shift: shifter-saliency − images': cmp(0.045, 0.004, [0.05, 0.03, 0.055]),
      'noShift: shifter-saliency − images': cmp(0.02, 0.003, [0.04, -0.005, 0.025]),
    };
    const v = comparisonVerdicts(c, {});
    expect(v.map((x) => x.verdict)).toEqual(['yes', 'not settled: the seeds disagree']);
    expect(v[1]!.evidence).toContain('averaged over 3 seeds');
    expect(v[1]!.evidence).toContain('per seed: Δ = +0.040, -0.005, +0.025');
    const one = comparisonVerdicts({ 'noShift: shifter-saliency − images': cmp(0.02, 0.003, [0.02]) }, {});
    expect(one[0]!.verdict).toBe('yes (unexpected)');
    expect(one[0]!.evidence).not.toContain('per seed');
    expect(comparisonEvidence(cmp(0.02, 0.0004, [0.02]), cmp(0.01, 0.2, [0.01]))).toBe(
      'repeat-averaged test r: Δ = +0.020 over 32 neurons, 75% improved, sign-flip p < 0.001; single-trial: Δ = +0.010, p = 0.200; one model seed per variant (p over neurons, not over training runs)');
  });
});
