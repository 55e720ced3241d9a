import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalDataError, checkNumber, deriveSeed, createRng, resolveOptions, type Batch, type Dataset, type SessionInfo } from '@sal/types';
import type { Encoder } from './encoder.js';
import { poissonLoss } from './poisson-loss.js';
import { correlation } from './correlation.js';
import { predictSplit } from './predict-split.js';
import { adamStep, createAdamState, disposeAdamState, type AdamState } from './adam.js';
import { createEarlyStopping, type EarlyStopping, type EarlyStoppingAction } from './early-stopping.js';
import type { EpochRecord, StopReason, TextSink, TrainerState } from './state.js';

export type { EpochRecord, StopReason, TextSink, TrainerState, TrainerStateJson } from './state.js';

/** Options of {@link trainEncoder}. */
export interface TrainOptions {
  /** Initial learning rate of Adam. @default 0.005 */
  lr?: number;
  /** L2 weight decay added to the gradients (the later nnvision trainer uses 0.01). @default 0 */
  weightDecay?: number;
  /** Training batch size. @default 64 */
  batchSize?: number;
  /** Batch size of the validation passes. @default 256 */
  evalBatchSize?: number;
  /** Largest epoch. @default 100 */
  maxEpochs?: number;
  /** Epochs between validation evaluations. @default 1 */
  interval?: number;
  /** Evaluations without improvement that end a round. @default 5 */
  patience?: number;
  /** Absolute improvement needed. @default 1e-6 */
  tolerance?: number;
  /** Rounds of training; between rounds the best weights are restored and the LR decays. @default 3 */
  lrDecaySteps?: number;
  /** LR factor per decay. @default 0.3 */
  lrDecayFactor?: number;
  /** LR floor; training stops when a decay would go below it from the floor. @default 1e-4 */
  minLr?: number;
  /** Restore the best weights at the end and between rounds. @default true */
  restoreBest?: boolean;
  /** Multiply each batch's Poisson loss by sqrt(nTrain/B), as the original. @default true */
  scaleLoss?: boolean;
  /** Accumulate the gradients of one batch per session into one optimiser step (the original's LongCycler). @default true */
  accumulateSessions?: boolean;
  /** Seed of the batch order and of the sampling in training mode. @default 0 */
  seed?: number;
  /** No progress output. @default false */
  quiet?: boolean;
  /** Where progress lines go. @default process.stdout */
  stream?: TextSink | null;
  /** Called after every training batch with the epoch's progress (batches done, images/s). @default null */
  onBatch?: ((progress: BatchProgress) => void) | null;
  /** Called after every epoch (after its evaluation); return `'stop'` to interrupt training. @default null */
  onEpoch?: ((record: EpochRecord) => void | 'stop') | null;
  /**
   * Called after every epoch (before `onEpoch`) with the state to save; the tensors are lent for the call only.
   * E.g. `(state) => saveCheckpoint(dir, encoder, state)` with `saveCheckpoint` from `@sal/train/node`. @default null
   */
  checkpoint?: ((state: TrainerState) => Promise<void> | void) | null;
  /** Resume from a checkpoint's trainer state (the encoder must hold the checkpoint's weights). @default null */
  resume?: TrainerState | null;
}

export const TRAIN_DEFAULTS: Readonly<Required<TrainOptions>> = Object.freeze({
  lr: 0.005,
  weightDecay: 0,
  batchSize: 64,
  evalBatchSize: 256,
  maxEpochs: 100,
  interval: 1,
  patience: 5,
  tolerance: 1e-6,
  lrDecaySteps: 3,
  lrDecayFactor: 0.3,
  minLr: 1e-4,
  restoreBest: true,
  scaleLoss: true,
  accumulateSessions: true,
  seed: 0,
  quiet: false,
  stream: null,
  onBatch: null,
  onEpoch: null,
  checkpoint: null,
  resume: null,
});

/** Progress inside an epoch, given to {@link TrainOptions.onBatch}. */
export interface BatchProgress {
  /** The epoch being trained (1-based: epoch 0 is the evaluation before training). */
  epoch: number;
  /** Batches done in this epoch (one per session per round), 1 … `batches`. */
  batch: number;
  /** Batches in this epoch. */
  batches: number;
  /** Images (trials) trained on in this epoch so far. */
  images: number;
  /** Seconds since the epoch's first batch started. */
  seconds: number;
}

/**
 * Epochs actually trained in a history: its records with a training loss. The history also holds the evaluation
 * before training (epoch 0, no loss), which is not an epoch of training.
 */
export function trainedEpochs(history: readonly EpochRecord[]): number {
  return history.filter((r) => r.loss !== null).length;
}

/** Outcome of {@link trainEncoder}. */
export interface TrainResult {
  history: EpochRecord[];
  /** Best mean validation correlation and its epoch. */
  bestScore: number;
  bestEpoch: number;
  /** Validation correlation of the returned weights. */
  finalScore: number;
  /** Last epoch trained. */
  epochs: number;
  stopReason: StopReason;
  /** Final learning rate. */
  lr: number;
}

/** Mean per-neuron validation correlation over all neurons of all sessions. */
export function validationScore(encoder: Encoder, dataset: Dataset, batchSize = 256): number {
  let sum = 0,
    count = 0;
  for (const key of encoder.sessionKeys) {
    const p = predictSplit(encoder, dataset, key, 'validation', { batchSize });
    const c = correlation(p.predictions, p.targets, p.nNeurons);
    for (const v of c) {
      sum += v;
      count++;
    }
  }
  return count > 0 ? sum / count : 0;
}

const W = 'train.trainEncoder';

type Resolved = Required<TrainOptions>;

/** One training run: its fixed inputs and the state that changes from epoch to epoch. */
interface Run {
  readonly o: Resolved;
  readonly encoder: Encoder;
  readonly dataset: Dataset;
  readonly keys: readonly string[];
  readonly infos: readonly SessionInfo[];
  readonly weights: Record<string, tf.Variable>;
  readonly trainableVars: tf.Variable[];
  /** tfjs variable name → weight name, for the trainable weights. */
  readonly nameOfVar: ReadonlyMap<string, string>;
  readonly stream: TextSink | null;
  readonly es: EarlyStopping;
  readonly adam: AdamState;
  lr: number;
  decays: number;
  best: Record<string, tf.Tensor> | null;
  history: EpochRecord[];
  /** Validation score of the current weights (NaN before the first evaluation). */
  finalScore: number;
  stopReason: StopReason | null;
  /** The record of the epoch in progress, finished when the next epoch (or the end) comes. */
  pending: EpochRecord | null;
  epochStart: number;
}

function checkOptions(o: Resolved): void {
  checkNumber(W, 'lr', o.lr, { min: 0, exclusiveMin: true });
  checkNumber(W, 'weightDecay', o.weightDecay, { min: 0 });
  checkNumber(W, 'batchSize', o.batchSize, { min: 1, integer: true });
  checkNumber(W, 'evalBatchSize', o.evalBatchSize, { min: 1, integer: true });
  checkNumber(W, 'lrDecayFactor', o.lrDecayFactor, { min: 0, max: 1, exclusiveMin: true });
  checkNumber(W, 'minLr', o.minLr, { min: 0 });
  checkNumber(W, 'seed', o.seed, { integer: true });
}

function sessionInfos(encoder: Encoder, dataset: Dataset): SessionInfo[] {
  return encoder.sessionKeys.map((k) => {
    const info = dataset.sessions.find((s) => s.key === k);
    if (!info)
      throw new SalConfigError(
        W,
        'dataset',
        `a session '${k}'`,
        dataset.sessions.map((s) => s.key),
      );
    return info;
  });
}

function cloneWeights(weights: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [n, v] of Object.entries(weights)) out[n] = tf.keep(tf.clone(v));
  return out;
}

function startRun(encoder: Encoder, dataset: Dataset, o: Resolved): Run {
  const infos = sessionInfos(encoder, dataset);
  const weights = encoder.getWeights();
  const trainable = Object.entries(weights).filter(([, v]) => v.trainable);
  const es = createEarlyStopping(
    {
      interval: o.interval,
      patience: o.patience,
      maxEpochs: o.maxEpochs,
      tolerance: o.tolerance,
      maximize: true,
      restoreBest: o.restoreBest,
      lrDecaySteps: o.lrDecaySteps,
    },
    o.resume?.json.earlyStopping,
  );
  return {
    o,
    encoder,
    dataset,
    keys: encoder.sessionKeys,
    infos,
    weights,
    trainableVars: trainable.map(([, v]) => v),
    nameOfVar: new Map(trainable.map(([n, v]) => [v.name, n])),
    stream: o.quiet ? null : (o.stream ?? (typeof process !== 'undefined' ? process.stdout : null)),
    es,
    adam: createAdamState(),
    lr: o.lr,
    decays: 0,
    best: null,
    history: [],
    finalScore: Number.NaN,
    stopReason: null,
    pending: null,
    epochStart: performance.now(),
  };
}

/** Put a checkpoint's trainer state (LR, Adam moments, best snapshot, history, scores) into the run. */
function restoreState(run: Run, r: TrainerState): void {
  const { json } = r;
  if (json.seed !== run.o.seed) throw new SalConfigError(W, 'seed', `the checkpoint's seed ${json.seed}`, run.o.seed);
  run.lr = json.lr;
  run.decays = json.decays;
  run.adam.step = json.adamStep;
  run.history.push(...structuredClone(json.history));
  run.finalScore = typeof json.lastScore === 'number' ? json.lastScore : Number.NaN;
  run.stopReason = json.stopReason ?? null;
  for (const n of json.adamNames) {
    const m = r.tensors[`adam/m/${n}`],
      v = r.tensors[`adam/v/${n}`];
    if (!m || !v || !run.weights[n]) throw new SalDataError(W, `Adam moments of weight '${n}'`, 'missing');
    run.adam.m[n] = tf.keep(tf.clone(m));
    run.adam.v[n] = tf.keep(tf.clone(v));
  }
  if (json.hasBest) {
    run.best = {};
    for (const n of Object.keys(run.weights)) {
      const t = r.tensors[`best/${n}`];
      if (!t) throw new SalDataError(W, `best snapshot of weight '${n}'`, 'missing');
      run.best[n] = tf.keep(tf.clone(t));
    }
  }
}

function exportState(run: Run): TrainerState {
  const { adam, best } = run;
  const tensors: Record<string, tf.Tensor> = {};
  for (const n of Object.keys(adam.m)) {
    tensors[`adam/m/${n}`] = adam.m[n]!;
    tensors[`adam/v/${n}`] = adam.v[n]!;
  }
  if (best) for (const [n, t] of Object.entries(best)) tensors[`best/${n}`] = t;
  const stopReason = run.stopReason === 'interrupted' ? null : run.stopReason;
  return {
    json: {
      earlyStopping: run.es.getState(),
      lr: run.lr,
      decays: run.decays,
      adamStep: adam.step,
      seed: run.o.seed,
      history: structuredClone(run.history),
      adamNames: Object.keys(adam.m),
      hasBest: best !== null,
      lastScore: Number.isFinite(run.finalScore) ? run.finalScore : null,
      stopReason,
    },
    tensors,
  };
}

/**
 * The next training batch of session `s`, read lazily; a session with fewer batches restarts its (same-seed,
 * same-order) stream, as the original's LongCycler cycles its shorter loaders.
 */
function batchCycler(run: Run, epoch: number): (s: number) => Batch {
  const { keys, dataset, o } = run;
  const rng = createRng(deriveSeed(o.seed, `epoch:${epoch}`));
  const batchOpts = keys.map((k) => ({ batchSize: o.batchSize, shuffle: true, seed: rng.child(k).seed }));
  const open = (s: number): Iterator<Batch> => dataset.batches(keys[s]!, 'train', batchOpts[s])[Symbol.iterator]();
  const iters = keys.map((_, s) => open(s));
  return (s) => {
    let r = iters[s]!.next();
    if (r.done) {
      iters[s] = open(s);
      r = iters[s]!.next();
      if (r.done) throw new SalDataError(W, `training trials in session '${keys[s]}'`, 0);
    }
    return r.value;
  };
}

/** Loss and gradients (by weight name) of one batch of session `s`. */
function batchGradients(run: Run, s: number, batch: Batch, stepSeed: number): { loss: number; grads: Record<string, tf.Tensor> } {
  const key = run.keys[s]!;
  const scale = run.o.scaleLoss ? Math.sqrt(run.infos[s]!.nTrials.train / batch.targetShape[0]) : 1;
  const { value, grads } = tf.tidy(() => {
    const x = tf.tensor4d(batch.inputs, batch.inputShape as [number, number, number, number]);
    const y = tf.tensor2d(batch.targets, batch.targetShape as [number, number]);
    return tf.variableGrads(() => {
      const pred = run.encoder.predict(x, key, { training: true, seed: stepSeed });
      return tf.add(tf.mul(poissonLoss(pred, y), scale), run.encoder.regularizer(key)) as tf.Scalar;
    }, run.trainableVars);
  });
  const loss = value.dataSync()[0]!;
  value.dispose();
  const named: Record<string, tf.Tensor> = {};
  for (const [vn, g] of Object.entries(grads)) {
    const n = run.nameOfVar.get(vn);
    if (n === undefined) g.dispose();
    else named[n] = g;
  }
  return { loss, grads: named };
}

/** Add `grads` into `acc` (both by weight name), disposing what is replaced. */
function accumulate(acc: Record<string, tf.Tensor>, grads: Record<string, tf.Tensor>): void {
  for (const [n, g] of Object.entries(grads)) {
    const prev = acc[n];
    if (prev) {
      acc[n] = tf.add(prev, g);
      prev.dispose();
      g.dispose();
    } else acc[n] = g;
  }
}

/** One epoch: one batch per session per round, an Adam step per round (or per batch). Returns the mean loss. */
function trainEpoch(run: Run, epoch: number): number {
  const { o, keys, infos, adam, weights } = run;
  const nextBatch = batchCycler(run, epoch);
  const maxBatches = Math.max(...infos.map((i) => Math.ceil(i.nTrials.train / o.batchSize)));
  if (!(maxBatches > 0))
    throw new SalDataError(
      W,
      'training trials (SessionInfo.nTrials.train)',
      infos.map((i) => i.nTrials.train),
    );
  let lossSum = 0,
    nBatches = 0,
    stepIndex = 0,
    images = 0;
  const total = maxBatches * keys.length;
  const t0 = performance.now();
  let acc: Record<string, tf.Tensor> = {};
  const flush = (): void => {
    if (Object.keys(acc).length === 0) return;
    adamStep(adam, weights, acc, run.lr, o.weightDecay);
    tf.dispose(Object.values(acc));
    acc = {};
  };
  try {
    for (let b = 0; b < maxBatches; b++) {
      for (let s = 0; s < keys.length; s++) {
        const batch = nextBatch(s);
        const { loss, grads } = batchGradients(run, s, batch, deriveSeed(o.seed, `step:${epoch}:${stepIndex++}`));
        lossSum += loss;
        nBatches++;
        images += batch.targetShape[0];
        o.onBatch?.({ epoch, batch: nBatches, batches: total, images, seconds: (performance.now() - t0) / 1000 });
        accumulate(acc, grads);
        if (!o.accumulateSessions) flush();
      }
      flush();
    }
  } finally {
    tf.dispose(Object.values(acc));
  }
  return lossSum / nBatches;
}

function progressLine(stream: TextSink | null, r: EpochRecord, bestScore: number | null): void {
  if (!stream) return;
  const v = r.validation === null ? '      -' : r.validation.toFixed(4);
  stream.write(
    `epoch ${String(r.epoch).padStart(3)}  loss ${r.loss === null ? '-' : r.loss.toPrecision(5)}  val ${v}  best ${bestScore === null ? '-' : bestScore.toFixed(4)}  lr ${r.lr.toExponential(2)}  ${r.seconds.toFixed(1)}s${r.events.length ? `  ${r.events.join(' ')}` : ''}\n`,
  );
}

/**
 * Close the pending epoch: time it, add it to the history, print it, save the checkpoint, and tell `onEpoch`.
 * The one place an epoch ends, whether training goes on or stops. Returns what `onEpoch` returned.
 */
async function finishEpoch(run: Run): Promise<void | 'stop'> {
  const rec = run.pending!;
  run.pending = null;
  rec.seconds = (performance.now() - run.epochStart) / 1000;
  run.history.push(rec);
  progressLine(run.stream, rec, run.es.getState().best);
  if (run.o.checkpoint) await run.o.checkpoint(exportState(run));
  const verdict = run.o.onEpoch ? run.o.onEpoch(rec) : undefined;
  run.epochStart = performance.now();
  return verdict;
}

/** Carry out one action of the early-stopping machine. Returns 'stop' when training ends here (at the LR floor). */
async function act(run: Run, a: EarlyStoppingAction): Promise<void | 'stop'> {
  const { o, es } = run;
  if (a.type === 'train') {
    const loss = trainEpoch(run, a.epoch);
    run.pending = { epoch: a.epoch, loss, validation: null, lr: run.lr, seconds: 0, events: [] };
    await new Promise((r) => setImmediate(r));
  } else if (a.type === 'evaluate') {
    const score = validationScore(run.encoder, run.dataset, o.evalBatchSize);
    es.report(score);
    run.finalScore = score;
    if (!a.final) {
      run.pending ??= { epoch: es.getState().epoch, loss: null, validation: null, lr: run.lr, seconds: 0, events: [] };
      run.pending.validation = score;
    }
  } else if (a.type === 'snapshot') {
    if (run.best) tf.dispose(Object.values(run.best));
    run.best = cloneWeights(run.weights);
    run.pending?.events.push('best');
  } else if (a.type === 'restore') {
    if (run.best) for (const [n, t] of Object.entries(run.best)) run.weights[n]!.assign(t);
  } else if (a.type === 'decay') {
    if (run.lr <= o.minLr) {
      // already at the floor: another round cannot use a smaller LR
      run.stopReason = 'min-lr';
      if (o.restoreBest && run.best) run.finalScore = validationScore(run.encoder, run.dataset, o.evalBatchSize);
      if (run.pending) {
        run.pending.events.push('min-lr');
        await finishEpoch(run);
      }
      return 'stop';
    }
    run.lr = Math.max(run.lr * o.lrDecayFactor, o.minLr);
    run.decays++;
    run.pending?.events.push('restore-decay');
  }
}

/** Drive the early-stopping machine until it is done, training stops at the LR floor or `onEpoch` says 'stop'. */
async function runLoop(run: Run): Promise<void> {
  for (;;) {
    const peek = run.es.peek();
    if (run.pending && (peek.type === 'train' || peek.type === 'done')) {
      if (peek.type === 'done') run.stopReason = peek.reason;
      if ((await finishEpoch(run)) === 'stop' && peek.type !== 'done') {
        run.stopReason = 'interrupted';
        return;
      }
    }
    const a = run.es.next();
    if (a.type === 'done') {
      run.stopReason ??= a.reason;
      return;
    }
    if ((await act(run, a)) === 'stop') return;
  }
}

/**
 * Train an encoder with Adam on the Poisson loss, batches cycled across sessions, early stopping on the
 * mean validation correlation with restore-best and LR decay rounds. The encoder ends with the best weights.
 * With `resume`, training continues from a checkpoint's state; a state saved after the last epoch returns at
 * once with the saved history and scores.
 */
export async function trainEncoder(encoder: Encoder, dataset: Dataset, opts?: TrainOptions): Promise<TrainResult> {
  const o = resolveOptions(W, TRAIN_DEFAULTS, opts);
  checkOptions(o);
  const run = startRun(encoder, dataset, o);
  try {
    if (o.resume) restoreState(run, o.resume);
    if (run.stopReason === null) await runLoop(run);
  } finally {
    disposeAdamState(run.adam);
    if (run.best) tf.dispose(Object.values(run.best));
  }
  const st = run.es.getState();
  return {
    history: run.history,
    bestScore: st.best ?? Number.NaN,
    bestEpoch: st.bestEpoch,
    finalScore: run.finalScore,
    epochs: st.epoch,
    stopReason: run.stopReason ?? 'patience',
    lr: run.lr,
  };
}
