/**
 * The study as a sweep on the job queue: `sal sweep` of a study plan, workers, `sal report --db` give the same models,
 * comparisons over seeds and verdicts as the one-machine run (`runStudy`, what `sal demo` runs) with the same seeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobDatabase, runWorker, startLocalPostgres, type LocalPostgres } from '@sal/jobs';
import { QUICK_STUDY, resolveStudyConfig, runStudy } from '@sal/study';
import { createReporter } from '../src/index.js';
import { sweepCommand } from '../src/commands/sweep.js';
import { reportDbCommand } from '../src/commands/report-db.js';
import { JOB_HANDLERS } from '../src/jobs/handlers.js';

const dir = mkdtempSync(join(tmpdir(), 'sal-rdb-'));
chmodSync(dir, 0o755);
let server: LocalPostgres;
beforeAll(async () => {
  server = await startLocalPostgres(join(dir, 'pg'), { unsafeFast: true });
});
afterAll(async () => {
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const study = {
  simulation: { nTrainImages: 80, neuronsPerSession: 5 },
  variants: { shift: ['images', 'shifter-saliency'], noShift: ['images', 'shifter-saliency'] },
  comparisonSeeds: 2,
  train: { maxEpochs: 1 },
  analysis: { grfImages: 12, topNeurons: 2, projectionCounts: [6, 12], permutations: 49 },
};

describe('sal report --db', () => {
  it("gives the one-machine run's models, comparisons and verdicts", async () => {
    const config = resolveStudyConfig(QUICK_STUDY, study);
    const local = await runStudy({ config, outDir: join(dir, 'local'), reporter: createReporter({ quiet: true }), trainLog: null });
    const plan = join(dir, 'study.json');
    writeFileSync(plan, JSON.stringify({ name: 'quick-study', base: 'quick', study }));
    await sweepCommand(plan, { db: server.url, quiet: true });
    const db = await JobDatabase.open(server.url);
    try {
      expect(await runWorker(db, JOB_HANDLERS, { concurrency: 2, pollIntervalMs: 50, exitWhenIdleMs: 200 })).toMatchObject({ done: 8, failed: 0 });
    } finally {
      await db.close();
    }
    const fromDb = await reportDbCommand({ db: server.url, sweep: 'quick-study', out: join(dir, 'db'), quiet: true });
    const strip = (ms: typeof local.results.models) => ms.map(({ seconds: _s, ...m }) => m);
    expect(strip(fromDb.models)).toEqual(strip(local.results.models));
    expect(fromDb.comparisons).toEqual(local.results.comparisons);
    expect(fromDb.comparisonsAveraged).toEqual(local.results.comparisonsAveraged);
    expect(local.results.verdicts.length).toBeGreaterThan(0);
    expect(fromDb.verdicts).toEqual(local.results.verdicts);
    expect(existsSync(join(dir, 'db', 'report.html'))).toBe(true);
  });
});
