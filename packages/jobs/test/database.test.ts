import { describe, expect, it, inject } from 'vitest';
import { createHash } from 'node:crypto';
import { SalConfigError } from '@sal/types';
import { JobDatabase, SalConnectionError, SalSchemaVersionError, SCHEMA_VERSION, parsePlan, runWorker, keyToUuid, type JobHandlers } from '../src/index.js';
import { freshDatabase, sql } from './helpers.js';

const url = inject('pgUrl');
const fast = { pollIntervalMs: 50, heartbeatMs: 200, exitWhenIdleMs: 300 };

function plan(n: number, name = 'p') {
  return parsePlan({ name, grids: [{ kind: 'noop', axes: { x: Array.from({ length: n }, (_, i) => i) } }] });
}

describe('JobDatabase', () => {
  it('submits a plan once: re-submitting enqueues nothing queued or done', async () => {
    const u = await freshDatabase(url);
    const db = await JobDatabase.open(u);
    try {
      const p = plan(5);
      expect(await db.submit(p)).toEqual({ sweep: 'p', planned: 5, enqueued: 5, alreadyDone: 0, alreadyQueued: 0 });
      expect(await db.submit(p)).toEqual({ sweep: 'p', planned: 5, enqueued: 0, alreadyDone: 0, alreadyQueued: 5 });
      expect((await db.status('p')).map((s) => s.state)).toEqual(['queued', 'queued', 'queued', 'queued', 'queued']);
      let runs = 0;
      const handlers: JobHandlers = {
        noop: async ({ config }) => {
          runs++;
          return { result: { y: (config['x'] as number) * 2 } };
        },
      };
      const s = await runWorker(db, handlers, fast);
      expect(s).toEqual({ done: 5, failed: 0, handedBack: 0 });
      expect(runs).toBe(5);
      expect(await db.submit(p)).toEqual({ sweep: 'p', planned: 5, enqueued: 0, alreadyDone: 5, alreadyQueued: 0 });
      const results = await db.results('p');
      expect(results.map((r) => r.result)).toEqual([{ y: 0 }, { y: 2 }, { y: 4 }, { y: 6 }, { y: 8 }]);
      expect((await db.status('p')).every((j) => j.state === 'done' && j.host !== null)).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('two submitters racing enqueue each job once', async () => {
    const u = await freshDatabase(url);
    const [a, b] = await Promise.all([JobDatabase.open(u), JobDatabase.open(u)]);
    try {
      const p = plan(20);
      const [ra, rb] = await Promise.all([a.submit(p), b.submit(p)]);
      expect(ra.enqueued + rb.enqueued).toBe(20);
      const rows = await sql<{ n: number }>(u, "SELECT count(*)::int AS n FROM sal_boss.job WHERE name = 'sal.noop'");
      expect(rows[0]!.n).toBe(20);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps artefacts in PostgreSQL and returns them byte for byte with their checksum', async () => {
    const u = await freshDatabase(url);
    const db = await JobDatabase.open(u);
    try {
      const p = parsePlan({ name: 'a', jobs: [{ kind: 'art', config: { n: 1000 } }] });
      await db.submit(p);
      const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
      await runWorker(db, { art: async () => ({ result: 'ok', artefacts: [{ name: 'grf.f32', data: bytes }] }) }, fast);
      const key = p.jobs[0]!.key;
      const r = await db.result(key);
      expect(r!.artefacts).toEqual([{ name: 'grf.f32', size: 1000, sha256: createHash('sha256').update(bytes).digest('hex'), store: 'db' }]);
      expect(Buffer.from(await db.readArtefact(key, 'grf.f32')).equals(Buffer.from(bytes))).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('retries a throwing job with backoff, then fails it with its error; other jobs are unaffected; retry-failed queues it again', async () => {
    const u = await freshDatabase(url);
    const db = await JobDatabase.open(u, { supervise: true, maintenanceIntervalSeconds: 1 });
    try {
      const p = parsePlan({
        name: 'f',
        jobs: [
          { kind: 'maybe', config: { fail: true } },
          { kind: 'maybe', config: { fail: false } },
        ],
      });
      await db.submit(p, { retries: 2, retryDelaySeconds: 0 });
      let tries = 0;
      const handlers: JobHandlers = {
        maybe: async ({ config }) => {
          if (config['fail']) {
            tries++;
            throw new RangeError(`bad value ${tries}`);
          }
          return { result: 1 };
        },
      };
      await runWorker(db, handlers, fast);
      expect(tries).toBe(3); // the first run and 2 retries
      const st = await db.status('f');
      expect(st.map((s) => s.state)).toEqual(['failed', 'done']);
      expect(st[0]!.error).toBe('RangeError: bad value 3');
      expect(st[0]!.attempts).toBe(3);
      const dead = await sql<{ n: number }>(u, "SELECT count(*)::int AS n FROM sal_boss.job WHERE name = 'sal.dead'");
      expect(dead[0]!.n).toBe(1);
      expect(await db.retryFailed('f', { retries: 0 })).toBe(1);
      expect((await db.status('f'))[0]!.state).toBe('queued');
      await runWorker(db, handlers, fast);
      expect(tries).toBe(4);
      expect((await db.status('f'))[0]!.state).toBe('failed');
    } finally {
      await db.close();
    }
  });

  it('stops on abort and hands its running job back without using a retry', async () => {
    const u = await freshDatabase(url);
    const db = await JobDatabase.open(u);
    try {
      const p = parsePlan({ name: 'h', jobs: [{ kind: 'slow', config: {} }] });
      await db.submit(p, { retries: 0 });
      const stop = new AbortController();
      const handlers: JobHandlers = {
        slow: async ({ signal }) => {
          setTimeout(() => stop.abort(), 100);
          await new Promise((r) => signal.addEventListener('abort', r));
          return { result: null };
        },
      };
      expect(await runWorker(db, handlers, { ...fast, signal: stop.signal })).toEqual({ done: 0, failed: 0, handedBack: 1 });
      expect((await db.status('h'))[0]!.state).toBe('queued');
      const row = await sql<{ state: string; retry_count: number }>(u, 'SELECT state, retry_count FROM sal_boss.job WHERE id = $1', [
        keyToUuid(p.jobs[0]!.key),
      ]);
      expect(row[0]).toEqual({ state: 'created', retry_count: 0 });
      expect(await runWorker(db, { slow: async () => ({ result: 'second' }) }, fast)).toEqual({ done: 1, failed: 0, handedBack: 0 });
    } finally {
      await db.close();
    }
  });
});

describe('bad input', () => {
  it('an unreachable server: SalConnectionError within the connect timeout', async () => {
    const t0 = Date.now();
    // 127.0.0.1 port 1: nothing listens there
    await expect(JobDatabase.open('postgresql://sal@127.0.0.1:1/sal', { connectTimeoutMs: 1000 })).rejects.toThrow(SalConnectionError);
    // a routable address that drops packets would hang without the timeout; a socket folder that does not exist fails fast
    await expect(JobDatabase.open('postgresql://sal@/sal?host=/nonexistent-sal-dir', { connectTimeoutMs: 1000 })).rejects.toThrow(
      /cannot connect to the job database/,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("a wrong database or user: SalConnectionError with the server's reason, password masked", async () => {
    const wrongDb = url.replace(/\/postgres\?/, '/no_such_db?');
    await expect(JobDatabase.open(wrongDb)).rejects.toThrow(/database "no_such_db" does not exist/);
    const wrongUser = url.replace('postgres@', 'nobody:secret@');
    const e = await JobDatabase.open(wrongUser).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SalConnectionError);
    expect(String((e as Error).message)).not.toContain('secret');
    expect(String((e as Error).message)).toContain('role "nobody" does not exist');
  });

  it('a URL that is not PostgreSQL: SalConfigError naming --db', async () => {
    await expect(JobDatabase.open('mysql://x@y/z')).rejects.toThrow(SalConfigError);
    await expect(JobDatabase.open('mysql://x@y/z')).rejects.toThrow(/--db: option 'db' expected a PostgreSQL URL/);
  });

  it('a schema written by a newer sal: SalSchemaVersionError, nothing changed', async () => {
    const u = await freshDatabase(url);
    await (await JobDatabase.open(u)).close();
    await sql(u, 'UPDATE sal_jobs.version SET version = $1', [SCHEMA_VERSION + 1]);
    const e = await JobDatabase.open(u).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SalSchemaVersionError);
    expect((e as SalSchemaVersionError).actual).toBe(SCHEMA_VERSION + 1);
    expect((e as Error).message).toMatch(/written by a newer sal/);
  });
});
