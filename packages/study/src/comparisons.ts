/**
 * The study's model comparisons over neurons and over model seeds.
 *
 * With one model seed per variant, a comparison pairs the two variants' per-neuron test correlations: its p-value
 * is over neurons and says nothing about run-to-run variation of training. With several seeds, each neuron's
 * correlation is first averaged over the seeds, and the comparison also records the mean difference of every seed
 * pair (seed k of one variant against seed k of the other).
 */
import type { StudyConfig, VariantName } from './config.js';
import { POPULATIONS, type Population } from './data.js';
import type { ModelSummary } from './models.js';
import { modelKey } from './plan.js';
import { pairedComparison, type PairedComparison } from './stats.js';

/** A comparison of two variants: over neurons (seed-averaged correlations) and per seed. */
export interface SeedComparison extends PairedComparison {
  /** Per model seed, the mean over neurons of the difference (variant a − variant b), in seed order. */
  seedDeltas: number[];
}

/** Per-neuron test correlations of one model, keyed by `population|variant|crop|seed`. */
export type PerNeuronScores = ReadonlyMap<string, readonly number[]>;

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

/** The variant pairs the study compares (a − b), per population, in the report's order. */
export const COMPARISONS: readonly (readonly [VariantName, VariantName])[] = Object.freeze([
  ['shifter-saliency', 'images'], ['images+saliency', 'images'], ['all', 'images'], ['shifter-saliency', 'shifter-ones'], ['shifter-saliency', 'shifter-image'],
] as const);

/** Every comparison of the study on the single-trial (`single`) and the repeat-averaged (`averaged`) test correlation. */
export interface StudyComparisons {
  /** Keyed `'<population>: <a> − <b>'`; comparisons whose models were not trained are left out. */
  single: Record<string, SeedComparison>;
  averaged: Record<string, SeedComparison>;
}

/**
 * The {@link COMPARISONS} on the main crop, each neuron's correlation averaged over the model seeds both variants
 * were trained with (of `config.seed + 1 … + max(seeds, comparisonSeeds)`), permutations seeded with `config.seed`.
 */
export function studyComparisons(models: readonly ModelSummary[], config: StudyConfig, mainCrop: string): StudyComparisons {
  const perNeuron = new Map<string, number[]>();
  const perNeuronAvg = new Map<string, number[]>();
  for (const m of models) {
    perNeuron.set(modelKey(m.population, m.variant, m.crop, m.seed), m.perNeuronTest);
    perNeuronAvg.set(modelKey(m.population, m.variant, m.crop, m.seed), m.perNeuronTestAveraged);
  }
  const allSeeds = Array.from({ length: Math.max(config.seeds, config.comparisonSeeds) }, (_, i) => config.seed + 1 + i);
  const out: StudyComparisons = { single: {}, averaged: {} };
  // the demo's two populations, and a user's data (runStudyOnData)
  for (const p of [...POPULATIONS, 'data' as const]) {
    for (const [a, b] of COMPARISONS) {
      const name = `${p}: ${a} − ${b}`;
      const seeds = allSeeds.filter((s) => perNeuron.has(modelKey(p, a, mainCrop, s)) && perNeuron.has(modelKey(p, b, mainCrop, s)));
      const x = compareOverSeeds(perNeuron, p, a, b, mainCrop, seeds, config.seed);
      if (x) out.single[name] = x;
      const xa = compareOverSeeds(perNeuronAvg, p, a, b, mainCrop, seeds, config.seed);
      if (xa) out.averaged[name] = xa;
    }
  }
  return out;
}
