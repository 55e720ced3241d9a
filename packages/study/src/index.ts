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
export type { ModelScores, ModelSummary, TrainedModel } from './models.js';
export { POPULATIONS, STUDY_SALIENCY, buildDatasets, cropPixels, loadStudyData, prepareStudyData, readStudyData, toInputCoords } from './data.js';
export type { CropGeometry, Population, StudyData } from './data.js';
export {
  COMPARED_VARIANTS, KEPT_VARIANTS, inProcessRunner, isKeptModel, keptModelItems, modelKey, trainItem, trainingPlan,
} from './plan.js';
export type { PlanItem, PlanResult, RunnerContext, StudyRunner } from './plan.js';
export { silentReporter } from './reporter.js';
export type { Reporter, ReporterTask } from './reporter.js';
export { pairedComparison, signed } from './stats.js';
export type { PairedComparison } from './stats.js';
export { COMPARISONS, compareOverSeeds, outcome, studyComparisons } from './comparisons.js';
export type { Outcome, PerNeuronScores, SeedComparison, StudyComparisons } from './comparisons.js';
export {
  comparisonEvidence, comparisonVerdicts, grfSpecificityVerdict, grfVsControlVerdicts, modelShiftVerdict, studyVerdicts,
} from './verdicts.js';
export type { Verdict } from './verdicts.js';
export {
  analyseExamples, analyseGrfs, analyseModelShifts, analysePca, analysisImageIds, liveTensors, sessionGrfs, sessionModel,
} from './analysis.js';
export type { ExampleAnalysis, GrfAnalysis, ModelShiftAnalysis, NeuronGrfStats, PcaAnalysis } from './analysis.js';
export { analyseStudy, grfAgainstControl, runStudy } from './run.js';
export type { AnalyseStudyOptions, KeptModel, RunStudyOptions, SaveModels } from './run.js';
export type { GrfSummary, GrfVsControl, ModelShiftSummary, StudyArtifacts, StudyResults } from './results.js';
export { buildStudyReport, formatR } from './report.js';
export type { StudyReport } from './report.js';
export { SALIENCY_LABELS, STUDY_SALIENCY_SOURCES, modelMap, studySaliencyMaps } from './saliency-source.js';
export type { SaliencyModelKey, StudySaliency, StudySaliencyMaps } from './saliency-source.js';
export { STUDY_ORACLE, modelFractionOfOracle, neuronReliability, testRepeatGroups } from './oracle-scores.js';
export type { NeuronReliability } from './oracle-scores.js';
