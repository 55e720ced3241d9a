import * as tf from '@tensorflow/tfjs-core';
import { SalShapeError, checkNumber, resolveOptions } from '@sal/types';
import { type ImageInput, type Matrix, type ResponseModel, imageChunk, imageShape } from './arrays.js';

/** Options of {@link predictResponses}. */
export interface PredictOptions {
  /** Images per forward pass. @default 64 */
  batchSize?: number;
}

/** Defaults of {@link PredictOptions}. */
export const PREDICT_DEFAULTS: Readonly<Required<PredictOptions>> = Object.freeze({ batchSize: 64 });

/**
 * Predicted responses of every neuron to every image, computed in batches.
 * @param model evaluation-mode model, `[B,H,W,C]` → `[B,N]`
 * @param images `[images, h, w, c]` (not disposed)
 * @returns `{ data, shape: [images, neurons] }` on the CPU
 */
export function predictResponses(model: ResponseModel, images: ImageInput, opts?: PredictOptions): Matrix & { readonly data: Float32Array } {
  const where = 'grf.predictResponses';
  if (typeof model !== 'function') throw new TypeError(`${where}: model must be a function (x: Tensor4D) => Tensor2D`);
  const o = resolveOptions<PredictOptions>(where, PREDICT_DEFAULTS, opts);
  checkNumber(where, 'batchSize', o.batchSize, { min: 1, integer: true });
  const [b] = imageShape(where, images);
  let out = new Float32Array(0);
  let n = -1;
  for (let start = 0; start < b; start += o.batchSize) {
    const count = Math.min(o.batchSize, b - start);
    const y = tf.tidy(() => {
      const x = imageChunk(images, start, count);
      const r = model(x);
      if (!(r instanceof tf.Tensor) || r.rank !== 2 || r.shape[0] !== count) {
        throw new SalShapeError(`${where}: model output`, [count, '*'], r instanceof tf.Tensor ? r.shape : r);
      }
      return tf.cast(r, 'float32');
    });
    try {
      if (n < 0) {
        n = y.shape[1]!;
        out = new Float32Array(b * n);
      }
      out.set(y.dataSync() as Float32Array, start * n);
    } finally {
      y.dispose();
    }
  }
  return { data: out, shape: [b, Math.max(n, 0)] };
}
