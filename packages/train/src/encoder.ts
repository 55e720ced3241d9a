import * as tf from '@tensorflow/tfjs-core';
import {
  SalConfigError,
  SalShapeError,
  assertRank,
  checkNumber,
  resolveOptions,
  type ApplyOptions,
  type Core,
  type Dataset,
  type JsonObject,
  type Readout,
  type SessionKey,
} from '@sal/types';

/**
 * What a readout's `context` is: the given input channels (e.g. saliency, gradients), `'ones'` (a
 * tensor of ones with the readout's `contextChannels`, the study's control), `'image'` (the image
 * channel repeated `contextChannels` times) or `'none'` (readouts that take no context).
 */
export type ContextRouting = readonly number[] | 'ones' | 'image' | 'none';

/** Which input channels feed the core and what the readouts receive as context. */
export interface EncoderRouting {
  /** Input channels passed to the core, in order (e.g. `[0]`: the image). @default all channels `0..core.inChannels-1` */
  core?: readonly number[];
  /** The readouts' context. @default 'none' */
  context?: ContextRouting;
  /** Input channel of the image, used by `context: 'image'`. @default 0 */
  imageChannel?: number;
}

/** Options of {@link createEncoder}. */
export interface EncoderOptions {
  /** The shared core. The encoder owns it and disposes it. */
  core: Core;
  /** One readout per session. The encoder owns them. */
  readouts: Record<SessionKey, Readout>;
  /** Offset inside the output nonlinearity `elu(y + eluOffset) + 1`. @default 0 */
  eluOffset?: number;
  /** Channel routing. @default { core: all channels, context: 'none', imageChannel: 0 } */
  routing?: EncoderRouting;
}

/** A core shared across sessions, one readout per session and the output nonlinearity `elu(y + offset) + 1`. */
export interface Encoder {
  readonly kind: 'train.encoder';
  readonly core: Core;
  readonly readouts: Readonly<Record<SessionKey, Readout>>;
  readonly sessionKeys: readonly SessionKey[];
  readonly eluOffset: number;
  readonly routing: Readonly<Required<EncoderRouting>>;
  /**
   * @param x inputs `[B,H,W,C]` with all dataset channels
   * @returns positive rates `[B,N]` of the session's neurons
   */
  predict(x: tf.Tensor4D, sessionKey: SessionKey, opts?: ApplyOptions): tf.Tensor2D;
  /**
   * The context the session's readout receives for inputs `x` (`routing.context` applied: channels, ones or the
   * image), as `predict` builds it; a new tensor the caller owns, or `undefined` for readouts that take none.
   * @param x inputs `[B,H,W,C]` with all dataset channels
   */
  context(x: tf.Tensor4D, sessionKey: SessionKey): tf.Tensor4D | undefined;
  /** Core's plus the session readout's regularisation penalty (a scalar the caller owns). */
  regularizer(sessionKey: SessionKey): tf.Scalar;
  /** Every variable, named `core/<name>` and `readout/<sessionKey>/<name>`. */
  getWeights(): Record<string, tf.Variable>;
  /** JSON that rebuilds the encoder with module factories (see `loadCheckpoint`). */
  getConfig(): JsonObject;
  /**
   * Set each session readout's bias from its mean training response. The original uses the first
   * training batch only; the mean over the whole training split is less noisy.
   */
  initBiases(dataset: Dataset, opts?: { batchSize?: number }): void;
  dispose(): void;
}

const WHERE = 'train.createEncoder';

function normaliseRouting(routing: EncoderRouting | undefined, core: Core): Required<EncoderRouting> {
  const r = resolveOptions<EncoderRouting>(`${WHERE}(routing)`, { core: [], context: 'none', imageChannel: 0 }, routing);
  const coreChannels = routing?.core ?? Array.from({ length: core.inChannels }, (_, i) => i);
  if (!Array.isArray(coreChannels) || coreChannels.some((c) => !Number.isInteger(c) || c < 0)) {
    throw new SalConfigError(WHERE, 'routing.core', 'an array of channel indices', coreChannels);
  }
  if (coreChannels.length !== core.inChannels) {
    throw new SalShapeError(`${WHERE}(routing.core)`, `${core.inChannels} channels (core.inChannels)`, coreChannels.length);
  }
  const ctx = r.context;
  if (!(Array.isArray(ctx) ? ctx.every((c) => Number.isInteger(c) && c >= 0) : ['ones', 'image', 'none'].includes(ctx as string))) {
    throw new SalConfigError(WHERE, 'routing.context', "channel indices, 'ones', 'image' or 'none'", ctx);
  }
  checkNumber(WHERE, 'routing.imageChannel', r.imageChannel, { min: 0, integer: true });
  return Object.freeze({ core: Object.freeze([...coreChannels]), context: Array.isArray(ctx) ? Object.freeze([...ctx]) : ctx, imageChannel: r.imageChannel });
}

/** Channels `idx` of `x` along the last axis (one slice per run of consecutive channels, no gather). */
export function selectChannels(x: tf.Tensor4D, idx: readonly number[]): tf.Tensor4D {
  const c = x.shape[3];
  for (const i of idx) if (i >= c) throw new SalShapeError('train.Encoder.predict(x)', `at least ${i + 1} channels`, x.shape);
  if (idx.length === c && idx.every((v, i) => v === i)) return tf.clone(x);
  const runs: [number, number][] = []; // [first channel, count]
  for (const i of idx) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === i) last[1]++;
    else runs.push([i, 1]);
  }
  const parts = runs.map(([i, n]) => tf.slice(x, [0, 0, 0, i], [-1, -1, -1, n]));
  return (parts.length === 1 ? parts[0]! : tf.concat(parts, 3)) as tf.Tensor4D;
}

/** Build an encoder from a core and per-session readouts (see {@link Encoder}). */
export function createEncoder(opts: EncoderOptions): Encoder {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${WHERE}: options must be an object`);
  const o = resolveOptions<EncoderOptions>(WHERE, { core: null as never, readouts: null as never, eluOffset: 0, routing: {} }, opts);
  const { core, readouts } = o;
  if (!core || typeof core.apply !== 'function') throw new TypeError(`${WHERE}: 'core' must be a Core`);
  if (!readouts || typeof readouts !== 'object') throw new TypeError(`${WHERE}: 'readouts' must map session keys to readouts`);
  const keys = Object.keys(readouts);
  if (keys.length === 0) throw new SalConfigError(WHERE, 'readouts', 'at least one session', readouts);
  for (const k of keys) if (typeof readouts[k]?.apply !== 'function') throw new TypeError(`${WHERE}: readouts['${k}'] must be a Readout`);
  const eluOffset = checkNumber(WHERE, 'eluOffset', o.eluOffset);
  const routing = normaliseRouting(opts.routing, core);
  for (const k of keys) {
    const rc = readouts[k]!.contextChannels;
    if (rc > 0 && routing.context === 'none')
      throw new SalConfigError(WHERE, 'routing.context', `a context for readout '${k}' (contextChannels ${rc})`, 'none');
    if (rc > 0 && Array.isArray(routing.context) && routing.context.length !== rc) {
      throw new SalShapeError(`${WHERE}(routing.context)`, `${rc} channels (readouts['${k}'].contextChannels)`, routing.context.length);
    }
  }
  const frozenReadouts = Object.freeze({ ...readouts });

  const readoutFor = (key: SessionKey, where: string): Readout => {
    const r = frozenReadouts[key];
    if (!r) throw new SalConfigError(where, 'sessionKey', `one of ${keys.map((k) => `'${k}'`).join(', ')}`, key);
    return r;
  };

  const context = (x: tf.Tensor4D, n: number): tf.Tensor4D | undefined => {
    if (n === 0) return undefined;
    const [b, h, w] = x.shape;
    if (routing.context === 'ones') return tf.ones([b, h, w, n]);
    if (routing.context === 'image') return tf.tile(selectChannels(x, [routing.imageChannel]), [1, 1, 1, n]);
    return selectChannels(x, routing.context as readonly number[]);
  };

  const encoder: Encoder = {
    kind: 'train.encoder',
    core,
    readouts: frozenReadouts,
    sessionKeys: Object.freeze(keys),
    eluOffset,
    routing,
    predict(x, sessionKey, applyOpts = {}) {
      assertRank('train.Encoder.predict(x)', x.shape, 4, '[B,H,W,C]');
      const readout = readoutFor(sessionKey, 'train.Encoder.predict');
      return tf.tidy(() => {
        const feats = core.apply(selectChannels(x, routing.core), applyOpts);
        const ctx = context(x, readout.contextChannels);
        const y = readout.apply(feats, ctx ? { ...applyOpts, context: ctx } : { ...applyOpts });
        return tf.add(tf.elu(tf.add(y, eluOffset)), 1) as tf.Tensor2D;
      });
    },
    context(x, sessionKey) {
      assertRank('train.Encoder.context(x)', x.shape, 4, '[B,H,W,C]');
      const readout = readoutFor(sessionKey, 'train.Encoder.context');
      return tf.tidy(() => context(x, readout.contextChannels));
    },
    regularizer(sessionKey) {
      const readout = readoutFor(sessionKey, 'train.Encoder.regularizer');
      return tf.tidy(() => tf.add(core.regularizer(), readout.regularizer()) as tf.Scalar);
    },
    getWeights() {
      const out: Record<string, tf.Variable> = {};
      for (const [n, v] of Object.entries(core.getWeights())) out[`core/${n}`] = v;
      for (const k of keys) for (const [n, v] of Object.entries(frozenReadouts[k]!.getWeights())) out[`readout/${k}/${n}`] = v;
      return out;
    },
    getConfig() {
      const readoutCfg: JsonObject = {};
      for (const k of keys) readoutCfg[k] = { kind: frozenReadouts[k]!.kind, config: frozenReadouts[k]!.getConfig() };
      return {
        kind: 'train.encoder',
        eluOffset,
        routing: {
          core: [...routing.core],
          context: Array.isArray(routing.context) ? [...routing.context] : (routing.context as string),
          imageChannel: routing.imageChannel,
        },
        core: { kind: core.kind, config: core.getConfig() },
        readouts: readoutCfg,
      };
    },
    initBiases(dataset, initOpts = {}) {
      const batchSize = initOpts.batchSize ?? 256;
      for (const k of keys) {
        const info = dataset.sessions.find((s) => s.key === k);
        if (!info)
          throw new SalConfigError(
            'train.Encoder.initBiases',
            'dataset',
            `a session '${k}'`,
            dataset.sessions.map((s) => s.key),
          );
        const sums = new Float64Array(info.nNeurons);
        let rows = 0;
        for (const batch of dataset.batches(k, 'train', { batchSize, shuffle: false })) {
          const [b, n] = batch.targetShape;
          if (n !== info.nNeurons) throw new SalShapeError('train.Encoder.initBiases(batch.targetShape)', [b, info.nNeurons], batch.targetShape);
          for (let i = 0; i < b; i++) for (let j = 0; j < n; j++) sums[j] = sums[j]! + batch.targets[i * n + j]!;
          rows += b;
        }
        const meanResp = Float32Array.from(sums, (s) => (rows > 0 ? s / rows : 0));
        frozenReadouts[k]!.initBias(meanResp);
      }
    },
    dispose() {
      core.dispose();
      for (const k of keys) frozenReadouts[k]!.dispose();
    },
  };
  return encoder;
}
