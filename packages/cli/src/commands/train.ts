/**
 * `sal train --config file.json [--resume] [--force]`: train one model variant on a dataset directory (the layout
 * of `@sal/saliency-loader/node`, e.g. written by `sal simulate`) into a checkpoint directory `out`.
 *
 * Config keys: `data` (dataset directory, required), `out` (checkpoint directory, required), `variant`
 * (default 'images'), `crop` ([[top,bottom],[left,right]] pixels), `scale`, `gradientSigma`, `seed`, and the
 * study's `core`, `readout`, `train` sections (see `DEMO_STUDY`).
 *
 * `out` is checkpointed after every epoch as one atomic unit (weights, trainer state, `dataset.json`, `run.json`,
 * and after the last epoch `scores.json` with per-neuron scores per session and the predictions export
 * `predictions-<session index>-<validation|test>.npy` `[rows, neurons]` float32 with `…-image_ids.npy` `[rows]`), so a killed run continues with `--resume` to the same weights and scores
 * as an uninterrupted one. An `out` that exists and is neither empty nor a sal checkpoint is refused (with `--force`
 * it is renamed aside to `<out>.replaced-<time>`, never deleted); `out` may not be, hold or lie inside `data`.
 */
import { rename, lstat, readdir } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { initBackend } from '@sal/backend';
import { coreFromConfig } from '@sal/cores';
import { readoutFromConfig } from '@sal/readouts';
import { createDataset, builtinSaliency, encodeNpy, type SalDataset, type StreamedRawDataset } from '@sal/saliency-loader';
import { openDatasetDir } from '@sal/saliency-loader/node';
import { predictSplit, scoreSession, trainEncoder, trainedEpochs, type Encoder, type EpochRecord, type TrainerState } from '@sal/train';
import { isCheckpointDir, loadCheckpoint, saveCheckpoint } from '@sal/train/node';
import { SalConfigError, SalDataError, checkNumber, type RawDataset } from '@sal/types';
import { checkKeys, checkSections, readConfigFile, readJsonObjectFile } from '../config.js';
import { createReporter, epochProgress } from '../progress.js';
import {
  DATA_TRAIN_DEFAULTS,
  DEMO_STUDY,
  STUDY_SALIENCY,
  VARIANTS,
  VARIANT_SPECS,
  buildEncoder,
  resolveStudyConfig,
  type StudyConfig,
  type VariantName,
} from '@sal/study';
import { mean } from '@sal/types';

export interface TrainFlags {
  config: string;
  quiet?: boolean;
  backend?: string;
  resume?: boolean;
  force?: boolean;
}

/** How `sal train` built its dataset; saved in the checkpoint so `sal grf` rebuilds the same inputs. */
export interface TrainDatasetOptions {
  data: string;
  crop: [[number, number], [number, number]];
  scale: number;
  gradientSigma: number;
}

const W = 'sal train';

function checkCrop(where: string, v: unknown): TrainDatasetOptions['crop'] {
  const pair = (p: unknown): boolean => Array.isArray(p) && p.length === 2 && p.every((x) => Number.isSafeInteger(x) && (x as number) >= 0);
  if (!Array.isArray(v) || v.length !== 2 || !v.every(pair))
    throw new SalConfigError(where, 'crop', '[[top, bottom], [left, right]] of non-negative integer pixels', v);
  return v as TrainDatasetOptions['crop'];
}

/**
 * Read and check a checkpoint's `dataset.json` (typed errors naming the file and the field). Its `data` is the
 * dataset folder relative to the checkpoint folder (so moving data and checkpoints together keeps them working;
 * older checkpoints hold an absolute path, which is used as it is); the returned `data` is absolute.
 */
export function readTrainDatasetOptions(file: string, where = 'sal grf'): TrainDatasetOptions {
  const doc = readJsonObjectFile(file, where, "the dataset options of a checkpoint written by 'sal train'");
  const field = (key: string, ok: boolean, what: string): void => {
    if (!ok) throw new SalDataError(where, `${key} as ${what}`, doc[key] ?? null, file);
  };
  field('data', typeof doc['data'] === 'string', 'a dataset directory');
  field('scale', typeof doc['scale'] === 'number' && doc['scale'] > 0, 'a positive number');
  field('gradientSigma', typeof doc['gradientSigma'] === 'number' && doc['gradientSigma'] >= 0, 'a non-negative number');
  try {
    checkCrop(where, doc['crop']);
  } catch {
    field('crop', false, '[[top, bottom], [left, right]]');
  }
  return {
    data: resolve(dirname(file), doc['data'] as string),
    crop: doc['crop'] as TrainDatasetOptions['crop'],
    scale: doc['scale'] as number,
    gradientSigma: doc['gradientSigma'] as number,
  };
}

/** {@link datasetFor} on a dataset folder streamed by `openDatasetDir` (its images and maps are never held whole). */
export async function openDataset(o: TrainDatasetOptions, notice?: (line: string) => void): Promise<SalDataset> {
  const raw = await openDatasetDir(o.data);
  try {
    return datasetFor(raw, o, notice);
  } finally {
    raw.close();
  }
}

/** What `sal train` (and `sal grf`, `sal mei`) say when a dataset has no saliency maps of its own. */
export const BUILTIN_SALIENCY_NOTICE =
  "saliency: the dataset has no saliency.npy, so the saliency channels and the shifter's remapper use the built-in centre–surround model (pixelsPerDegree 16; on the simulated images it agrees with the true saliency at r = 0.19, where the image signature of @sal/saliency-metrics reaches 0.81). To use your own or a better model's maps, write them as saliency.npy (log-densities, [n, h, w] like images.npy) into the dataset folder.";

/**
 * The dataset `sal train` trains on: all four channels; saliency from the dataset's maps, else the built-in model,
 * which `notice` is told about ({@link BUILTIN_SALIENCY_NOTICE}).
 */
export function datasetFor(raw: RawDataset | StreamedRawDataset, o: TrainDatasetOptions, notice?: (line: string) => void): SalDataset {
  if (!raw.saliency) notice?.(BUILTIN_SALIENCY_NOTICE);
  return createDataset(raw, {
    crop: o.crop,
    scale: o.scale,
    channels: 'all',
    saliency: raw.saliency ? 'raw' : (img: Float32Array, h: number, w: number) => builtinSaliency(img, h, w, { ...STUDY_SALIENCY, output: 'logDensity' }),
    gradientSigma: o.gradientSigma,
  });
}

/** The defaults of `sal train`: the study's core and readout, and `DATA_TRAIN_DEFAULTS` (early stopping, at most 200 epochs). */
const TRAIN_BASE: Readonly<StudyConfig> = Object.freeze({ ...DEMO_STUDY, train: { ...DATA_TRAIN_DEFAULTS } });

const KEYS = ['data', 'out', 'variant', 'crop', 'scale', 'gradientSigma', 'seed', 'core', 'readout', 'train'] as const;

/** What `sal train` trains: everything a resumed run must agree on (saved as `run.json`). */
interface RunSpec {
  variant: VariantName;
  seed: number;
  study: Pick<StudyConfig, 'core' | 'readout' | 'train'>;
  dataset: TrainDatasetOptions;
}

/** The spec as saved in `out` (`run.json`, `dataset.json`): the data folder relative to `out`. */
function portableSpec(spec: RunSpec, out: string): RunSpec {
  return { ...spec, dataset: { ...spec.dataset, data: relative(out, spec.dataset.data) || '.' } };
}

function readRunSpec(cfg: Record<string, unknown>): RunSpec {
  checkKeys('', cfg, KEYS);
  if (typeof cfg['data'] !== 'string') throw new SalConfigError(W, 'data', 'a dataset directory', cfg['data']);
  if (typeof cfg['out'] !== 'string') throw new SalConfigError(W, 'out', 'a checkpoint directory', cfg['out']);
  const given = (key: string): boolean => cfg[key] !== undefined; // null is a value (refused), not an absent key
  const variant = (given('variant') ? cfg['variant'] : 'images') as VariantName;
  if (typeof variant !== 'string' || !VARIANTS.includes(variant)) throw new SalConfigError(W, 'variant', VARIANTS.join(' | '), variant);
  const seed = checkNumber(W, 'seed', given('seed') ? cfg['seed'] : 1, { integer: true, min: 0 });
  const sections = {
    ...(given('core') ? { core: cfg['core'] } : {}),
    ...(given('readout') ? { readout: cfg['readout'] } : {}),
    ...(given('train') ? { train: cfg['train'] } : {}),
  };
  checkSections(TRAIN_BASE, sections, W);
  const study = resolveStudyConfig(TRAIN_BASE, sections);
  const dataset: TrainDatasetOptions = {
    data: resolve(cfg['data']),
    crop: checkCrop(
      W,
      given('crop')
        ? cfg['crop']
        : [
            [0, 0],
            [0, 0],
          ],
    ),
    scale: checkNumber(W, 'scale', given('scale') ? cfg['scale'] : 1, { min: 0, exclusiveMin: true }),
    gradientSigma: checkNumber(W, 'gradientSigma', given('gradientSigma') ? cfg['gradientSigma'] : study.gradientSigma, { min: 0 }),
  };
  return { variant, seed, study: { core: study.core, readout: study.readout, train: study.train }, dataset };
}

const within = (inner: string, outer: string): boolean => inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);

/**
 * Make sure `out` may be written: not the data folder (nor inside or around it); new, empty or a sal checkpoint;
 * otherwise refused, or with `force` renamed aside (never deleted). Returns a line for the log, or null.
 */
async function claimOut(out: string, data: string, force: boolean): Promise<string | null> {
  if (within(out, data) || within(data, out))
    throw new SalConfigError(W, 'out', 'a folder apart from the data folder (not it, not inside it, not around it)', out);
  let st: Awaited<ReturnType<typeof lstat>> | undefined;
  try {
    st = await lstat(out);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SalConfigError(W, 'out', 'a path that can be checked', `${out} (${(e as NodeJS.ErrnoException).code})`);
  }
  if (st.isDirectory() && ((await readdir(out)).length === 0 || (await isCheckpointDir(out)))) return null;
  if (!force)
    throw new SalConfigError(
      W,
      'out',
      'a new or empty folder or a sal checkpoint (or --force to move it aside)',
      `${out} (exists and is not a sal checkpoint)`,
    );
  const aside = `${out}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await rename(out, aside);
  return `moved the existing ${out} aside to ${aside}`;
}

/** Per-neuron scores of one session in `scores.json` (NaN, e.g. a neuron that never fires, is written as null). */
interface SessionSummary {
  key: string;
  neurons: number;
  validation: number[];
  /** Single-trial test correlation. */
  test: number[];
  /** Repeat-averaged test correlation. */
  testAveraged: number[];
  /** FEVe of the test split; null unless every test image has at least 2 repeats. */
  feve: number[] | null;
  /** Files of the predictions export, in the checkpoint folder (see {@link predictionFiles}). */
  predictions: Record<'validation' | 'test', { predictions: string; imageIds: string; rows: number }>;
}

/**
 * Per-neuron scores of every session and their means over all neurons, and the predictions export: per session
 * index `i` and split (validation, test), `predictions-<i>-<split>.npy` float32 `[rows, neurons]` (evaluation-mode
 * predictions, rows in the dataset's batch order of that split: every trial, test repeats of one image together)
 * and `predictions-<i>-<split>-image_ids.npy` int32 `[rows]` (the image of each row).
 */
function scoreAll(
  encoder: Encoder,
  dataset: SalDataset,
): { means: { validation: number; test: number; testAveraged: number; feve: number | null }; sessions: SessionSummary[]; files: Record<string, Uint8Array> } {
  const all = { validation: [] as number[], test: [] as number[], testAveraged: [] as number[], feve: [] as number[] | null };
  const sessions: SessionSummary[] = [];
  const files: Record<string, Uint8Array> = {};
  dataset.sessions.forEach((s, i) => {
    const sc = scoreSession(encoder, dataset, s.key);
    all.validation.push(...sc.validation);
    all.test.push(...sc.test);
    all.testAveraged.push(...sc.testAveraged);
    if (sc.feve && all.feve) all.feve.push(...sc.feve);
    else all.feve = null;
    const predictions = {} as SessionSummary['predictions'];
    for (const split of ['validation', 'test'] as const) {
      const p = predictSplit(encoder, dataset, s.key, split);
      const rows = p.imageIds.length;
      const name = `predictions-${i}-${split}`;
      files[`${name}.npy`] = encodeNpy({ data: p.predictions, shape: [rows, p.nNeurons], dtype: 'f4' });
      files[`${name}-image_ids.npy`] = encodeNpy({ data: p.imageIds, shape: [rows], dtype: 'i4' });
      predictions[split] = { predictions: `${name}.npy`, imageIds: `${name}-image_ids.npy`, rows };
    }
    sessions.push({
      key: s.key,
      neurons: s.nNeurons,
      validation: Array.from(sc.validation),
      test: Array.from(sc.test),
      testAveraged: Array.from(sc.testAveraged),
      feve: sc.feve ? Array.from(sc.feve) : null,
      predictions,
    });
  });
  return {
    means: { validation: mean(all.validation), test: mean(all.test), testAveraged: mean(all.testAveraged), feve: all.feve ? mean(all.feve) : null },
    sessions,
    files,
  };
}

/** What `scores.json` holds: means over all neurons, per-neuron scores per session, and the training history. */
interface Summary {
  variant: VariantName;
  seed: number;
  validation: number;
  test: number;
  testAveraged: number;
  feve: number | null;
  finalScore: number | null;
  stopReason: string | null;
  epochs: number;
  sessions: SessionSummary[];
  history: readonly EpochRecord[];
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The checkpoint to resume from, checked against this run's spec; null when `out` holds none. */
async function resumeFrom(out: string, spec: RunSpec): Promise<{ encoder: Encoder; trainer: TrainerState } | null> {
  if (!(await isCheckpointDir(out))) {
    // a save killed between its two renames leaves the previous checkpoint beside `out` (loadCheckpoint finds it)
    const parent = dirname(out);
    const prefix = `.${basename(out)}.old-`;
    const names = await readdir(parent).catch(() => [] as string[]);
    if (!names.some((n) => n.startsWith(prefix))) return null;
  }
  const { encoder, trainer, dir } = await loadCheckpoint(out, { core: coreFromConfig, readout: readoutFromConfig });
  const saved = readJsonObjectFile(join(dir, 'run.json'), W, "the run spec of a checkpoint written by 'sal train'");
  // checkpoints written before data paths were relative hold the absolute path
  if (!trainer || !(sameJson(saved, portableSpec(spec, out)) || sameJson(saved, spec))) {
    encoder.dispose();
    if (trainer) for (const t of Object.values(trainer.tensors)) t.dispose();
    throw new SalConfigError(
      W,
      '--resume',
      `a checkpoint of the same run (config, data) with a trainer state`,
      `${out} (${trainer ? 'another run' : 'no trainer state'})`,
    );
  }
  return { encoder, trainer };
}

export async function trainCommand(flags: TrainFlags): Promise<void> {
  const reporter = createReporter({ quiet: flags.quiet });
  const cfg = readConfigFile(flags.config);
  const spec = readRunSpec(cfg);
  const out = resolve(String(cfg['out']));
  const moved = await claimOut(out, spec.dataset.data, flags.force === true);
  if (moved) reporter.info(moved);
  const info = await initBackend(flags.backend ? { prefer: flags.backend as never } : {});
  reporter.info(`backend: ${info.name}`);
  // every setting of the run, defaults included (the README lists the defaults)
  reporter.info(
    `settings: variant ${spec.variant}, seed ${spec.seed}, crop ${JSON.stringify(spec.dataset.crop)}, scale ${spec.dataset.scale}, gradientSigma ${spec.dataset.gradientSigma}`,
  );
  for (const k of ['core', 'readout', 'train'] as const)
    reporter.info(
      `  ${k}: ${Object.entries(spec.study[k])
        .map(([key, v]) => `${key} ${v}`)
        .join(', ')}`,
    );
  const dataset = await openDataset(spec.dataset, (line) => reporter.info(line));
  const resumed = flags.resume ? await resumeFrom(out, spec) : null;
  const encoder = resumed?.encoder ?? buildEncoder(VARIANT_SPECS[spec.variant], dataset, { ...DEMO_STUDY, ...spec.study }, spec.seed);
  if (!resumed) encoder.initBiases(dataset);
  else reporter.info(`resuming from epoch ${resumed.trainer.json.earlyStopping.epoch} of ${out}`);
  const stored = portableSpec(spec, out);
  const files = { 'dataset.json': JSON.stringify(stored.dataset, null, 2), 'run.json': JSON.stringify(stored, null, 2) };
  let scores: Summary | null = null;
  let predictionFiles: Record<string, Uint8Array> = {};
  const summarise = (history: readonly EpochRecord[], finalScore: number | null | undefined, stopReason: string | null | undefined): Summary => {
    const all = scoreAll(encoder, dataset);
    predictionFiles = all.files;
    return {
      variant: spec.variant,
      seed: spec.seed,
      ...all.means,
      finalScore: finalScore ?? null,
      stopReason: stopReason ?? null,
      epochs: trainedEpochs(history),
      sessions: all.sessions,
      history,
    };
  };
  try {
    const result = await trainEncoder(encoder, dataset, {
      ...spec.study.train,
      seed: spec.seed,
      quiet: flags.quiet === true,
      stream: flags.quiet ? null : process.stderr,
      resume: resumed?.trainer ?? null,
      onBatch: flags.quiet ? null : epochProgress(reporter),
      // after the last epoch the scores go into the same atomic unit as the weights they score
      checkpoint: async (state) => {
        const j = state.json;
        scores = j.stopReason ? summarise(j.history, j.lastScore, j.stopReason) : null;
        await saveCheckpoint(out, encoder, state, { files: scores ? { ...files, ...predictionFiles, 'scores.json': JSON.stringify(scores, null, 2) } : files });
      },
    });
    scores ??= summarise(result.history, result.finalScore, result.stopReason);
  } finally {
    if (resumed) for (const t of Object.values(resumed.trainer.tensors)) t.dispose();
  }
  encoder.dispose();
  const sc: Summary = scores;
  reporter.info(`${spec.variant}: validation r = ${sc.validation.toFixed(3)}, test r = ${sc.test.toFixed(3)} (${sc.epochs} epochs); checkpoint in ${out}`);
}
