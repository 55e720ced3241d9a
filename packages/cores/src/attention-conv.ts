/**
 * Stand-alone local self-attention conv (neuralpredictors `AttentionConv`, after Ramachandran et al.
 * 2019), NHWC: query/key/value are 1×1 convs without bias; for every output position and channel the
 * query is multiplied with the keys of the k×k window around it (zero padding), plus a learned relative
 * position embedding (the first half of the channels gets a row embedding, the second half a column
 * embedding); a softmax over the k² window positions weights the values. As in the original, the
 * softmax is taken per channel (the query–key product is not summed over channels).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from './params.js';

export interface AttentionConvParams {
  query: tf.Variable; // [1,1,in,out]
  key: tf.Variable;
  value: tf.Variable;
  relH: tf.Variable; // [out/2, k]
  relW: tf.Variable; // [out/2, k]
  kernelSize: number;
}

/** Variables `${prefix}.query|key|value.kernel` (Xavier normal) and `${prefix}.relH|relW` (N(0,1)). */
export function createAttentionConv(params: ParamStore, prefix: string, inChannels: number, outChannels: number, kernelSize: number): AttentionConvParams {
  const half = outChannels / 2;
  return {
    query: params.convKernel(`${prefix}.query.kernel`, [1, 1, inChannels, outChannels], outChannels),
    key: params.convKernel(`${prefix}.key.kernel`, [1, 1, inChannels, outChannels], outChannels),
    value: params.convKernel(`${prefix}.value.kernel`, [1, 1, inChannels, outChannels], outChannels),
    relH: params.normal(`${prefix}.relH`, [half, kernelSize]),
    relW: params.normal(`${prefix}.relW`, [half, kernelSize]),
    kernelSize,
  };
}

/** `x` `[B,H,W,in]` → `[B,H,W,out]` (same spatial size; odd kernel sizes). */
export function attentionConv(x: tf.Tensor4D, p: AttentionConvParams): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w] = x.shape;
    const k = p.kernelSize;
    const pad = (k - 1) >> 1;
    const c = p.query.shape[3] as number;
    const half = c / 2;
    const q = tf.conv2d(x, p.query as tf.Tensor4D, 1, 'valid');
    const keys = tf.pad(tf.conv2d(x, p.key as tf.Tensor4D, 1, 'valid'), [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ]);
    const values = tf.pad(tf.conv2d(x, p.value as tf.Tensor4D, 1, 'valid'), [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ]);
    // relative embedding [C, k*k]: offset (i, j) → row embedding i for the first half, column j for the second
    const relRows = tf.add(tf.reshape(p.relH, [half, k, 1]), tf.zeros([1, 1, k])); // [C/2,k,k]
    const relCols = tf.add(tf.reshape(p.relW, [half, 1, k]), tf.zeros([1, k, 1])); // [C/2,k,k]
    const rel = tf.reshape(tf.concat([relRows, relCols], 0), [c, k * k]);
    const kSlices: tf.Tensor4D[] = [];
    const vSlices: tf.Tensor4D[] = [];
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        kSlices.push(tf.slice(keys, [0, i, j, 0], [b, h, w, c]));
        vSlices.push(tf.slice(values, [0, i, j, 0], [b, h, w, c]));
      }
    }
    const kStack = tf.add(tf.stack(kSlices, 4), rel); // [B,H,W,C,K]
    const vStack = tf.stack(vSlices, 4);
    const logits = tf.mul(tf.reshape(q, [b, h, w, c, 1]), kStack);
    const weights = tf.softmax(logits);
    return tf.sum(tf.mul(weights, vStack), 4) as tf.Tensor4D;
  });
}
