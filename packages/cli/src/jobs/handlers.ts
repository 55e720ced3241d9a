/**
 * The job kinds `sal worker` runs: `train` (one model of a sweep, see train-job.ts), `grf` (gradient receptive
 * fields of a chunk of a trained model's neurons, grf-job.ts) and `echo` (returns its config
 * after `ms` milliseconds: checks a cluster's workers and database without training anything).
 */
import type { JobHandlers } from '@sal/jobs';
import { trainJob } from './train-job.js';
import { grfJob } from './grf-job.js';
import { studyModelJob } from './study-job.js';

export const JOB_HANDLERS: JobHandlers = Object.freeze({
  train: trainJob,
  grf: grfJob,
  'study-model': studyModelJob,
  echo: async ({ config, signal }) => {
    const ms = typeof config['ms'] === 'number' ? config['ms'] : 0;
    if (ms > 0)
      await new Promise((r) => {
        const t = setTimeout(r, ms);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            r(null);
          },
          { once: true },
        );
      });
    if (config['fail'] === true) throw new Error(typeof config['message'] === 'string' ? config['message'] : 'echo job asked to fail');
    return { result: config };
  },
});

/** The job kinds a plan may use. */
export const JOB_KINDS: readonly string[] = Object.freeze(Object.keys(JOB_HANDLERS));
