/**
 * The job database: PostgreSQL as both the queue (pg-boss, in schema `sal_boss`) and the results store (schema
 * `sal_jobs`). One pool per process serves both. Submitting a plan enqueues each job not yet done and not already
 * queued, under the job id derived from its config key, so re-submitting, or two submitters racing, enqueue nothing twice.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import PgBoss from 'pg-boss';
import { SalConfigError, SalDataError, type JsonValue } from '@sal/types';
import { connectPool, withClient, type ConnectOptions } from './connect.js';
import { BOSS_SCHEMA, SAL_SCHEMA, ensureSchema } from './schema.js';
import { keyToUuid } from './canonical.js';
import type { Plan } from './plan.js';

/** Options of {@link JobDatabase.open}. */
export interface JobDatabaseOptions extends ConnectOptions {
  /**
   * Shared folder for artefacts (every worker and the report must see the same folder, e.g. NFS). When null,
   * artefacts are kept in PostgreSQL (bytea), which needs nothing shared but the database. @default null
   */
  artefactDir?: string | null;
  /**
   * Run pg-boss's maintenance in this process (expire leases of dead workers, archive old jobs). Workers do;
   * only one process in the cluster does it at a time. @default false
   */
  supervise?: boolean;
  /** Seconds between maintenance runs (lease expiry is noticed within this). @default 10 */
  maintenanceIntervalSeconds?: number;
}

/** Options of {@link JobDatabase.submit}. */
export interface SubmitOptions {
  /** Retries after a failure (a throw or a lost lease) before the job is failed. @default 2 */
  retries?: number;
  /** Seconds before the first retry; doubled on each later one (backoff). @default 30 */
  retryDelaySeconds?: number;
  /** A job's lease: a worker not heard from (heartbeat) for this long loses it, and the job runs again. @default 120 */
  leaseSeconds?: number;
}

/** What {@link JobDatabase.submit} did. */
export interface SubmitReport {
  readonly sweep: string;
  readonly planned: number;
  readonly enqueued: number;
  readonly alreadyDone: number;
  /** Queued, running, or failed already (see `sal sweep retry-failed`). */
  readonly alreadyQueued: number;
}

/** State of one job. */
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'lost';

/** One row of {@link JobDatabase.status}. */
export interface JobStatus {
  readonly key: string;
  readonly kind: string;
  readonly config: { [k: string]: JsonValue };
  readonly state: JobState;
  /** Worker holding it (running) or that finished it (done). */
  readonly host: string | null;
  readonly attempts: number;
  /** Last error (failed, or queued for a retry). */
  readonly error: string | null;
}

/** A stored result. */
export interface StoredResult {
  readonly key: string;
  readonly kind: string;
  readonly config: { [k: string]: JsonValue };
  readonly result: JsonValue;
  readonly artefacts: readonly ArtefactInfo[];
  readonly host: string;
  readonly durationMs: number;
}

/** An artefact's record in a result. */
export interface ArtefactInfo {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
  readonly store: 'db' | 'dir';
  /** Path in the shared folder (store 'dir'). */
  readonly path?: string;
}

/** pg-boss queue of a job kind. */
export const queueName = (kind: string): string => `sal.${kind}`;
/** pg-boss dead-letter queue: a copy of every job that failed for good. */
export const DEAD_LETTER_QUEUE = 'sal.dead';

const ARTEFACT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Check an artefact name (a plain file name). */
export function checkArtefactName(name: unknown, where: string): string {
  if (typeof name !== 'string' || !ARTEFACT_NAME.test(name))
    throw new SalConfigError(where, 'name', 'a file name of letters, digits, . _ - (at most 128)', name);
  return name;
}

/** The job database of one process. Close it with {@link close}. */
export class JobDatabase {
  private readonly queues = new Set<string>();

  private constructor(
    readonly pool: pg.Pool,
    readonly boss: PgBoss,
    readonly artefactDir: string | null,
  ) {}

  /** Connect, create the schemas if absent, check their versions. */
  static async open(url: string, options: JobDatabaseOptions = {}): Promise<JobDatabase> {
    const pool = await connectPool(url, options);
    try {
      await ensureSchema(pool);
      const make = () => {
        const b = new PgBoss({
          db: { executeSql: (text: string, values?: unknown[]) => pool.query(text, values as unknown[]) },
          schema: BOSS_SCHEMA,
          supervise: options.supervise ?? false,
          schedule: false,
          migrate: true,
          maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 10,
        } as PgBoss.ConstructorOptions);
        b.on('error', () => undefined);
        return b;
      };
      // two processes installing pg-boss's schema in a fresh database at once: one loses on pg_namespace; the
      // installation is one transaction, so the loser starts again (a new instance: a failed start is not retried)
      let boss = make();
      for (let attempt = 0; ; attempt++) {
        try {
          await boss.start();
          break;
        } catch (e) {
          if (attempt >= 4 || !/duplicate key|already exists/.test(String((e as Error).message))) throw e;
          await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
          boss = make();
        }
      }
      if (options.artefactDir) mkdirSync(options.artefactDir, { recursive: true });
      return new JobDatabase(pool, boss, options.artefactDir ?? null);
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
  }

  /** Create the queue of a kind once (idempotent in the database too). */
  async ensureQueue(kind: string): Promise<string> {
    const name = queueName(kind);
    if (this.queues.has(name)) return name;
    await this.createQueueOnce(DEAD_LETTER_QUEUE, {});
    await this.createQueueOnce(name, { name, deadLetter: DEAD_LETTER_QUEUE });
    this.queues.add(name);
    return name;
  }

  /**
   * Create a pg-boss queue unless it exists. Workers starting together race here: a unique violation means another
   * process made it, and PostgreSQL may abort one of two concurrent creations as a deadlock (40P01); both are
   * retried (a few times, after a short random wait) until the queue is seen.
   */
  private async createQueueOnce(name: string, options: Record<string, unknown>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (await this.boss.getQueue(name)) return;
      try {
        await this.boss.createQueue(name, options as never);
        return;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (await this.boss.getQueue(name)) return;
        if (attempt >= 5 || (code !== '40P01' && code !== '23505')) throw e;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
      }
    }
  }

  /** Enqueue every job of `plan` that is neither done nor in the queue (queued, running or failed). */
  async submit(plan: Plan, options: SubmitOptions = {}): Promise<SubmitReport> {
    const retries = options.retries ?? 2;
    const retryDelay = options.retryDelaySeconds ?? 30;
    const lease = options.leaseSeconds ?? 120;
    if (!Number.isInteger(retries) || retries < 0) throw new SalConfigError('submit', 'retries', 'an integer ≥ 0', retries);
    if (!Number.isInteger(retryDelay) || retryDelay < 0) throw new SalConfigError('submit', 'retryDelaySeconds', 'an integer ≥ 0', retryDelay);
    if (!Number.isInteger(lease) || lease < 1) throw new SalConfigError('submit', 'leaseSeconds', 'an integer ≥ 1', lease);
    for (const kind of new Set(plan.jobs.map((j) => j.kind))) await this.ensureQueue(kind);
    return withClient(this.pool, async (client) => {
      try {
        await client.query('BEGIN');
        // submitters queue one at a time: the check below and the insert are then one step
        await client.query("SELECT pg_advisory_xact_lock(hashtext('sal_jobs.submit'))");
        await client.query(`INSERT INTO ${SAL_SCHEMA}.sweep (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET submitted_on = now()`, [plan.name]);
        const keys = plan.jobs.map((j) => j.key);
        await client.query(
          `INSERT INTO ${SAL_SCHEMA}.job (key, kind, config, queue_id)
           SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::uuid[]) ON CONFLICT (key) DO NOTHING`,
          [keys, plan.jobs.map((j) => j.kind), plan.jobs.map((j) => JSON.stringify(j.config)), keys.map(keyToUuid)],
        );
        await client.query(
          `INSERT INTO ${SAL_SCHEMA}.sweep_job (sweep, key, position)
           SELECT $1, k, p FROM unnest($2::text[]) WITH ORDINALITY AS t(k, p) ON CONFLICT DO NOTHING`,
          [plan.name, keys],
        );
        // one statement, one snapshot: a job a worker completes meanwhile is seen either queued or done, never neither
        const { rows } = await client.query(
          `SELECT k.key, r.key IS NOT NULL AS done, b.id IS NOT NULL AS queued
           FROM unnest($1::text[], $2::uuid[]) AS k(key, id)
           LEFT JOIN ${SAL_SCHEMA}.result r ON r.key = k.key
           LEFT JOIN ${BOSS_SCHEMA}.job b ON b.id = k.id`,
          [keys, keys.map(keyToUuid)],
        );
        const done = new Set<string>(rows.filter((r) => r.done).map((r) => r.key as string));
        const queued = new Set<string>(rows.filter((r) => !r.done && r.queued).map((r) => keyToUuid(r.key as string)));
        const todo = plan.jobs.filter((j) => !done.has(j.key) && !queued.has(keyToUuid(j.key)));
        const db = { executeSql: (text: string, values?: unknown[]) => client.query(text, values as unknown[]) };
        for (let i = 0; i < todo.length; i += 1000) {
          await this.boss.insert(
            todo.slice(i, i + 1000).map((j) => ({
              id: keyToUuid(j.key),
              name: queueName(j.kind),
              data: { key: j.key, lease },
              retryLimit: retries,
              retryDelay,
              retryBackoff: true,
              expireInSeconds: lease,
            })),
            { db } as PgBoss.InsertOptions,
          );
        }
        await client.query('COMMIT');
        return {
          sweep: plan.name,
          planned: plan.jobs.length,
          enqueued: todo.length,
          alreadyDone: done.size,
          alreadyQueued: plan.jobs.length - todo.length - done.size,
        };
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  /** Names of the sweeps, oldest first. */
  async sweeps(): Promise<string[]> {
    return (await this.pool.query(`SELECT name FROM ${SAL_SCHEMA}.sweep ORDER BY created_on, name`)).rows.map((r) => r.name as string);
  }

  /** State of every job of a sweep (all sweeps when omitted), in plan order. */
  async status(sweep?: string): Promise<JobStatus[]> {
    const { rows } = await this.pool.query(
      `SELECT j.key, j.kind, j.config, j.claimed_by, j.attempts, j.last_error,
              r.host AS done_by, b.state AS live_state, b.output AS live_output, a.state AS old_state, a.output AS old_output
       FROM (SELECT DISTINCT ON (key) key, sweep, position FROM ${SAL_SCHEMA}.sweep_job WHERE ($1::text IS NULL OR sweep = $1) ORDER BY key, sweep) sj
       JOIN ${SAL_SCHEMA}.job j USING (key)
       LEFT JOIN ${SAL_SCHEMA}.result r USING (key)
       LEFT JOIN ${BOSS_SCHEMA}.job b ON b.id = j.queue_id AND b.name = 'sal.' || j.kind
       LEFT JOIN LATERAL (SELECT state, output FROM ${BOSS_SCHEMA}.archive x WHERE x.id = j.queue_id AND x.name = 'sal.' || j.kind ORDER BY archived_on DESC LIMIT 1) a ON b.id IS NULL
       ORDER BY sj.sweep, sj.position`,
      [sweep ?? null],
    );
    return rows.map((r) => {
      const qs = (r.live_state ?? r.old_state) as string | null;
      const out = (r.live_output ?? r.old_output) as { message?: string; value?: { message?: string } } | null;
      const state: JobState = r.done_by
        ? 'done'
        : qs === 'active'
          ? 'running'
          : qs === 'failed'
            ? 'failed'
            : qs === 'created' || qs === 'retry'
              ? 'queued'
              : 'lost';
      const error = state === 'done' ? null : ((r.last_error as string | null) ?? out?.message ?? out?.value?.message ?? null);
      return {
        key: r.key,
        kind: r.kind,
        config: r.config,
        state,
        host: state === 'done' ? r.done_by : state === 'running' ? r.claimed_by : null,
        attempts: Number(r.attempts),
        error: state === 'queued' && Number(r.attempts) === 0 ? null : error,
      };
    });
  }

  /** Queue again the failed jobs of a sweep (all sweeps when omitted), each with its full retries again. */
  async retryFailed(sweep?: string, options: SubmitOptions = {}): Promise<number> {
    const failed = (await this.status(sweep)).filter((s) => s.state === 'failed' || s.state === 'lost');
    if (failed.length === 0) return 0;
    const ids = failed.map((s) => keyToUuid(s.key));
    const retries = options.retries ?? 2;
    // failed jobs still in the queue's table go back to 'retry' with a fresh retry budget
    const live = await this.pool.query(
      `UPDATE ${BOSS_SCHEMA}.job SET state = 'retry', retry_limit = retry_count + 1 + $2, start_after = now(), output = NULL
       WHERE id = ANY($1::uuid[]) AND state = 'failed' RETURNING id::text`,
      [ids, retries],
    );
    await this.pool.query(`UPDATE ${SAL_SCHEMA}.job SET last_error = NULL WHERE key = ANY($1)`, [failed.map((s) => s.key)]);
    const moved = new Set(live.rows.map((r) => r.id as string));
    // archived ones (older than the archive interval) are enqueued again
    const rest = failed.filter((s) => !moved.has(keyToUuid(s.key)));
    if (rest.length > 0) {
      const plan: Plan = { name: sweep ?? (await this.sweeps())[0] ?? 'sweep', jobs: rest.map((s) => ({ kind: s.kind, config: s.config, key: s.key })) };
      await this.submit(plan, options);
    }
    return failed.length;
  }

  /** The result of one job, or null while it is not done. */
  async result(key: string): Promise<StoredResult | null> {
    const { rows } = await this.pool.query(
      `SELECT r.key, r.kind, j.config, r.result, r.artefacts, r.host, r.duration_ms FROM ${SAL_SCHEMA}.result r JOIN ${SAL_SCHEMA}.job j USING (key) WHERE r.key = $1`,
      [key],
    );
    return rows[0] ? toResult(rows[0]) : null;
  }

  /** Every result of a sweep (of one kind when given), in plan order. */
  async results(sweep: string, kind?: string): Promise<StoredResult[]> {
    const { rows } = await this.pool.query(
      `SELECT r.key, r.kind, j.config, r.result, r.artefacts, r.host, r.duration_ms
       FROM ${SAL_SCHEMA}.sweep_job sj JOIN ${SAL_SCHEMA}.result r USING (key) JOIN ${SAL_SCHEMA}.job j USING (key)
       WHERE sj.sweep = $1 AND ($2::text IS NULL OR r.kind = $2) ORDER BY sj.position`,
      [sweep, kind ?? null],
    );
    return rows.map(toResult);
  }

  /**
   * Read one artefact of a done job. Artefacts become visible only with their job's result (one transaction), and
   * their checksum is verified here.
   */
  async readArtefact(key: string, name: string): Promise<Uint8Array> {
    checkArtefactName(name, 'readArtefact');
    const res = await this.result(key);
    const info = res?.artefacts.find((a) => a.name === name);
    if (!res || !info) throw new SalDataError('readArtefact', `an artefact '${name}' of a done job`, res ? res.artefacts.map((a) => a.name) : 'no result', key);
    let data: Uint8Array;
    if (info.store === 'db') {
      const { rows } = await this.pool.query(`SELECT data FROM ${SAL_SCHEMA}.artefact WHERE key = $1 AND name = $2`, [key, name]);
      data = new Uint8Array(rows[0].data as Buffer);
    } else {
      if (!this.artefactDir) throw new SalConfigError('readArtefact', 'artefactDir', 'the shared artefact folder the workers wrote to', null);
      data = new Uint8Array(readFileSync(join(this.artefactDir, info.path ?? join(key, name))));
    }
    const sha = createHash('sha256').update(data).digest('hex');
    if (sha !== info.sha256) throw new SalDataError('readArtefact', `sha256 ${info.sha256}`, sha, `${key}/${name}`);
    return data;
  }

  /** Stop pg-boss and close the pool. */
  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, close: false }).catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}

function toResult(r: Record<string, unknown>): StoredResult {
  return {
    key: r['key'] as string,
    kind: r['kind'] as string,
    config: r['config'] as { [k: string]: JsonValue },
    result: r['result'] as JsonValue,
    artefacts: r['artefacts'] as ArtefactInfo[],
    host: r['host'] as string,
    durationMs: Number(r['duration_ms']),
  };
}
