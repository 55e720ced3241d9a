import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { adamStep, createAdamState, disposeAdamState } from '../src/index.js';

describe('adamStep (PyTorch conventions)', () => {
  it('matches two hand-computed steps, with and without L2 weight decay', () => {
    // w = [1, −2], g1 = [0.5, −4], g2 = [−1, 2]; β1 0.9, β2 0.999, eps 1e-8, lr 0.1
    const hand = (wd: number): number[] => {
      let w = [1, -2];
      const m = [0, 0],
        v = [0, 0];
      [
        [0.5, -4],
        [-1, 2],
      ].forEach((g0, t0) => {
        const t = t0 + 1;
        w = w.map((wi, i) => {
          const g = g0[i]! + wd * wi;
          m[i] = 0.9 * m[i]! + 0.1 * g;
          v[i] = 0.999 * v[i]! + 0.001 * g * g;
          const mh = m[i]! / (1 - 0.9 ** t),
            vh = v[i]! / (1 - 0.999 ** t);
          return wi - (0.1 * mh) / (Math.sqrt(vh) + 1e-8);
        });
      });
      return w;
    };
    for (const wd of [0, 0.01]) {
      const w = tf.variable(tf.tensor1d([1, -2]));
      const st = createAdamState();
      const before = tf.memory().numTensors;
      for (const g of [
        [0.5, -4],
        [-1, 2],
      ]) {
        const gt = tf.tensor1d(g);
        adamStep(st, { w }, { w: gt }, 0.1, wd);
        gt.dispose();
      }
      expect(st.step).toBe(2);
      expect(tf.memory().numTensors).toBe(before + 2); // the two moments
      const got = Array.from(w.dataSync());
      const want = hand(wd);
      // first step moves each weight by ≈ lr against the gradient's sign
      expect(got[0]).toBeCloseTo(want[0]!, 5);
      expect(got[1]).toBeCloseTo(want[1]!, 5);
      disposeAdamState(st);
      expect(tf.memory().numTensors).toBe(before);
      w.dispose();
    }
    // sanity of the hand model: one step of size lr against the gradient's sign
    const w1 = tf.variable(tf.tensor1d([1])),
      st1 = createAdamState(),
      g1 = tf.tensor1d([3]);
    adamStep(st1, { w: w1 }, { w: g1 }, 0.1, 0);
    expect(w1.dataSync()[0]).toBeCloseTo(0.9, 6);
    disposeAdamState(st1);
    tf.dispose([w1, g1]);
  });
});
