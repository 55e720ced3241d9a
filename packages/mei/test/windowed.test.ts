/**
 * MEIs on windows against the full-image procedure with the MEI masked to each neuron's window (grey start, no
 * blur: the case where both must agree), on a real encoder and on an ensemble's windowed model.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { windowedResponseModel } from '@sal/train';
import { SalConfigError, type WindowedResponseModel } from '@sal/types';
import { expectArraysClose, expectNoLeaks } from '@sal/test-utils';
import { createEnsemble, synthesizeMeis, synthesizeMeisWindowed, type MeiOptions } from '../src/index.js';
import { H, W, smallEncoder } from './fixtures.js';

function boxes(model: WindowedResponseModel, neurons: number[]): Float32Array {
  const z = tf.zeros([1, H, W, 1]) as tf.Tensor4D;
  const pos = model.positions(z);
  z.dispose();
  const [sh, sw] = model.windowSize([H, W]);
  const m = new Float32Array(neurons.length * H * W);
  neurons.forEach((n, k) => {
    const [oy, ox] = model.windowOrigin(pos[2 * n]!, pos[2 * n + 1]!, [H, W]);
    for (let y = Math.max(0, oy); y < Math.min(H, oy + sh); y++) for (let x = Math.max(0, ox); x < Math.min(W, ox + sw); x++) m[k * H * W + y * W + x] = 1;
  });
  return m;
}

describe('synthesizeMeisWindowed', () => {
  const neurons = [0, 2, 4];
  const opts: MeiOptions = { neurons, init: 'grey', blur: 0, optimizer: 'adam', learningRate: 0.05, steps: 10, norm: 3, range: [-2, 2], batchSize: 2 };

  it('equals the full-image MEIs masked to the windows (single encoder and ensemble)', () => {
    const enc = [smallEncoder(1, 'gaussian', 0.1), smallEncoder(2, 'gaussian', 0.1)];
    const ens = createEnsemble(enc);
    try {
      for (const [model, full] of [
        [windowedResponseModel(enc[0]!, 's'), (x: tf.Tensor4D) => enc[0]!.predict(x, 's')],
        [ens.windowedModel('s', { spread: 3 }), ens.responseModel('s')],
      ] as const) {
        const got = expectNoLeaks(() => synthesizeMeisWindowed(model, [H, W, 1], opts), 'windowed MEIs');
        const want = synthesizeMeis(full, [H, W, 1], { ...opts, mask: boxes(model, neurons) });
        let maxAbs = 0;
        for (const v of want.data) maxAbs = Math.max(maxAbs, Math.abs(v));
        expect(maxAbs).toBeGreaterThan(0.1);
        expectArraysClose(got.data, want.data, 1e-3, 1e-3 * maxAbs);
        expectArraysClose(got.activations, want.activations, 1e-4, 1e-5);
      }
    } finally {
      ens.dispose();
    }
  });

  it('with noise, blur and diversity it runs deterministically; jitter and crops are refused', () => {
    const enc = smallEncoder(3);
    try {
      const model = windowedResponseModel(enc, 's');
      const o: MeiOptions = { neurons: [1, 4], steps: 10, blur: 1, perNeuron: 2, optimizer: 'adam', learningRate: 0.05, range: [-2, 2], seed: 3 };
      const a = synthesizeMeisWindowed(model, [H, W, 1], o);
      const b = synthesizeMeisWindowed(model, [H, W, 1], o);
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
      expect(a.shape).toEqual([4, H, W, 1]);
      expect(() => synthesizeMeisWindowed(model, [H, W, 1], { jitter: 1 })).toThrow(SalConfigError);
      expect(() => synthesizeMeisWindowed(model, [H, W, 1], { crop: [4, 4] })).toThrow(SalConfigError);
      expect(() => synthesizeMeisWindowed({} as never, [H, W, 1])).toThrow(TypeError);
    } finally {
      enc.dispose();
    }
  });
});
