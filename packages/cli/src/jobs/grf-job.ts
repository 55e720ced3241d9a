/**
 * The `grf` job: gradient receptive fields of one chunk of neurons of a model trained by a `train` job, on the first
 * `images` validation images of its dataset. Config: `model` (the train job's key), `neurons` ([from, to), output
 * columns of the session), `images` (default 100), `session` (default the model's first). The array
 * `[neurons, images, h, w]` (float32, little-endian) is the artefact `grf.f32`; its shape and image ids are the result.
 * Kept apart from the CLI commands so it can move to the study package's runner.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@sal/backend';
import { coreFromConfig } from '@sal/cores';
import { readoutFromConfig } from '@sal/readouts';
import { gradientReceptiveFields } from '@sal/grf';
import { readDatasetDir } from '@sal/saliency-loader/node';
import { loadCheckpoint } from '@sal/train/node';
import { SalConfigError, checkNumber } from '@sal/types';
import type { JobHandler } from '@sal/jobs';
import { checkKeys } from '../config.js';
import { sessionModel } from '@sal/study';
import { datasetFor, type TrainDatasetOptions } from '../commands/train.js';

const W = 'grf job';

export const grfJob: JobHandler = async ({ config, db }) => {
  checkKeys('grf job', config, ['model', 'neurons', 'images', 'session']);
  const model = config['model'];
  if (typeof model !== 'string' || !/^[0-9a-f]{64}$/.test(model)) throw new SalConfigError(W, 'model', 'the key of a train job (64 hex digits)', model);
  const range = config['neurons'];
  if (
    !Array.isArray(range) ||
    range.length !== 2 ||
    !range.every((v) => Number.isInteger(v)) ||
    (range[0] as number) < 0 ||
    (range[1] as number) <= (range[0] as number)
  ) {
    throw new SalConfigError(W, 'neurons', '[from, to) with 0 <= from < to', range);
  }
  const trained = await db.result(model);
  if (!trained) throw new SalConfigError(W, 'model', 'a train job that is done (submit the train jobs first)', model);
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'sal-grf-job-'));
  const ckpt = join(dir, 'checkpoint');
  mkdirSync(ckpt);
  try {
    for (const a of trained.artefacts) {
      if (a.name.startsWith('checkpoint-')) writeFileSync(join(ckpt, a.name.slice('checkpoint-'.length)), await db.readArtefact(model, a.name));
    }
    const opts = JSON.parse(await readFile(join(ckpt, 'dataset.json'), 'utf8')) as TrainDatasetOptions;
    const { encoder } = await loadCheckpoint(ckpt, { core: coreFromConfig, readout: readoutFromConfig });
    try {
      const session = typeof config['session'] === 'string' ? config['session'] : encoder.sessionKeys[0]!;
      if (!encoder.sessionKeys.includes(session)) throw new SalConfigError(W, 'session', `one of ${encoder.sessionKeys.join(', ')}`, session);
      const dataset = datasetFor(await readDatasetDir(opts.data), opts);
      const count = Math.min(checkNumber(W, 'images', config['images'] ?? 100, { integer: true, min: 1 }), dataset.split.validation.length);
      const ids = Array.from(dataset.split.validation.subarray(0, count));
      const [h, w, c] = dataset.inputShape;
      const neurons = Array.from({ length: (range[1] as number) - (range[0] as number) }, (_, i) => (range[0] as number) + i);
      const g = gradientReceptiveFields(
        sessionModel(encoder, session),
        { data: dataset.inputsOf(ids), shape: [count, h, w, c] },
        { neurons, channels: [0], batchSize: 32 },
      );
      const bytes = new Uint8Array(g.data.buffer, g.data.byteOffset, g.data.byteLength);
      return { result: { model, session, neurons: range, shape: [...g.shape], imageIds: ids }, artefacts: [{ name: 'grf.f32', data: bytes }] };
    } finally {
      encoder.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
