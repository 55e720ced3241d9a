/** `sal train`'s scores.json (per-neuron scores, FEVe) and predictions export, checked against the exported arrays. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDatasetDir, readNpyFile } from '@sal/saliency-loader/node';
import { pearson } from '@sal/types';
import { simulateCommand } from '../src/commands/simulate.js';
import { trainCommand } from '../src/commands/train.js';
import { grfCommand } from '../src/commands/grf.js';

const dir = mkdtempSync(join(tmpdir(), 'sal-scores-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sal train scores.json and predictions', () => {
  it('writes per-neuron scores per session and predictions whose correlation with the responses is the test r', async () => {
    writeFileSync(
      join(dir, 'sim.json'),
      JSON.stringify({ height: 32, width: 48, nTrainImages: 40, nTestImages: 4, testRepeats: 3, nSessions: 2, neuronsPerSession: 3, calibrationImages: 40 }),
    );
    await simulateCommand({ out: join(dir, 'data'), seed: '3', config: join(dir, 'sim.json'), quiet: true });
    writeFileSync(
      join(dir, 'train.json'),
      JSON.stringify({
        data: join(dir, 'data'),
        out: join(dir, 'ckpt'),
        scale: 0.5,
        core: { hiddenChannels: 4, inputKern: 5, layers: 1 },
        train: { maxEpochs: 1 },
      }),
    );
    await trainCommand({ config: join(dir, 'train.json'), quiet: true });
    const scores = JSON.parse(readFileSync(join(dir, 'ckpt', 'scores.json'), 'utf8'));
    expect(scores.sessions.map((s: { key: string; neurons: number }) => [s.key, s.neurons])).toHaveLength(2);
    const raw = await readDatasetDir(join(dir, 'data'));
    const allTest: number[] = [];
    for (const [i, s] of (
      scores.sessions as {
        key: string;
        neurons: number;
        test: number[];
        testAveraged: number[];
        feve: number[] | null;
        predictions: Record<string, { predictions: string; imageIds: string; rows: number }>;
      }[]
    ).entries()) {
      expect(s.key).toBe(raw.sessions[i]!.key);
      expect(s.test).toHaveLength(s.neurons);
      expect(s.testAveraged).toHaveLength(s.neurons);
      expect(s.feve).toHaveLength(s.neurons); // 3 repeats per test image
      allTest.push(...s.test);
      const p = await readNpyFile(join(dir, 'ckpt', s.predictions.test!.predictions));
      const ids = await readNpyFile(join(dir, 'ckpt', s.predictions.test!.imageIds));
      const rs = raw.sessions[i]!;
      expect(p.shape).toEqual([rs.testImageIds.length, s.neurons]);
      expect(ids.shape).toEqual([rs.testImageIds.length]);
      expect(p.dtype).toBe('f4');
      // independent check: the prediction of each test trial's image against its response, over all trials
      const predOf = new Map<number, number>();
      (ids.data as Int32Array).forEach((id, r) => predOf.set(id, r));
      for (let n = 0; n < s.neurons; n++) {
        const pred = Array.from(rs.testImageIds, (id) => (p.data as Float32Array)[predOf.get(id)! * s.neurons + n]!);
        const resp = Array.from(rs.testImageIds, (_, t) => rs.testResponses[t * s.neurons + n]!);
        expect(s.test[n]).toBeCloseTo(pearson(pred, resp), 4);
      }
      const v = await readNpyFile(join(dir, 'ckpt', s.predictions.validation!.predictions));
      expect(v.shape[1]).toBe(s.neurons);
      expect(v.shape[0]).toBe(s.predictions.validation!.rows);
    }
    // the means are the means of the per-neuron scores
    expect(scores.test).toBeCloseTo(allTest.reduce((a, b) => a + b, 0) / allTest.length, 10);
    expect(typeof scores.feve).toBe('number');
  }, 120_000);

  it('sal grf does every session in one call, or one with --session', async () => {
    await grfCommand({ checkpoint: join(dir, 'ckpt'), out: join(dir, 'all.npy'), images: '5', quiet: true });
    const g = await readNpyFile(join(dir, 'all.npy'));
    expect(g.shape).toEqual([6, 5, 16, 24]); // 2 sessions × 3 neurons, 5 images, 32×48 at scale 0.5
    const neurons = JSON.parse(readFileSync(join(dir, 'all.neurons.json'), 'utf8'));
    const keys = [...new Set(neurons.map((n: { session: string }) => n.session))] as string[];
    expect(keys).toHaveLength(2);
    expect(neurons.map((n: { index: number }) => n.index)).toEqual([0, 1, 2, 0, 1, 2]);
    await grfCommand({ checkpoint: join(dir, 'ckpt'), out: join(dir, 'one.npy'), images: '5', session: keys[1]!, quiet: true });
    const one = await readNpyFile(join(dir, 'one.npy'));
    expect(one.shape).toEqual([3, 5, 16, 24]);
    // the same model, the same images: the second session's rows of the all-sessions file
    expect(Array.from(one.data as Float32Array)).toEqual(Array.from((g.data as Float32Array).subarray(3 * 5 * 16 * 24)));
  }, 120_000);

  it('dataset.json and run.json hold the data folder relative to the checkpoint: data and checkpoint move together', async () => {
    expect(JSON.parse(readFileSync(join(dir, 'ckpt', 'dataset.json'), 'utf8')).data).toBe('../data');
    expect(JSON.parse(readFileSync(join(dir, 'ckpt', 'run.json'), 'utf8')).dataset.data).toBe('../data');
    const moved = join(dir, 'moved');
    mkdirSync(moved);
    renameSync(join(dir, 'data'), join(moved, 'data'));
    renameSync(join(dir, 'ckpt'), join(moved, 'ckpt'));
    await grfCommand({ checkpoint: join(moved, 'ckpt'), out: join(dir, 'after-move.npy'), images: '5', quiet: true });
    expect(Array.from((await readNpyFile(join(dir, 'after-move.npy'))).data as Float32Array)).toEqual(
      Array.from((await readNpyFile(join(dir, 'all.npy'))).data as Float32Array),
    );
  }, 120_000);
});
