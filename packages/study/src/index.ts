/**
 * `@sal/study`: the study "Does saliency play a role in V4 neurons?" as a library: configuration presets, input
 * variants and encoder building, the training plan and the runner interface, statistics, comparisons, verdicts,
 * analyses and report assembly. The `sal` command (`@sal/cli`) adds argument parsing, progress bars, worker
 * processes and the output folder.
 */
export { DEMO_STUDY, QUICK_STUDY, VARIANTS, resolveStudyConfig } from './config.js';
export type { StudyConfig, VariantName, CropFractions } from './config.js';
export { VARIANT_SPECS } from './variants.js';
export type { VariantSpec } from './variants.js';
export { buildEncoder, trainVariant, summarise } from './models.js';
export type { BuildEncoderOptions } from './models.js';
export type { ModelScores, ModelSummary, TrainedModel } from './models.js';
export { POPULATIONS, STUDY_SALIENCY, buildDatasets, cropPixels, loadStudyData, prepareStudyData, readStudyData, toInputCoords } from './data.js';
export type { CropGeometry, Population, StudyData } from './data.js';
export {
  COMPARED_VARIANTS,
  KEPT_VARIANTS,
  inProcessRunner,
  isKeptModel,
  keptModelItems,
  modelKey,
  trainItem,
  trainingPlan,
  variantsOf,
} from './plan.js';
export type { PlanItem, PlanResult, RunnerContext, StudyRunner } from './plan.js';
export { silentReporter } from './reporter.js';
export type { Reporter, ReporterTask } from './reporter.js';
export { pairedComparison, signed } from './stats.js';
export type { PairedComparison } from './stats.js';
export {
  RECOVERY_STATS,
  formatOverSeeds,
  formatStat,
  leastSquaresSlope,
  mannWhitneyAuc,
  overSeeds,
  recoveryOverSeeds,
  shiftRecovery,
} from './shift-recovery.js';
export type { OverSeeds, RecoveryStat, ShiftRecovery } from './shift-recovery.js';
export { COMPARISONS, compareOverSeeds, outcome, seedOutcomes, seedStability, studyComparisons, subsetsOf } from './comparisons.js';
export type { Outcome, PerNeuronScores, SeedComparison, SeedStability, StudyComparisons } from './comparisons.js';
export {
  SHIFT_RECOVERY_THRESHOLDS,
  SPREAD_REFERENCE,
  comparisonEvidence,
  comparisonVerdicts,
  insideSeedSpread,
  seedAgreement,
  seedSpread,
  grfSpecificityVerdict,
  grfVsControlVerdicts,
  modelShiftVerdict,
  studyVerdicts,
} from './verdicts.js';
export type { SeedSpread, Verdict } from './verdicts.js';
export {
  analyseExamples,
  analyseGrfs,
  analyseModelShifts,
  analysePca,
  analysisImageIds,
  liveTensors,
  sessionGrfs,
  sessionModel,
} from './analysis.js';
export type { ExampleAnalysis, GrfAnalysis, ModelShiftAnalysis, NeuronGrfStats, PcaAnalysis } from './analysis.js';
export { analyseStudy, grfAgainstControl, mainPopulation, runStudy, trainAndAnalyse } from './run.js';
export type { AnalyseStudyOptions, KeptModel, RunStudyOptions, SaveModels, TrainAndAnalyseOptions } from './run.js';
export type { DatasetInfo, GrfSummary, GrfVsControl, ModelShiftSummary, StudyArtifacts, StudyResults } from './results.js';
export { DATA_STUDY, DATA_TRAIN_DEFAULTS, builtinSaliencyFile, readUserStudyData, runStudyOnData } from './on-data.js';
export type { RunStudyOnDataOptions } from './on-data.js';
export { inputToImageCoords, learnedShiftsInPixels } from './learned-shifts.js';
export type { LearnedShiftsOptions } from './learned-shifts.js';
export { SALIENT_POINT_RULE, salientPointsFromMaps } from './salient.js';
export { LEARNED_SHIFT_METHOD, analyseLearnedShiftsOnData, summariseLearnedShifts } from './data-shifts.js';
export type { LearnedShiftAnalysis, LearnedShiftSummary } from './data-shifts.js';
export { NOT_AVAILABLE_ON_DATA, dataVerdicts } from './data-verdicts.js';
export { buildDataStudyReport } from './report-data.js';
export { buildStudyReport, formatR } from './report.js';
export type { StudyReport } from './report.js';
export { ENSEMBLE_MODELS, ensembleMemberItems, shifterSeedItems } from './plan.js';
export { MEI_ANALYSIS_DEFAULTS, analyseMeis, ensembleComparison, scoreEnsemble } from './mei-analysis.js';
export type {
  EnsembleScores,
  MeiAnalysis,
  MeiAnalysisInput,
  MeiAnalysisOptions,
  MeiArtifacts,
  MeiLoop,
  MeiModelSummary,
  MeiNeuron,
  MeiSummary,
} from './mei-analysis.js';
export { ensembleComparisonName, meiStage } from './mei-stage.js';
export type { MeiStageResult } from './mei-stage.js';
export { grfRms, meiSection, meiTargetText, trueRfEnvelope } from './mei-report.js';
export { SALIENCY_LABELS, STUDY_SALIENCY_SOURCES, modelMap, studySaliencyMaps } from './saliency-source.js';
export type { SaliencyModelKey, StudySaliency, StudySaliencyMaps } from './saliency-source.js';
export { STUDY_ORACLE, modelFractionOfOracle, neuronReliability, testRepeatGroups } from './oracle-scores.js';
export type { NeuronReliability } from './oracle-scores.js';
