import { checkNumber, resolveOptions } from '@sal/types';

/** Options of {@link createEarlyStopping}. */
export interface EarlyStoppingOptions {
  /** Epochs between evaluations of the objective. @default 1 */
  interval?: number;
  /** Evaluations without improvement before a decay round ends. @default 5 */
  patience?: number;
  /** Largest epoch number. @default 100 */
  maxEpochs?: number;
  /** An evaluation improves when it beats the best by more than this (absolute). @default 1e-6 */
  tolerance?: number;
  /** Maximise (correlation) or minimise (loss). @default true */
  maximize?: boolean;
  /** Restore the best state when a round ends and at the end. @default true */
  restoreBest?: boolean;
  /** Rounds of training; between rounds the best state is restored and the LR decays. @default 1 */
  lrDecaySteps?: number;
}

export const EARLY_STOPPING_DEFAULTS: Readonly<Required<EarlyStoppingOptions>> = Object.freeze({
  interval: 1,
  patience: 5,
  maxEpochs: 100,
  tolerance: 1e-6,
  maximize: true,
  restoreBest: true,
  lrDecaySteps: 1,
});

/** What the driver must do next. */
export type EarlyStoppingAction =
  /** Evaluate the objective and `report` it; `final` marks the evaluation of the restored best state. */
  | { readonly type: 'evaluate'; readonly final?: boolean }
  /** Train one epoch; `epoch` is its 1-based number. */
  | { readonly type: 'train'; readonly epoch: number }
  /** The last evaluation improved: remember the current state as the best. */
  | { readonly type: 'snapshot' }
  /** Put the best state back. */
  | { readonly type: 'restore' }
  /** A decay round ended: lower the learning rate (after the restore). */
  | { readonly type: 'decay' }
  | { readonly type: 'done'; readonly reason: 'patience' | 'max-epochs' | 'not-finite' };

/** Serialisable state of the machine (checkpoints store it). */
export interface EarlyStoppingState {
  epoch: number;
  best: number | null;
  /** Epoch of the best state. */
  bestEpoch: number;
  patienceCounter: number;
  round: number;
  /** Epochs trained since the last evaluation. */
  sinceEval: number;
  /** Queue of actions not yet handed out. */
  pending: EarlyStoppingAction[];
  /** True while an `evaluate` waits for its score. */
  awaitingScore: boolean;
  finished: boolean;
  /** Number of scores reported. */
  evaluations: number;
}

/** A small pure state machine: ask `next()`, do it, `report(score)` after each `evaluate`. */
export interface EarlyStopping {
  readonly options: Readonly<Required<EarlyStoppingOptions>>;
  next(): EarlyStoppingAction;
  /** The action `next()` would return, without changing the state. */
  peek(): EarlyStoppingAction;
  report(score: number): void;
  getState(): EarlyStoppingState;
}

/**
 * Early stopping as the original's `early_stopping` generator: the objective is evaluated before training
 * and every `interval` epochs; after `patience` evaluations without an improvement larger than `tolerance`
 * the round ends: with `lrDecaySteps` rounds, all but the last restore the best state and decay the LR;
 * the last restores the best state and stops. Training also stops at `maxEpochs` (checked between
 * evaluations, as the original) and on a non-finite objective. After the final restore the objective is
 * evaluated once more, so the reported final score is that of the restored state.
 */
export function createEarlyStopping(opts?: EarlyStoppingOptions, state?: EarlyStoppingState): EarlyStopping {
  const W = 'train.createEarlyStopping';
  const o = Object.freeze(resolveOptions(W, EARLY_STOPPING_DEFAULTS, opts));
  checkNumber(W, 'interval', o.interval, { min: 1, integer: true });
  checkNumber(W, 'patience', o.patience, { min: 1, integer: true });
  checkNumber(W, 'maxEpochs', o.maxEpochs, { min: 0, integer: true });
  checkNumber(W, 'tolerance', o.tolerance, { min: 0 });
  checkNumber(W, 'lrDecaySteps', o.lrDecaySteps, { min: 1, integer: true });
  const s: EarlyStoppingState = state
    ? structuredClone(state)
    : {
        epoch: 0,
        best: null,
        bestEpoch: 0,
        patienceCounter: 0,
        round: 0,
        sinceEval: 0,
        pending: [{ type: 'evaluate' }],
        awaitingScore: false,
        finished: false,
        evaluations: 0,
      };
  const sign = o.maximize ? 1 : -1;

  const finish = (reason: 'patience' | 'max-epochs' | 'not-finite'): void => {
    if (o.restoreBest) s.pending.push({ type: 'restore' }, { type: 'evaluate', final: true });
    s.pending.push({ type: 'done', reason });
  };

  return {
    options: o,
    next() {
      if (s.awaitingScore) throw new Error('train.EarlyStopping.next: report the score of the last evaluation first');
      const a = s.pending.shift();
      if (a) {
        if (a.type === 'evaluate') s.awaitingScore = true;
        if (a.type === 'done') {
          s.finished = true;
          s.pending.unshift(a);
        }
        return a;
      }
      // between evaluations: train until the interval is full, then evaluate
      if (s.sinceEval < o.interval) {
        const epoch = s.epoch + 1;
        s.epoch = epoch;
        s.sinceEval++;
        return { type: 'train', epoch };
      }
      s.sinceEval = 0;
      s.awaitingScore = true;
      return { type: 'evaluate' };
    },
    peek() {
      const a = s.pending[0];
      if (a) return a;
      return s.sinceEval < o.interval ? { type: 'train', epoch: s.epoch + 1 } : { type: 'evaluate' };
    },
    report(score) {
      if (!s.awaitingScore) throw new Error('train.EarlyStopping.report: no evaluation is pending');
      s.awaitingScore = false;
      s.evaluations++;
      if (s.finished || s.pending.length > 0) return; // the final evaluation after a restore, or one queued
      if (!Number.isFinite(score)) {
        finish('not-finite');
        return;
      }
      if (s.best === null) {
        s.best = score;
        s.bestEpoch = s.epoch;
        s.pending.push({ type: 'snapshot' });
      } else if (sign * score > sign * s.best + o.tolerance) {
        s.best = score;
        s.bestEpoch = s.epoch;
        s.patienceCounter = 0;
        s.pending.push({ type: 'snapshot' });
      } else {
        s.patienceCounter++;
      }
      const roundOver = s.patienceCounter >= o.patience;
      if (roundOver) {
        s.round++;
        s.patienceCounter = 0;
        if (s.round < o.lrDecaySteps && s.epoch < o.maxEpochs) {
          if (o.restoreBest) s.pending.push({ type: 'restore' });
          s.pending.push({ type: 'decay' });
        } else {
          finish('patience');
          return;
        }
      }
      if (s.epoch >= o.maxEpochs) finish('max-epochs');
    },
    getState() {
      return structuredClone(s);
    },
  };
}
