/**
 * `@sal/train/node`: what reads and writes files (Node only): checkpoints, the experiment runner's results file.
 * The main entry `@sal/train` stays portable (browsers, workers).
 */
export { saveCheckpoint, loadCheckpoint, isCheckpointDir, CHECKPOINT_FORMAT, CHECKPOINT_VERSION } from './checkpoint.js';
export type { ModuleFactories, LoadedCheckpoint, WeightEntry, WeightsGroup, SaveCheckpointOptions } from './checkpoint.js';
export { writeFileAtomic } from '@sal/types/node';
export { runExperiments, writeResults, summarizeRuns, STUDY_VARIANTS } from './experiments.js';
export type { ExperimentSpec, ExperimentRun, ExperimentResults, ExperimentSummary, ScoreSet, StudyVariant } from './experiments.js';
