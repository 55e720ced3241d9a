/**
 * The study's MEI stage: the closed loop of {@link analyseMeis} on the image-only models of the population with
 * shifts (main crop, every kept seed), and the ensemble of those seeds as an extra comparison row.
 */
import type { StudyConfig } from './config.js';
import type { SeedComparison } from './comparisons.js';
import type { StudyData } from './data.js';
import type { ModelSummary } from './models.js';
import { ENSEMBLE_MODELS, ensembleMemberItems, modelKey } from './plan.js';
import type { Reporter } from './reporter.js';
import type { Encoder } from '@sal/train';
import { analyseMeis, ensembleComparison, type MeiAnalysisOptions, type MeiArtifacts, type MeiSummary } from './mei-analysis.js';

/** What {@link meiStage} adds to the study. */
export interface MeiStageResult {
  summary: MeiSummary;
  artifacts: MeiArtifacts;
  /** The ensemble's comparison rows (single-trial and repeat-averaged), keyed like the study's comparisons; empty without an ensemble. */
  comparisons: { single: Record<string, SeedComparison>; averaged: Record<string, SeedComparison> };
}

/** Name of the ensemble's comparison row, e.g. `'shift: images ensemble of 3 seeds − images'`. */
export function ensembleComparisonName(population: string, variant: string, seeds: number): string {
  return `${population}: ${variant} ensemble of ${seeds} seeds − ${variant}`;
}

/**
 * MEIs of the best neurons of the main image-only model (population with shifts, main crop, first seed; the
 * `config.analysis.topNeurons` best unless `opts.maxNeurons` says otherwise) and of the ensemble of its kept seeds,
 * shown to the true neurons; `null` when that model was not kept.
 */
export function meiStage(
  a: { config: StudyConfig; data: StudyData; models: readonly ModelSummary[]; kept: ReadonlyMap<string, { encoder: Encoder }> },
  reporter: Reporter,
  opts?: MeiAnalysisOptions,
): MeiStageResult | null {
  const { config, data } = a;
  const { population, variant } = ENSEMBLE_MODELS;
  const crop = data.crops[0]!.name;
  const truth = data.truth[population];
  const dataset = data.datasets[population]?.[crop];
  const raw = data.raw[population];
  // a user's dataset has no true neurons to show the MEIs to (NOT_AVAILABLE_ON_DATA says so in the report)
  if (!truth || !dataset || !raw) return null;
  const seeds = [config.seed + 1, ...ensembleMemberItems(config, crop).map((i) => i.seed)].filter(
    (s) =>
      a.kept.has(modelKey(population, variant, crop, s)) &&
      a.models.some((m) => m.population === population && m.variant === variant && m.crop === crop && m.seed === s),
  );
  if (seeds[0] !== config.seed + 1) return null;
  const summaryOf = (s: number) => a.models.find((m) => m.population === population && m.variant === variant && m.crop === crop && m.seed === s)!;
  const task = reporter.task(
    `MEIs shown to the true neurons (${variant}, seed ${seeds[0]}${seeds.length > 1 ? ` and the ensemble of ${seeds.length} seeds` : ''})`,
    1,
  );
  const models = seeds.map((s) => ({ seed: s, encoder: a.kept.get(modelKey(population, variant, crop, s))!.encoder }));
  const r = analyseMeis(
    { dataset, raw, truth, models, perNeuronTest: summaryOf(seeds[0]).perNeuronTest },
    { maxNeurons: config.analysis.topNeurons, ...opts, seed: opts?.seed ?? config.seed, population, variant, crop },
  );
  const s = r.summary;
  const line = (m: NonNullable<MeiSummary['ensemble']>) => `${m.model}: median ${m.medianRatioNatural.toFixed(2)}× the best natural image`;
  task.done(`${line(s.single)}${s.ensemble ? `; ${line(s.ensemble)}` : ''} (${s.seconds.toFixed(1)} s)`);
  const comparisons: MeiStageResult['comparisons'] = { single: {}, averaged: {} };
  if (r.ensembleScores) {
    const name = ensembleComparisonName(population, variant, seeds.length);
    comparisons.single[name] = ensembleComparison(
      r.ensembleScores.test,
      seeds.map((x) => summaryOf(x).perNeuronTest),
      config.seed,
    );
    comparisons.averaged[name] = ensembleComparison(
      r.ensembleScores.testAveraged,
      seeds.map((x) => summaryOf(x).perNeuronTestAveraged),
      config.seed,
    );
  }
  return { summary: s, artifacts: r.artifacts, comparisons };
}
