/** What a study run produces: the JSON summary (`results.json`) and the arrays the report draws. */
import type { Verdict } from '@sal/types';
import type { ExampleAnalysis, GrfAnalysis, ModelShiftAnalysis, PcaAnalysis } from './analysis.js';
import type { SeedComparison } from './comparisons.js';
import type { StudyConfig, VariantName } from './config.js';
import type { Population, StudyData } from './data.js';
import type { ModelSummary } from './models.js';
import type { PairedComparison } from './stats.js';
import type { NeuronReliability } from './oracle-scores.js';
import type { SaliencyModelKey } from './saliency-source.js';

/** The gRF centre-of-mass test of each analysed model, keyed `'<population> / <variant>'`. */
export type GrfSummary = Partial<Record<string, { population: Population; variant: VariantName; statistic: number; pValue: number; detection: GrfAnalysis['detection'] }>>;

/**
 * Per model variant: per-neuron gRF-centre projection in the population with shifts minus the same neuron's in
 * the control population (same images), for the true shifters and for the others (sign-flip test over neurons).
 */
export type GrfVsControl = Partial<Record<string, { shifters: PairedComparison; others: PairedComparison }>>;

/** The shifter model's learned shifts against the true shifts (per-neuron projections on the salient direction, px). */
export type ModelShiftSummary = Partial<Record<Population, { agreement: number; shiftersMean: number; othersMean: number; trueShiftersMean: number }>>;

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
  grf: GrfSummary;
  grfVsControl: GrfVsControl;
  modelShifts: ModelShiftSummary;
  verdicts: Verdict[];
}

/** Everything the report needs beyond the JSON summary (arrays for figures). */
export interface StudyArtifacts {
  data: StudyData;
  grf: Record<string, GrfAnalysis>;
  modelShifts: Partial<Record<Population, ModelShiftAnalysis>>;
  pca: PcaAnalysis | null;
  examples: ExampleAnalysis | null;
  best: { session: string; index: number }[];
}
