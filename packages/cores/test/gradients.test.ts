/**
 * Gradients of a scalar loss w.r.t. the input and the first-layer weights against central finite
 * differences (float32 evaluations, eps 1e-2: truncation O(eps²) and rounding ~1e-7·|loss|/eps are both
 * well under the tolerance), in training mode so the batch statistics are differentiated too.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { finiteDifferenceGrad, relativeError, sampleIndices } from '@sal/test-utils';
import { stacked2dCore, type Stacked2dCoreOptions } from '../src/index.js';
import { randn } from './helpers.js';

const variants: [string, Stacked2dCoreOptions][] = [
  ['plain convs, batch-norm, ELU, SE', { hiddenChannels: 3, inputKern: 3, hiddenKern: 3, layers: 2, seReduction: 1, nSeBlocks: 1, bias: true }],
  [
    'depth-separable, skip, last layer only',
    { hiddenChannels: 2, inputKern: 3, hiddenKern: 3, layers: 3, depthSeparable: true, skip: 2, stack: -1, nSeBlocks: 0 },
  ],
  ['attention conv', { hiddenChannels: 2, inputKern: 2, hiddenKern: 3, layers: 2, attentionConv: true, nSeBlocks: 0 }],
];

describe('gradients against central finite differences', () => {
  for (const [name, opts] of variants) {
    it(name, () => {
      const core = stacked2dCore({ ...opts, seed: 9 });
      const x = randn([2, 6, 6, 1], 21) as tf.Tensor4D;
      const outShape = core.computeOutputShape([6, 6, 1]);
      const probe = randn([2, ...outShape], 22);
      const loss = (input: tf.Tensor): tf.Scalar => tf.sum(tf.mul(core.apply(input as tf.Tensor4D, { training: true }), probe));

      // input
      const gx = tf.tidy(() => tf.grad(loss)(x));
      const ix = sampleIndices(x.size, 24, 3);
      const fdx = finiteDifferenceGrad(loss, x, { eps: 1e-2, indices: ix });
      const gxv = gx.dataSync();
      const anx = ix.map((i) => gxv[i]!);
      expect(relativeError(anx, fdx)).toBeLessThan(5e-3);
      for (let n = 0; n < ix.length; n++) expect(Math.abs(anx[n]! - fdx[n]!)).toBeLessThan(2e-2 + 2e-2 * Math.abs(fdx[n]!));

      // first-layer weights
      const kernel = core.getWeights()['layer0.conv.kernel']!;
      const saved = tf.clone(kernel);
      const { grads } = tf.variableGrads(() => loss(x), [kernel]);
      const gw = grads['layer0.conv.kernel'] ?? Object.values(grads)[0]!;
      const lossOfW = (wt: tf.Tensor): tf.Scalar => {
        kernel.assign(wt);
        return loss(x);
      };
      const iw = sampleIndices(kernel.size, 24, 4);
      const fdw = finiteDifferenceGrad(lossOfW, saved, { eps: 1e-2, indices: iw });
      kernel.assign(saved);
      const gwv = gw.dataSync();
      const anw = iw.map((i) => gwv[i]!);
      expect(relativeError(anw, fdw)).toBeLessThan(5e-3);
      // the gradient is not trivially zero
      expect(Math.max(...anw.map(Math.abs))).toBeGreaterThan(1e-2);
      tf.dispose([x, probe, gx, saved, gw]);
      core.dispose();
    });
  }
});
