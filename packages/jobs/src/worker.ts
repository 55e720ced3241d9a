/**
 * A worker: reserves jobs from the queues of the kinds it has handlers for (pg-boss: `FOR UPDATE SKIP LOCKED`), keeps
 * each job's lease alive with heartbeats while its handler runs, and commits the result and its artefacts in one
 * transaction with the job's completion. Delivery is at least once: a job whose worker dies runs again once its lease
 * expires, and its result is an upsert keyed by the config hash, so it is stored once whatever runs twice.
 */
import { hostname } from 'node:os';
import { createHash, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { SalConfigError, type JsonValue } from '@sal/types';
import { writeFileAtomic } from '@sal/types/node';
import { BOSS_SCHEMA, SAL_SCHEMA } from './schema.js';
import { withClient } from './connect.js';
import { checkArtefactName, queueName, type ArtefactInfo, type JobDatabase } from './database.js';

/** What a handler gets. */
export interface JobContext {
  readonly key: string;
  readonly kind: string;
  readonly config: { [k: string]: JsonValue };
  /** 1 on the first run, 2 on the first retry, … */
  readonly attempt: number;
  /** This worker's name (host:pid). */
  readonly host: string;
  /** Aborted when the worker stops (SIGTERM): the job is handed back; stop soon. */
  readonly signal: AbortSignal;
  /** The job database, to read other jobs' results and artefacts (a gRF chunk reads its model's checkpoint). */
  readonly db: JobDatabase;
}

/** What a handler returns: a JSON result and named artefacts (checkpoints, arrays). */
export interface JobOutput {
  readonly result: JsonValue;
  readonly artefacts?: ReadonlyArray<{ readonly name: string; readonly data: Uint8Array }>;
}

/** A job kind's handler. Throwing fails the attempt (retried with backoff, then failed with the error kept). */
export type JobHandler = (job: JobContext) => Promise<JobOutput>;

/** Job kinds → handlers. */
export type JobHandlers = Readonly<Record<string, JobHandler>>;

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  /** Jobs run at once in this process. @default 1 */
  concurrency?: number;
  /** Wait between polls of an empty queue (± 25% jitter, so many workers do not poll in step). @default 1000 */
  pollIntervalMs?: number;
  /** Heartbeat period; each beat extends the lease to now + the job's lease. @default 10000 */
  heartbeatMs?: number;
  /** The worker's name in `sal sweep status`. @default `${hostname()}:${pid}` */
  host?: string;
  /** Stop when aborted: running jobs are handed back to the queue, not failed. @default undefined */
  signal?: AbortSignal;
  /** Return once every queue of these kinds has been empty (no queued or running job) for this long; null: run until stopped. @default null */
  exitWhenIdleMs?: number | null;
  /** Called on each event (for progress and logs). @default undefined */
  onEvent?: (e: WorkerEvent) => void;
}

/** Worker events. */
export type WorkerEvent =
  | { type: 'start'; key: string; kind: string; attempt: number }
  | { type: 'done'; key: string; kind: string; ms: number; stored: boolean }
  | { type: 'skip'; key: string; kind: string }
  | { type: 'error'; key: string; kind: string; error: string }
  | { type: 'handed-back'; key: string; kind: string };

/** What a worker did. */
export interface WorkerSummary {
  readonly done: number;
  readonly failed: number;
  readonly handedBack: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Run jobs until `signal` aborts (or the queues stay idle, with `exitWhenIdleMs`). */
export async function runWorker(db: JobDatabase, handlers: JobHandlers, options: WorkerOptions = {}): Promise<WorkerSummary> {
  const kinds = Object.keys(handlers);
  if (kinds.length === 0) throw new SalConfigError('runWorker', 'handlers', 'at least one job kind', kinds);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
    throw new SalConfigError('runWorker', 'concurrency', 'an integer in [1, 256]', concurrency);
  const poll = options.pollIntervalMs ?? 1000;
  const beat = options.heartbeatMs ?? 10_000;
  const host = options.host ?? `${hostname()}:${process.pid}`;
  const signal = options.signal ?? new AbortController().signal;
  for (const k of kinds) await db.ensureQueue(k);
  const summary = { done: 0, failed: 0, handedBack: 0 };
  let idleSince: number | null = null;

  const busy = async (): Promise<boolean> => {
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM ${BOSS_SCHEMA}.job WHERE name = ANY($1) AND state IN ('created', 'retry', 'active')`, [
      kinds.map(queueName),
    ]);
    return rows[0].n > 0;
  };

  const slot = async (index: number): Promise<void> => {
    let turn = index;
    while (!signal.aborted) {
      let job: { id: string; name: string; data: { key: string; lease?: number }; retryCount?: number; retry_count?: number } | undefined;
      for (let i = 0; i < kinds.length && !job; i++) {
        const kind = kinds[(turn + i) % kinds.length]!;
        // pg-boss's fetch returns [] when the server is away; polling again is the reconnect
        const got = await db.boss.fetch<{ key: string }>(queueName(kind), { batchSize: 1, includeMetadata: true });
        job = got[0] as typeof job;
      }
      turn++;
      if (!job) {
        if (options.exitWhenIdleMs != null) {
          const isBusy = await busy().catch(() => true);
          if (isBusy) idleSince = null;
          else if (idleSince === null) idleSince = Date.now();
          else if (Date.now() - idleSince >= options.exitWhenIdleMs) return;
        }
        await sleep(poll * (0.75 + 0.5 * Math.random()), signal);
        continue;
      }
      idleSince = null;
      try {
        const outcome = await runOne(db, handlers, job, host, beat, signal, options.onEvent);
        summary[outcome]++;
      } catch (e) {
        // the database stayed away longer than the retries: the job is left active and runs again after its lease
        options.onEvent?.({ type: 'error', key: job.data.key, kind: job.name.slice('sal.'.length), error: `database: ${(e as Error).message}` });
        await sleep(poll, signal);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => slot(i)));
  return summary;
}

async function runOne(
  db: JobDatabase,
  handlers: JobHandlers,
  job: { id: string; name: string; data: { key: string; lease?: number }; retryCount?: number; retry_count?: number },
  host: string,
  beat: number,
  stop: AbortSignal,
  onEvent?: (e: WorkerEvent) => void,
): Promise<'done' | 'failed' | 'handedBack'> {
  const kind = job.name.slice('sal.'.length);
  const key = job.data.key;
  const attempt = (job.retryCount ?? job.retry_count ?? 0) + 1;
  const { rows } = await retrying(
    () =>
      db.pool.query(
        `UPDATE ${SAL_SCHEMA}.job SET claimed_by = $2, claimed_on = now(), attempts = attempts + 1 WHERE key = $1
       RETURNING config, EXISTS (SELECT 1 FROM ${SAL_SCHEMA}.result WHERE key = $1) AS done`,
        [key, host],
      ),
    stop,
  );
  if (!rows[0] || rows[0].done) {
    // done already (a run whose lease expired while it was finishing): complete without running again
    await retrying(() => db.boss.complete(job.name, job.id), stop).catch(() => undefined);
    onEvent?.({ type: 'skip', key, kind });
    return 'done';
  }
  onEvent?.({ type: 'start', key, kind, attempt });
  const local = new AbortController();
  const onStop = () => local.abort();
  stop.addEventListener('abort', onStop, { once: true });
  const lease = Number(job.data.lease) > 0 ? Number(job.data.lease) : 120;
  const heartbeat = setInterval(() => {
    // the lease runs from the last beat: expire_in is counted by pg-boss from started_on
    db.pool
      .query(
        `UPDATE ${BOSS_SCHEMA}.job SET expire_in = (now() - started_on) + $3 * interval '1 second'
       WHERE name = $1 AND id = $2 AND state = 'active'`,
        [job.name, job.id, lease],
      )
      .catch(() => undefined);
  }, beat);
  heartbeat.unref();
  const t0 = performance.now();
  try {
    const handler = handlers[kind]!;
    const out = await Promise.race([
      handler({ key, kind, config: rows[0].config, attempt, host, signal: local.signal, db }),
      new Promise<never>((_, reject) => local.signal.addEventListener('abort', () => reject(new HandBack()), { once: true })),
    ]);
    if (local.signal.aborted) throw new HandBack();
    const ms = performance.now() - t0;
    const stored = await retrying(() => commit(db, job, key, kind, out, host, ms), stop);
    onEvent?.({ type: 'done', key, kind, ms, stored });
    return 'done';
  } catch (e) {
    if (e instanceof HandBack || stop.aborted) {
      // not the job's fault: back to the queue without using a retry
      await db.pool
        .query(`UPDATE ${BOSS_SCHEMA}.job SET state = 'created', started_on = NULL, start_after = now() WHERE name = $1 AND id = $2 AND state = 'active'`, [
          job.name,
          job.id,
        ])
        .catch(() => undefined);
      onEvent?.({ type: 'handed-back', key, kind });
      return 'handedBack';
    }
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    await retrying(async () => {
      await db.pool.query(`UPDATE ${SAL_SCHEMA}.job SET last_error = $2 WHERE key = $1`, [key, message]);
      await db.boss.fail(job.name, job.id, { message, stack: e instanceof Error ? (e.stack ?? null) : null, host });
    }, stop).catch(() => undefined);
    onEvent?.({ type: 'error', key, kind, error: message });
    return 'failed';
  } finally {
    clearInterval(heartbeat);
    stop.removeEventListener('abort', onStop);
  }
}

class HandBack extends Error {}

/** Retry a database step through a server restart (connection errors), up to about a minute. */
async function retrying<T>(step: () => Promise<T>, stop: AbortSignal): Promise<T> {
  let wait = 200;
  for (let i = 0; ; i++) {
    try {
      return await step();
    } catch (e) {
      if (i >= 12 || !isTransient(e)) throw e;
      if (stop.aborted && i >= 2) throw e;
      await sleep(wait);
      wait = Math.min(wait * 2, 5000);
    }
  }
}

function isTransient(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  const msg = e instanceof Error ? e.message : '';
  // SQLSTATE classes 08 (connection), 53 (resources), 57P (shutdown, starting up); network errors; pg's own
  // "not queryable" after a lost connection
  return /^(08|53|57P)/.test(code) || /ECONNREFUSED|ECONNRESET|ENOENT|EPIPE|terminat|connection|timeout|queryable|closed/i.test(`${code} ${msg}`);
}

/** Store artefacts and the result and complete the job, in one transaction. Returns false when a result was already there. */
async function commit(
  db: JobDatabase,
  job: { id: string; name: string },
  key: string,
  kind: string,
  out: JobOutput,
  host: string,
  ms: number,
): Promise<boolean> {
  const artefacts: ArtefactInfo[] = [];
  const seen = new Set<string>();
  // in a shared folder each run writes its own subfolder (temp file + rename): a run that loses the race to
  // store its result never overwrites the files a stored result points to
  const run = randomUUID();
  for (const a of out.artefacts ?? []) {
    const name = checkArtefactName(a.name, `job ${kind} artefact`);
    if (seen.has(name)) throw new SalConfigError(`job ${kind}`, 'artefacts', 'distinct names', name);
    seen.add(name);
    const sha256 = createHash('sha256').update(a.data).digest('hex');
    const path = db.artefactDir ? `${key}/${run}/${name}` : undefined;
    if (db.artefactDir) await writeFileAtomic(join(db.artefactDir, path!), a.data);
    artefacts.push({ name, size: a.data.byteLength, sha256, store: db.artefactDir ? 'dir' : 'db', ...(path ? { path } : {}) });
  }
  return withClient(db.pool, async (client: pg.PoolClient) => {
    try {
      await client.query('BEGIN');
      const ins = await client.query(
        `INSERT INTO ${SAL_SCHEMA}.result (key, kind, result, artefacts, host, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (key) DO NOTHING RETURNING key`,
        [key, kind, JSON.stringify(out.result ?? null), JSON.stringify(artefacts), host, ms],
      );
      const stored = ins.rowCount === 1;
      if (stored && !db.artefactDir) {
        for (const a of out.artefacts ?? []) {
          await client.query(`INSERT INTO ${SAL_SCHEMA}.artefact (key, name, data) VALUES ($1, $2, $3)`, [
            key,
            a.name,
            Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength),
          ]);
        }
      }
      await db.boss.complete(job.name, job.id, {}, {
        db: { executeSql: (text: string, values?: unknown[]) => client.query(text, values as unknown[]) },
      } as never);
      await client.query('COMMIT');
      if (!stored && db.artefactDir && artefacts.length > 0) rmSync(join(db.artefactDir, key, run), { recursive: true, force: true });
      return stored;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  });
}
