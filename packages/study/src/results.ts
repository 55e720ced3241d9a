/** What a study run produces: the JSON summary (`results.json`) and the arrays the report draws. */
import type { JsonObject, Verdict } from '@sal/types';
import type { LearnedShiftAnalysis, LearnedShiftSummary } from './data-shifts.js';
import type { ExampleAnalysis, GrfAnalysis, ModelShiftAnalysis, PcaAnalysis } from './analysis.js';
import type { SeedComparison, SeedStability } from './comparisons.js';
import type { StudyConfig, VariantName } from './config.js';
import type { Population, StudyData } from './data.js';
import type { ModelSummary } from './models.js';
import type { PairedComparison } from './stats.js';
import type { MeiArtifacts, MeiSummary } from './mei-analysis.js';
import type { OverSeeds, RecoveryStat, ShiftRecovery } from './shift-recovery.js';
import type { NeuronReliability } from './oracle-scores.js';
import type { SaliencyModelKey } from './saliency-source.js';

/** The gRF centre-of-mass test of each analysed model, keyed `'<population> / <variant>'`. */
export type GrfSummary = Partial<
  Record<string, { population: Population; variant: VariantName; statistic: number; pValue: number; detection: GrfAnalysis['detection'] }>
>;

/**
 * Per model variant: per-neuron gRF-centre projection in the population with shifts minus the same neuron's in
 * the control population (same images), for the true shifters and for the others (sign-flip test over neurons).
 */
export type GrfVsControl = Partial<Record<string, { shifters: PairedComparison; others: PairedComparison }>>;

/**
 * The shifter models' learned shifts against the true shifts (per-neuron projections on the salient direction, px),
 * per population. `agreement`, `shiftersMean`, `othersMean` and `trueShiftersMean` are those of the first seed's
 * model; `agreement` is the correlation over ALL neurons, dominated by the two groups (true shifters vs fixed), so
 * the verdict does not use it. `recovery` holds the statistics that cannot overstate (see `shift-recovery.ts`), one
 * per analysed model seed (`seeds`), and `overSeeds` their mean ± sd. NaN (null in the JSON) = undefined.
 */
export type ModelShiftSummary = Partial<
  Record<
    Population,
    {
      agreement: number;
      shiftersMean: number;
      othersMean: number;
      trueShiftersMean: number;
      seeds?: number[];
      recovery?: ShiftRecovery[];
      overSeeds?: Record<RecoveryStat, OverSeeds>;
    }
  >
>;

export interface StudyResults {
  config: StudyConfig;
  backend: string;
  seconds: Record<string, number>;
  saliencyAgreement: number;
  /** Every built-in saliency model's agreement with the true saliency (absent in results of older runs). */
  saliencyAgreements?: Record<SaliencyModelKey, number>;
  /** Per population: jackknife oracle correlation and SNR of the neurons on the test repeats (absent in older runs). */
  reliability?: Partial<Record<Population, NeuronReliability | null>>;
  models: ModelSummary[];
  /**
   * Paired over neurons on the single-trial test correlation (the original's "test correlation"), main crop; with
   * several model seeds each neuron's correlation is averaged over them, and `seedDeltas` gives each seed's mean Δ.
   */
  comparisons: Record<string, SeedComparison>;
  /** The same on the repeat-averaged test correlation (less dominated by trial-to-trial noise). */
  comparisonsAveraged: Record<string, SeedComparison>;
  /**
   * Per comparison (of `comparisonsAveraged`), the verdict of every 3-seed subset of its model seeds, counted; with
   * fewer than 5 seeds only `note: 'needs ≥ 5 seeds'`.
   */
  seedStability: Record<string, SeedStability>;
  grf: GrfSummary;
  grfVsControl: GrfVsControl;
  modelShifts: ModelShiftSummary;
  verdicts: Verdict[];
  /** A study on a user's dataset (`runStudyOnData`): where the data came from and how its salient points were taken. */
  dataset?: DatasetInfo;
  /** On a user's dataset: the shifter's learned shifts toward each image's salient point (null without a shifter model). */
  learnedShifts?: LearnedShiftSummary | null;
  /** On a user's dataset: the analyses of the demo that need ground truth, and why they are not available. */
  notAvailable?: { analysis: string; reason: string }[];
  /** MEIs of the best neurons shown to the true neurons (closed loop), single model and ensemble; absent in older runs. */
  mei?: MeiSummary | null;
}

/** What `results.json` records about a user's dataset. */
export interface DatasetInfo {
  /** The dataset directory, relative to the output folder (moving both together keeps it valid). */
  dir: string;
  imagesShape: [number, number, number];
  sessions: { key: string; neurons: number; trainTrials: number; testTrials: number }[];
  /** `'dataset'`: the dataset's `saliency.npy`; `'builtin'`: none there, the built-in model's maps (settings in `saliencyModel`). */
  saliency: 'dataset' | 'builtin';
  saliencyModel: JsonObject | null;
  /** How the salient point of each image was taken from the maps. */
  salientPoints: string;
}

/** Everything the report needs beyond the JSON summary (arrays for figures). */
export interface StudyArtifacts {
  data: StudyData;
  grf: Record<string, GrfAnalysis>;
  modelShifts: Partial<Record<Population, ModelShiftAnalysis>>;
  pca: PcaAnalysis | null;
  examples: ExampleAnalysis | null;
  best: { session: string; index: number }[];
  /** On a user's dataset: the shifter's learned shifts per neuron and image. */
  learnedShifts?: LearnedShiftAnalysis;
  /** The MEIs of the closed loop (for the MEI figure). */
  mei?: MeiArtifacts | null;
}
