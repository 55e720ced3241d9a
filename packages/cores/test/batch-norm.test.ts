/**
 * Batch-norm semantics against a hand computation: training uses the batch statistics and moves the
 * running statistics with momentum m as running ← m·running + (1−m)·batch (PyTorch momentum 1−m) with the
 * unbiased batch variance; evaluation uses the running statistics and leaves them alone.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectArraysClose } from '@sal/test-utils';
import { stacked2dCore } from '../src/index.js';

const EPS = 1e-5;

function setup(momentum: number) {
  // one 1×1 conv layer, no ELU: output channel c = kernel[c]·x, then batch-norm
  const core = stacked2dCore({ hiddenChannels: 2, inputKern: 1, layers: 1, linear: true, nSeBlocks: 0, momentum });
  const w = core.getWeights();
  tf.tidy(() => {
    w['layer0.conv.kernel']!.assign(tf.tensor4d([1, -2], [1, 1, 1, 2]));
    w['layer0.bn.gamma']!.assign(tf.tensor1d([1.5, 0.5]));
    w['layer0.bn.beta']!.assign(tf.tensor1d([0.1, -0.3]));
  });
  return { core, w };
}

const stats = (v: number[]) => {
  const n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const biased = v.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  return { mean, biased, unbiased: (biased * n) / (n - 1) };
};

describe('batch-norm', () => {
  it('training: batch statistics, running-statistic update with the stated momentum; eval: running statistics', () => {
    const m = 0.1; // = PyTorch momentum 0.9, the original's
    const { core, w } = setup(m);
    const xs = [1, 2, 3, 4, 5, 6, 7, 8]; // [2,2,2,1]
    const x = tf.tensor4d(xs, [2, 2, 2, 1]);
    const y = core.apply(x, { training: true });
    const gamma = [1.5, 0.5],
      beta = [0.1, -0.3],
      k = [1, -2];
    // channel statistics by hand: ch0 = 1..8 (mean 4.5, biased var 5.25, unbiased 6); ch1 = −2·ch0
    const s = k.map((kc) => stats(xs.map((v) => kc * v)));
    expect(s[0]!.mean).toBe(4.5);
    expect(s[0]!.biased).toBe(5.25);
    expect(s[1]!.unbiased).toBe(24);
    const expected: number[] = [];
    for (const v of xs) for (let c = 0; c < 2; c++) expected.push(((k[c]! * v - s[c]!.mean) / Math.sqrt(s[c]!.biased + EPS)) * gamma[c]! + beta[c]!);
    expectArraysClose(y.dataSync(), expected, 1e-5, 1e-5);
    // running stats: 0.1·[0,0] + 0.9·[4.5,−9] and 0.1·[1,1] + 0.9·[6,24]
    expectArraysClose(w['layer0.bn.runningMean']!.dataSync(), [4.05, -8.1], 1e-6, 1e-6);
    expectArraysClose(w['layer0.bn.runningVar']!.dataSync(), [5.5, 21.7], 1e-6, 1e-6);

    // a second training step with other data moves them again
    const xs2 = [0, 2, 0, 2, 4, 4, 4, 4];
    const x2 = tf.tensor4d(xs2, [2, 2, 2, 1]);
    tf.dispose(core.apply(x2, { training: true }));
    const s2 = k.map((kc) => stats(xs2.map((v) => kc * v)));
    const rm = [0.1 * 4.05 + 0.9 * s2[0]!.mean, 0.1 * -8.1 + 0.9 * s2[1]!.mean];
    const rv = [0.1 * 5.5 + 0.9 * s2[0]!.unbiased, 0.1 * 21.7 + 0.9 * s2[1]!.unbiased];
    expectArraysClose(w['layer0.bn.runningMean']!.dataSync(), rm, 1e-6, 1e-6);
    expectArraysClose(w['layer0.bn.runningVar']!.dataSync(), rv, 1e-6, 1e-6);

    // evaluation uses the running statistics, per sample, and does not change them
    const ye = core.apply(x);
    const expectedEval: number[] = [];
    for (const v of xs) for (let c = 0; c < 2; c++) expectedEval.push(((k[c]! * v - rm[c]!) / Math.sqrt(rv[c]! + EPS)) * gamma[c]! + beta[c]!);
    expectArraysClose(ye.dataSync(), expectedEval, 1e-5, 1e-5);
    expectArraysClose(w['layer0.bn.runningMean']!.dataSync(), rm, 1e-6, 1e-6);
    const single = core.apply(tf.slice(x, [1, 0, 0, 0], [1, 2, 2, 1]) as tf.Tensor4D);
    expectArraysClose(single.dataSync(), expectedEval.slice(8), 1e-5, 1e-5);
    tf.dispose([x, x2, y, ye, single]);
    core.dispose();
  });

  it('momentum 1 freezes the running statistics; momentum 0 replaces them with the last batch', () => {
    for (const m of [1, 0]) {
      const { core, w } = setup(m);
      const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);
      tf.dispose(core.apply(x, { training: true }));
      expectArraysClose(w['layer0.bn.runningMean']!.dataSync(), m === 1 ? [0, 0] : [4.5, -9], 1e-6, 1e-6);
      expectArraysClose(w['layer0.bn.runningVar']!.dataSync(), m === 1 ? [1, 1] : [6, 24], 1e-6, 1e-6);
      x.dispose();
      core.dispose();
    }
  });

  it('running statistics are non-trainable variables; gamma and beta are trainable', () => {
    const { core, w } = setup(0.1);
    expect(w['layer0.bn.runningMean']!.trainable).toBe(false);
    expect(w['layer0.bn.runningVar']!.trainable).toBe(false);
    expect(w['layer0.bn.gamma']!.trainable).toBe(true);
    expect(w['layer0.bn.beta']!.trainable).toBe(true);
    core.dispose();
  });
});
