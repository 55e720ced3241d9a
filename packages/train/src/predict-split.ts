import * as tf from '@tensorflow/tfjs-core';
import { SalDataError, type Dataset, type SessionKey, type Split } from '@sal/types';
import type { Encoder } from './encoder.js';
import { correlation } from './correlation.js';
import { averagedCorrelation, fev, oracleCorrelation, singleTrialCorrelation, type RepeatGroup } from './repeats.js';

/** Predictions of one session's split, in the dataset's batch order (eval mode). */
export interface SplitPredictions {
  /** `[T,N]` row-major. */
  readonly predictions: Float32Array;
  /** `[T,N]` row-major. */
  readonly targets: Float32Array;
  /** `[T]`. */
  readonly imageIds: Int32Array;
  readonly nNeurons: number;
  /** Rows of each batch (for `test`: the repeats of each image). */
  readonly batchSizes: readonly number[];
}

/** Options of {@link predictSplit}. */
export interface PredictSplitOptions {
  /** Rows per forward pass (ignored for `test`, batched by image). @default 256 */
  batchSize?: number;
}

/** Run the encoder in eval mode over one session's split. */
export function predictSplit(encoder: Encoder, dataset: Dataset, sessionKey: SessionKey, split: Split, opts: PredictSplitOptions = {}): SplitPredictions {
  const batchSize = opts.batchSize ?? 256;
  const preds: Float32Array[] = [],
    targets: Float32Array[] = [],
    ids: Int32Array[] = [],
    sizes: number[] = [];
  let n = -1,
    total = 0;
  for (const batch of dataset.batches(sessionKey, split, { batchSize, shuffle: false })) {
    const [b, nn] = batch.targetShape;
    if (n >= 0 && nn !== n) throw new SalDataError('train.predictSplit', `${n} neurons in every batch`, nn);
    n = nn;
    const x = tf.tensor4d(batch.inputs, batch.inputShape as [number, number, number, number]);
    const y = encoder.predict(x, sessionKey, { training: false });
    preds.push(y.dataSync() as Float32Array);
    tf.dispose([x, y]);
    targets.push(batch.targets);
    ids.push(batch.imageIds);
    sizes.push(b);
    total += b;
  }
  if (n < 0) throw new SalDataError('train.predictSplit', `trials in split '${split}' of session '${sessionKey}'`, 0);
  const cat = <T extends Float32Array | Int32Array>(parts: T[], make: (len: number) => T, len: number): T => {
    const out = make(len);
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  };
  return {
    predictions: cat(preds, (l) => new Float32Array(l), total * n),
    targets: cat(targets, (l) => new Float32Array(l), total * n),
    imageIds: cat(ids, (l) => new Int32Array(l), total),
    nNeurons: n,
    batchSizes: sizes,
  };
}

/** Group a split's rows by image id into repeat groups (first-seen order). */
export function groupByImage(p: SplitPredictions): RepeatGroup[] {
  const n = p.nNeurons;
  const rowsOf = new Map<number, number[]>();
  p.imageIds.forEach((id, r) => {
    const l = rowsOf.get(id);
    if (l) l.push(r);
    else rowsOf.set(id, [r]);
  });
  return [...rowsOf.values()].map((rows) => {
    const t = new Float32Array(rows.length * n),
      q = new Float32Array(rows.length * n);
    rows.forEach((r, i) => {
      t.set(p.targets.subarray(r * n, r * n + n), i * n);
      q.set(p.predictions.subarray(r * n, r * n + n), i * n);
    });
    return { targets: t, predictions: q };
  });
}

/** Per-neuron correlation between prediction and response over all trials of a split (`[N]`). */
export function splitCorrelation(encoder: Encoder, dataset: Dataset, sessionKey: SessionKey, split: Split, opts?: PredictSplitOptions): Float64Array {
  const p = predictSplit(encoder, dataset, sessionKey, split, opts);
  return correlation(p.predictions, p.targets, p.nNeurons);
}

/** Per-neuron scores of one session. */
export interface SessionScores {
  readonly validation: Float64Array;
  /** Single-trial test correlation (the original's "test correlation"). */
  readonly test: Float64Array;
  /** Repeat-averaged test correlation. */
  readonly testAveraged: Float64Array;
  /** FEV, FEVe and oracle correlation of the test split; null unless every test image has ≥ 2 repeats. */
  readonly fev: Float64Array | null;
  readonly feve: Float64Array | null;
  readonly oracle: Float64Array | null;
}

/** Validation, single-trial and repeat-averaged test correlation, FEV/FEVe and oracle of one session, per neuron. */
export function scoreSession(encoder: Encoder, dataset: Dataset, sessionKey: SessionKey, opts?: PredictSplitOptions): SessionScores {
  const validation = splitCorrelation(encoder, dataset, sessionKey, 'validation', opts);
  const testPred = predictSplit(encoder, dataset, sessionKey, 'test', opts);
  const groups = groupByImage(testPred);
  const n = testPred.nNeurons;
  const repeated = groups.every((g) => g.targets.length >= 2 * n);
  const f = repeated ? fev(groups, n) : null;
  return {
    validation,
    test: singleTrialCorrelation(groups, n),
    testAveraged: averagedCorrelation(groups, n),
    fev: f ? f.fev : null,
    feve: f ? f.feve : null,
    oracle: repeated ? oracleCorrelation(groups, n) : null,
  };
}
