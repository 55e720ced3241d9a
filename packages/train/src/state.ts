/**
 * The trainer's record and state types, shared by the trainer (portable) and the checkpoint files (`./node`),
 * so that neither imports the other.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { EarlyStoppingState } from './early-stopping.js';

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
  /** Events after the evaluation: 'best' (new best), 'restore-decay' (best restored, LR decayed), 'min-lr'. */
  events: string[];
}

/** A writable text stream (e.g. `process.stdout`). */
export interface TextSink {
  write(text: string): unknown;
}

/** Why training ended. */
export type StopReason = 'patience' | 'max-epochs' | 'not-finite' | 'min-lr' | 'interrupted';

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
  /** Validation score of the current weights (the last evaluation); null before any. */
  lastScore?: number | null;
  /** Set when training had ended (the state after its last epoch): resuming returns at once. */
  stopReason?: Exclude<StopReason, 'interrupted'> | null;
}

/**
 * Everything needed to resume training: JSON state plus tensors named `adam/m/<weight>`,
 * `adam/v/<weight>` and `best/<weight>`. The holder owns the tensors (dispose them with `tf.dispose`).
 */
export interface TrainerState {
  json: TrainerStateJson;
  tensors: Record<string, tf.Tensor>;
}
