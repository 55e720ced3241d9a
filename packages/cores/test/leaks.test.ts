import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks } from '@sal/test-utils';
import { resnetCore, stacked2dCore, type Stacked2dCoreOptions } from '../src/index.js';
import type { Core } from '@sal/types';
import { randn } from './helpers.js';

const configs: [string, () => Core, number[]][] = [
  [
    'stacked, plain + SE + skip',
    () => stacked2dCore({ hiddenChannels: 4, inputKern: 3, layers: 3, skip: 2, seReduction: 2, nSeBlocks: 2, gammaHidden: 1 }),
    [2, 8, 8, 1],
  ],
  [
    'stacked, depth-separable, one output',
    () => stacked2dCore({ hiddenChannels: 4, inputKern: 3, layers: 3, depthSeparable: true, stack: -1, gammaHidden: 1, nSeBlocks: 0 } as Stacked2dCoreOptions),
    [2, 8, 8, 1],
  ],
  [
    'stacked, attention, no batch-norm',
    () => stacked2dCore({ hiddenChannels: 2, inputKern: 3, layers: 2, attentionConv: true, batchNorm: false, seReduction: 2 }),
    [1, 6, 6, 1],
  ],
  ['resnet', () => resnetCore({ stemChannels: 4, stageChannels: [4, 6], blocksPerStage: 1 }), [1, 15, 15, 1]],
];

describe('no tensor leaks', () => {
  for (const [name, make, shape] of configs) {
    it(name, () => {
      const start = tf.memory().numTensors;
      const core = make();
      const nVars = Object.keys(core.getWeights()).length;
      expect(tf.memory().numTensors).toBe(start + nVars);
      const x = randn(shape, 1) as tf.Tensor4D;
      const ys = [
        expectNoLeaks(() => core.apply(x), 'apply (eval)'),
        expectNoLeaks(() => core.apply(x, { training: true }), 'apply (training)'),
        expectNoLeaks(() => core.regularizer(), 'regularizer'),
        // a training-mode gradient (running statistics updated on the tape) leaks nothing either
        expectNoLeaks(() => tf.grad((t: tf.Tensor) => tf.sum(core.apply(t as tf.Tensor4D, { training: true })))(x), 'grad'),
        expectNoLeaks(() => tf.variableGrads(() => tf.add(tf.sum(core.apply(x, { training: true })), core.regularizer())), 'variableGrads'),
      ];
      tf.dispose(ys.flatMap((y) => (y instanceof tf.Tensor ? [y] : [y.value, ...Object.values(y.grads)])));
      x.dispose();
      core.dispose();
      expect(tf.memory().numTensors).toBe(start);
      expect(() => core.apply(x)).toThrow(/disposed/);
    });
  }
});
