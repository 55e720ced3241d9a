/** The command chain a user runs on their own data: simulate → train → grf → pca, on a tiny dataset. */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpyFile } from '@sal/saliency-loader/node';
import { SalConfigError } from '@sal/types';
import { simulateCommand } from '../src/commands/simulate.js';
import { trainCommand } from '../src/commands/train.js';
import { grfCommand } from '../src/commands/grf.js';
import { pcaCommand } from '../src/commands/pca.js';
import { meiCommand } from '../src/commands/mei.js';

const dir = mkdtempSync(join(tmpdir(), 'sal-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sal simulate → train → grf → pca', () => {
  it('runs the chain and writes what each step promises', async () => {
    const simCfg = join(dir, 'sim.json');
    writeFileSync(
      simCfg,
      JSON.stringify({ height: 48, width: 64, nTrainImages: 60, nTestImages: 4, testRepeats: 3, nSessions: 1, neuronsPerSession: 4, calibrationImages: 40 }),
    );
    await simulateCommand({ out: join(dir, 'data'), seed: '2', config: simCfg, quiet: true });
    expect(existsSync(join(dir, 'data', 'meta.json'))).toBe(true);

    const trainCfg = join(dir, 'train.json');
    writeFileSync(
      trainCfg,
      JSON.stringify({
        data: join(dir, 'data'),
        out: join(dir, 'ckpt'),
        variant: 'shifter-saliency',
        crop: [
          [8, 8],
          [8, 8],
        ],
        scale: 0.5,
        core: { hiddenChannels: 4, inputKern: 5 },
        train: { maxEpochs: 1 },
      }),
    );
    await trainCommand({ config: trainCfg, quiet: true });
    const scores = JSON.parse(readFileSync(join(dir, 'ckpt', 'scores.json'), 'utf8'));
    expect(scores.variant).toBe('shifter-saliency');
    expect(Number.isFinite(scores.validation)).toBe(true);
    // maxEpochs 1: one epoch trained; the history also holds the evaluation before training (epoch 0)
    expect(scores.epochs).toBe(1);
    expect(scores.history.map((r: { epoch: number }) => r.epoch)).toEqual([0, 1]);

    await grfCommand({ checkpoint: join(dir, 'ckpt'), out: join(dir, 'grf.npy'), images: '6', quiet: true });
    const g = await readNpyFile(join(dir, 'grf.npy'));
    expect(g.shape).toEqual([4, 6, 16, 24]);
    expect((await readNpyFile(join(dir, 'grf.image_ids.npy'))).shape).toEqual([6]);
    // more images than the validation split has: a notice with the count, and the count in the file
    const notes: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      notes.push(String(chunk));
      return true;
    });
    try {
      await grfCommand({ checkpoint: join(dir, 'ckpt'), out: join(dir, 'grf-all.npy'), images: '500', quiet: true });
    } finally {
      spy.mockRestore();
    }
    const m = /--images 500, but the dataset has (\d+) validation images: using all \1/.exec(notes.join(''));
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(12); // 60 training images, trainFraction 0.8
    expect((await readNpyFile(join(dir, 'grf-all.npy'))).shape).toEqual([4, 12, 16, 24]);
    // a checkpoint that is not there: a SalConfigError naming the option and the path (not a raw ENOENT)
    await expect(grfCommand({ checkpoint: join(dir, 'no-ckpt'), out: join(dir, 'g.npy'), quiet: true })).rejects.toThrow(
      /option '--checkpoint'.*no such directory.*no-ckpt/,
    );
    await expect(grfCommand({ checkpoint: join(dir, 'no-ckpt'), out: join(dir, 'g.npy'), quiet: true })).rejects.toBeInstanceOf(SalConfigError);
    await expect(meiCommand({ checkpoint: join(dir, 'no-ckpt'), out: join(dir, 'm'), quiet: true })).rejects.toThrow(/option '--checkpoint'.*no-ckpt/);
    await expect(meiCommand({ checkpoint: join(dir, 'data'), out: join(dir, 'm'), quiet: true })).rejects.toThrow(/with dataset\.json.*data/);

    await pcaCommand({ grf: join(dir, 'grf.npy'), out: join(dir, 'pca'), components: '3', quiet: true });
    const ev = await readNpyFile(join(dir, 'pca', 'neuron0.eigenvalues.npy'));
    const cum = await readNpyFile(join(dir, 'pca', 'neuron0.cumulative.npy'));
    const rfs = await readNpyFile(join(dir, 'pca', 'neuron0.eigen_rfs.npy'));
    expect(ev.shape[0]).toBe(6);
    const e = Array.from(ev.data as Float64Array);
    expect(e.every((v, i) => i === 0 || v <= e[i - 1]! + 1e-12)).toBe(true);
    expect((cum.data as Float64Array)[5]).toBeCloseTo(1, 6);
    expect(rfs.shape).toEqual([3, 16, 24]);
  });

  it('bad configs fail with the option named', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ data: join(dir, 'data'), out: join(dir, 'x'), variant: 'nope' }));
    await expect(trainCommand({ config: bad, quiet: true })).rejects.toThrow(/option 'variant'/);
    writeFileSync(bad, JSON.stringify({ data: join(dir, 'data'), out: join(dir, 'x'), epochs: 3 }));
    await expect(trainCommand({ config: bad, quiet: true })).rejects.toBeInstanceOf(SalConfigError);
  });
});

describe('sal report', () => {
  it('redoes the analyses of a finished run from its files and reproduces its results', async () => {
    const { QUICK_STUDY, resolveStudyConfig, runStudy } = await import('@sal/study');
    const { checkpointSaver, createReporter } = await import('../src/index.js');
    const { reportCommand } = await import('../src/commands/report.js');
    const out = join(dir, 'study');
    const { results } = await runStudy({
      config: resolveStudyConfig(QUICK_STUDY, {}),
      outDir: out,
      reporter: createReporter({ quiet: true }),
      trainLog: null,
      saveModels: checkpointSaver(out),
    });
    await reportCommand({ out, quiet: true });
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    const again = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(again.verdicts).toEqual(JSON.parse(JSON.stringify(results.verdicts)));
    expect(again.grf).toEqual(JSON.parse(JSON.stringify(results.grf)));
    // the MEI analysis and the ensemble's comparison row, from the reloaded checkpoints of both seeds
    expect({ ...again.mei, seconds: 0 }).toEqual(JSON.parse(JSON.stringify({ ...results.mei, seconds: 0 })));
    expect(again.mei.ensemble.seeds).toHaveLength(2);
    expect(again.comparisons).toEqual(JSON.parse(JSON.stringify(results.comparisons)));
    const bad = join(dir, 'report-bad.json');
    writeFileSync(bad, JSON.stringify({ train: { maxEpochs: 3 } }));
    await expect(reportCommand({ out, config: bad, quiet: true })).rejects.toThrow(/only an 'analysis' section/);
  });
});
