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
  /**
   * Per model seed, in seed order, the two-sided sign-flip p-value over neurons of that seed's models alone (the same
   * test as `pValue`, on one training run): whether each seed, taken alone, would give the verdict. Absent in results
   * written before it existed.
   */
  seedPValues?: number[];
}

/** Per-neuron test correlations of one model, keyed by `population|variant|crop|seed`. */
export type PerNeuronScores = ReadonlyMap<string, readonly number[]>;

/** Mean of the finite values (NaN when there are none). */
function finiteMean(xs: readonly number[]): number {
  let s = 0;
  let n = 0;
  for (const v of xs)
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  return n ? s / n : Number.NaN;
}

/**
 * Variant `a` against variant `b` on population `p` and crop `crop`, over the model seeds `seeds`: a sign-flip test
 * over neurons on the seed-averaged correlations, each seed's mean difference and (unless `opts.seedTests` is false)
 * each seed's own test. `undefined` when a model of either variant is missing for some seed.
 */
export function compareOverSeeds(
  scores: PerNeuronScores,
  p: Population,
  a: VariantName,
  b: VariantName,
  crop: string,
  seeds: readonly number[],
  permutationSeed: number,
  opts: { seedTests?: boolean } = {},
): SeedComparison | undefined {
  const xs = seeds.map((s) => scores.get(modelKey(p, a, crop, s)));
  const ys = seeds.map((s) => scores.get(modelKey(p, b, crop, s)));
  if (seeds.length === 0 || xs.some((x) => !x) || ys.some((y) => !y)) return undefined;
  const n = xs[0]!.length;
  if ([...xs, ...ys].some((r) => r!.length !== n)) throw new RangeError(`compareOverSeeds: models of ${p} with different neuron counts`);
  const avg = (rows: (readonly number[] | undefined)[]) => Array.from({ length: n }, (_, i) => rows.reduce((s, r) => s + r![i]!, 0) / rows.length);
  const seedDeltas = seeds.map((_, k) => finiteMean(xs[k]!.map((v, i) => v - ys[k]![i]!)));
  const pooled = { ...pairedComparison(avg(xs), avg(ys), 9999, permutationSeed), seedDeltas };
  if (opts.seedTests === false) return pooled;
  return { ...pooled, seedPValues: seeds.map((_, k) => pairedComparison(xs[k]!, ys[k]!, 9999, permutationSeed).pValue) };
}

/** How a comparison reads: significant and positive over neurons, and (with several seeds) every seed agreeing. */
export type Outcome = 'better' | 'seeds disagree' | 'not better';

export function outcome(c: SeedComparison, alpha = 0.05): Outcome {
  if (!(c.pValue < alpha && c.meanDiff > 0)) return 'not better';
  return c.seedDeltas.every((d) => d > 0) ? 'better' : 'seeds disagree';
}

/**
 * What each model seed alone says: per seed, `'better'` when its own test over neurons has p < `alpha` and Δ > 0,
 * else `'not better'`. Empty for results without per-seed p-values.
 */
export function seedOutcomes(c: SeedComparison, alpha = 0.05): ('better' | 'not better')[] {
  const ps = c.seedPValues;
  if (!ps || ps.length !== c.seedDeltas.length) return [];
  return c.seedDeltas.map((d, k) => (ps[k]! < alpha && d > 0 ? 'better' : 'not better'));
}

/**
 * How stable a comparison's verdict is over model seeds: the {@link outcome} of the comparison on every
 * `subsetSize`-seed subset of its seeds, counted ("yes" = better, "not settled" = the seeds disagree, "no" = not
 * better). Only with at least `minSeeds` seeds; otherwise `note` says what it needs and the counts are absent.
 */
export interface SeedStability {
  /** Model seeds of the comparison. */
  seeds: number;
  subsetSize: number;
  minSeeds: number;
  /** Subsets checked (C(seeds, subsetSize)); absent with fewer than `minSeeds` seeds. */
  subsets?: number;
  yes?: number;
  notSettled?: number;
  no?: number;
  /** `'needs ≥ 5 seeds'` when there are too few; absent otherwise. */
  note?: string;
}

/** Every `k`-element subset of `items`, in lexicographic order of positions. */
export function subsetsOf<T>(items: readonly T[], k: number): T[][] {
  const out: T[][] = [];
  const pick: T[] = [];
  const walk = (start: number) => {
    if (pick.length === k) {
      out.push([...pick]);
      return;
    }
    for (let i = start; i <= items.length - (k - pick.length); i++) {
      pick.push(items[i]!);
      walk(i + 1);
      pick.pop();
    }
  };
  if (k >= 0 && k <= items.length) walk(0);
  return out;
}

/**
 * {@link SeedStability} of variant `a` against `b`: {@link compareOverSeeds} (same permutation seed) and
 * {@link outcome} on every `subsetSize`-seed subset of `seeds`. `undefined` when a model of either variant is missing.
 */
export function seedStability(
  scores: PerNeuronScores,
  p: Population,
  a: VariantName,
  b: VariantName,
  crop: string,
  seeds: readonly number[],
  permutationSeed: number,
  opts: { subsetSize?: number; minSeeds?: number } = {},
): SeedStability | undefined {
  const subsetSize = opts.subsetSize ?? 3;
  const minSeeds = opts.minSeeds ?? 5;
  if (!Number.isInteger(subsetSize) || subsetSize < 1 || !Number.isInteger(minSeeds) || minSeeds < subsetSize) {
    throw new RangeError(`seedStability: subsetSize (${subsetSize}) must be a positive integer ≤ minSeeds (${minSeeds})`);
  }
  if (compareOverSeeds(scores, p, a, b, crop, seeds, permutationSeed) === undefined) return undefined;
  const base = { seeds: seeds.length, subsetSize, minSeeds };
  if (seeds.length < minSeeds) return { ...base, note: `needs ≥ ${minSeeds} seeds` };
  const counts = { yes: 0, notSettled: 0, no: 0 };
  const subsets = subsetsOf(seeds, subsetSize);
  for (const sub of subsets) {
    // the outcome reads the pooled test and the signs: each seed's own test is not needed here
    const o = outcome(compareOverSeeds(scores, p, a, b, crop, sub, permutationSeed, { seedTests: false })!);
    if (o === 'better') counts.yes++;
    else if (o === 'seeds disagree') counts.notSettled++;
    else counts.no++;
  }
  return { ...base, subsets: subsets.length, ...counts };
}

/** The variant pairs the study compares (a − b), per population, in the report's order. */
export const COMPARISONS: readonly (readonly [VariantName, VariantName])[] = Object.freeze([
  ['shifter-saliency', 'images'],
  ['images+saliency', 'images'],
  ['all', 'images'],
  ['shifter-saliency', 'shifter-ones'],
  ['shifter-saliency', 'shifter-image'],
] as const);

/** Every comparison of the study on the single-trial (`single`) and the repeat-averaged (`averaged`) test correlation. */
export interface StudyComparisons {
  /** Keyed `'<population>: <a> − <b>'`; comparisons whose models were not trained are left out. */
  single: Record<string, SeedComparison>;
  averaged: Record<string, SeedComparison>;
  /** The {@link seedStability} of each averaged comparison (the one the verdicts read). */
  stability: Record<string, SeedStability>;
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
  const out: StudyComparisons = { single: {}, averaged: {}, stability: {} };
  // the demo's two populations, and a user's data (runStudyOnData)
  for (const p of [...POPULATIONS, 'data' as const]) {
    for (const [a, b] of COMPARISONS) {
      const name = `${p}: ${a} − ${b}`;
      const seeds = allSeeds.filter((s) => perNeuron.has(modelKey(p, a, mainCrop, s)) && perNeuron.has(modelKey(p, b, mainCrop, s)));
      const x = compareOverSeeds(perNeuron, p, a, b, mainCrop, seeds, config.seed);
      if (x) out.single[name] = x;
      const xa = compareOverSeeds(perNeuronAvg, p, a, b, mainCrop, seeds, config.seed);
      if (xa) out.averaged[name] = xa;
      const st = seedStability(perNeuronAvg, p, a, b, mainCrop, seeds, config.seed);
      if (st) out.stability[name] = st;
    }
  }
  return out;
}
