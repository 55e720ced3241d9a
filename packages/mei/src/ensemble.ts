/**
 * Ensembles of trained encoders (e.g. the seeds of one variant) as one model: the mean of the members'
 * predicted rates. An ensemble offers the encoder's `predict(x, sessionKey, opts)`, a plain response model per
 * session (for `@sal/grf` and MEIs) and a {@link WindowedResponseModel} per session (for windowed gRFs).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  SalConfigError,
  SalShapeError,
  assertRank,
  checkNumber,
  resolveOptions,
  type ApplyOptions,
  type SessionKey,
  type WindowedResponseModel,
} from '@sal/types';
import { windowedResponseModel, type Encoder } from '@sal/train';
import type { ResponseModel } from './model.js';
import { ensembleWindowedModel, type EnsembleWindowedOptions } from './ensemble-windowed.js';

/** Options of {@link createEnsemble}. */
export interface EnsembleOptions {
  /** Whether the ensemble owns its members (its `dispose()` disposes them). @default true */
  owns?: boolean;
}

/** Defaults of {@link EnsembleOptions}. */
export const ENSEMBLE_DEFAULTS: Readonly<Required<EnsembleOptions>> = Object.freeze({ owns: true });

/**
 * Several encoders as one model: `predict` is the mean of the members' predicted rates. Only the sessions
 * every member has are offered; every member must predict the same number of neurons for each.
 */
export interface Ensemble {
  readonly kind: 'mei.ensemble';
  /** The members, in the order given. */
  readonly members: readonly Encoder[];
  /** Sessions every member has, in the first member's order. */
  readonly sessionKeys: readonly SessionKey[];
  /**
   * Mean of the members' `predict` (evaluation mode unless `opts.training`).
   * @param x `[B,H,W,C]` with all dataset channels
   * @returns `[B,N]` positive rates
   */
  predict(x: tf.Tensor4D, sessionKey: SessionKey, opts?: ApplyOptions): tf.Tensor2D;
  /** The evaluation-mode model of one session, `[B,H,W,C]` → `[B,N]` (for `@sal/grf` and MEIs). */
  responseModel(sessionKey: SessionKey): ResponseModel;
  /**
   * The session's model evaluated on windows (for `windowedGradientReceptiveFields`): the mean of every
   * member's `windowedResponseModel` (see {@link ensembleWindowedModel}).
   * @throws SalConfigError when a member cannot be windowed (see `@sal/train`'s `windowedResponseModel`)
   */
  windowedModel(sessionKey: SessionKey, opts?: EnsembleWindowedOptions): WindowedResponseModel;
  /** Dispose the members (when the ensemble owns them). */
  dispose(): void;
}

const WHERE = 'mei.createEnsemble';

/**
 * An ensemble of encoders (see {@link Ensemble}).
 * @throws SalConfigError for no members or no common session; SalShapeError when members disagree on a
 *   session's number of neurons
 */
export function createEnsemble(members: readonly Encoder[], opts?: EnsembleOptions): Ensemble {
  const o = resolveOptions<EnsembleOptions>(WHERE, ENSEMBLE_DEFAULTS, opts);
  if (typeof o.owns !== 'boolean') throw new SalConfigError(WHERE, 'owns', 'a boolean', o.owns);
  if (!Array.isArray(members) || members.length === 0) throw new SalConfigError(WHERE, 'members', 'a non-empty array of encoders', members);
  members.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || typeof m.predict !== 'function' || !Array.isArray(m.sessionKeys)) {
      throw new TypeError(`${WHERE}: members[${i}] must be an Encoder (from @sal/train)`);
    }
  });
  const keys = members[0]!.sessionKeys.filter((k: SessionKey) => members.every((m) => m.sessionKeys.includes(k)));
  if (keys.length === 0)
    throw new SalConfigError(
      WHERE,
      'members',
      'encoders that share at least one session',
      members.map((m) => m.sessionKeys),
    );
  for (const k of keys) {
    const n = members[0]!.readouts[k]!.outDims;
    members.forEach((m, i) => {
      if (m.readouts[k]!.outDims !== n) throw new SalShapeError(`${WHERE}: members[${i}].readouts['${k}'].outDims`, n, m.readouts[k]!.outDims);
    });
  }
  const list = Object.freeze([...members]);
  const check = (key: SessionKey, where: string): void => {
    if (!keys.includes(key)) throw new SalConfigError(where, 'sessionKey', `one of ${keys.map((k: SessionKey) => `'${k}'`).join(', ')}`, key);
  };
  let disposed = false;
  const ensemble: Ensemble = {
    kind: 'mei.ensemble',
    members: list,
    sessionKeys: Object.freeze([...keys]),
    predict(x, sessionKey, applyOpts = {}) {
      assertRank('mei.Ensemble.predict(x)', x.shape, 4, '[B,H,W,C]');
      check(sessionKey, 'mei.Ensemble.predict');
      return tf.tidy(() => {
        const ys = list.map((m) => m.predict(x, sessionKey, applyOpts));
        return (ys.length === 1 ? ys[0]! : tf.div(tf.addN(ys), ys.length)) as tf.Tensor2D;
      });
    },
    responseModel(sessionKey) {
      check(sessionKey, 'mei.Ensemble.responseModel');
      return (x) => ensemble.predict(x, sessionKey, { training: false });
    },
    windowedModel(sessionKey, wOpts) {
      check(sessionKey, 'mei.Ensemble.windowedModel');
      return ensembleWindowedModel(
        list.map((m) => windowedResponseModel(m, sessionKey)),
        wOpts,
      );
    },
    dispose() {
      if (disposed || !o.owns) return;
      disposed = true;
      for (const m of list) m.dispose();
    },
  };
  return ensemble;
}

/**
 * The mean of several response models (e.g. the sessions of several encoders), `[B,H,W,C]` → `[B,N]`.
 * @throws SalConfigError for no models; the returned model throws SalShapeError when the models' outputs differ in shape
 */
export function meanResponseModel(models: readonly ResponseModel[]): ResponseModel {
  const where = 'mei.meanResponseModel';
  if (!Array.isArray(models) || models.length === 0) throw new SalConfigError(where, 'models', 'a non-empty array of response models', models);
  models.forEach((m, i) => {
    if (typeof m !== 'function') throw new TypeError(`${where}: models[${i}] must be a function (x: Tensor4D) => Tensor2D`);
  });
  checkNumber(where, 'models.length', models.length, { min: 1, integer: true });
  return (x) =>
    tf.tidy(() => {
      const ys = models.map((m) => m(x));
      ys.forEach((y, i) => {
        if (!(y instanceof tf.Tensor) || y.rank !== 2 || y.shape[0] !== ys[0]!.shape[0] || y.shape[1] !== ys[0]!.shape[1]) {
          throw new SalShapeError(`${where}: models[${i}] output`, ys[0]!.shape, y instanceof tf.Tensor ? y.shape : y);
        }
      });
      return (ys.length === 1 ? tf.clone(ys[0]!) : tf.div(tf.addN(ys), ys.length)) as tf.Tensor2D;
    });
}
