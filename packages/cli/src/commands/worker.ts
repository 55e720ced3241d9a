/**
 * `sal worker --db URL [--concurrency n]`: run sweep jobs from the job database until stopped. Any number of workers
 * on any machines; SIGTERM or SIGINT stops cleanly, handing the running jobs back to the queue.
 */
import { JobDatabase, runWorker } from '@sal/jobs';
import { SalConfigError } from '@sal/types';
import { intFlag } from '../config.js';
import { createReporter } from '../progress.js';
import { JOB_HANDLERS } from '../jobs/handlers.js';

export interface WorkerFlags {
  db?: string;
  concurrency?: string;
  artefacts?: string;
  kinds?: string;
  exitWhenIdle?: string;
  quiet?: boolean;
}

export async function workerCommand(flags: WorkerFlags): Promise<void> {
  if (!flags.db) throw new SalConfigError('sal worker', '--db', 'the PostgreSQL URL of the job database', flags.db);
  const reporter = createReporter({ quiet: flags.quiet });
  const kinds = flags.kinds ? flags.kinds.split(',') : Object.keys(JOB_HANDLERS);
  for (const k of kinds)
    if (!(k in JOB_HANDLERS)) throw new SalConfigError('sal worker', '--kinds', `job kinds among ${Object.keys(JOB_HANDLERS).join(', ')}`, k);
  const handlers = Object.fromEntries(kinds.map((k) => [k, JOB_HANDLERS[k]!]));
  const idle = flags.exitWhenIdle === undefined ? null : intFlag('--exit-when-idle', flags.exitWhenIdle, 0) * 1000;
  const db = await JobDatabase.open(flags.db, { supervise: true, artefactDir: flags.artefacts ?? null });
  const stop = new AbortController();
  const onSignal = () => {
    reporter.info('stopping: handing running jobs back');
    stop.abort();
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    reporter.info(`worker: ${kinds.join(', ')} jobs`);
    const s = await runWorker(db, handlers, {
      concurrency: intFlag('--concurrency', flags.concurrency, 1, 1),
      signal: stop.signal,
      exitWhenIdleMs: idle,
      onEvent: (e) => {
        if (e.type === 'start') reporter.info(`${e.kind} ${e.key.slice(0, 12)}: started (attempt ${e.attempt})`);
        else if (e.type === 'done') reporter.info(`${e.kind} ${e.key.slice(0, 12)}: done in ${(e.ms / 1000).toFixed(1)} s`);
        else if (e.type === 'error') reporter.info(`${e.kind} ${e.key.slice(0, 12)}: ${e.error}`);
        else if (e.type === 'handed-back') reporter.info(`${e.kind} ${e.key.slice(0, 12)}: handed back`);
      },
    });
    reporter.info(`worker: ${s.done} done, ${s.failed} failed, ${s.handedBack} handed back`);
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await db.close();
  }
}
