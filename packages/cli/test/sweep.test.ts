/** `sal sweep` / `sal worker` / `sal sweep status` / `retry-failed` against a real PostgreSQL started here. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalPostgres, SalConnectionError, type LocalPostgres } from '@sal/jobs';
import { SalConfigError, SalDataError } from '@sal/types';
import { sweepCommand, sweepRetryCommand, sweepStatusCommand } from '../src/commands/sweep.js';
import { workerCommand } from '../src/commands/worker.js';

const dir = mkdtempSync(join(tmpdir(), 'sal-sw-'));
chmodSync(dir, 0o755);
let server: LocalPostgres;
beforeAll(async () => {
  server = await startLocalPostgres(join(dir, 'pg'), { unsafeFast: true });
});
afterAll(async () => {
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const planFile = (name: string, plan: unknown) => {
  const f = join(dir, `${name}.json`);
  writeFileSync(f, JSON.stringify(plan));
  return f;
};

describe('sal sweep with --db', () => {
  it('enqueues, runs on workers, shows status with the failed job and its error, and retries failed jobs', async () => {
    const plan = planFile('echo', {
      name: 'echo',
      grids: [{ kind: 'echo', base: { ms: 20 }, axes: { x: [1, 2, 3, 4] } }],
      jobs: [{ kind: 'echo', config: { fail: true, message: 'no such dataset folder /shared/missing' } }],
    });
    const db = server.url;
    await sweepCommand(plan, { db, quiet: true, retries: '1', retryDelay: '0' });
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let text = await sweepStatusCommand({ db, sweep: 'echo' });
    expect(text.split('\n')[0]).toBe('5 jobs: 0 done, 0 running, 5 queued, 0 failed');
    await workerCommand({ db, quiet: true, exitWhenIdle: '1', concurrency: '2' });
    text = await sweepStatusCommand({ db, sweep: 'echo' });
    out.mockRestore();
    const lines = text.split('\n');
    expect(lines[0]).toBe('5 jobs: 4 done, 0 running, 0 queued, 1 failed');
    expect(lines[1]).toMatch(/^state\s+kind\s+job\s+config\s+host\s+attempts\s+error$/);
    const failed = lines.find((l) => l.startsWith('failed'))!;
    expect(failed).toMatch(/echo .* 2 +Error: no such dataset folder \/shared\/missing$/);
    expect(lines.filter((l) => l.startsWith('done')).length).toBe(4);
    // re-submitting enqueues nothing: the done ones are done, the failed one waits for retry-failed
    const info = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await sweepCommand(plan, { db });
    expect(info.mock.calls.map((c) => String(c[0])).join('')).toContain('5 jobs, 0 enqueued, 4 already done, 1 already queued or failed');
    info.mockRestore();
    expect(await sweepRetryCommand({ db, sweep: 'echo', quiet: true, retries: '0' })).toBe(1);
    const out2 = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect((await sweepStatusCommand({ db, sweep: 'echo' })).split('\n')[0]).toBe('5 jobs: 4 done, 0 running, 1 queued, 0 failed');
    out2.mockRestore();
  });

  it('bad input: typed errors for a malformed plan, a missing file, an unreachable --db, a missing --db', async () => {
    await expect(sweepCommand(planFile('bad', { jobs: [{ kind: 'trian', config: {} }] }), { db: server.url, quiet: true })).rejects.toThrow(
      /plan\.jobs\[0\]\.kind.*one of train, grf, study-model, echo/,
    );
    const notJson = join(dir, 'x.json');
    writeFileSync(notJson, '{"jobs": [');
    await expect(sweepCommand(notJson, { db: server.url, quiet: true })).rejects.toBeInstanceOf(SalDataError);
    await expect(sweepCommand(join(dir, 'missing.json'), { db: server.url, quiet: true })).rejects.toBeInstanceOf(SalConfigError);
    const plan = planFile('ok', { jobs: [{ kind: 'echo', config: {} }] });
    await expect(sweepCommand(plan, { db: 'postgresql://sal@127.0.0.1:1/sal', quiet: true })).rejects.toBeInstanceOf(SalConnectionError);
    await expect(sweepStatusCommand({})).rejects.toThrow(/--db/);
    await expect(workerCommand({ db: server.url, kinds: 'nope' })).rejects.toThrow(/--kinds/);
  });
});

describe('sal sweep without --db', () => {
  it('starts a server in the output folder, runs the jobs here and stops it; a second run finds them done', async () => {
    const out = join(dir, 'local');
    const plan = planFile('local', { name: 'local', grids: [{ kind: 'echo', axes: { x: [1, 2, 3] } }] });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await sweepCommand(plan, { out, workers: '2' });
    await sweepCommand(plan, { out });
    const text = err.mock.calls.map((c) => String(c[0])).join('');
    err.mockRestore();
    expect(text).toContain('3 jobs, 3 enqueued, 0 already done');
    expect(text).toContain('3 jobs, 0 enqueued, 3 already done');
    expect(text).toContain('3 jobs: 3 done, 0 running, 0 queued, 0 failed');
  });
});
