import { describe, expect, it } from 'vitest';
import {
  SPREAD_REFERENCE,
  compareOverSeeds,
  comparisonEvidence,
  comparisonVerdicts,
  seedAgreement,
  seedSpread,
  grfSpecificityVerdict,
  grfVsControlVerdicts,
  modelKey,
  modelShiftVerdict,
  outcome,
  studyVerdicts,
  type SeedComparison,
} from '../src/verdicts.js';
import type { GrfSummary, GrfVsControl, ModelShiftSummary } from '../src/results.js';
import { pairedComparison } from '../src/stats.js';
import { recoveryOverSeeds, type ShiftRecovery } from '../src/shift-recovery.js';
import { seedOutcomes, seedStability, subsetsOf } from '../src/comparisons.js';

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
    expect({ ...c, seedDeltas: undefined, seedPValues: undefined }).toEqual({ ...plain, seedDeltas: undefined });
    expect(c.seedDeltas).toHaveLength(1);
    expect(c.seedPValues).toEqual([plain.pValue]);
  });

  it('tests each seed alone: exact sign-flip p-values of hand-made cases', () => {
    const m = new Map<string, number[]>();
    // seed 2: four neurons each +0.1 → only the all-plus and all-minus flips reach |Σ|: exact two-sided p = 2/16
    m.set(modelKey('shift', 'images', crop, 2), [0.3, 0.4, 0.5, 0.6]);
    m.set(modelKey('shift', 'shifter-saliency', crop, 2), [0.4, 0.5, 0.6, 0.7]);
    // seed 3: +0.1, −0.1, +0.1, −0.1 → Σ = 0, every flip is as extreme: p = 1
    m.set(modelKey('shift', 'images', crop, 3), [0.3, 0.4, 0.5, 0.6]);
    m.set(modelKey('shift', 'shifter-saliency', crop, 3), [0.4, 0.3, 0.6, 0.5]);
    const c = compareOverSeeds(m, 'shift', 'shifter-saliency', 'images', crop, [2, 3], 11)!;
    // 9999 random flips estimate 0.125 with sd √(0.125 · 0.875 / 9999) = 0.0033
    expect(Math.abs(c.seedPValues![0]! - 0.125)).toBeLessThan(0.015);
    expect(c.seedPValues![1]).toBe(1);
    expect(seedOutcomes(c)).toEqual(['not better', 'not better']);
    expect(seedOutcomes({ ...c, seedPValues: [0.01, 0.01], seedDeltas: [0.1, -0.1] })).toEqual(['better', 'not better']);
    expect(seedOutcomes({ ...c, seedPValues: undefined })).toEqual([]);
    // without the per-seed tests (the seed-stability subsets): the same pooled comparison, no seedPValues
    const pooled = compareOverSeeds(m, 'shift', 'shifter-saliency', 'images', crop, [2, 3], 11, { seedTests: false })!;
    expect(pooled).toEqual({ ...c, seedPValues: undefined });
    expect('seedPValues' in pooled).toBe(false);
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
    expect(v.map((x) => x.verdict)).toEqual(['yes (3 seeds: Δ > 0 on all 3)', 'not settled: the seeds disagree (3 seeds: Δ > 0 on 2 of 3)']);
    expect(v[1]!.evidence).toContain('averaged over 3 seeds');
    expect(v[1]!.evidence).toContain('per seed: Δ = +0.040, -0.005, +0.025');
    const one = comparisonVerdicts({ 'noShift: shifter-saliency − images': cmp(0.02, 0.003, [0.02]) }, {});
    expect(one[0]!.verdict).toBe('yes (unexpected) (1 model seed)');
    expect(one[0]!.evidence).not.toContain('per seed');
    expect(comparisonEvidence(cmp(0.02, 0.0004, [0.02]), cmp(0.01, 0.2, [0.01]))).toBe(
      'repeat-averaged test r: Δ = +0.020 over 32 neurons, 75% improved, sign-flip p < 0.001; single-trial: Δ = +0.010, p = 0.200; one model seed per variant (p over neurons, not over training runs)',
    );
  });
});

describe('the comparison verdicts on the saliency inputs', () => {
  const cmp = (meanDiff: number, pValue: number, seedDeltas: number[], fractionBetter = 0.5): SeedComparison => ({
    meanDiff,
    pValue,
    fractionBetter,
    n: 20,
    seedDeltas,
  });

  it('answer the channel and remapper-input questions in order, leaving out comparisons not run', () => {
    const c = {
      'shift: images+saliency − images': cmp(-0.143, 0.0002, [-0.143]),
      'shift: shifter-saliency − shifter-ones': cmp(0.059, 0.002, [0.059], 0.69),
      'shift: shifter-saliency − shifter-image': cmp(0.084, 0.06, [0.084]),
    };
    const v = comparisonVerdicts(c, {});
    expect(v.map((x) => x.question)).toEqual([
      'Does feeding the saliency map to the core as an extra channel help?',
      'Does the shifter predict better with saliency than with a tensor of ones as the remapper input?',
      'Does the shifter predict better with saliency than with the raw image as the remapper input?',
    ]);
    // negative and significant: no; positive, p = 0.002: yes; positive, p = 0.06 ≥ 0.05: no
    expect(v.map((x) => x.verdict)).toEqual(['no (1 model seed)', 'yes (1 model seed)', 'no (1 model seed)']);
    expect(v[1]!.evidence).toBe(
      'repeat-averaged test r: Δ = +0.059 over 20 neurons, 69% improved, sign-flip p = 0.002; one model seed per variant (p over neurons, not over training runs); the seed spread is unknown (no comparison with several seeds)',
    );
    expect(comparisonVerdicts({}, {})).toEqual([]);
  });
});

describe('seeds in the comparison verdicts', () => {
  const cmp = (meanDiff: number, pValue: number, seedDeltas: number[]): SeedComparison => ({ meanDiff, pValue, fractionBetter: 0.6, n: 32, seedDeltas });
  // the shifter − images seeds: mean 0.008/3, deviations 0.04233, 0.02233, −0.06467 → Σ² 0.0064727, sd √(Σ²/2) = 0.05689
  const main = cmp(0.0027, 0.6, [0.045, 0.025, -0.062]);

  it('measures the seed spread by hand and says on how many seeds each verdict rests', () => {
    expect(seedSpread({ [SPREAD_REFERENCE]: main }, SPREAD_REFERENCE)!.sd).toBeCloseTo(0.0568889, 6);
    expect(seedSpread({ [SPREAD_REFERENCE]: cmp(0.1, 0.01, [0.1]) }, SPREAD_REFERENCE)).toBeNull();
    expect(seedAgreement(cmp(0.01, 0.5, [0.02]))).toBe('1 model seed');
    expect(seedAgreement(cmp(0.01, 0.5, [0.02, 0.01, 0.03]))).toBe('3 seeds: Δ > 0 on all 3');
    expect(seedAgreement(cmp(-0.01, 0.5, [-0.02, 0, -0.03]))).toBe('3 seeds: Δ > 0 on none');
    expect(seedAgreement(main)).toBe('3 seeds: Δ > 0 on 2 of 3');
    // with each seed's own p-value: the control case of the demo (every seed gains a little, one alone significant)
    const control = { ...cmp(0.013, 0.053, [0.022, 0.008, 0.009]), seedPValues: [0.01, 0.3, 0.2] };
    expect(seedAgreement(control)).toBe('3 seeds: Δ > 0 on all 3, significant alone on 1');
    const v = comparisonVerdicts({ 'noShift: shifter-saliency − images': control }, {});
    expect(v[0]!.verdict).toBe('no, as it should not (3 seeds: Δ > 0 on all 3, significant alone on 1)');
    expect(v[0]!.evidence).toContain('per seed: Δ = +0.022 (p = 0.010), +0.008 (p = 0.300), +0.009 (p = 0.200)');
  });

  it('a one-seed "yes" inside the seed spread is not settled, and a "no" never speaks of the shifter’s gain', () => {
    // saliency vs ones: Δ +0.059 on one seed, p = 0.002; |Δ| < 2 · 0.0569 = 0.114: inside the spread
    const inside = comparisonVerdicts({ [SPREAD_REFERENCE]: main, 'shift: shifter-saliency − shifter-ones': cmp(0.059, 0.002, [0.059]) }, {});
    expect(inside.map((x) => x.verdict)).toEqual(['no (3 seeds: Δ > 0 on 2 of 3)', 'not settled: Δ is inside the seed spread (1 model seed)']);
    expect(inside[1]!.evidence).toBe(
      'repeat-averaged test r: Δ = +0.059 over 32 neurons, 60% improved, sign-flip p = 0.002; one model seed per variant (p over neurons, not over training runs); the per-seed Δ of shift: shifter-saliency − images varies with sd 0.057 over 3 seeds: this one-seed Δ is inside ±2 sd',
    );
    // Δ +0.150 > 0.114: outside, so the significant one-seed result stands (and still says it rests on one seed)
    const outside = comparisonVerdicts({ [SPREAD_REFERENCE]: main, 'shift: shifter-saliency − shifter-ones': cmp(0.15, 0.002, [0.15]) }, {});
    expect(outside[1]!.verdict).toBe('yes (1 model seed)');
    expect(outside[1]!.evidence).toMatch(/this one-seed Δ is outside ±2 sd$/);
    const no = comparisonVerdicts({ 'shift: shifter-saliency − shifter-ones': cmp(-0.01, 0.4, [-0.01]) }, {});
    expect(no[0]!.verdict).toBe('no (1 model seed)');
    expect(`${no[0]!.question} ${no[0]!.verdict}`).not.toMatch(/gain/);
  });
});

describe('the gRF verdicts', () => {
  const detection = (fp: number) => ({ truePositives: 3, falsePositives: fp, shifters: 16, nonShifters: 16 });

  it('the centre-of-mass test is specific only when it is silent in the control population', () => {
    const fires: GrfSummary = {
      'shift / images': { population: 'shift', variant: 'images', statistic: 2, pValue: 0.001, detection: detection(1) },
      'noShift / images': { population: 'noShift', variant: 'images', statistic: 0.4321, pValue: 0.0004, detection: detection(29) },
    };
    expect(grfSpecificityVerdict(fires)).toEqual({
      question: 'Is the gRF centre-of-mass test for RF shifts specific (silent in the control population, where no RF shifts)?',
      verdict: 'no: it fires in the control population too',
      evidence:
        'control population, images model: mean projection 0.432 px toward the salient object, permutation p < 0.001, 29/16 neurons significant. The centre of mass of gRF² follows image contrast, which salient objects carry, so the test alone cannot tell a shifting RF from a fixed one.',
    });
    // without the image-only model it asks the shifter's gRFs; p = 0.31 ≥ 0.05: silent, so specific
    const silent: GrfSummary = {
      'noShift / shifter-saliency': { population: 'noShift', variant: 'shifter-saliency', statistic: -0.0125, pValue: 0.31, detection: detection(0) },
    };
    expect(grfSpecificityVerdict(silent)).toEqual({
      question: 'Is the gRF centre-of-mass test for RF shifts specific (silent in the control population, where no RF shifts)?',
      verdict: 'yes',
      evidence:
        'control population, shifter-saliency model: mean projection -0.013 px toward the salient object, permutation p = 0.310, 0/16 neurons significant.',
    });
    // exactly at the threshold the test counts as silent (p < 0.05 fires)
    expect(
      grfSpecificityVerdict({ 'noShift / images': { population: 'noShift', variant: 'images', statistic: 0, pValue: 0.05, detection: detection(0) } })!.verdict,
    ).toBe('yes');
    expect(grfSpecificityVerdict({ 'shift / images': fires['shift / images'] })).toBeNull();
  });

  it('against the control population: yes only for a significant positive difference of the true shifters', () => {
    const gc: GrfVsControl = {
      images: {
        shifters: { meanDiff: -0.0204, pValue: 0.22, fractionBetter: 0.4, n: 16 },
        others: { meanDiff: 0.0105, pValue: 0.5, fractionBetter: 0.5, n: 16 },
      },
      'shifter-saliency': {
        shifters: { meanDiff: 1.1849, pValue: 0.0001, fractionBetter: 0.9, n: 16 },
        others: { meanDiff: 0.2356, pValue: 0.0123, fractionBetter: 0.7, n: 16 },
      },
    };
    const v = grfVsControlVerdicts(gc);
    expect(v).toEqual([
      {
        question: 'Measured against the control population, do the gRF centres of shifting neurons (images model) move further toward salient objects?',
        verdict: 'no',
        evidence: 'true shifters: -0.020 px (p = 0.220, 16 neurons); other neurons: +0.011 px (p = 0.500)',
      },
      {
        question:
          'Measured against the control population, do the gRF centres of shifting neurons (shifter-saliency model) move further toward salient objects?',
        verdict: 'yes',
        evidence: 'true shifters: +1.185 px (p < 0.001, 16 neurons); other neurons: +0.236 px (p = 0.012)',
      },
    ]);
    // significant but negative: no
    expect(grfVsControlVerdicts({ images: { ...gc['images']!, shifters: { meanDiff: -0.5, pValue: 0.001, fractionBetter: 0.1, n: 16 } } })[0]!.verdict).toBe(
      'no',
    );
    expect(grfVsControlVerdicts({})).toEqual([]);
  });
});

describe('the learned-shift verdict', () => {
  const rec = (auc: number, withinShiftersR: number, recoveredFraction: number, shifters = 16): ShiftRecovery => ({
    shifters,
    fixed: 32 - shifters,
    auc,
    aucMagnitude: 0.75,
    withinShiftersR,
    withinShiftersSlope: 0.0412,
    recoveredFraction,
    learnedShiftersMean: 1.594,
    learnedFixedMean: 0.3849,
    trueShiftersMean: 4.5123,
  });
  const entry = (agreement: number, perSeed: ShiftRecovery[], othersMean = 0.3849) => ({
    agreement,
    shiftersMean: 1.594,
    othersMean,
    trueShiftersMean: 4.5123,
    seeds: perSeed.map((_, i) => 2 + i),
    recovery: perSeed,
    overSeeds: recoveryOverSeeds(perSeed),
  });
  const control = entry(Number.NaN, [rec(Number.NaN, Number.NaN, Number.NaN, 0)], 0.1266);

  it('separates "which neurons" (AUC) from "how much" (within-shifter r, recovered fraction); the pooled r is context only', () => {
    // the case: pooled r 0.75 from two clusters, within the shifters −0.10, 1.59 of 4.51 px (35 %)
    const ms: ModelShiftSummary = { shift: entry(0.7512, [rec(0.9, -0.1, 1.594 / 4.5123)]), noShift: control };
    expect(modelShiftVerdict(ms)).toEqual({
      question: 'Does the shifter model’s learned shift recover which neurons shift, and by how much?',
      verdict: 'which neurons: yes (AUC 0.90); how much: no (35 % of the magnitude; within shifters r = -0.10 (undefined in the control)); 1 model seed',
      evidence:
        '16 true shifters, 16 fixed neurons; AUC of separating them by the learned shift toward the salient object 0.900 (1 seed)' +
        ' (by the length of the learned shift in any direction: 0.750 (1 seed)); within the true shifters: r = -0.100 (1 seed), least-squares slope 0.041 (1 seed) px per px; ' +
        'recovered fraction (mean learned / mean true shift over the true shifters) 35 % (1 seed): learned 1.59 px vs true 4.51 px, fixed neurons 0.38 px (first seed); ' +
        'correlation over all neurons r = 0.751 (it measures the two groups, not the recovery; not used); ' +
        'control population (no RF shifts): AUC, within-shifter r, slope and recovered fraction undefined (no true shifters); learned 0.13 px for the fixed neurons',
    });
  });

  it('answers from the means over seeds and names the seed count; thresholds by hand', () => {
    // AUC (0.7 + 0.9) / 2 = 0.8 → yes; r (0.6 + 0.8) / 2 = 0.7 > 0.5 and fraction 0.9 in [0.75, 4/3] → yes
    const two = modelShiftVerdict({ shift: entry(0.9, [rec(0.7, 0.6, 0.8), rec(0.9, 0.8, 1.0)]) })!;
    expect(two.verdict).toBe('which neurons: yes (AUC 0.80); how much: yes (90 % of the magnitude; within shifters r = 0.70); mean over 2 model seeds');
    expect(two.evidence).toContain('AUC of separating them by the learned shift toward the salient object 0.800 ± 0.141 (mean ± sd over 2 seeds)');
    const v = (auc: number, r: number, f: number) =>
      modelShiftVerdict({ shift: entry(0.5, [rec(auc, r, f)]) })!
        .verdict.split(';')
        .slice(0, 2)
        .join(';');
    expect(v(0.79, 0.6, 0.5)).toBe('which neurons: partly (AUC 0.79); how much: partly (50 % of the magnitude');
    expect(v(0.59, 0.2, 2.1)).toBe('which neurons: no (AUC 0.59); how much: no (210 % of the magnitude');
    expect(v(0.6, 0.51, 1.4)).toBe('which neurons: partly (AUC 0.60); how much: partly (140 % of the magnitude');
    // a within-shifter r > 0.5 but learned shifts pointing away from the salient object on average: no
    expect(v(0.56, 0.55, -0.11)).toBe('which neurons: no (AUC 0.56); how much: no (-11 % of the magnitude');
    expect(v(0.56, 0.55, Number.NaN)).toBe('which neurons: no (AUC 0.56); how much: partly (recovered fraction undefined');
    // undefined statistics say so and are never printed as numbers
    const undef = modelShiftVerdict({ shift: entry(Number.NaN, [rec(Number.NaN, Number.NaN, Number.NaN, 0)]) })!;
    expect(undef.verdict).toBe(
      'which neurons: cannot tell (AUC undefined); how much: cannot tell (recovered fraction undefined; within shifters r = undefined); 1 model seed',
    );
    expect(undef.evidence).not.toMatch(/NaN/);
    expect(modelShiftVerdict({ noShift: control })).toBeNull();
    // results without the statistics (older runs) cannot answer
    expect(modelShiftVerdict({ shift: { agreement: 0.75, shiftersMean: 1, othersMean: 0, trueShiftersMean: 2 } })!.verdict).toBe(
      'cannot tell: no shift-recovery statistics in these results',
    );
  });
});

describe('studyVerdicts', () => {
  it('lists the comparison, gRF-specificity, gRF-vs-control and learned-shift verdicts in that order', () => {
    const c: SeedComparison = { meanDiff: 0.01, pValue: 0.5, fractionBetter: 0.5, n: 4, seedDeltas: [0.01] };
    const v = studyVerdicts(
      { 'shift: shifter-saliency − images': c },
      {},
      {
        'noShift / images': {
          population: 'noShift',
          variant: 'images',
          statistic: 0,
          pValue: 0.9,
          detection: { truePositives: 0, falsePositives: 0, shifters: 0, nonShifters: 4 },
        },
      },
      { images: { shifters: { meanDiff: 0, pValue: 1, fractionBetter: 0, n: 2 }, others: { meanDiff: 0, pValue: 1, fractionBetter: 0, n: 2 } } },
      { shift: { agreement: 0.3, shiftersMean: 0, othersMean: 0, trueShiftersMean: 0 } },
    );
    expect(v.map((x) => x.verdict)).toEqual(['no (1 model seed)', 'yes', 'no', 'cannot tell: no shift-recovery statistics in these results']);
    expect(v[0]!.question).toMatch(/^Does the saliency shifter predict better/);
    expect(v[1]!.question).toMatch(/^Is the gRF centre-of-mass test/);
    expect(v[2]!.question).toMatch(/^Measured against the control population/);
    expect(v[3]!.question).toMatch(/^Does the shifter model’s learned shift/);
  });
});

describe('seedStability', () => {
  it('enumerates subsets in order', () => {
    expect(subsetsOf([1, 2, 3, 4], 2)).toEqual([
      [1, 2],
      [1, 3],
      [1, 4],
      [2, 3],
      [2, 4],
      [3, 4],
    ]);
    expect(subsetsOf([1, 2], 3)).toEqual([]);
    expect(subsetsOf([5, 6, 7, 8, 9, 10, 11], 3)).toHaveLength(35);
  });

  it('counts the verdict of every 3-seed subset of 5 seeds (hand-counted)', () => {
    // every neuron of seed k improves by d[k], so a subset's averaged Δ is the mean of its three d's and the
    // sign-flip test is significant whenever that mean is positive (12 equal differences: p ≈ 2/4096).
    // Subsets without −0.075 (4): all positive → yes. With it, the other two sum to .05 .07 .08 .06 .07 .09
    // → means −.025 −.005 +.005 −.015 −.005 +.015: 2 positive with a disagreeing seed → not settled, 4 → no.
    const m = scores('shift', [0.03, 0.02, 0.04, -0.075, 0.05]);
    const st = seedStability(m, 'shift', 'shifter-saliency', 'images', crop, [2, 3, 4, 5, 6], 1)!;
    expect(st).toEqual({ seeds: 5, subsetSize: 3, minSeeds: 5, subsets: 10, yes: 4, notSettled: 2, no: 4 });
    // four seeds: not enough, and it says so
    expect(seedStability(m, 'shift', 'shifter-saliency', 'images', crop, [2, 3, 4, 5], 1)).toEqual({
      seeds: 4,
      subsetSize: 3,
      minSeeds: 5,
      note: 'needs ≥ 5 seeds',
    });
    // a missing model: no comparison at all
    expect(seedStability(m, 'shift', 'shifter-saliency', 'images', crop, [2, 3, 4, 5, 6, 7], 1)).toBeUndefined();
    expect(() => seedStability(m, 'shift', 'shifter-saliency', 'images', crop, [2, 3, 4, 5, 6], 1, { subsetSize: 6 })).toThrow(RangeError);
  });

  it('works for any seed count: 7 seeds, 35 subsets, all agreeing', () => {
    const m = scores('noShift', [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07]);
    const st = seedStability(m, 'noShift', 'shifter-saliency', 'images', crop, [2, 3, 4, 5, 6, 7, 8], 1)!;
    expect(st).toEqual({ seeds: 7, subsetSize: 3, minSeeds: 5, subsets: 35, yes: 35, notSettled: 0, no: 0 });
  });
});
