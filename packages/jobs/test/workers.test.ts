/**
 * Fault tests: worker processes on this machine stand in for machines, against the real PostgreSQL server of the
 * test setup (or one of their own, to stop and restart).
 */
import { describe, expect, it, inject } from 'vitest';
import { createHash } from 'node:crypto';
import { JobDatabase, parsePlan } from '../src/index.js';
import { freshDatabase, sql, startWorker, waitFor } from './helpers.js';

const url = inject('pgUrl');

const sleepPlan = (name: string, n: number, ms: number, extra: Record<string, unknown> = {}) =>
  parsePlan({ name, grids: [{ kind: 'sleep', base: { ms, ...extra }, axes: { x: Array.from({ length: n }, (_, i) => i) } }] });

async function counts(u: string) {
  const results = await sql<{ key: string; n: number }>(u, 'SELECT key, count(*)::int AS n FROM sal_jobs.result GROUP BY key');
  const runs = await sql<{ key: string; n: number }>(u, 'SELECT key, count(*)::int AS n FROM test_runs GROUP BY key');
  return { results: new Map(results.map((r) => [r.key, r.n])), runs: new Map(runs.map((r) => [r.key, r.n])) };
}

describe('worker processes', () => {
  it('15 jobs over 3 workers, the plan submitted again before and during the run: each job runs once and has one result', async () => {
    const u = await freshDatabase(url);
    const db = await JobDatabase.open(u);
    const plan = sleepPlan('s15', 15, 150);
    try {
      expect((await db.submit(plan)).enqueued).toBe(15);
      expect((await db.submit(plan)).enqueued).toBe(0);
      const workers = [0, 1, 2].map(() => startWorker(u));
      await waitFor(async () => (await sql(u, 'SELECT 1 FROM sal_jobs.result')).length >= 3, 20_000, 'three results');
      expect((await db.submit(plan)).enqueued).toBe(0);
      expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0]);
      const { results, runs } = await counts(u);
      expect(results.size).toBe(15);
      expect([...results.values()].every((n) => n === 1)).toBe(true);
      expect(plan.jobs.map((j) => runs.get(j.key))).toEqual(Array(15).fill(1));
      const hosts = new Set((await db.results('s15')).map((r) => r.host));
      expect(hosts.size).toBeGreaterThanOrEqual(2);
      expect((await db.status('s15')).every((s) => s.state === 'done')).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('kill -9 of a worker mid-job: the job runs again after its lease expires, one result, no half-written artefact', async () => {
    const u = await freshDatabase(url);
    const db = await JobDatabase.open(u);
    // the long job takes 3 s, longer than its 2 s lease: only the heartbeats keep the second run's lease
    const plan = parsePlan({ name: 'k', jobs: [{ kind: 'sleep', config: { ms: 3000, bytes: 4_000_000, x: 7 } }] });
    const key = plan.jobs[0]!.key;
    try {
      await db.submit(plan, { leaseSeconds: 2, retryDelaySeconds: 0, retries: 2 });
      const a = startWorker(u);
      await new Promise<void>((resolve) =>
        a.on('message', (m: { type: string }) => {
          if (m.type === 'started') resolve();
        }),
      );
      a.kill('SIGKILL');
      expect(await a.exited).toBe(null);
      expect((await db.status('k'))[0]!.state).toBe('running');
      expect(await sql(u, 'SELECT key FROM sal_jobs.artefact')).toEqual([]);
      expect(await sql(u, 'SELECT key FROM sal_jobs.result')).toEqual([]);
      const t0 = Date.now();
      const b = startWorker(u, { SAL_TEST_IDLE_MS: '4000' });
      expect(await b.exited).toBe(0);
      const { results, runs } = await counts(u);
      expect(results.get(key)).toBe(1);
      expect(runs.get(key)).toBe(2);
      expect(Date.now() - t0).toBeGreaterThan(3000);
      const bytes = await db.readArtefact(key, 'blob.bin');
      const expected = Uint8Array.from({ length: 4_000_000 }, (_, i) => (i * 31 + 7) & 255);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(expected).digest('hex'));
      expect((await db.status('k'))[0]).toMatchObject({ state: 'done', attempts: 2 });
    } finally {
      await db.close();
    }
  });

  it('a worker stopped with SIGTERM hands its job back and another finishes it', async () => {
    const u = await freshDatabase(url);
    const db = await JobDatabase.open(u);
    const plan = parsePlan({ name: 't', jobs: [{ kind: 'sleep', config: { ms: 1500 } }] });
    try {
      await db.submit(plan, { retries: 0 });
      const a = startWorker(u);
      await new Promise<void>((resolve) =>
        a.on('message', (m: { type: string }) => {
          if (m.type === 'started') resolve();
        }),
      );
      a.kill('SIGTERM');
      expect(await a.exited).toBe(0);
      expect((await db.status('t'))[0]!.state).toBe('queued');
      const b = startWorker(u);
      expect(await b.exited).toBe(0);
      expect((await db.status('t'))[0]!.state).toBe('done');
    } finally {
      await db.close();
    }
  });
});
