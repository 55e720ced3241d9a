/**
 * `sal grf --checkpoint dir`: gradient receptive fields of a model trained by `sal train`, on validation images of
 * its dataset (the same images for every session), written as `.npy` `[neurons, images, h, w]`: the neurons of every
 * session in session order, or of `--session` only. Beside it `<name>.image_ids.npy` `[images]` and
 * `<name>.neurons.json`, the `{ session, index }` of each row.
 */
import { join, resolve } from 'node:path';
import { initBackend } from '@sal/backend';
import { coreFromConfig } from '@sal/cores';
import { sessionGrfs } from '@sal/study';
import { readoutFromConfig } from '@sal/readouts';
import { writeNpyFile } from '@sal/saliency-loader/node';
import { loadCheckpoint } from '@sal/train/node';
import { SalConfigError } from '@sal/types';
import { writeFileAtomic } from '@sal/types/node';
import { intFlag } from '../config.js';
import { createReporter } from '../progress.js';
import { checkCheckpointArg } from '../checkpoint-arg.js';
import { openDataset, readTrainDatasetOptions } from './train.js';

export interface GrfFlags {
  checkpoint: string;
  out: string;
  session?: string;
  images?: string;
  quiet?: boolean;
  backend?: string;
}

export async function grfCommand(flags: GrfFlags): Promise<void> {
  const reporter = createReporter({ quiet: flags.quiet });
  await initBackend(flags.backend ? { prefer: flags.backend as never } : {});
  const dir = resolve(flags.checkpoint);
  checkCheckpointArg('sal grf', '--checkpoint', dir);
  const opts = readTrainDatasetOptions(join(dir, 'dataset.json'));
  const { encoder } = await loadCheckpoint(dir, { core: coreFromConfig, readout: readoutFromConfig });
  try {
    const dataset = await openDataset(opts, (line) => reporter.info(line));
    const keys = flags.session === undefined ? [...encoder.sessionKeys] : [flags.session];
    if (flags.session !== undefined && !encoder.sessionKeys.includes(flags.session))
      throw new SalConfigError('sal grf', '--session', `one of ${encoder.sessionKeys.join(', ')}`, flags.session);
    const requested = intFlag('--images', flags.images, 100, 1);
    const count = Math.min(requested, dataset.split.validation.length);
    if (count < requested) process.stderr.write(`sal grf: --images ${requested}, but the dataset has ${count} validation images: using all ${count}\n`);
    const ids = Array.from(dataset.split.validation.subarray(0, count));
    const [h, w, c] = dataset.inputShape;
    const inputs = { data: dataset.inputsOf(ids), shape: [count, h, w, c] as [number, number, number, number] };
    const parts: Float32Array[] = [];
    const neurons: { session: string; index: number }[] = [];
    for (const key of keys) {
      const task = reporter.task(`gradient receptive fields of session ${key} (${count} images)`, 1);
      const g = sessionGrfs(encoder, key, inputs, (done, total) => task.tick(0, `${done}/${total}`));
      task.done();
      parts.push(g.data);
      for (let n = 0; n < g.shape[0]!; n++) neurons.push({ session: key, index: n });
    }
    const data = new Float32Array(neurons.length * count * h * w);
    let off = 0;
    for (const p of parts) {
      data.set(p, off);
      off += p.length;
    }
    const out = resolve(flags.out);
    const stem = out.replace(/\.npy$/, '');
    await writeNpyFile(out, { data, shape: [neurons.length, count, h, w], dtype: 'f4' });
    await writeNpyFile(`${stem}.image_ids.npy`, { data: Int32Array.from(ids), shape: [count], dtype: 'i4' });
    await writeFileAtomic(`${stem}.neurons.json`, JSON.stringify(neurons));
    reporter.info(
      `wrote gRFs ${[neurons.length, count, h, w].join('×')} (neurons × images × h × w) of ${keys.length === 1 ? `session ${keys[0]}` : `${keys.length} sessions (${keys.join(', ')})`} to ${out}`,
    );
  } finally {
    encoder.dispose();
  }
}
