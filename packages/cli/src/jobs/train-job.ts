/**
 * The `train` job: one model of a sweep, trained as `sal train` trains it (the same config keys except `out`: the
 * checkpoint goes to the job database as artefacts, `checkpoint-<file>`, and the scores are the job's result).
 * `data` must be a dataset folder every worker can read (a shared disk), written e.g. by `sal simulate`.
 * Kept apart from the CLI commands so it can move to the study package's runner.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initBackend } from '@sal/backend';
import { readDatasetDir } from '@sal/saliency-loader/node';
import { saveCheckpoint } from '@sal/train/node';
import { trainedEpochs } from '@sal/train';
import { SalConfigError, checkNumber } from '@sal/types';
import type { JobHandler } from '@sal/jobs';
import { checkKeys } from '../config.js';
import { DEMO_STUDY, VARIANTS, resolveStudyConfig, type VariantName } from '@sal/study';
import { VARIANT_SPECS } from '@sal/study';
import { trainVariant } from '@sal/study';
import { mean } from '@sal/types';
import { datasetFor, type TrainDatasetOptions } from '../commands/train.js';

const KEYS = ['data', 'variant', 'crop', 'scale', 'gradientSigma', 'seed', 'core', 'readout', 'train'] as const;
const W = 'train job';

export const trainJob: JobHandler = async ({ config }) => {
  checkKeys('train job', config, KEYS);
  if (typeof config['data'] !== 'string') throw new SalConfigError(W, 'data', 'a dataset folder every worker can read', config['data']);
  const variant = (config['variant'] ?? 'images') as VariantName;
  if (!VARIANTS.includes(variant)) throw new SalConfigError(W, 'variant', VARIANTS.join(' | '), variant);
  const seed = checkNumber(W, 'seed', config['seed'] ?? 1, { integer: true, min: 0 });
  const study = resolveStudyConfig(DEMO_STUDY, {
    ...(config['core'] ? { core: config['core'] } : {}),
    ...(config['readout'] ? { readout: config['readout'] } : {}),
    ...(config['train'] ? { train: config['train'] } : {}),
  });
  await initBackend();
  const data = resolve(config['data']);
  const raw = await readDatasetDir(data);
  const datasetOptions: TrainDatasetOptions = {
    data,
    crop: (config['crop'] ?? [
      [0, 0],
      [0, 0],
    ]) as TrainDatasetOptions['crop'],
    scale: checkNumber(W, 'scale', config['scale'] ?? 1, { min: 0, exclusiveMin: true }),
    gradientSigma: checkNumber(W, 'gradientSigma', config['gradientSigma'] ?? study.gradientSigma, { min: 0 }),
  };
  const m = await trainVariant(VARIANT_SPECS[variant], datasetFor(raw, datasetOptions), study, seed, null);
  const dir = mkdtempSync(join(tmpdir(), 'sal-train-job-'));
  try {
    const ckpt = join(dir, 'checkpoint');
    await saveCheckpoint(ckpt, m.encoder);
    const artefacts = readdirSync(ckpt)
      .sort()
      .map((f) => ({ name: `checkpoint-${f}`, data: new Uint8Array(readFileSync(join(ckpt, f))) }));
    artefacts.push({ name: 'checkpoint-dataset.json', data: new TextEncoder().encode(JSON.stringify(datasetOptions)) });
    const result = {
      variant,
      seed,
      validation: mean(m.scores.validation),
      test: mean(m.scores.test),
      testAveraged: mean(m.scores.testAveraged),
      epochs: trainedEpochs(m.history),
    };
    return { result, artefacts };
  } finally {
    m.encoder.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
};
