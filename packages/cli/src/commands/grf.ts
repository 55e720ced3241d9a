/**
 * `sal grf --checkpoint dir`: gradient receptive fields of a model trained by `sal train`, on validation images of
 * its dataset, written as `.npy` `[neurons, images, h, w]` with the image ids beside it.
 */
import { join, resolve } from 'node:path';
import { initBackend } from '@sal/backend';
import { coreFromConfig } from '@sal/cores';
import { sessionGrfs } from '@sal/study';
import { readoutFromConfig } from '@sal/readouts';
import { writeNpyFile } from '@sal/saliency-loader/node';
import { loadCheckpoint } from '@sal/train/node';
import { SalConfigError } from '@sal/types';
import { intFlag } from '../config.js';
import { createReporter } from '../progress.js';
import { checkCheckpointArg } from '../checkpoint-arg.js';
import { openDataset, readTrainDatasetOptions } from './train.js';

export interface GrfFlags { checkpoint: string; out: string; session?: string; images?: string; quiet?: boolean; backend?: string }

export async function grfCommand(flags: GrfFlags): Promise<void> {
  const reporter = createReporter({ quiet: flags.quiet });
  await initBackend(flags.backend ? { prefer: flags.backend as never } : {});
  const dir = resolve(flags.checkpoint);
  checkCheckpointArg('sal grf', '--checkpoint', dir);
  const opts = readTrainDatasetOptions(join(dir, 'dataset.json'));
  const { encoder } = await loadCheckpoint(dir, { core: coreFromConfig, readout: readoutFromConfig });
  try {
    const dataset = await openDataset(opts);
    const key = flags.session ?? encoder.sessionKeys[0]!;
    if (!encoder.sessionKeys.includes(key)) throw new SalConfigError('sal grf', '--session', `one of ${encoder.sessionKeys.join(', ')}`, key);
    const requested = intFlag('--images', flags.images, 100, 1);
    const count = Math.min(requested, dataset.split.validation.length);
    if (count < requested) process.stderr.write(`sal grf: --images ${requested}, but the dataset has ${count} validation images: using all ${count}\n`);
    const ids = Array.from(dataset.split.validation.subarray(0, count));
    const [h, w, c] = dataset.inputShape;
    const task = reporter.task(`gradient receptive fields (${count} images)`, 1);
    const g = sessionGrfs(encoder, key, { data: dataset.inputsOf(ids), shape: [count, h, w, c] }, (done, total) => task.tick(0, `${done}/${total}`));
    task.done();
    const out = resolve(flags.out);
    await writeNpyFile(out, { data: g.data, shape: g.shape, dtype: 'f4' });
    await writeNpyFile(out.replace(/\.npy$/, '') + '.image_ids.npy', { data: Int32Array.from(ids), shape: [count], dtype: 'i4' });
    reporter.info(`wrote gRFs ${g.shape.join('×')} (neurons × images × h × w) of session ${key} to ${out}`);
  } finally {
    encoder.dispose();
  }
}
