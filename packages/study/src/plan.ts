/**
 * The study's training plan (which models to train), the rule for which trained models the analyses keep, and
 * the runner interface that trains a plan: in this process ({@link inProcessRunner}), in worker processes (the
 * `sal` command's pool), or through any job queue that returns the same results.
 */
import type { Encoder, TextSink } from '@sal/train';
import type { StudyConfig, VariantName } from './config.js';
import { POPULATIONS, type Population, type StudyData } from './data.js';
import { summarise, trainVariant, type ModelSummary } from './models.js';
import { VARIANT_SPECS } from './variants.js';

/** One model to train: a variant on one population and crop, with one model seed. */
export interface PlanItem {
  population: Population;
  variant: VariantName;
  crop: string;
  seed: number;
  /** Whether the analyses need this model's encoder (see {@link isKeptModel}). */
  keep: boolean;
}

/** A trained plan item. */
export interface PlanResult {
  item: PlanItem;
  summary: ModelSummary;
  /** Per-neuron single-trial test correlation, and the neuron of each entry. */
  test: number[];
  neurons: [string, number][];
  /** The trained encoder for kept items (the caller disposes it), else null. */
  encoder: Encoder | null;
}

/** Key of a trained model: `population|variant|crop|seed`. */
export const modelKey = (p: Population, v: VariantName, crop: string, seed: number): string => `${p}|${v}|${crop}|${seed}`;

/** The variants behind the first two verdicts: trained with `comparisonSeeds` seeds on the main crop. */
export const COMPARED_VARIANTS: readonly VariantName[] = Object.freeze(['images', 'shifter-saliency']);

/** The variants whose models the analyses open up (gRFs, learned shifts, PCA). */
export const KEPT_VARIANTS: readonly VariantName[] = Object.freeze(['images', 'shifter-saliency']);

/**
 * The kept-models rule, written once: the analyses use the image-only and saliency-shifter models of both
 * populations trained on the main crop with the first model seed (`config.seed + 1`), and (given `m.population` and the
 * config's seed counts) the further seeds of the MEI analysis's ensemble ({@link ensembleMemberItems}) and of the
 * saliency shifter, whose learned shifts are measured against the truth on every seed ({@link shifterSeedItems}).
 */
export function isKeptModel(
  config: Pick<StudyConfig, 'seed'> & Partial<Pick<StudyConfig, 'seeds' | 'comparisonSeeds'>>,
  mainCrop: string,
  m: { variant: VariantName; crop: string; seed: number; population?: Population },
): boolean {
  return (
    (KEPT_VARIANTS.includes(m.variant) && m.crop === mainCrop && m.seed === config.seed + 1) ||
    (m.population !== undefined &&
      [...ensembleMemberItems(config, mainCrop), ...shifterSeedItems(config, mainCrop)].some(
        (i) => i.population === m.population && i.variant === m.variant && i.crop === m.crop && i.seed === m.seed,
      ))
  );
}

type SeedCounts = Pick<StudyConfig, 'seed'> & Partial<Pick<StudyConfig, 'seeds' | 'comparisonSeeds'>>;

/** Model seeds `config.seed + 2 … + n` of a variant trained with `n` seeds on the main crop (see {@link trainingPlan}). */
function furtherSeeds(config: SeedCounts, variant: VariantName): number[] {
  const n = COMPARED_VARIANTS.includes(variant) ? Math.max(config.seeds ?? 1, config.comparisonSeeds ?? 1) : (config.seeds ?? 1);
  return Array.from({ length: n - 1 }, (_, i) => config.seed + 2 + i);
}

/**
 * The further model seeds of the saliency shifter kept on the demo's populations (`'data'` is left out: a user's
 * data has no true shifts to measure them against): seeds `config.seed + 2 … + max(seeds, comparisonSeeds)` on the
 * main crop, so the shift-recovery statistics have an uncertainty over seeds. None when the config does not say how
 * many seeds are trained.
 */
export function shifterSeedItems(config: SeedCounts, mainCrop: string, populations: readonly Population[] = POPULATIONS): PlanItem[] {
  return populations
    .filter((p) => POPULATIONS.includes(p))
    .flatMap((population) =>
      furtherSeeds(config, 'shifter-saliency').map((seed) => ({ population, variant: 'shifter-saliency' as const, crop: mainCrop, seed, keep: true })),
    );
}

/** The population and variant whose model seeds the MEI analysis averages as an ensemble (main crop). */
export const ENSEMBLE_MODELS: Readonly<{ population: Population; variant: VariantName }> = Object.freeze({ population: 'shift', variant: 'images' });

/**
 * The further model seeds kept for the ensemble of {@link ENSEMBLE_MODELS} (beyond the first, which
 * {@link keptModelItems} lists): seeds `config.seed + 2 … + max(seeds, comparisonSeeds)` on the main crop. None when
 * the config does not say how many seeds are trained.
 */
export function ensembleMemberItems(config: SeedCounts, mainCrop: string): PlanItem[] {
  return furtherSeeds(config, ENSEMBLE_MODELS.variant).map((seed) => ({ ...ENSEMBLE_MODELS, crop: mainCrop, seed, keep: true }));
}

/**
 * Every kept model the config trains on `populations`, whether or not it was trained (`sal report` loads those that
 * were): the first seed of each kept variant, then the further shifter seeds ({@link shifterSeedItems}). The
 * ensemble's members are listed by {@link ensembleMemberItems}.
 */
export function keptModelItems(config: SeedCounts, mainCrop: string, populations: readonly Population[] = POPULATIONS): PlanItem[] {
  const first = populations.flatMap((population) =>
    KEPT_VARIANTS.map((variant) => ({ population, variant, crop: mainCrop, seed: config.seed + 1, keep: true })),
  );
  return [...first, ...shifterSeedItems(config, mainCrop, populations)];
}

/**
 * The variants trained on a population: `config.variants.noShift` on the demo's control population,
 * `config.variants.shift` on the population with shifts and on a user's data (`data`, the population studied).
 */
export function variantsOf(config: Pick<StudyConfig, 'variants'>, population: Population): readonly VariantName[] {
  return population === 'noShift' ? config.variants.noShift : config.variants.shift;
}

/**
 * The models to train (on `populations`, by default the demo's two; `['data']` for a user's data): every variant of each population on the main crop (the first of `crops`), the Gaussian
 * variants of the shift population on every crop (the crop comparison); `config.seeds` seeds each, and the
 * {@link COMPARED_VARIANTS} on the main crop `max(seeds, comparisonSeeds)` seeds. Model seeds are `config.seed + 1 …`.
 */
export function trainingPlan(config: StudyConfig, crops: readonly string[], populations: readonly Population[] = POPULATIONS): PlanItem[] {
  const mainCrop = crops[0]!;
  const plan: PlanItem[] = [];
  for (const population of populations) {
    for (const variant of variantsOf(config, population)) {
      const itemCrops = population !== 'noShift' && VARIANT_SPECS[variant].readout !== 'shifter' ? crops : [mainCrop];
      for (const crop of itemCrops) {
        const n = crop === mainCrop && COMPARED_VARIANTS.includes(variant) ? Math.max(config.seeds, config.comparisonSeeds) : config.seeds;
        for (let s = 1; s <= n; s++) {
          const seed = config.seed + s;
          plan.push({ population, variant, crop, seed, keep: isKeptModel(config, mainCrop, { population, variant, crop, seed }) });
        }
      }
    }
  }
  return plan;
}

/** What a runner gets besides the items. */
export interface RunnerContext {
  config: StudyConfig;
  /** The study's output directory (the data the study wrote under `outDir/data`; runners in other processes read it back). */
  outDir: string;
  data: Pick<StudyData, 'datasets'>;
  /** A user's dataset directory (`runStudyOnData`): runners in other processes read it with `readUserStudyData`. */
  dataDir?: string;
  /** Per-epoch training lines (null: none). */
  trainLog: TextSink | null;
  /** Called as each model finishes, in any order. */
  onDone?: (r: PlanResult) => void;
}

/**
 * Trains a plan. Results come back in the order of `items`; kept items carry their encoder. In-process
 * ({@link inProcessRunner}), a pool of worker processes, or a job queue all implement this.
 */
export interface StudyRunner {
  /** Shown with the training task, e.g. `'in 2 worker processes'` ('' for none). */
  readonly description: string;
  /** Whether this runner saves the kept models' checkpoints itself (worker processes do, to hand them back). */
  readonly savesCheckpoints: boolean;
  trainAll(items: readonly PlanItem[], ctx: RunnerContext): Promise<PlanResult[]>;
}

/** Train and score one item in this process (the encoder is disposed unless the item is kept). */
export async function trainItem(item: PlanItem, data: Pick<StudyData, 'datasets'>, config: StudyConfig, log: TextSink | null): Promise<PlanResult> {
  const dataset = data.datasets[item.population]?.[item.crop];
  if (!dataset) throw new RangeError(`study.trainItem: no dataset for population '${item.population}', crop '${item.crop}'`);
  const m = await trainVariant(VARIANT_SPECS[item.variant], dataset, config, item.seed, log);
  const summary = summarise(m, item.population, item.crop);
  if (!item.keep) m.encoder.dispose();
  return { item, summary, test: m.scores.test, neurons: m.scores.neurons, encoder: item.keep ? m.encoder : null };
}

/** A runner that trains every item in this process, one after the other. */
export function inProcessRunner(): StudyRunner {
  return {
    description: '',
    savesCheckpoints: false,
    async trainAll(items, ctx) {
      const results: PlanResult[] = [];
      for (const item of items) {
        const r = await trainItem(item, ctx.data, ctx.config, ctx.trainLog);
        results.push(r);
        ctx.onDone?.(r);
      }
      return results;
    },
  };
}
