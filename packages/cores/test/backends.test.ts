/** The default wasm backend against the pure-JS cpu backend: outputs, regulariser and input gradients. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { closeness, onBackend } from '@sal/test-utils';
import { initBackend } from '@sal/backend';
import { resnetCore, stacked2dCore } from '../src/index.js';
import type { Core } from '@sal/types';
import { randValues } from './helpers.js';

function run(core: Core, xv: Float32Array, shape: [number, number, number, number]) {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, shape);
    const ev = core.apply(x).dataSync().slice();
    const tr = core.apply(x, { training: true }).dataSync().slice();
    const reg = core.regularizer().dataSync()[0]!;
    const g = tf
      .grad((t: tf.Tensor) => tf.sum(tf.square(core.apply(t as tf.Tensor4D, { training: true }))))(x)
      .dataSync()
      .slice();
    return { ev, tr, reg, g };
  });
}

const cores: [string, () => Core, [number, number, number, number]][] = [
  [
    'stacked core, plain + SE',
    () => stacked2dCore({ hiddenChannels: 8, inputKern: 5, layers: 3, seReduction: 4, nSeBlocks: 2, gammaHidden: 0.3, seed: 1 }),
    [2, 14, 13, 1],
  ],
  [
    'study preset (narrow)',
    () =>
      stacked2dCore({
        ...{ layers: 4, inputKern: 7, hiddenKern: 5, depthSeparable: true, nSeBlocks: 0, stack: -1, gammaInput: 10 },
        hiddenChannels: 6,
        inChannels: 2,
        seed: 2,
      }),
    [2, 16, 16, 2],
  ],
  [
    'attention conv',
    () => stacked2dCore({ hiddenChannels: 4, inputKern: 3, layers: 2, attentionConv: true, nSeBlocks: 1, seReduction: 2, seed: 3 }),
    [2, 8, 8, 1],
  ],
  ['resnet, ELU, max-pool', () => resnetCore({ stemChannels: 4, stageChannels: [4, 8], blocksPerStage: 1, activation: 'elu', seed: 4 }), [2, 21, 19, 1]],
];

// wasm (with the project's kernels) whatever SAL_TEST_BACKEND selected for the other files
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('wasm matches cpu', () => {
  for (const [name, make, shape] of cores) {
    it(name, async () => {
      expect(tf.getBackend()).toBe('wasm');
      const xv = randValues(
        shape.reduce((a, b) => a * b, 1),
        7,
      );
      const coreW = make();
      const coreC = make(); // the same seed: the same weights on the other backend
      const w = run(coreW, xv, shape);
      const c = await onBackend('cpu', () => run(coreC, xv, shape));
      expect(closeness(w.ev, c.ev, 1e-3, 1e-4)).toBeLessThanOrEqual(1);
      expect(closeness(w.tr, c.tr, 1e-3, 1e-4)).toBeLessThanOrEqual(1);
      expect(closeness([w.reg], [c.reg], 1e-4, 1e-6)).toBeLessThanOrEqual(1);
      expect(closeness(w.g, c.g, 2e-3, 1e-4)).toBeLessThanOrEqual(1);
      coreW.dispose();
      coreC.dispose();
    });
  }
});
