/**
 * `sal sweep plan.json --db URL`: enqueue a sweep's jobs (nothing already done or queued is enqueued again);
 * `sal sweep status`, `sal sweep retry-failed`. Without `--db`, a PostgreSQL server of this machine is started in
 * the output folder, the jobs run here on the same code path as a cluster's workers, and the server stops after.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JobDatabase, parsePlan, runWorker, startLocalPostgres, stableStringify, type JobStatus } from '@sal/jobs';
import { SalConfigError, assertSafeKeys, isJsonObject, parseJson } from '@sal/types';
import { studyPlan } from '../jobs/study-job.js';
import { intFlag } from '../config.js';
import { createReporter, type Reporter } from '../progress.js';
import { JOB_HANDLERS, JOB_KINDS } from '../jobs/handlers.js';

export interface SweepFlags {
  db?: string;
  out?: string;
  retries?: string;
  lease?: string;
  retryDelay?: string;
  wait?: boolean;
  workers?: string;
  artefacts?: string;
  quiet?: boolean;
}

function readPlan(file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SalConfigError('sal sweep', 'plan', 'a readable JSON plan file', `${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  // a study plan ({"study": …}) expands to the jobs of `sal demo`; any other plan lists jobs or grids
  const value = parseJson(text, file);
  assertSafeKeys(value, file);
  if (isJsonObject(value) && 'study' in value) return studyPlan(value);
  return parsePlan(value, { kinds: JOB_KINDS, file });
}

export async function sweepCommand(planFile: string, flags: SweepFlags): Promise<void> {
  const reporter = createReporter({ quiet: flags.quiet });
  const plan = readPlan(planFile);
  const submit = {
    retries: intFlag('--retries', flags.retries, 2),
    leaseSeconds: intFlag('--lease', flags.lease, 120, 1),
    retryDelaySeconds: intFlag('--retry-delay', flags.retryDelay, 30),
  };
  if (flags.db) {
    const db = await JobDatabase.open(flags.db, { artefactDir: flags.artefacts ?? null });
    try {
      const r = await db.submit(plan, submit);
      reporter.info(`sweep ${r.sweep}: ${r.planned} jobs, ${r.enqueued} enqueued, ${r.alreadyDone} already done, ${r.alreadyQueued} already queued or failed`);
      if (flags.wait) await waitForSweep(db, plan.name, reporter);
    } finally {
      await db.close();
    }
    return;
  }
  // one machine, no set-up: a server in the output folder, and the workers here
  const out = resolve(flags.out ?? 'sal-sweep');
  const server = await startLocalPostgres(join(out, 'postgres'));
  try {
    const db = await JobDatabase.open(server.url, { supervise: true, maintenanceIntervalSeconds: 5, artefactDir: flags.artefacts ?? null });
    try {
      const r = await db.submit(plan, submit);
      reporter.info(`sweep ${r.sweep}: ${r.planned} jobs, ${r.enqueued} enqueued, ${r.alreadyDone} already done (database in ${join(out, 'postgres')})`);
      const task = reporter.task(`sweep ${plan.name}`, plan.jobs.length);
      task.tick(r.alreadyDone);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      try {
        await runWorker(db, JOB_HANDLERS, {
          concurrency: intFlag('--workers', flags.workers, 1, 1),
          pollIntervalMs: 200,
          exitWhenIdleMs: 1000,
          signal: stop.signal,
          onEvent: (e) => {
            if (e.type === 'done' || e.type === 'skip') task.tick(1, e.kind);
            else if (e.type === 'error') reporter.info(`${e.kind} ${e.key.slice(0, 12)}: ${e.error}`);
          },
        });
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      }
      task.done();
      reporter.info(formatStatus(await db.status(plan.name)));
    } finally {
      await db.close();
    }
  } finally {
    await server.stop('fast').catch(() => undefined);
  }
}

async function waitForSweep(db: JobDatabase, sweep: string, reporter: Reporter): Promise<void> {
  let st = await db.status(sweep);
  const task = reporter.task(`sweep ${sweep}`, st.length);
  let finished = 0;
  for (;;) {
    const now = st.filter((s) => s.state === 'done' || s.state === 'failed').length;
    if (now > finished) {
      task.tick(now - finished, `${st.filter((s) => s.state === 'running').length} running`);
      finished = now;
    }
    if (finished >= st.length) break;
    await new Promise((r) => setTimeout(r, 2000));
    st = await db.status(sweep);
  }
  task.done();
  reporter.info(formatStatus(st));
}

export interface SweepStatusFlags {
  db?: string;
  sweep?: string;
  quiet?: boolean;
}

function needDb(db: string | undefined, cmd: string): string {
  if (!db) throw new SalConfigError(cmd, '--db', 'the PostgreSQL URL of the job database', db);
  return db;
}

/** `sal sweep status`: a table of the jobs, and the counts per state; printed on stdout. */
export async function sweepStatusCommand(flags: SweepStatusFlags): Promise<string> {
  const db = await JobDatabase.open(needDb(flags.db, 'sal sweep status'));
  try {
    const text = formatStatus(await db.status(flags.sweep));
    process.stdout.write(`${text}\n`);
    return text;
  } finally {
    await db.close();
  }
}

/** `sal sweep retry-failed`: queue the failed jobs again with fresh retries. */
export async function sweepRetryCommand(flags: SweepStatusFlags & { retries?: string }): Promise<number> {
  const reporter = createReporter({ quiet: flags.quiet });
  const db = await JobDatabase.open(needDb(flags.db, 'sal sweep retry-failed'));
  try {
    const n = await db.retryFailed(flags.sweep, { retries: intFlag('--retries', flags.retries, 2) });
    reporter.info(`${n} failed job${n === 1 ? '' : 's'} queued again`);
    return n;
  } finally {
    await db.close();
  }
}

/** The status table: a line of counts, then one row per job not done (all rows when `all`). */
export function formatStatus(rows: readonly JobStatus[], all = true): string {
  const count = (s: string) => rows.filter((r) => r.state === s).length;
  const head = `${rows.length} jobs: ${count('done')} done, ${count('running')} running, ${count('queued')} queued, ${count('failed')} failed${count('lost') ? `, ${count('lost')} lost (submit the plan again)` : ''}`;
  const shown = all ? rows : rows.filter((r) => r.state !== 'done');
  if (shown.length === 0) return head;
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const table = [['state', 'kind', 'job', 'config', 'host', 'attempts', 'error']].concat(
    shown.map((r) => [r.state, r.kind, r.key.slice(0, 12), cut(stableStringify(r.config), 48), r.host ?? '', String(r.attempts), r.error ?? '']),
  );
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  return [
    head,
    ...table.map((row) =>
      row
        .map((v, c) => (c === row.length - 1 ? v : v.padEnd(widths[c]!)))
        .join('  ')
        .trimEnd(),
    ),
  ].join('\n');
}
