/**
 * The whole study on a user's dataset in sal's directory layout (as `sal train` reads it): every variant with its
 * seeds, the paired comparisons and verdicts, gRFs of every session, the gRF centre test toward each image's salient
 * point (taken from the saliency maps, see `salientPointsFromMaps`), the shifter's learned shifts in image pixels,
 * PCA and the report's arrays. It shares the demo's pipeline (`trainAndAnalyse`): the demo is "simulate, then
 * this". What needs ground truth the data does not have is reported as not available (`results.notAvailable`).
 */
import { mkdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { describeBackend, backendInfo } from '@sal/backend';
import { computeSaliencyMaps, type SaliencyModelOptions } from '@sal/saliency-loader';
import { readDatasetDir, readNpyFile, writeNpyFile } from '@sal/saliency-loader/node';
import { SalConfigError, SalDataError, type JsonObject, type RawDataset } from '@sal/types';
import { writeFileAtomic } from '@sal/types/node';
import { DEMO_STUDY, type StudyConfig } from './config.js';
import { buildDatasets, type StudyData } from './data.js';
import { silentReporter, type Reporter } from './reporter.js';
import type { DatasetInfo, StudyArtifacts, StudyResults } from './results.js';
import { trainAndAnalyse, type RunStudyOptions } from './run.js';
import { SALIENT_POINT_RULE } from './salient.js';

/**
 * The training settings `sal train` and `sal study --data` use unless configured: the demo's learning rate and
 * batch size, and patience-based early stopping as neuralpredictors' standard trainer (patience 5, 3 learning-rate
 * decays ×0.3) under a cap of 200 epochs that early stopping, not the cap, is meant to end.
 */
export const DATA_TRAIN_DEFAULTS: Readonly<StudyConfig['train']> = Object.freeze({ ...DEMO_STUDY.train, maxEpochs: 200, patience: 5, lrDecaySteps: 3 });

/**
 * The study's configuration for a user's data (`sal study --data`): the demo's variants, seeds, core, readout and
 * analysis settings, the whole image as the one crop (`'full image'`), no rescaling, and {@link DATA_TRAIN_DEFAULTS}.
 * The `simulation` section is not used. Override any field with `--config` / `resolveStudyConfig`.
 */
export const DATA_STUDY: Readonly<StudyConfig> = Object.freeze<StudyConfig>({
  ...DEMO_STUDY,
  crops: {
    'full image': [
      [0, 0],
      [0, 0],
    ],
  },
  scale: 1,
  train: { ...DATA_TRAIN_DEFAULTS },
});

/** Options of {@link runStudyOnData}. */
export interface RunStudyOnDataOptions extends Omit<RunStudyOptions, 'config'> {
  /** The dataset directory (`meta.json`, `images.npy` or `images/`, `sessions/*.npz`, optional `saliency.npy`). */
  dataDir: string;
  /** The study configuration. @default DATA_STUDY */
  config?: StudyConfig;
  /** Options of the built-in saliency model, used only when the dataset has no `saliency.npy`. @default {} (its own defaults) */
  saliencyModel?: Omit<SaliencyModelOptions, 'output'>;
}

const W = 'study.runStudyOnData';
const within = (inner: string, outer: string): boolean => inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);

/** Where a user-data study keeps the built-in saliency maps it computed (the dataset's own maps are never copied). */
export const builtinSaliencyFile = (outDir: string): string => join(outDir, 'data', 'saliency.npy');

/**
 * The study's data for a user's dataset: the `data` population, its saliency maps (the dataset's `saliency.npy`, or
 * the maps a study computed with the built-in model under `outDir/data/saliency.npy`) and one dataset per crop.
 * Training workers read the data with this.
 */
export async function readUserStudyData(config: StudyConfig, dataDir: string, outDir: string): Promise<StudyData & { saliencySource: 'dataset' | 'builtin' }> {
  const raw = await readDatasetDir(dataDir);
  let saliency = raw.saliency;
  const source = saliency ? 'dataset' : 'builtin';
  if (!saliency) saliency = Float32Array.from((await readNpyFile(builtinSaliencyFile(outDir), { dtype: ['f4', 'f8'] })).data as ArrayLike<number>);
  return dataOf(raw, saliency, config, source);
}

function dataOf(
  raw: RawDataset,
  saliency: Float32Array,
  config: StudyConfig,
  saliencySource: 'dataset' | 'builtin',
): StudyData & { saliencySource: 'dataset' | 'builtin' } {
  return { raw: { data: raw }, truth: {}, saliency, saliencyAgreement: Number.NaN, ...buildDatasets({ data: raw }, saliency, config), saliencySource };
}

/**
 * Run the whole study on the dataset in `dataDir`, writing `results.json` (and `data/saliency.npy` when the built-in
 * saliency model had to be used) to `outDir`. `results.dataset.dir` is the data folder relative to `outDir`.
 * Build the report with `buildDataStudyReport(results, artifacts)`.
 */
export async function runStudyOnData(opts: RunStudyOnDataOptions): Promise<{ results: StudyResults; artifacts: StudyArtifacts }> {
  const config = opts.config ?? (structuredClone(DATA_STUDY) as StudyConfig);
  const reporter: Reporter = opts.reporter ?? silentReporter;
  const dataDir = resolve(opts.dataDir);
  const outDir = resolve(opts.outDir);
  if (within(outDir, dataDir) || within(dataDir, outDir))
    throw new SalConfigError(W, 'outDir', 'a folder apart from the data folder (not it, not inside it, not around it)', outDir);
  const seconds: Record<string, number> = {};
  const t0 = Date.now();
  await mkdir(outDir, { recursive: true });
  reporter.info(`backend: ${describeBackend(backendInfo())}`);
  const raw = await readDatasetDir(dataDir);
  const [n, h, w] = raw.imagesShape;
  let saliency = raw.saliency;
  const source: DatasetInfo['saliency'] = saliency ? 'dataset' : 'builtin';
  const saliencyModel = { ...(opts.saliencyModel ?? {}) };
  if (!saliency) {
    reporter.info(
      `saliency: ${dataDir} has no saliency.npy, so the built-in centre–surround model computes the maps (${JSON.stringify(saliencyModel) === '{}' ? 'its default settings' : JSON.stringify(saliencyModel)}); precomputed maps (e.g. DeepGaze log-densities) can be stored as saliency.npy`,
    );
    const task = reporter.task('saliency maps (built-in model)', n);
    saliency = computeSaliencyMaps(raw.images, [n, h, w], { ...saliencyModel, output: 'logDensity' }, () => task.tick());
    task.done();
    await writeNpyFile(builtinSaliencyFile(outDir), { data: saliency, shape: [n, h, w], dtype: 'f4' });
  } else {
    reporter.info(`saliency: the dataset's saliency.npy (read as log-densities)`);
  }
  if (!saliency.every(Number.isFinite)) throw new SalDataError(W, 'finite saliency maps', 'NaN or infinite values', join(dataDir, 'saliency.npy'));
  const data = dataOf(raw, saliency, config, source);
  const info: DatasetInfo = {
    dir: relative(outDir, dataDir) || '.',
    imagesShape: [n, h, w],
    sessions: raw.sessions.map((s) => ({ key: s.key, neurons: s.nNeurons, trainTrials: s.trainImageIds.length, testTrials: s.testImageIds.length })),
    saliency: source,
    saliencyModel: source === 'builtin' ? (saliencyModel as JsonObject) : null,
    salientPoints: SALIENT_POINT_RULE,
  };
  // where the data lives, relative to the output folder: `sal report` and training workers find it from here
  await writeFileAtomic(join(outDir, 'dataset.json'), JSON.stringify({ data: info.dir, saliency: source }, null, 2));
  const neurons = raw.sessions.reduce((s, x) => s + x.nNeurons, 0);
  reporter.info(
    `data: ${n} images of ${h}×${w}, ${raw.sessions.length} sessions, ${neurons} neurons from ${dataDir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  seconds['data'] = (Date.now() - t0) / 1000;
  return trainAndAnalyse({ ...opts, config, outDir, reporter, data, populations: ['data'], seconds, dataDir, dataset: info });
}
