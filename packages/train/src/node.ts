/**
 * `@sal/train/node`: what reads and writes files (Node only): checkpoints.
 * The main entry `@sal/train` stays portable (browsers, workers).
 */
export { saveCheckpoint, loadCheckpoint, isCheckpointDir, CHECKPOINT_FORMAT, CHECKPOINT_VERSION } from './checkpoint.js';
export type { ModuleFactories, LoadedCheckpoint, WeightEntry, WeightsGroup, SaveCheckpointOptions } from './checkpoint.js';
export { writeFileAtomic } from '@sal/types/node';
