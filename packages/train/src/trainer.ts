import * as tf from '@tensorflow/tfjs-core';
import {
  SalConfigError, SalDataError, checkNumber, deriveSeed, createRng, resolveOptions,
  type Batch, type Dataset, type SessionKey,
} from '@sal/types';
import type { Encoder } from './encoder.js';
import { poissonLoss } from './poisson-loss.js';
import { correlation } from './correlation.js';
import { predictSplit } from './predict-split.js';
import { adamStep, createAdamState, disposeAdamState, type AdamState } from './adam.js';
import { saveCheckpoint } from './checkpoint.js';
import { createEarlyStopping, type EarlyStoppingState } from './early-stopping.js';

/** One line of the training history. */
export interface EpochRecord {
  /** 0 is the evaluation before training. */
  epoch: number;
  /** Mean loss per batch of this epoch (Poisson, scaled, plus regulariser); null for epoch 0. */
  loss: number | null;
  /** Mean per-neuron validation correlation over all sessions' neurons; null when not evaluated this epoch. */
  validation: number | null;
  /** Learning rate used for this epoch. */
  lr: number;
  /** Wall time of the epoch in seconds, evaluation included. */
  seconds: number;
  /** Events after the evaluation: 'best' (new best), 'restore-decay' (best restored, LR decayed). */
  events: string[];
}

/** A writable text stream (e.g. `process.stdout`). */
export interface TextSink {
  write(text: string): unknown;
}

/** Serialisable trainer state (what a checkpoint stores besides tensors). */
export interface TrainerStateJson {
  earlyStopping: EarlyStoppingState;
  lr: number;
  decays: number;
  adamStep: number;
  seed: number;
  history: EpochRecord[];
  /** Names of the trainable weights with Adam moments. */
  adamNames: string[];
  /** True when `tensors` holds a snapshot of the best weights (`best/<name>`). */
  hasBest: boolean;
}

/**
 * Everything needed to resume training: JSON state plus tensors named `adam/m/<weight>`,
 * `adam/v/<weight>` and `best/<weight>`. The holder owns the tensors (dispose them with `tf.dispose`).
 */
export interface TrainerState {
  json: TrainerStateJson;
  tensors: Record<string, tf.Tensor>;
}

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
  /** Called after every epoch (after its evaluation); return `'stop'` to interrupt training. @default null */
  onEpoch?: ((record: EpochRecord) => void | 'stop') | null;
  /** Save a checkpoint into this directory after every epoch (atomic). @default null */
  checkpointDir?: string | null;
  /** Resume from a checkpoint's trainer state (the encoder must hold the checkpoint's weights). @default null */
  resume?: TrainerState | null;
}

export const TRAIN_DEFAULTS: Readonly<Required<TrainOptions>> = Object.freeze({
  lr: 0.005, weightDecay: 0, batchSize: 64, evalBatchSize: 256, maxEpochs: 100, interval: 1, patience: 5,
  tolerance: 1e-6, lrDecaySteps: 3, lrDecayFactor: 0.3, minLr: 1e-4, restoreBest: true, scaleLoss: true,
  accumulateSessions: true, seed: 0, quiet: false, stream: null, onEpoch: null, checkpointDir: null, resume: null,
});

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
  stopReason: 'patience' | 'max-epochs' | 'not-finite' | 'min-lr' | 'interrupted';
  /** Final learning rate. */
  lr: number;
}

/** Mean per-neuron validation correlation over all neurons of all sessions. */
export function validationScore(encoder: Encoder, dataset: Dataset, batchSize = 256): number {
  let sum = 0, count = 0;
  for (const key of encoder.sessionKeys) {
    const p = predictSplit(encoder, dataset, key, 'validation', { batchSize });
    const c = correlation(p.predictions, p.targets, p.nNeurons);
    for (const v of c) { sum += v; count++; }
  }
  return count > 0 ? sum / count : 0;
}

const W = 'train.trainEncoder';


function cloneWeights(weights: Record<string, tf.Variable>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [n, v] of Object.entries(weights)) out[n] = tf.keep(tf.clone(v));
  return out;
}

/**
 * Train an encoder with Adam on the Poisson loss, batches cycled across sessions, early stopping on the
 * mean validation correlation with restore-best and LR decay rounds. The encoder ends with the best weights.
 */
export async function trainEncoder(encoder: Encoder, dataset: Dataset, opts?: TrainOptions): Promise<TrainResult> {
  const o = resolveOptions(W, TRAIN_DEFAULTS, opts);
  checkNumber(W, 'lr', o.lr, { min: 0, exclusiveMin: true });
  checkNumber(W, 'weightDecay', o.weightDecay, { min: 0 });
  checkNumber(W, 'batchSize', o.batchSize, { min: 1, integer: true });
  checkNumber(W, 'evalBatchSize', o.evalBatchSize, { min: 1, integer: true });
  checkNumber(W, 'lrDecayFactor', o.lrDecayFactor, { min: 0, max: 1, exclusiveMin: true });
  checkNumber(W, 'minLr', o.minLr, { min: 0 });
  checkNumber(W, 'seed', o.seed, { integer: true });
  const keys = encoder.sessionKeys;
  const infos = keys.map((k) => {
    const info = dataset.sessions.find((s) => s.key === k);
    if (!info) throw new SalConfigError(W, 'dataset', `a session '${k}'`, dataset.sessions.map((s) => s.key));
    return info;
  });
  const stream: TextSink | null = o.quiet ? null : (o.stream ?? (typeof process !== 'undefined' ? process.stdout : null));
  const weights = encoder.getWeights();
  const trainable = Object.entries(weights).filter(([, v]) => v.trainable);
  const trainableVars = trainable.map(([, v]) => v);
  const nameOfVar = new Map(trainable.map(([n, v]) => [v.name, n]));

  const es = createEarlyStopping({
    interval: o.interval, patience: o.patience, maxEpochs: o.maxEpochs, tolerance: o.tolerance, maximize: true,
    restoreBest: o.restoreBest, lrDecaySteps: o.lrDecaySteps,
  }, o.resume?.json.earlyStopping);
  let lr = o.lr, decays = 0;
  const adam: AdamState = createAdamState();
  let best: Record<string, tf.Tensor> | null = null;
  const history: EpochRecord[] = [];
  if (o.resume) {
    const r = o.resume;
    if (r.json.seed !== o.seed) throw new SalConfigError(W, 'seed', `the checkpoint's seed ${r.json.seed}`, o.seed);
    lr = r.json.lr; decays = r.json.decays; adam.step = r.json.adamStep;
    history.push(...structuredClone(r.json.history));
    for (const n of r.json.adamNames) {
      const m = r.tensors[`adam/m/${n}`], v = r.tensors[`adam/v/${n}`];
      if (!m || !v || !weights[n]) throw new SalDataError(W, `Adam moments of weight '${n}'`, 'missing');
      adam.m[n] = tf.keep(tf.clone(m));
      adam.v[n] = tf.keep(tf.clone(v));
    }
    if (r.json.hasBest) {
      best = {};
      for (const n of Object.keys(weights)) {
        const t = r.tensors[`best/${n}`];
        if (!t) throw new SalDataError(W, `best snapshot of weight '${n}'`, 'missing');
        best[n] = tf.keep(tf.clone(t));
      }
    }
  }

  const exportState = (): TrainerState => {
    const tensors: Record<string, tf.Tensor> = {};
    for (const n of Object.keys(adam.m)) { tensors[`adam/m/${n}`] = adam.m[n]!; tensors[`adam/v/${n}`] = adam.v[n]!; }
    if (best) for (const [n, t] of Object.entries(best)) tensors[`best/${n}`] = t;
    return {
      json: { earlyStopping: es.getState(), lr, decays, adamStep: adam.step, seed: o.seed, history: structuredClone(history), adamNames: Object.keys(adam.m), hasBest: best !== null },
      tensors,
    };
  };

  const trainEpoch = (epoch: number): number => {
    const rng = createRng(deriveSeed(o.seed, `epoch:${epoch}`));
    // batches are read lazily; a session with fewer batches restarts its (same-seed, same-order) stream,
    // as the original's LongCycler cycles its shorter loaders
    const batchOpts = keys.map((k) => ({ batchSize: o.batchSize, shuffle: true, seed: rng.child(k).seed }));
    const open = (s: number): Iterator<Batch> => dataset.batches(keys[s]!, 'train', batchOpts[s])[Symbol.iterator]();
    const iters = keys.map((_, s) => open(s));
    const nextBatch = (s: number): Batch => {
      let r = iters[s]!.next();
      if (r.done) {
        iters[s] = open(s);
        r = iters[s]!.next();
        if (r.done) throw new SalDataError(W, `training trials in session '${keys[s]}'`, 0);
      }
      return r.value;
    };
    const maxBatches = Math.max(...infos.map((i) => Math.ceil(i.nTrials.train / o.batchSize)));
    if (!(maxBatches > 0)) throw new SalDataError(W, 'training trials (SessionInfo.nTrials.train)', infos.map((i) => i.nTrials.train));
    let lossSum = 0, nBatches = 0, stepIndex = 0;
    let acc: Record<string, tf.Tensor> = {};
    const flush = (): void => {
      if (Object.keys(acc).length === 0) return;
      adamStep(adam, weights, acc, lr, o.weightDecay);
      tf.dispose(Object.values(acc));
      acc = {};
    };
    try {
      for (let b = 0; b < maxBatches; b++) {
        for (let s = 0; s < keys.length; s++) {
          const batch = nextBatch(s);
          const key = keys[s]!;
          const scale = o.scaleLoss ? Math.sqrt(infos[s]!.nTrials.train / batch.targetShape[0]) : 1;
          const stepSeed = deriveSeed(o.seed, `step:${epoch}:${stepIndex++}`);
          const { value, grads } = tf.tidy(() => {
            const x = tf.tensor4d(batch.inputs, batch.inputShape as [number, number, number, number]);
            const y = tf.tensor2d(batch.targets, batch.targetShape as [number, number]);
            return tf.variableGrads(() => {
              const pred = encoder.predict(x, key, { training: true, seed: stepSeed });
              return tf.add(tf.mul(poissonLoss(pred, y), scale), encoder.regularizer(key)) as tf.Scalar;
            }, trainableVars);
          });
          lossSum += value.dataSync()[0]!;
          nBatches++;
          value.dispose();
          for (const [vn, g] of Object.entries(grads)) {
            const n = nameOfVar.get(vn);
            if (n === undefined) { g.dispose(); continue; }
            const prev = acc[n];
            if (prev) { acc[n] = tf.add(prev, g); prev.dispose(); g.dispose(); } else acc[n] = g;
          }
          if (!o.accumulateSessions) flush();
        }
        flush();
      }
    } finally {
      tf.dispose(Object.values(acc));
    }
    return lossSum / nBatches;
  };

  const line = (r: EpochRecord, bestScore: number | null): void => {
    if (!stream) return;
    const v = r.validation === null ? '      -' : r.validation.toFixed(4);
    stream.write(`epoch ${String(r.epoch).padStart(3)}  loss ${r.loss === null ? '-' : r.loss.toPrecision(5)}  val ${v}  best ${bestScore === null ? '-' : bestScore.toFixed(4)}  lr ${r.lr.toExponential(2)}  ${r.seconds.toFixed(1)}s${r.events.length ? `  ${r.events.join(' ')}` : ''}\n`);
  };

  let pending: EpochRecord | null = null;
  let epochStart = performance.now();
  let finalScore = NaN;
  let stopReason: TrainResult['stopReason'] | null = null;
  try {
    for (;;) {
      const peek = es.peek();
      if (pending && (peek.type === 'train' || peek.type === 'done')) {
        pending.seconds = (performance.now() - epochStart) / 1000;
        history.push(pending);
        const rec = pending;
        pending = null;
        line(rec, es.getState().best);
        if (o.checkpointDir) {
          await saveCheckpoint(o.checkpointDir, encoder, exportState());
        }
        if (o.onEpoch && o.onEpoch(rec) === 'stop' && peek.type !== 'done') { stopReason = 'interrupted'; break; }
        epochStart = performance.now();
      }
      const a = es.next();
      if (a.type === 'done') { stopReason = stopReason ?? a.reason; break; }
      if (a.type === 'train') {
        const loss = trainEpoch(a.epoch);
        pending = { epoch: a.epoch, loss, validation: null, lr, seconds: 0, events: [] };
        await new Promise((r) => setImmediate(r));
      } else if (a.type === 'evaluate') {
        const score = validationScore(encoder, dataset, o.evalBatchSize);
        es.report(score);
        if (a.final) finalScore = score;
        else {
          if (!pending) pending = { epoch: es.getState().epoch, loss: null, validation: null, lr, seconds: 0, events: [] };
          pending.validation = score;
          finalScore = score;
        }
      } else if (a.type === 'snapshot') {
        if (best) tf.dispose(Object.values(best));
        best = cloneWeights(weights);
        pending?.events.push('best');
      } else if (a.type === 'restore') {
        if (best) for (const [n, t] of Object.entries(best)) weights[n]!.assign(t);
      } else if (a.type === 'decay') {
        if (lr <= o.minLr) {
          // already at the floor: another round cannot use a smaller LR
          stopReason = 'min-lr';
          if (o.restoreBest && best) {
            finalScore = validationScore(encoder, dataset, o.evalBatchSize);
          }
          pending?.events.push('min-lr');
          if (pending) {
            pending.seconds = (performance.now() - epochStart) / 1000;
            history.push(pending);
            line(pending, es.getState().best);
            o.onEpoch?.(pending);
            pending = null;
          }
          break;
        }
        lr = Math.max(lr * o.lrDecayFactor, o.minLr);
        decays++;
        pending?.events.push('restore-decay');
      }
    }
  } finally {
    disposeAdamState(adam);
    if (best) tf.dispose(Object.values(best));
  }
  const st = es.getState();
  return {
    history, bestScore: st.best ?? NaN, bestEpoch: st.bestEpoch, finalScore, epochs: st.epoch,
    stopReason: stopReason ?? 'patience', lr,
  };
}
