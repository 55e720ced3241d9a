/** A database server restart in the middle of a sweep, with worker processes (a server of this file's own). */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobDatabase, parsePlan, startLocalPostgres, type LocalPostgres } from '../src/index.js';
import { sql, startWorker, waitFor } from './helpers.js';

const sleepPlan = (name: string, n: number, ms: number) =>
  parsePlan({ name, grids: [{ kind: 'sleep', base: { ms }, axes: { x: Array.from({ length: n }, (_, i) => i) } }] });

describe('database server restart', () => {
  let server: LocalPostgres | undefined;
  afterAll(async () => {
    await server?.destroy();
  });

  it('the server stopped and started again mid-sweep: the workers reconnect and the sweep completes', async () => {
    server = await startLocalPostgres(mkdtempSync(join(tmpdir(), 'sal-pgr-')), { unsafeFast: true });
    const u = server.url;
    const db0 = await JobDatabase.open(u);
    const plan = sleepPlan('r', 12, 300);
    await db0.submit(plan, { leaseSeconds: 5, retryDelaySeconds: 0 });
    await db0.close();
    const workers = [0, 1, 2].map(() => startWorker(u, { SAL_TEST_IDLE_MS: '3000' }));
    await waitFor(async () => (await sql(u, 'SELECT 1 FROM sal_jobs.result')).length >= 3, 20_000, 'three results');
    await server.stop('fast');
    await new Promise((r) => setTimeout(r, 1500));
    await server.start();
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0]);
    const results = new Map(
      (await sql<{ key: string; n: number }>(u, 'SELECT key, count(*)::int AS n FROM sal_jobs.result GROUP BY key')).map((r) => [r.key, r.n]),
    );
    expect(plan.jobs.map((j) => results.get(j.key))).toEqual(Array(12).fill(1));
  });
});
