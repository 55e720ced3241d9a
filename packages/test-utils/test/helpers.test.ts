import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  closeness,
  countTensors,
  expectArraysClose,
  expectNoLeaks,
  expectNoLeaksAsync,
  finiteDifferenceGrad,
  onBackend,
  relativeError,
  sampleIndices,
} from '../src/index.js';

describe('leak checks', () => {
  it('pass when only the returned tensors remain and fail on a leak, naming the count', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const out = expectNoLeaks(() => tf.tidy(() => tf.mul(x, 2)));
    expect(Array.from(out.dataSync())).toEqual([2, 4, 6]);
    expect(() =>
      expectNoLeaks(() => {
        tf.add(x, 1);
        return 0;
      }, 'leaky'),
    ).toThrow('leaky leaked 1 tensor(s)');
    const pair = expectNoLeaks(() => ({ a: tf.clone(x), b: [tf.clone(x)] }));
    expect(countTensors(pair)).toBe(2);
    await expect(
      expectNoLeaksAsync(async () => {
        tf.clone(x);
        return null;
      }),
    ).rejects.toThrow(/leaked 1/);
    tf.dispose([x, out, pair.a, ...pair.b]);
  });
});

describe('comparisons', () => {
  it('closeness and expectArraysClose use |a-b| <= atol + rtol·|b|', () => {
    expect(closeness([1, 2], [1, 2])).toBe(0);
    expect(closeness([1.1], [1], 0, 0.1)).toBeCloseTo(1, 9);
    expect(() => expectArraysClose([1, 2.5], [1, 2], 0.1, 0)).toThrow('arrays differ at 1: actual 2.5, expected 2');
    expect(closeness([Number.NaN], [1])).toBeNaN();
    expect(relativeError([3, 4], [3, 4])).toBe(0);
    expect(relativeError([0, 0], [3, 4])).toBe(1);
  });
});

describe('finite differences', () => {
  it('match the analytic gradient of Σ sin(x)·x²', () => {
    const vals = [0.3, -1.2, 2.0, 0.7];
    const x = tf.tensor1d(vals);
    const fd = finiteDifferenceGrad((t) => tf.sum(tf.mul(tf.sin(t), tf.square(t))), x, { eps: 1e-2 });
    const analytic = vals.map((v) => Math.cos(v) * v * v + 2 * v * Math.sin(v));
    expectArraysClose(Array.from(fd), analytic, 2e-3, 2e-3);
    const some = finiteDifferenceGrad((t) => tf.sum(tf.square(t)), x, { indices: [1, 3] });
    expectArraysClose(Array.from(some), [2 * -1.2, 2 * 0.7], 1e-3, 1e-3);
    x.dispose();
  });

  it('sampleIndices is seeded, distinct and in range; onBackend restores the backend', async () => {
    const a = sampleIndices(100, 10, 3);
    expect(a).toEqual(sampleIndices(100, 10, 3));
    expect(new Set(a).size).toBe(10);
    expect(a.every((i) => i >= 0 && i < 100)).toBe(true);
    const before = tf.getBackend();
    expect(await onBackend('cpu', () => tf.getBackend())).toBe('cpu');
    expect(tf.getBackend()).toBe(before);
  });
});
