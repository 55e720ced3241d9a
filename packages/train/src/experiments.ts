import { SalConfigError, SalDataError, checkNumber, isJsonObject, parseJson, type Dataset } from '@sal/types';
import type { Encoder } from './encoder.js';
import { trainEncoder, type EpochRecord, type TrainOptions, type TrainResult } from './trainer.js';
import { scoreSession } from './predict-split.js';
import { mean } from './correlation.js';
import { writeFileAtomic } from '@sal/types/node';
import { saveCheckpoint } from './checkpoint.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The input variants of the study: images only; images + saliency; images + gradients; all channels;
 * the saliency shifter with saliency, a tensor of ones or the image as remapper input.
 */
export const STUDY_VARIANTS = Object.freeze([
  'images', 'images+saliency', 'images+gradients', 'all', 'shifter-saliency', 'shifter-ones', 'shifter-image',
] as const);
export type StudyVariant = (typeof STUDY_VARIANTS)[number];

/** What {@link runExperiments} runs: every variant × crop × seed, through the caller's factories. */
export interface ExperimentSpec<V extends string = string> {
  variants: readonly V[];
  /** Crop sizes (pixels) handed to `buildDataset`. */
  crops: readonly number[];
  seeds: readonly number[];
  /** The dataset of a variant and crop (built once, shared by the seeds). */
  buildDataset: (variant: V, crop: number) => Dataset | Promise<Dataset>;
  /** A fresh encoder for a run; the runner disposes it after scoring. */
  buildEncoder: (variant: V, dataset: Dataset, seed: number) => Encoder | Promise<Encoder>;
  /** Trainer options of every run (`seed` comes from `seeds`). @default {} */
  train?: Omit<TrainOptions, 'seed' | 'resume' | 'checkpoint'>;
  /** Set readout biases from the mean training responses before training. @default true */
  initBiases?: boolean;
  /** Called after every run. */
  onRun?: (run: ExperimentRun<V>) => void;
  /** Write the results so far to this JSON file after every run (atomic). */
  resultsPath?: string;
  /**
   * Skip the runs (variant, crop, seed) already in `resultsPath` and keep their results, so an interrupted
   * grid continues where it stopped. @default false
   */
  resume?: boolean;
  /** Save each run's final model to `<checkpointRoot>/<variant>_crop<crop>_seed<seed>` (see `saveCheckpoint`). */
  checkpointRoot?: string;
}

/** Mean and per-neuron scores, per session. */
export interface ScoreSet {
  /** Mean over all neurons of all sessions. */
  mean: number;
  perNeuron: Record<string, number[]>;
}

/** One trained model. */
export interface ExperimentRun<V extends string = string> {
  variant: V;
  crop: number;
  seed: number;
  validation: ScoreSet;
  /** Single-trial test correlation. */
  test: ScoreSet;
  /** Repeat-averaged test correlation. */
  testAveraged: ScoreSet;
  history: EpochRecord[];
  bestEpoch: number;
  epochs: number;
  stopReason: TrainResult['stopReason'];
  seconds: number;
  /** Directory of the saved model, when `checkpointRoot` was given. */
  checkpoint?: string;
}

/** Mean and sample standard deviation over seeds of one variant and crop. */
export interface ExperimentSummary<V extends string = string> {
  variant: V;
  crop: number;
  n: number;
  validation: { mean: number; sd: number };
  test: { mean: number; sd: number };
  testAveraged: { mean: number; sd: number };
}

export interface ExperimentResults<V extends string = string> {
  runs: ExperimentRun<V>[];
  summary: ExperimentSummary<V>[];
}

const W = 'train.runExperiments';

function scoreSet(per: Record<string, Float64Array>): ScoreSet {
  const all: number[] = [];
  const perNeuron: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(per)) { perNeuron[k] = Array.from(v); all.push(...v); }
  return { mean: mean(all), perNeuron };
}

function meanSd(xs: number[]): { mean: number; sd: number } {
  const m = mean(xs);
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean: m, sd };
}

/** Summaries per variant and crop (mean and sd over seeds of the mean scores). */
export function summarizeRuns<V extends string>(runs: readonly ExperimentRun<V>[]): ExperimentSummary<V>[] {
  const groups = new Map<string, ExperimentRun<V>[]>();
  for (const r of runs) {
    const k = JSON.stringify([r.variant, r.crop]);
    const g = groups.get(k);
    if (g) g.push(r); else groups.set(k, [r]);
  }
  return [...groups.values()].map((g) => ({
    variant: g[0]!.variant, crop: g[0]!.crop, n: g.length,
    validation: meanSd(g.map((r) => r.validation.mean)),
    test: meanSd(g.map((r) => r.test.mean)),
    testAveraged: meanSd(g.map((r) => r.testAveraged.mean)),
  }));
}

/** Train and score every variant × crop × seed; returns all runs and a summary per variant and crop. */
export async function runExperiments<V extends string>(spec: ExperimentSpec<V>): Promise<ExperimentResults<V>> {
  if (!spec || typeof spec !== 'object') throw new TypeError(`${W}: spec must be an object`);
  for (const key of ['variants', 'crops', 'seeds'] as const) {
    if (!Array.isArray(spec[key]) || spec[key].length === 0) throw new SalConfigError(W, key, 'a non-empty array', spec[key]);
  }
  spec.crops.forEach((c) => checkNumber(W, 'crops[]', c, { min: 1, integer: true }));
  spec.seeds.forEach((s) => checkNumber(W, 'seeds[]', s, { integer: true }));
  if (typeof spec.buildDataset !== 'function' || typeof spec.buildEncoder !== 'function') {
    throw new TypeError(`${W}: buildDataset and buildEncoder must be functions`);
  }
  const runs: ExperimentRun<V>[] = [];
  if (spec.resume) {
    if (!spec.resultsPath) throw new SalConfigError(W, 'resume', 'a resultsPath to resume from', spec.resume);
    let text: string | null = null;
    try {
      text = await readFile(spec.resultsPath, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new SalDataError(W, 'a readable results file', code ?? (e as Error).message, spec.resultsPath);
    }
    if (text !== null) {
      const doc = parseJson(text, spec.resultsPath);
      const okRun = (r: unknown): boolean => isJsonObject(r) && typeof r['variant'] === 'string' && typeof r['crop'] === 'number' && typeof r['seed'] === 'number';
      if (!isJsonObject(doc) || !Array.isArray(doc['runs']) || !doc['runs'].every(okRun)) {
        throw new SalDataError(W, 'experiment results JSON {runs: [{variant, crop, seed, …}]}', isJsonObject(doc) ? 'other runs' : doc, spec.resultsPath);
      }
      const prev = doc as unknown as ExperimentResults<V>;
      runs.push(...prev.runs.filter((r) => spec.variants.includes(r.variant) && spec.crops.includes(r.crop) && spec.seeds.includes(r.seed)));
    }
  }
  const done = (v: V, c: number, s: number) => runs.some((r) => r.variant === v && r.crop === c && r.seed === s);
  for (const variant of spec.variants) {
    for (const crop of spec.crops) {
      if (spec.seeds.every((seed) => done(variant, crop, seed))) continue;
      const dataset = await spec.buildDataset(variant, crop);
      for (const seed of spec.seeds) {
        if (done(variant, crop, seed)) continue;
        const t0 = performance.now();
        const encoder = await spec.buildEncoder(variant, dataset, seed);
        try {
          if (spec.initBiases ?? true) encoder.initBiases(dataset);
          const result = await trainEncoder(encoder, dataset, { ...(spec.train ?? {}), seed });
          const val: Record<string, Float64Array> = {}, test: Record<string, Float64Array> = {}, avg: Record<string, Float64Array> = {};
          for (const key of encoder.sessionKeys) {
            const s = scoreSession(encoder, dataset, key);
            val[key] = s.validation; test[key] = s.test; avg[key] = s.testAveraged;
          }
          const run: ExperimentRun<V> = {
            variant, crop, seed,
            validation: scoreSet(val), test: scoreSet(test), testAveraged: scoreSet(avg),
            history: result.history, bestEpoch: result.bestEpoch, epochs: result.epochs, stopReason: result.stopReason,
            seconds: (performance.now() - t0) / 1000,
          };
          if (spec.checkpointRoot) {
            run.checkpoint = join(spec.checkpointRoot, `${variant.replace(/[^\w.+-]/g, '_')}_crop${crop}_seed${seed}`);
            await saveCheckpoint(run.checkpoint, encoder);
          }
          runs.push(run);
          spec.onRun?.(run);
          if (spec.resultsPath) await writeResults(spec.resultsPath, { runs, summary: summarizeRuns(runs) });
        } finally {
          encoder.dispose();
        }
      }
    }
  }
  return { runs, summary: summarizeRuns(runs) };
}

/** Write experiment results as JSON, atomically (temporary file, then rename). */
export async function writeResults(path: string, results: ExperimentResults<string>): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(results, null, 1)}\n`);
}
