/** No readout leaks tensors, in evaluation, in training (running statistics are updated) or under gradients. */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { Readout, ReadoutApplyOptions } from '@sal/types';
import { attentionReadout, gaussianReadout, saliencyShifterReadout } from '../src/index.js';
import { expectNoLeaks } from '../../test-utils/src/index.js';
import { randn } from './reference.js';

const H = 6,
  W = 5,
  C = 3,
  N = 4,
  B = 3;

describe('tensor leaks', () => {
  const makers: [string, () => Readout, boolean][] = [
    ['gaussian', () => gaussianReadout({ inShape: [H, W, C], outDims: N }), false],
    ['attention', () => attentionReadout({ inShape: [H, W, C], outDims: N }), false],
    ['saliency shifter', () => saliencyShifterReadout({ inShape: [H, W, C], outDims: N, remapChannels: 2 }), true],
  ];
  for (const [name, make, needsContext] of makers) {
    it(`${name}: construction + dispose, apply (eval/train), regularizer and gradients`, () => {
      const start = tf.memory().numTensors;
      const r = make();
      const nVars = Object.keys(r.getWeights()).length;
      expect(tf.memory().numTensors).toBe(start + nVars);
      const x = tf.tensor4d(randn(B * H * W * C, 81), [B, H, W, C]);
      const context = needsContext ? tf.tensor4d(randn(B * 8 * 7 * 2, 82), [B, 8, 7, 2]) : undefined;
      const shift = tf.tensor2d(randn(B * 2, 83, 0.1), [B, 2]);
      const base: ReadoutApplyOptions = context ? { context } : {};
      for (const opts of [base, { ...base, training: true, seed: 2 }, { ...base, shift }]) {
        const y = expectNoLeaks(() => r.apply(x, opts), `${name}.apply`);
        expect(y.shape).toEqual([B, N]);
        y.dispose();
      }
      expectNoLeaks(() => r.regularizer(), `${name}.regularizer`).dispose();
      const vars = Object.values(r.getWeights()).filter((v) => v.trainable);
      const { value, grads } = expectNoLeaks(
        () => tf.variableGrads(() => tf.add(tf.sum(r.apply(x, { ...base, training: true, seed: 1 })), r.regularizer()) as tf.Scalar, vars),
        `${name} gradients`,
      );
      expect(Object.keys(grads).length).toBe(vars.length);
      tf.dispose([value, ...Object.values(grads)]);
      tf.dispose([x, shift]);
      context?.dispose();
      r.dispose();
      expect(tf.memory().numTensors).toBe(start);
    });
  }
});
