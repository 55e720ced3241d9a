import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SalConfigError, type Dataset } from '@sal/types';
import { createEncoder, mean } from '../src/index.js';
import { runExperiments, STUDY_VARIANTS, writeResults, type ExperimentRun } from '../src/node.js';
import { createFakeCore, createFakeReadout } from './fixtures/fake-modules.js';
import { cropDataset } from './fixtures/array-dataset.js';
import { syntheticData } from './fixtures/models.js';

const root = await mkdtemp(join(tmpdir(), 'sal-train-exp-'));
afterAll(() => rm(root, { recursive: true, force: true }));

type V = 'images' | 'images+saliency' | 'shifter-ones' | 'shifter-saliency';

function build(variant: V, ds: Dataset, seed: number) {
  const crop = ds.inputShape[0];
  const coreChannels = variant === 'images+saliency' ? [0, 1] : [0];
  const shifter = variant.startsWith('shifter');
  const core = createFakeCore({ inChannels: coreChannels.length, features: 2, seed, gamma: 1e-3 });
  const readouts = Object.fromEntries(ds.sessions.map((s, i) => [s.key, createFakeReadout({
    inShape: [crop, crop, 2], outDims: s.nNeurons, contextChannels: shifter ? 1 : 0, noise: 0.05, seed: seed * 10 + i, gamma: 1e-3,
  })]));
  return createEncoder({ core, readouts, routing: { core: coreChannels, context: variant === 'shifter-ones' ? 'ones' : variant === 'shifter-saliency' ? [1] : 'none' } });
}

describe('runExperiments', () => {
  it('runs variants × crops × seeds, scores every run and summarises over seeds, without leaks', async () => {
    const base = syntheticData(31);
    const path = join(root, 'results.json');
    const seenRuns: ExperimentRun<V>[] = [];
    const built: string[] = [];
    const before = tf.memory().numTensors;
    const res = await runExperiments<V>({
      variants: ['images', 'images+saliency', 'shifter-ones', 'shifter-saliency'],
      crops: [8, 6],
      seeds: [1, 2],
      buildDataset: (v, crop) => { built.push(`${v}@${crop}`); return cropDataset(base, crop); },
      buildEncoder: build,
      train: { maxEpochs: 2, quiet: true, batchSize: 64 },
      onRun: (r) => seenRuns.push(r),
      resultsPath: path,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(built.length).toBe(8); // one dataset per variant and crop, shared by the seeds
    expect(res.runs.length).toBe(16);
    expect(seenRuns.length).toBe(16);
    expect(res.runs.map((r) => `${r.variant}/${r.crop}/${r.seed}`).slice(0, 4)).toEqual(['images/8/1', 'images/8/2', 'images/6/1', 'images/6/2']);
    for (const r of res.runs) {
      expect(Object.keys(r.validation.perNeuron)).toEqual(['m1', 'm2']);
      expect(r.validation.perNeuron['m1']!.length).toBe(3);
      expect(r.validation.mean).toBeCloseTo(mean([...r.validation.perNeuron['m1']!, ...r.validation.perNeuron['m2']!]), 12);
      expect(r.test.mean).toBeGreaterThan(-1);
      expect(r.history.length).toBe(r.epochs + 1);
      // two epochs of training from a random start improve the validation correlation
      expect(r.validation.mean).toBeGreaterThan(r.history[0]!.validation!);
    }
    expect(res.summary.length).toBe(8);
    const s0 = res.summary[0]!;
    const pair = res.runs.slice(0, 2).map((r) => r.test.mean);
    expect(s0.n).toBe(2);
    expect(s0.test.mean).toBeCloseTo((pair[0]! + pair[1]!) / 2, 12);
    expect(s0.test.sd).toBeCloseTo(Math.abs(pair[0]! - pair[1]!) / Math.SQRT2, 12);
    // the file written after the last run holds all results
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(JSON.parse(JSON.stringify(res)));
    expect((await readdir(root)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('resumes a grid from its results file and saves each run\'s model', async () => {
    const base = syntheticData(32);
    const path = join(root, 'resume.json');
    const ckpts = join(root, 'models');
    const spec = {
      variants: ['images', 'shifter-ones'] as V[], crops: [8], seeds: [1, 2],
      buildDataset: (_v: V, crop: number) => cropDataset(base, crop),
      buildEncoder: build,
      train: { maxEpochs: 1, quiet: true, batchSize: 64 },
      resultsPath: path,
      checkpointRoot: ckpts,
    };
    // first pass: only the images variant
    const first = await runExperiments<V>({ ...spec, variants: ['images'] });
    expect(first.runs.length).toBe(2);
    const built: string[] = [];
    const second = await runExperiments<V>({
      ...spec, resume: true,
      buildEncoder: (v, ds, seed) => { built.push(`${v}/${seed}`); return build(v, ds, seed); },
    });
    expect(built).toEqual(['shifter-ones/1', 'shifter-ones/2']);
    expect(second.runs.length).toBe(4);
    expect(second.runs.slice(0, 2)).toEqual(JSON.parse(JSON.stringify(first.runs)));
    expect(second.runs[3]!.checkpoint).toBe(join(ckpts, 'shifter-ones_crop8_seed2'));
    expect((await readdir(ckpts)).sort()).toEqual(['images_crop8_seed1', 'images_crop8_seed2', 'shifter-ones_crop8_seed1', 'shifter-ones_crop8_seed2']);
    await expect(runExperiments<V>({ ...spec, resultsPath: undefined, resume: true } as never)).rejects.toBeInstanceOf(SalConfigError);
  });

  it('writeResults replaces the file atomically and the variants list matches the study', async () => {
    const path = join(root, 'w.json');
    await writeResults(path, { runs: [], summary: [] });
    await writeResults(path, { runs: [], summary: [{ variant: 'all', crop: 8, n: 0, validation: { mean: 0, sd: 0 }, test: { mean: 0, sd: 0 }, testAveraged: { mean: 0, sd: 0 } }] });
    expect(JSON.parse(await readFile(path, 'utf8')).summary[0].variant).toBe('all');
    expect(STUDY_VARIANTS).toEqual(['images', 'images+saliency', 'images+gradients', 'all', 'shifter-saliency', 'shifter-ones', 'shifter-image']);
  });

  it('rejects an empty grid', async () => {
    await expect(runExperiments({ variants: [], crops: [8], seeds: [0], buildDataset: () => syntheticData(), buildEncoder: () => { throw new Error('unused'); } }))
      .rejects.toBeInstanceOf(SalConfigError);
  });
});
