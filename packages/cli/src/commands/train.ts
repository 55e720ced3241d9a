/**
 * `sal train --config file.json`: train one model variant on a dataset directory (the layout of
 * `@sal/saliency-loader/node`, e.g. written by `sal simulate`) and save a checkpoint and its scores.
 *
 * Config keys: `data` (dataset directory, required), `out` (checkpoint directory, required), `variant`
 * (default 'images'), `crop` ([[top,bottom],[left,right]] pixels), `scale`, `gradientSigma`, `seed`, and the
 * study's `core`, `readout`, `train` sections (see `DEMO_STUDY`).
 */
import { resolve, join } from 'node:path';
import { initBackend } from '@sal/backend';
import { createDataset, builtinSaliency, type SalDataset } from '@sal/saliency-loader';
import { readDatasetDir } from '@sal/saliency-loader/node';
import { saveCheckpoint, writeFileAtomic } from '@sal/train/node';
import { SalConfigError, checkNumber, type RawDataset } from '@sal/types';
import { checkKeys, readConfigFile } from '../config.js';
import { createReporter } from '../progress.js';
import { DEMO_STUDY, VARIANTS, resolveStudyConfig, type VariantName } from '../study/config.js';
import { STUDY_SALIENCY } from '../study/data.js';
import { VARIANT_SPECS } from '../study/variants.js';
import { mean, trainVariant } from '../study/models.js';

export interface TrainFlags { config: string; quiet?: boolean; backend?: string }

/** How `sal train` built its dataset; saved beside the checkpoint so `sal grf` rebuilds the same inputs. */
export interface TrainDatasetOptions {
  data: string;
  crop: [[number, number], [number, number]];
  scale: number;
  gradientSigma: number;
}

/** The dataset `sal train` trains on: all four channels; saliency from the dataset's maps, else the built-in model. */
export function datasetFor(raw: RawDataset, o: TrainDatasetOptions): SalDataset {
  return createDataset(raw, {
    crop: o.crop, scale: o.scale, channels: 'all',
    saliency: raw.saliency ? 'raw' : (img: Float32Array, h: number, w: number) => builtinSaliency(img, h, w, { ...STUDY_SALIENCY, output: 'logDensity' }),
    gradientSigma: o.gradientSigma,
  });
}

const KEYS = ['data', 'out', 'variant', 'crop', 'scale', 'gradientSigma', 'seed', 'core', 'readout', 'train'] as const;

export async function trainCommand(flags: TrainFlags): Promise<void> {
  const reporter = createReporter({ quiet: flags.quiet });
  const cfg = readConfigFile(flags.config);
  checkKeys('', cfg, KEYS);
  if (typeof cfg['data'] !== 'string') throw new SalConfigError('sal train', 'data', 'a dataset directory', cfg['data']);
  if (typeof cfg['out'] !== 'string') throw new SalConfigError('sal train', 'out', 'a checkpoint directory', cfg['out']);
  const variant = (cfg['variant'] ?? 'images') as VariantName;
  if (!VARIANTS.includes(variant)) throw new SalConfigError('sal train', 'variant', VARIANTS.join(' | '), variant);
  const seed = checkNumber('sal train', 'seed', cfg['seed'] ?? 1, { integer: true, min: 0 });
  const study = resolveStudyConfig(DEMO_STUDY, {
    ...(cfg['core'] ? { core: cfg['core'] } : {}), ...(cfg['readout'] ? { readout: cfg['readout'] } : {}), ...(cfg['train'] ? { train: cfg['train'] } : {}),
  });
  const info = await initBackend(flags.backend ? { prefer: flags.backend as never } : {});
  reporter.info(`backend: ${info.name}`);
  const raw = await readDatasetDir(resolve(String(cfg['data'])));
  const needsSaliency = VARIANT_SPECS[variant].coreChannels.some((c) => c > 0) || Array.isArray(VARIANT_SPECS[variant].context);
  const datasetOptions: TrainDatasetOptions = {
    data: resolve(String(cfg['data'])),
    crop: (cfg['crop'] ?? [[0, 0], [0, 0]]) as TrainDatasetOptions['crop'],
    scale: checkNumber('sal train', 'scale', cfg['scale'] ?? 1, { min: 0, exclusiveMin: true }),
    gradientSigma: checkNumber('sal train', 'gradientSigma', cfg['gradientSigma'] ?? study.gradientSigma, { min: 0 }),
  };
  void needsSaliency;
  const dataset = datasetFor(raw, datasetOptions);
  const m = await trainVariant(VARIANT_SPECS[variant], dataset, study, seed, flags.quiet ? null : process.stderr);
  const out = resolve(String(cfg['out']));
  await saveCheckpoint(out, m.encoder);
  const scores = { variant, seed, validation: mean(m.scores.validation), test: mean(m.scores.test), testAveraged: mean(m.scores.testAveraged), epochs: m.history.length, history: m.history };
  await writeFileAtomic(join(out, 'scores.json'), JSON.stringify(scores, null, 2));
  await writeFileAtomic(join(out, 'dataset.json'), JSON.stringify(datasetOptions, null, 2));
  m.encoder.dispose();
  reporter.info(`${variant}: validation r = ${scores.validation.toFixed(3)}, test r = ${scores.test.toFixed(3)} (${scores.epochs} epochs); checkpoint in ${out}`);
}
