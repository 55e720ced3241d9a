/**
 * `sal mei --checkpoint dir[,dir…] --out dir`: most exciting inputs of a model trained by `sal train` (several
 * checkpoints form an ensemble with the mean prediction), written as `meis.npy` `[rows, h, w]` (image channel,
 * model units) with `meis.neurons.npy`, `meis.activations.npy` and one grey PNG per MEI. With `--closed-loop`
 * on a simulated dataset, also shows each MEI to the true simulated neuron and writes `closed-loop.json`.
 */
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { initBackend } from '@sal/backend';
import { coreFromConfig } from '@sal/cores';
import { readoutFromConfig } from '@sal/readouts';
import { readDatasetDir, writeNpyFile } from '@sal/saliency-loader/node';
import { groundTruthFromJson } from '@sal/sim';
import type { Encoder } from '@sal/train';
import { loadCheckpoint } from '@sal/train/node';
import { SalConfigError, assertSafeKeys, isJsonObject, type JsonObject } from '@sal/types';
import { heatmapPng } from '@sal/viz';
import { writeFigure, writeFileAtomic } from '@sal/viz/node';
import { closedLoop, createEnsemble, displayGeometry, pixelRange, synthesizeMeis, type MeiOptions } from '@sal/mei';
import { intFlag, readConfigFile } from '../config.js';
import { createReporter } from '../progress.js';
import { checkCheckpointArg } from '../checkpoint-arg.js';
import { datasetFor, readTrainDatasetOptions, type TrainDatasetOptions } from './train.js';

export interface MeiFlags {
  checkpoint: string;
  out: string;
  session?: string;
  neurons?: string;
  steps?: string;
  seed?: string;
  perNeuron?: string;
  config?: string;
  closedLoop?: boolean;
  images?: string;
  shiftImages?: string;
  quiet?: boolean;
  backend?: string;
}

function parseNeurons(value: string | undefined, n: number): number[] | null {
  if (value === undefined || value === 'all') return null;
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((v) => !Number.isInteger(v) || v < 0 || v >= n)) {
    throw new SalConfigError('sal mei', '--neurons', `'all' or comma-separated indices in [0, ${n})`, value);
  }
  return list;
}

export async function meiCommand(flags: MeiFlags): Promise<void> {
  const reporter = createReporter({ quiet: flags.quiet });
  await initBackend(flags.backend ? { prefer: flags.backend as never } : {});
  const dirs = flags.checkpoint
    .split(',')
    .map((d) => resolve(d.trim()))
    .filter((d) => d.length > 0);
  if (dirs.length === 0) throw new SalConfigError('sal mei', '--checkpoint', 'one or more checkpoint directories', flags.checkpoint);
  for (const d of dirs) checkCheckpointArg('sal mei', '--checkpoint', d);
  // dataset.json holds the data folder relative to its checkpoint: compare the resolved options
  const all = dirs.map((d) => readTrainDatasetOptions(join(d, 'dataset.json'), 'sal mei'));
  const opts: TrainDatasetOptions = all[0]!;
  all.forEach((o, i) => {
    if (JSON.stringify(o) !== JSON.stringify(opts)) {
      throw new SalConfigError('sal mei', '--checkpoint', 'checkpoints trained on the same dataset options', dirs[i]);
    }
  });
  let extra: JsonObject = {};
  if (flags.config !== undefined) {
    const cfg = readConfigFile(flags.config);
    assertSafeKeys(cfg, flags.config);
    if (!isJsonObject(cfg as never)) throw new SalConfigError('sal mei', '--config', 'a JSON object of MEI options', flags.config);
    extra = cfg as JsonObject;
  }
  const members: Encoder[] = [];
  try {
    for (const d of dirs) members.push((await loadCheckpoint(d, { core: coreFromConfig, readout: readoutFromConfig })).encoder);
    const ensemble = createEnsemble(members);
    const raw = await readDatasetDir(opts.data);
    const dataset = datasetFor(raw, opts);
    const key = flags.session ?? ensemble.sessionKeys[0]!;
    if (!ensemble.sessionKeys.includes(key)) throw new SalConfigError('sal mei', '--session', `one of ${ensemble.sessionKeys.join(', ')}`, key);
    const nNeurons = members[0]!.readouts[key]!.outDims;
    const neurons = parseNeurons(flags.neurons, nNeurons);
    const [h, w, c] = dataset.inputShape;
    const meta = raw.meta as JsonObject | undefined;
    const truthJson = meta?.['simulation'];
    const geometry = displayGeometry(
      dataset,
      truthJson !== undefined ? groundTruthFromJson(truthJson as JsonObject).imageShape : [raw.imagesShape[1], raw.imagesShape[2]],
    );
    const imgCh = dataset.channelNames.indexOf('image');
    if (imgCh < 0) throw new SalConfigError('sal mei', '--checkpoint', "a dataset with an 'image' channel", dataset.channelNames);
    const meiOpts: MeiOptions = {
      optimizer: 'adam',
      learningRate: 0.05,
      blur: 1,
      blurDecay: -0.005,
      range: pixelRange(geometry),
      ...(extra as MeiOptions),
      channels: [imgCh],
      ...(flags.steps !== undefined ? { steps: intFlag('--steps', flags.steps, 200, 0) } : {}),
      ...(flags.seed !== undefined ? { seed: intFlag('--seed', flags.seed, 0, 0) } : {}),
      ...(flags.perNeuron !== undefined ? { perNeuron: intFlag('--per-neuron', flags.perNeuron, 1, 1) } : {}),
    };
    const model = ensemble.responseModel(key);
    const out = resolve(flags.out);
    await mkdir(join(out, 'png'), { recursive: true });
    const label = dirs.length > 1 ? `an ensemble of ${dirs.length} models` : 'the model';
    const task = reporter.task(`MEIs of ${label}, session ${key}`, 1);
    const res = synthesizeMeis(model, [h, w, c], { ...meiOpts, neurons, onProgress: (done, total) => task.tick(0, `${done}/${total}`) });
    task.done();
    const k = res.shape[0];
    const meis = res.data;
    await writeNpyFile(join(out, 'meis.npy'), { data: meis, shape: [k, h, w], dtype: 'f4' });
    await writeNpyFile(join(out, 'meis.neurons.npy'), { data: res.neurons, shape: [k], dtype: 'i4' });
    await writeNpyFile(join(out, 'meis.activations.npy'), { data: res.activations, shape: [k], dtype: 'f4' });
    for (let r = 0; r < k; r++) {
      const grey = Float32Array.from(meis.subarray(r * h * w, (r + 1) * h * w), (v) => Math.min(255, Math.max(0, v * geometry.std + geometry.mean)));
      const name = `mei-${res.neurons[r]}${meiOpts.perNeuron && meiOpts.perNeuron > 1 ? `-${res.copies[r]}` : ''}.png`;
      await writeFigure(join(out, 'png', name), await heatmapPng(grey, h, w, { min: 0, max: 255, cmap: 'grey', scale: 4 }));
    }
    reporter.info(`wrote ${k} MEIs (${h}×${w}) of session ${key} to ${out}`);
    if (flags.closedLoop) {
      if (truthJson === undefined) throw new SalConfigError('sal mei', '--closed-loop', 'a simulated dataset (meta.simulation)', opts.data);
      const truth = groundTruthFromJson(truthJson as JsonObject);
      const count = flags.images !== undefined ? intFlag('--images', flags.images, 0, 1) : raw.imagesShape[0];
      const ids = Array.from({ length: Math.min(count, raw.imagesShape[0]) }, (_, i) => i);
      const { neurons: _n, onProgress: _p, ...loopMei } = { ...meiOpts, neurons: null, onProgress: null };
      const shiftImages = Math.min(intFlag('--shift-images', flags.shiftImages, 3, 0), ids.length);
      const loop = closedLoop(model, { dataset, raw, truth, sessionKey: key }, { neurons, mei: loopMei, naturalImageIds: ids, shiftImages, meis: res });
      const json = { checkpoints: dirs, session: key, all: loop.all, neurons: loop.neurons };
      await writeFileAtomic(
        join(out, 'closed-loop.json'),
        JSON.stringify(json, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2),
      );
      const s = loop.all;
      reporter.info(
        `closed loop: median true response to the MEI = ${s.medianRatioNatural.toFixed(2)}× the best natural image's ` +
          `(${(100 * s.fractionAboveNatural).toFixed(0)}% of neurons ≥ 1×), ${s.medianRatioPattern.toFixed(2)}× the best grating/plaid's; ` +
          `median MEI centre error ${s.medianCentreError.toFixed(1)} px`,
      );
    }
  } finally {
    for (const m of members) m.dispose();
  }
}
