/**
 * Training the study's plan of models, in this process or in worker processes. The WebAssembly backend
 * computes on one thread, so on a machine with k cores k workers train k models at once; each worker reads
 * the study data back from `outDir/data` and saves the checkpoints of the models the analysis needs, which
 * this process then loads.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coreFromConfig } from '@sal/cores';
import { readoutFromConfig } from '@sal/readouts';
import type { Encoder, TextSink } from '@sal/train';
import { loadCheckpoint } from '@sal/train/node';
import type { StudyConfig, VariantName } from './config.js';
import type { Population, StudyData } from './data.js';
import { summarise, trainVariant, type ModelSummary } from './models.js';
import { VARIANT_SPECS } from './variants.js';

export interface PlanItem { population: Population; variant: VariantName; crop: string; seed: number; keep: boolean }

export interface PlanResult {
  item: PlanItem;
  summary: ModelSummary;
  /** Per-neuron single-trial test correlation, and the neuron of each entry. */
  test: number[];
  neurons: [string, number][];
  /** The trained encoder for kept items (the caller disposes it), else null. */
  encoder: Encoder | null;
}

export const checkpointDir = (outDir: string, it: PlanItem): string =>
  join(outDir, 'checkpoints', `${it.population}-${it.variant}-${it.crop}-seed${it.seed}`.replace(/[^a-zA-Z0-9.+-]+/g, '_'));

/** Train one item in this process. */
export async function trainItem(item: PlanItem, data: Pick<StudyData, 'datasets'>, config: StudyConfig, log: TextSink | null): Promise<PlanResult> {
  const dataset = data.datasets[item.population][item.crop]!;
  const m = await trainVariant(VARIANT_SPECS[item.variant], dataset, config, item.seed, log);
  const summary = summarise(m, item.population, item.crop);
  if (!item.keep) m.encoder.dispose();
  return { item, summary, test: m.scores.test, neurons: m.scores.neurons, encoder: item.keep ? m.encoder : null };
}

type WorkerReply = { type: 'done'; result: Omit<PlanResult, 'encoder'> } | { type: 'error'; message: string; stack?: string } | { type: 'ready' };

/**
 * Train every item; `workers` > 0 uses that many child processes (the built CLI), 0 trains here.
 * `onDone` is called as each model finishes.
 */
export async function trainPlan(
  plan: readonly PlanItem[], opts: { config: StudyConfig; outDir: string; data: Pick<StudyData, 'datasets'>; workers: number; trainLog: TextSink | null; backend?: string; onDone?: (r: PlanResult) => void },
): Promise<PlanResult[]> {
  const results: PlanResult[] = new Array(plan.length);
  if (opts.workers <= 0) {
    for (let i = 0; i < plan.length; i++) {
      results[i] = await trainItem(plan[i]!, opts.data, opts.config, opts.trainLog);
      opts.onDone?.(results[i]!);
    }
    return results;
  }
  const script = fileURLToPath(new URL('./train-worker.js', import.meta.url));
  let next = 0;
  const children: ChildProcess[] = [];
  const runWorker = async (): Promise<void> => {
    // the workers share the cores: each one's native kernels get its share of threads (unless set explicitly)
    const nativeThreads = process.env['SAL_NATIVE_THREADS'] ?? String(Math.max(1, Math.floor(availableParallelism() / Math.min(opts.workers, plan.length))));
    const env = { ...process.env, SAL_NATIVE_THREADS: nativeThreads, ...(opts.backend ? { SAL_BACKEND: opts.backend } : {}) };
    const child = fork(script, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env });
    children.push(child);
    const reply = (): Promise<WorkerReply> => new Promise((resolve, reject) => {
      const onMsg = (m: WorkerReply) => { cleanup(); resolve(m); };
      const onExit = (code: number | null) => { cleanup(); reject(new Error(`training worker exited with code ${code}`)); };
      const cleanup = () => { child.off('message', onMsg); child.off('exit', onExit); };
      child.on('message', onMsg);
      child.on('exit', onExit);
    });
    child.send({ type: 'init', config: opts.config, outDir: opts.outDir, verbose: opts.trainLog !== null });
    const ready = await reply();
    if (ready.type === 'error') throw new Error(`training worker failed to start: ${ready.message}`);
    while (next < plan.length) {
      const i = next++;
      const item = plan[i]!;
      child.send({ type: 'train', item, checkpoint: item.keep ? checkpointDir(opts.outDir, item) : null });
      const r = await reply();
      if (r.type === 'error') throw new Error(`training ${item.population}/${item.variant}/${item.crop} failed in a worker: ${r.message}\n${r.stack ?? ''}`);
      if (r.type !== 'done') throw new Error(`training worker sent '${r.type}'`);
      let encoder: Encoder | null = null;
      if (item.keep) encoder = (await loadCheckpoint(checkpointDir(opts.outDir, item), { core: coreFromConfig, readout: readoutFromConfig })).encoder;
      results[i] = { ...r.result, encoder };
      opts.onDone?.(results[i]!);
    }
    child.send({ type: 'exit' });
  };
  try {
    await Promise.all(Array.from({ length: Math.min(opts.workers, plan.length) }, runWorker));
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
  }
  return results;
}
