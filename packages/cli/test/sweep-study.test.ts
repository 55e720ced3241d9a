/**
 * The study's job kinds through the queue: a `train` job trains as `sal train` does and stores a loadable checkpoint
 * in the database; `grf` jobs over chunks of its neurons together equal `sal grf` on that checkpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobDatabase, jobKey, parsePlan, runWorker, startLocalPostgres, type LocalPostgres } from '@sal/jobs';
import { readNpyFile } from '@sal/saliency-loader/node';
import { simulateCommand } from '../src/commands/simulate.js';
import { grfCommand } from '../src/commands/grf.js';
import { JOB_HANDLERS } from '../src/jobs/handlers.js';

const dir = mkdtempSync(join(tmpdir(), 'sal-swst-'));
chmodSync(dir, 0o755);
let server: LocalPostgres;
beforeAll(async () => {
  server = await startLocalPostgres(join(dir, 'pg'), { unsafeFast: true });
});
afterAll(async () => {
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('train and grf jobs', () => {
  it('train stores a checkpoint; grf chunks of its neurons equal sal grf on that checkpoint', async () => {
    const simCfg = join(dir, 'sim.json');
    writeFileSync(
      simCfg,
      JSON.stringify({ height: 48, width: 64, nTrainImages: 60, nTestImages: 4, testRepeats: 3, nSessions: 1, neuronsPerSession: 4, calibrationImages: 40 }),
    );
    await simulateCommand({ out: join(dir, 'data'), seed: '2', config: simCfg, quiet: true });
    const train = {
      data: join(dir, 'data'),
      variant: 'images',
      crop: [
        [8, 8],
        [8, 8],
      ],
      scale: 0.5,
      seed: 1,
      core: { hiddenChannels: 4, inputKern: 5 },
      train: { maxEpochs: 1 },
    };
    const db = await JobDatabase.open(server.url);
    try {
      await db.submit(parsePlan({ name: 'study', jobs: [{ kind: 'train', config: train }] }));
      const fast = { pollIntervalMs: 50, exitWhenIdleMs: 200 };
      expect(await runWorker(db, JOB_HANDLERS, fast)).toMatchObject({ done: 1, failed: 0 });
      const model = jobKey('train', train);
      const trained = await db.result(model);
      expect(trained!.result).toMatchObject({ variant: 'images', seed: 1 });
      expect(Number.isFinite((trained!.result as { validation: number }).validation)).toBe(true);
      await db.submit(
        parsePlan({
          name: 'study',
          grids: [
            {
              kind: 'grf',
              base: { model, images: 6 },
              axes: {
                neurons: [
                  [0, 2],
                  [2, 4],
                ],
              },
            },
          ],
        }),
      );
      expect(await runWorker(db, JOB_HANDLERS, fast)).toMatchObject({ done: 2, failed: 0 });
      // the checkpoint from the database, as files, for sal grf
      const ckpt = join(dir, 'ckpt');
      mkdirSync(ckpt);
      for (const a of trained!.artefacts) writeFileSync(join(ckpt, a.name.replace(/^checkpoint-/, '')), await db.readArtefact(model, a.name));
      await grfCommand({ checkpoint: ckpt, out: join(dir, 'grf.npy'), images: '6', quiet: true });
      const whole = await readNpyFile(join(dir, 'grf.npy'));
      expect(whole.shape).toEqual([4, 6, 16, 24]);
      const chunks = await db.results('study', 'grf');
      expect(chunks.map((c) => (c.result as { shape: number[] }).shape)).toEqual([
        [2, 6, 16, 24],
        [2, 6, 16, 24],
      ]);
      const parts = await Promise.all(
        chunks.map(async (c) => {
          const b = await db.readArtefact(c.key, 'grf.f32');
          return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        }),
      );
      const joined = new Float32Array([...parts[0]!, ...parts[1]!]);
      const ref = whole.data as Float32Array;
      let maxAbs = 0,
        maxDiff = 0;
      for (let i = 0; i < ref.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(ref[i]!));
        maxDiff = Math.max(maxDiff, Math.abs(ref[i]! - joined[i]!));
      }
      expect(maxAbs).toBeGreaterThan(0);
      expect(maxDiff).toBeLessThanOrEqual(1e-4 * maxAbs);
    } finally {
      await db.close();
    }
  });
});
