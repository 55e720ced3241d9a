/**
 * The study's model comparisons over neurons and over model seeds, and the verdicts drawn from them.
 *
 * With one model seed per variant, a comparison pairs the two variants' per-neuron test correlations: its p-value
 * is over neurons and says nothing about run-to-run variation of training. With several seeds, each neuron's
 * correlation is first averaged over the seeds, and the comparison also records the mean difference of every seed
 * pair (seed k of one variant against seed k of the other): a verdict says "yes" only when the neurons' test is
 * significant and every seed agrees on the sign.
 */
import type { VariantName } from './config.js';
import type { Population } from './data.js';
import { pairedComparison, type PairedComparison } from './stats.js';

/** A comparison of two variants: over neurons (seed-averaged correlations) and per seed. */
export interface SeedComparison extends PairedComparison {
  /** Per model seed, the mean over neurons of the difference (variant a − variant b), in seed order. */
  seedDeltas: number[];
}

/** Per-neuron test correlations of one model, keyed by `population|variant|crop|seed`. */
export type PerNeuronScores = ReadonlyMap<string, readonly number[]>;

/** Key of a trained model: `population|variant|crop|seed`. */
export const modelKey = (p: Population, v: VariantName, crop: string, seed: number): string => `${p}|${v}|${crop}|${seed}`;

/** Mean of the finite values (NaN when there are none). */
function finiteMean(xs: readonly number[]): number {
  let s = 0;
  let n = 0;
  for (const v of xs) if (Number.isFinite(v)) { s += v; n++; }
  return n ? s / n : Number.NaN;
}

/**
 * Variant `a` against variant `b` on population `p` and crop `crop`, over the model seeds `seeds`: a sign-flip test
 * over neurons on the seed-averaged correlations, and each seed's mean difference. `undefined` when a model of
 * either variant is missing for some seed.
 */
export function compareOverSeeds(
  scores: PerNeuronScores, p: Population, a: VariantName, b: VariantName, crop: string, seeds: readonly number[], permutationSeed: number,
): SeedComparison | undefined {
  const xs = seeds.map((s) => scores.get(modelKey(p, a, crop, s)));
  const ys = seeds.map((s) => scores.get(modelKey(p, b, crop, s)));
  if (seeds.length === 0 || xs.some((x) => !x) || ys.some((y) => !y)) return undefined;
  const n = xs[0]!.length;
  if ([...xs, ...ys].some((r) => r!.length !== n)) throw new RangeError(`compareOverSeeds: models of ${p} with different neuron counts`);
  const avg = (rows: (readonly number[] | undefined)[]) => Array.from({ length: n }, (_, i) => rows.reduce((s, r) => s + r![i]!, 0) / rows.length);
  const seedDeltas = seeds.map((_, k) => finiteMean(xs[k]!.map((v, i) => v - ys[k]![i]!)));
  return { ...pairedComparison(avg(xs), avg(ys), 9999, permutationSeed), seedDeltas };
}

/** How a comparison reads: significant and positive over neurons, and (with several seeds) every seed agreeing. */
export type Outcome = 'better' | 'seeds disagree' | 'not better';

export function outcome(c: SeedComparison, alpha = 0.05): Outcome {
  if (!(c.pValue < alpha && c.meanDiff > 0)) return 'not better';
  return c.seedDeltas.every((d) => d > 0) ? 'better' : 'seeds disagree';
}

const signed = (v: number, digits = 3): string => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;
const pStr = (p: number): string => (p < 0.001 ? '< 0.001' : `= ${p.toFixed(3)}`);

/** The evidence of a comparison: repeat-averaged (and single-trial) test r, and the per-seed differences. */
export function comparisonEvidence(c: SeedComparison, single?: SeedComparison): string {
  const seeds = c.seedDeltas.length;
  const over = seeds > 1 ? ` (each neuron's r averaged over ${seeds} seeds)` : '';
  let s = `repeat-averaged test r${over}: Δ = ${signed(c.meanDiff)} over ${c.n} neurons, ${(100 * c.fractionBetter).toFixed(0)}% improved, sign-flip p ${pStr(c.pValue)}`;
  if (single) s += `; single-trial: Δ = ${signed(single.meanDiff)}, p ${pStr(single.pValue)}`;
  s += seeds > 1 ? `; per seed: Δ = ${c.seedDeltas.map((d) => signed(d)).join(', ')}` : '; one model seed per variant (p over neurons, not over training runs)';
  return s;
}

/** A verdict: the question, the answer and the numbers behind it. */
export interface Verdict { question: string; verdict: string; evidence: string }

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
