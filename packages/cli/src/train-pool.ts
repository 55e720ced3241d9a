/**
 * A {@link StudyRunner} that trains the study's plan in worker processes. The WebAssembly backend computes on one
 * thread, so on a machine with k cores k workers train k models at once; each worker reads the study data back
 * from `outDir/data` and saves the checkpoints of the models the analysis keeps, which this process then loads.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coreFromConfig } from '@sal/cores';
import { readoutFromConfig } from '@sal/readouts';
import type { Encoder } from '@sal/train';
import { loadCheckpoint, saveCheckpoint } from '@sal/train/node';
import { inProcessRunner, type KeptModel, type PlanItem, type PlanResult, type RunnerContext, type SaveModels, type StudyRunner } from '@sal/study';

/** Where the output folder keeps a model's checkpoint: `outDir/checkpoints/<population>-<variant>-<crop>-seed<seed>`. */
export const checkpointDir = (outDir: string, it: Pick<PlanItem, 'population' | 'variant' | 'crop' | 'seed'>): string =>
  join(outDir, 'checkpoints', `${it.population}-${it.variant}-${it.crop}-seed${it.seed}`.replace(/[^a-zA-Z0-9.+-]+/g, '_'));

/** Saves the kept models as checkpoints in the output folder (for runners that train in this process). */
export function checkpointSaver(outDir: string): SaveModels {
  return async (models: readonly KeptModel[]) => {
    for (const m of models) await saveCheckpoint(checkpointDir(outDir, m.item), m.encoder);
  };
}

/** The runner `sal demo` uses: `workers` > 0 worker processes (the built CLI), 0 in this process. */
export function studyRunner(workers: number, backend?: string): StudyRunner {
  if (workers <= 0) return inProcessRunner();
  return {
    description: `in ${workers} worker processes`,
    savesCheckpoints: true,
    trainAll: (items, ctx) => trainInWorkers(items, ctx, workers, backend),
  };
}

type WorkerReply = { type: 'done'; result: Omit<PlanResult, 'encoder'> } | { type: 'error'; message: string; stack?: string } | { type: 'ready' };

/** Train every item in `workers` child processes; `ctx.onDone` is called as each model finishes. */
async function trainInWorkers(plan: readonly PlanItem[], ctx: RunnerContext, workers: number, backend?: string): Promise<PlanResult[]> {
  const opts = { ...ctx, workers, backend };
  const results: PlanResult[] = new Array(plan.length);
  const script = fileURLToPath(new URL('./train-worker.js', import.meta.url));
  let next = 0;
  const children: ChildProcess[] = [];
  const runWorker = async (): Promise<void> => {
    // the workers share the cores: each one's native kernels get its share of threads (unless set explicitly)
    const nativeThreads = process.env['SAL_NATIVE_THREADS'] ?? String(Math.max(1, Math.floor(availableParallelism() / Math.min(opts.workers, plan.length))));
    const env = { ...process.env, SAL_NATIVE_THREADS: nativeThreads, ...(opts.backend ? { SAL_BACKEND: opts.backend } : {}) };
    const child = fork(script, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env });
    children.push(child);
    const reply = (): Promise<WorkerReply> =>
      new Promise((resolve, reject) => {
        const onMsg = (m: WorkerReply) => {
          cleanup();
          resolve(m);
        };
        const onExit = (code: number | null) => {
          cleanup();
          reject(new Error(`training worker exited with code ${code}`));
        };
        const cleanup = () => {
          child.off('message', onMsg);
          child.off('exit', onExit);
        };
        child.on('message', onMsg);
        child.on('exit', onExit);
      });
    child.send({ type: 'init', config: opts.config, outDir: opts.outDir, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}), verbose: opts.trainLog !== null });
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
