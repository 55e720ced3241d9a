/**
 * The study as a library: the configuration presets, `runStudy` and the report builder the `sal` command
 * uses. Most users want the command (`sal demo`) or the individual packages.
 */
export { DEMO_STUDY, QUICK_STUDY, VARIANTS, resolveStudyConfig } from './study/config.js';
export type { StudyConfig, VariantName, CropFractions } from './study/config.js';
export { runStudy } from './study/run.js';
export type { StudyResults, StudyArtifacts, Verdict, RunStudyOptions } from './study/run.js';
export type { ModelSummary } from './study/models.js';
export { buildStudyReport } from './study/report.js';
export { VARIANT_SPECS } from './study/variants.js';
export { createReporter } from './progress.js';
export type { Reporter } from './progress.js';
