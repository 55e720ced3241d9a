/**
 * Every verdict of the study: the question, the answer and the numbers behind it, drawn from the comparisons
 * (see `comparisons.ts`), the gRF centre-of-mass test, the gRF centres against the control population, and the
 * shifter's learned shifts. A comparison verdict says "yes" only when the neurons' test is significant and every
 * model seed agrees on the sign.
 */
import { pClause, type Verdict } from '@sal/types';
import { outcome, type Outcome, type SeedComparison } from './comparisons.js';
import type { GrfSummary, GrfVsControl, ModelShiftSummary } from './results.js';
import { signed } from './stats.js';

export type { Verdict } from '@sal/types';
export { compareOverSeeds, outcome, type Outcome, type PerNeuronScores, type SeedComparison } from './comparisons.js';
export { modelKey } from './plan.js';


/** The evidence of a comparison: repeat-averaged (and single-trial) test r, and the per-seed differences. */
export function comparisonEvidence(c: SeedComparison, single?: SeedComparison): string {
  const seeds = c.seedDeltas.length;
  const over = seeds > 1 ? ` (each neuron's r averaged over ${seeds} seeds)` : '';
  let s = `repeat-averaged test r${over}: Δ = ${signed(c.meanDiff)} over ${c.n} neurons, ${(100 * c.fractionBetter).toFixed(0)}% improved, sign-flip ${pClause(c.pValue)}`;
  if (single) s += `; single-trial: Δ = ${signed(single.meanDiff)}, ${pClause(single.pValue)}`;
  s += seeds > 1 ? `; per seed: Δ = ${c.seedDeltas.map((d) => signed(d)).join(', ')}` : '; one model seed per variant (p over neurons, not over training runs)';
  return s;
}

/**
 * The verdicts on the model comparisons (repeat-averaged `c`, single-trial `single`, both keyed by comparison name
 * such as `'shift: shifter-saliency − images'`), in the study's order; comparisons that were not run are left out.
 */
export function comparisonVerdicts(c: Record<string, SeedComparison>, single: Record<string, SeedComparison>): Verdict[] {
  const out: Verdict[] = [];
  const add = (name: string, question: string, answers: Record<Outcome, string>) => {
    const x = c[name];
    if (x) out.push({ question, verdict: answers[outcome(x)], evidence: comparisonEvidence(x, single[name]) });
  };
  const plain = { better: 'yes', 'seeds disagree': 'not settled: the seeds disagree', 'not better': 'no' };
  add('shift: shifter-saliency − images', 'Does the saliency shifter predict better than the plain Gaussian readout when RFs shift toward salient objects?', plain);
  add('noShift: shifter-saliency − images', 'Does it also win when no RF shifts (the control population)?',
    { better: 'yes (unexpected)', 'seeds disagree': 'not settled: the seeds disagree', 'not better': 'no, as it should not' });
  add('shift: images+saliency − images', 'Does feeding the saliency map to the core as an extra channel help?', plain);
  add('shift: shifter-saliency − shifter-ones', 'Is the shifter’s gain due to the saliency input (vs a tensor of ones to the remapper)?', plain);
  add('shift: shifter-saliency − shifter-image', 'Does saliency beat the raw image as remapper input?', plain);
  return out;
}

/**
 * Is the gRF centre-of-mass test specific? Asked of the control population (no RF shifts), on the image-only
 * model's gRFs, else the shifter's: "yes" when its permutation p ≥ 0.05. `null` without a control-population gRF test.
 */
export function grfSpecificityVerdict(grf: GrfSummary): Verdict | null {
  const ctl = grf['noShift / images'] ?? grf['noShift / shifter-saliency'];
  if (!ctl) return null;
  const fires = ctl.pValue < 0.05;
  return {
    question: 'Is the gRF centre-of-mass test for RF shifts specific (silent in the control population, where no RF shifts)?',
    verdict: fires ? 'no: it fires in the control population too' : 'yes',
    evidence: `control population, ${ctl.variant} model: mean projection ${ctl.statistic.toFixed(3)} px toward the salient object, permutation ${pClause(ctl.pValue)}${ctl.detection ? `, ${ctl.detection.falsePositives}/${ctl.detection.nonShifters} neurons significant` : ''}.${fires ? ' The centre of mass of gRF² follows image contrast, which salient objects carry, so the test alone cannot tell a shifting RF from a fixed one.' : ''}`,
  };
}

/**
 * Per model variant: do the gRF centres of the true shifters move further toward the salient object than the same
 * neurons' in the control population? "yes" when that paired difference is positive with p < 0.05.
 */
export function grfVsControlVerdicts(gc: GrfVsControl): Verdict[] {
  const out: Verdict[] = [];
  for (const [v, r] of Object.entries(gc)) {
    if (!r) continue;
    out.push({
      question: `Measured against the control population, do the gRF centres of shifting neurons (${v} model) move further toward salient objects?`,
      verdict: r.shifters.pValue < 0.05 && r.shifters.meanDiff > 0 ? 'yes' : 'no',
      evidence: `true shifters: ${signed(r.shifters.meanDiff)} px (${pClause(r.shifters.pValue)}, ${r.shifters.n} neurons); other neurons: ${signed(r.others.meanDiff)} px (${pClause(r.others.pValue)})`,
    });
  }
  return out;
}

/**
 * Does the shifter's learned shift recover the true one? From the per-neuron correlation r on the population
 * with shifts: "yes" for r > 0.5, "partly" for r > 0.2, else "no"; r is undefined (NaN) when either side is
 * constant, and the verdict says so. `null` without the shifter on that population.
 */
export function modelShiftVerdict(ms: ModelShiftSummary): Verdict | null {
  const s = ms['shift'];
  if (!s) return null;
  const r = s.agreement;
  const control = ms['noShift'];
  return {
    question: 'Does the shifter model’s learned shift recover which neurons shift, and by how much?',
    verdict: !Number.isFinite(r) ? 'cannot tell: the correlation is undefined' : r > 0.5 ? 'yes' : r > 0.2 ? 'partly' : 'no',
    evidence: `per-neuron correlation of learned and true shift toward the salient object r = ${Number.isFinite(r) ? r.toFixed(2) : 'undefined (one side is constant)'}; learned ${s.shiftersMean.toFixed(2)} px for true shifters (true ${s.trueShiftersMean.toFixed(2)} px) vs ${s.othersMean.toFixed(2)} px for the others${control ? `; in the control population ${control.othersMean.toFixed(2)} px` : ''}`,
  };
}

/** Every verdict of the study, in the report's order. */
export function studyVerdicts(
  averaged: Record<string, SeedComparison>, single: Record<string, SeedComparison>, grf: GrfSummary, gc: GrfVsControl, ms: ModelShiftSummary,
): Verdict[] {
  const out = comparisonVerdicts(averaged, single);
  const specific = grfSpecificityVerdict(grf);
  if (specific) out.push(specific);
  out.push(...grfVsControlVerdicts(gc));
  const shifts = modelShiftVerdict(ms);
  if (shifts) out.push(shifts);
  return out;
}
