/**
 * Every verdict of the study: the question, the answer and the numbers behind it, drawn from the comparisons
 * (see `comparisons.ts`), the gRF centre-of-mass test, the gRF centres against the control population, and the
 * shifter's learned shifts. A comparison verdict says "yes" only when the neurons' test is significant and every
 * model seed agrees on the sign, and always says on how many seeds it rests.
 */
import { pClause, type Verdict } from '@sal/types';
import { outcome, seedOutcomes, type Outcome, type SeedComparison } from './comparisons.js';
import type { GrfSummary, GrfVsControl, ModelShiftSummary } from './results.js';
import { signed } from './stats.js';
import { formatOverSeeds, formatStat } from './shift-recovery.js';

export type { Verdict } from '@sal/types';
export { compareOverSeeds, outcome, type Outcome, type PerNeuronScores, type SeedComparison } from './comparisons.js';
export { modelKey } from './plan.js';

/**
 * How far a model comparison's Δ moves between training runs: the sample sd (n − 1) of the per-seed Δ of a
 * comparison trained with several seeds, and which comparison it comes from.
 */
export interface SeedSpread {
  sd: number;
  seeds: number;
  from: string;
}

/** The seed spread of comparison `name` in `c`, or null when it has fewer than 2 seeds. */
export function seedSpread(c: Record<string, SeedComparison>, name: string): SeedSpread | null {
  const d = c[name]?.seedDeltas;
  if (!d || d.length < 2) return null;
  const m = d.reduce((a, v) => a + v, 0) / d.length;
  return { sd: Math.sqrt(d.reduce((a, v) => a + (v - m) ** 2, 0) / (d.length - 1)), seeds: d.length, from: name };
}

/** A one-seed Δ is inside the seed spread when |Δ| < 2 sd of the per-seed Δ of a comparison with several seeds. */
export function insideSeedSpread(c: SeedComparison, spread: SeedSpread | null): boolean | null {
  if (c.seedDeltas.length !== 1 || !spread) return null;
  return Math.abs(c.meanDiff) < 2 * spread.sd;
}

/**
 * On how many seeds a comparison rests and what the seeds say: `'1 model seed'`, or the sign of each seed's Δ and,
 * when the results have per-seed p-values, on how many seeds the seed's own test is significant with Δ > 0
 * (see {@link seedOutcomes}): `'3 seeds: Δ > 0 on all 3, significant alone on 1'`, `'3 seeds: Δ > 0 on none'`,
 * `'3 seeds: Δ > 0 on 2 of 3'`.
 */
export function seedAgreement(c: SeedComparison): string {
  const n = c.seedDeltas.length;
  if (n <= 1) return '1 model seed';
  const k = c.seedDeltas.filter((d) => d > 0).length;
  const signs = k === n ? `Δ > 0 on all ${n}` : k === 0 ? 'Δ > 0 on none' : `Δ > 0 on ${k} of ${n}`;
  const alone = seedOutcomes(c);
  const sig = alone.length ? `, significant alone on ${alone.filter((o) => o === 'better').length}` : '';
  return `${n} seeds: ${signs}${sig}`;
}

/**
 * The evidence of a comparison: repeat-averaged (and single-trial) test r, and the per-seed differences; for a
 * one-seed comparison, whether its Δ is inside the seed spread `spread` (from a comparison with several seeds).
 */
export function comparisonEvidence(c: SeedComparison, single?: SeedComparison, spread?: SeedSpread | null): string {
  const seeds = c.seedDeltas.length;
  const over = seeds > 1 ? ` (each neuron's r averaged over ${seeds} seeds)` : '';
  let s = `repeat-averaged test r${over}: Δ = ${signed(c.meanDiff)} over ${c.n} neurons, ${(100 * c.fractionBetter).toFixed(0)}% improved, sign-flip ${pClause(c.pValue)}`;
  if (single) s += `; single-trial: Δ = ${signed(single.meanDiff)}, ${pClause(single.pValue)}`;
  const ps = c.seedPValues?.length === seeds ? c.seedPValues : undefined;
  const perSeed = c.seedDeltas.map((d, k) => (ps ? `${signed(d)} (${pClause(ps[k]!)})` : signed(d))).join(', ');
  s += seeds > 1 ? `; per seed: Δ = ${perSeed}` : '; one model seed per variant (p over neurons, not over training runs)';
  if (spread !== undefined && seeds === 1) {
    const inside = insideSeedSpread(c, spread);
    s += spread
      ? `; the per-seed Δ of ${spread.from} varies with sd ${spread.sd.toFixed(3)} over ${spread.seeds} seeds: this one-seed Δ is ${inside ? 'inside' : 'outside'} ±2 sd`
      : '; the seed spread is unknown (no comparison with several seeds)';
  }
  return s;
}

/** The comparison whose per-seed Δ gives the seed spread of the one-seed comparisons. */
export const SPREAD_REFERENCE = 'shift: shifter-saliency − images';

/**
 * The verdicts on the model comparisons (repeat-averaged `c`, single-trial `single`, both keyed by comparison name
 * such as `'shift: shifter-saliency − images'`), in the study's order; comparisons that were not run are left out.
 * Every verdict says on how many seeds it rests and whether they agree; a one-seed "yes" whose Δ is inside the seed
 * spread of {@link SPREAD_REFERENCE} (|Δ| < 2 sd of its per-seed Δ) is "not settled".
 */
export function comparisonVerdicts(c: Record<string, SeedComparison>, single: Record<string, SeedComparison>): Verdict[] {
  const out: Verdict[] = [];
  const spread = seedSpread(c, SPREAD_REFERENCE);
  const add = (name: string, question: string, answers: Record<Outcome, string>) => {
    const x = c[name];
    if (!x) return;
    const o = outcome(x);
    const ownSpread = name === SPREAD_REFERENCE ? undefined : spread;
    const answer = o === 'better' && insideSeedSpread(x, ownSpread ?? null) ? 'not settled: Δ is inside the seed spread' : answers[o];
    out.push({ question, verdict: `${answer} (${seedAgreement(x)})`, evidence: comparisonEvidence(x, single[name], ownSpread) });
  };
  const plain = { better: 'yes', 'seeds disagree': 'not settled: the seeds disagree', 'not better': 'no' };
  add(
    'shift: shifter-saliency − images',
    'Does the saliency shifter predict better than the plain Gaussian readout when RFs shift toward salient objects?',
    plain,
  );
  add('noShift: shifter-saliency − images', 'Does it also win when no RF shifts (the control population)?', {
    better: 'yes (unexpected)',
    'seeds disagree': 'not settled: the seeds disagree',
    'not better': 'no, as it should not',
  });
  add('shift: images+saliency − images', 'Does feeding the saliency map to the core as an extra channel help?', plain);
  add('shift: shifter-saliency − shifter-ones', 'Does the shifter predict better with saliency than with a tensor of ones as the remapper input?', plain);
  add('shift: shifter-saliency − shifter-image', 'Does the shifter predict better with saliency than with the raw image as the remapper input?', plain);
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

/** Thresholds of {@link modelShiftVerdict}. */
export const SHIFT_RECOVERY_THRESHOLDS = Object.freeze({
  /** AUC at or above which the learned shift separates shifters from fixed neurons ("yes"), and "partly". */
  aucYes: 0.8,
  aucPartly: 0.6,
  /** Within-shifter r above which the size of each shifter's shift is tracked. */
  rTracks: 0.5,
  /** Recovered fraction of the magnitude counted as "recovered" ([lo, hi]) and as "about half or more" ([lo, hi]). */
  fractionYes: [0.75, 4 / 3] as const,
  fractionPartly: [0.5, 2] as const,
});

type Answer = 'yes' | 'partly' | 'no' | 'cannot tell';

/** Which neurons shift, from the AUC (mean over seeds): ≥ 0.8 yes, ≥ 0.6 partly, else no; undefined: cannot tell. */
function whichAnswer(auc: number): Answer {
  const t = SHIFT_RECOVERY_THRESHOLDS;
  return !Number.isFinite(auc) ? 'cannot tell' : auc >= t.aucYes ? 'yes' : auc >= t.aucPartly ? 'partly' : 'no';
}

/**
 * How much: "yes" when the within-shifter r > 0.5 and the recovered fraction is in [0.75, 4/3]; "partly" when one of
 * r > 0.5 or a fraction in [0.5, 2] holds and the learned shifts point toward the salient object on average (fraction
 * > 0, or undefined); "no" otherwise; "cannot tell" when both are undefined.
 */
function howMuchAnswer(r: number, fraction: number): Answer {
  const t = SHIFT_RECOVERY_THRESHOLDS;
  if (!Number.isFinite(r) && !Number.isFinite(fraction)) return 'cannot tell';
  const tracks = r > t.rTracks;
  const inside = (x: number, [lo, hi]: readonly [number, number]) => x >= lo && x <= hi;
  if (tracks && inside(fraction, t.fractionYes)) return 'yes';
  if (Number.isFinite(fraction) && fraction <= 0) return 'no';
  return tracks || inside(fraction, t.fractionPartly) ? 'partly' : 'no';
}

const pct = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(0)} %` : 'undefined');

/**
 * Does the shifter's learned shift recover the true one? Answered in two parts from the statistics of
 * `shift-recovery.ts` (means over the analysed model seeds): which neurons shift (AUC of separating true shifters
 * from fixed neurons by their learned shift) and how much (the correlation and slope within the true shifters, and
 * the recovered fraction of the magnitude), each "undefined" where it is (e.g. in the control population, which has
 * no true shifters). The correlation over all neurons (`agreement`) is given for context only: it measures the two
 * groups, not the recovery. `null` without the shifter on the population with shifts.
 */
export function modelShiftVerdict(ms: ModelShiftSummary): Verdict | null {
  const s = ms['shift'];
  if (!s) return null;
  const question = 'Does the shifter model’s learned shift recover which neurons shift, and by how much?';
  const os = s.overSeeds;
  const first = s.recovery?.[0];
  if (!os || !first) {
    return {
      question,
      verdict: 'cannot tell: no shift-recovery statistics in these results',
      evidence: `correlation over all neurons r = ${formatStat(s.agreement)} (two groups: not a measure of recovery)`,
    };
  }
  const nSeeds = s.recovery!.length;
  const auc = os.auc.mean,
    r = os.withinShiftersR.mean,
    fraction = os.recoveredFraction.mean;
  const control = ms['noShift'];
  const controlR = control?.overSeeds
    ? ` (${Number.isFinite(control.overSeeds.withinShiftersR.mean) ? `control: ${formatStat(control.overSeeds.withinShiftersR.mean)}` : 'undefined in the control'})`
    : '';
  const verdict = `which neurons: ${whichAnswer(auc)} (AUC ${formatStat(auc, 2)}); how much: ${howMuchAnswer(r, fraction)} (${Number.isFinite(fraction) ? `${pct(fraction)} of the magnitude` : 'recovered fraction undefined'}; within shifters r = ${formatStat(r, 2)}${controlR}); ${nSeeds === 1 ? '1 model seed' : `mean over ${nSeeds} model seeds`}`;
  const parts = [
    `${first.shifters} true shifters, ${first.fixed} fixed neurons`,
    `AUC of separating them by the learned shift toward the salient object ${formatOverSeeds(os.auc)} (by the length of the learned shift in any direction: ${os.aucMagnitude ? formatOverSeeds(os.aucMagnitude) : 'undefined'})`,
    `within the true shifters: r = ${formatOverSeeds(os.withinShiftersR)}, least-squares slope ${formatOverSeeds(os.withinShiftersSlope)} px per px`,
    `recovered fraction (mean learned / mean true shift over the true shifters) ${formatOverSeeds(os.recoveredFraction, 0, 100, ' %')}: learned ${formatStat(s.shiftersMean, 2)} px vs true ${formatStat(s.trueShiftersMean, 2)} px, fixed neurons ${formatStat(s.othersMean, 2)} px (first seed)`,
    `correlation over all neurons r = ${formatStat(s.agreement)} (it measures the two groups, not the recovery; not used)`,
  ];
  if (control) {
    const c0 = control.recovery?.[0];
    parts.push(
      `control population (no RF shifts): ${c0 && c0.shifters === 0 ? 'AUC, within-shifter r, slope and recovered fraction undefined (no true shifters)' : `AUC ${formatStat(c0?.auc ?? Number.NaN)}, within-shifter r ${formatStat(c0?.withinShiftersR ?? Number.NaN)}`}; learned ${formatStat(control.othersMean, 2)} px for the fixed neurons`,
    );
  }
  return { question, verdict, evidence: parts.join('; ') };
}

/** Every verdict of the study, in the report's order. */
export function studyVerdicts(
  averaged: Record<string, SeedComparison>,
  single: Record<string, SeedComparison>,
  grf: GrfSummary,
  gc: GrfVsControl,
  ms: ModelShiftSummary,
): Verdict[] {
  const out = comparisonVerdicts(averaged, single);
  const specific = grfSpecificityVerdict(grf);
  if (specific) out.push(specific);
  out.push(...grfVsControlVerdicts(gc));
  const shifts = modelShiftVerdict(ms);
  if (shifts) out.push(shifts);
  return out;
}
