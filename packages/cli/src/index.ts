/**
 * The `sal` command's pieces for programs that drive the study like the command does: progress output and the
 * worker-process runner. The study itself is `@sal/study`.
 */
export { createReporter } from './progress.js';
export type { Reporter } from './progress.js';
export { checkpointDir, checkpointSaver, studyRunner } from './train-pool.js';
