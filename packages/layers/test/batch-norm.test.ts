/**
 * Batch-norm against hand computations: the normalisation, the momentum update of the running statistics
 * (our convention `running ← m·running + (1−m)·batch`, unbiased variance), evaluation from the running
 * statistics, the fused ELU, gradients against central finite differences, and the fused kernels (when the
 * backend registers them) against the composite path.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError } from '@sal/types';
import { expectArraysClose, expectNoLeaks, finiteDifferenceGrad } from '@sal/test-utils';
import {
  BATCH_NORM_DEFAULTS,
  batchNorm,
  batchNormEval,
  batchNormTrain,
  batchNormTrainComposite,
  batchNormVariables,
  evalAffine,
  fromTorchMomentum,
  hasFusedBatchNorm,
  updateRunningStats,
  type BatchNormParams,
} from '../src/index.js';

const EPS = 1e-5;
// x [2,2,2,2] NHWC: channel 0 = 1..8, channel 1 = −2·(1..8) + 3
const CH0 = [1, 2, 3, 4, 5, 6, 7, 8];
const CH1 = CH0.map((v) => -2 * v + 3);
const X = CH0.flatMap((v, i) => [v, CH1[i]!]);
const GAMMA = [1.5, 0.5];
const BETA = [0.1, -0.3];

function params(): BatchNormParams {
  const p = batchNormVariables(2);
  tf.tidy(() => {
    p.gamma.assign(tf.tensor1d(GAMMA));
    p.beta.assign(tf.tensor1d(BETA));
  });
  return p;
}
const dispose = (p: BatchNormParams): void => tf.dispose([p.gamma, p.beta, p.runningMean, p.runningVar]);

/** Hand statistics of one channel: mean, biased and unbiased variance. */
function stats(v: number[]): { mean: number; biased: number; unbiased: number } {
  const n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const biased = v.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  return { mean, biased, unbiased: (biased * n) / (n - 1) };
}
const elu = (v: number): number => (v > 0 ? v : Math.expm1(v));

describe('batch-norm', () => {
  it('states its convention: momentum 0.9 by default, PyTorch momentum m is ours 1 − m', () => {
    expect(BATCH_NORM_DEFAULTS.momentum).toBe(0.9);
    expect(fromTorchMomentum(0.1)).toBe(0.9);
    expect(fromTorchMomentum(0)).toBe(1);
    expect(() => fromTorchMomentum(1.5)).toThrow(SalConfigError);
  });

  for (const train of [
    { name: 'batchNormTrain', fn: batchNormTrain },
    { name: 'batchNormTrainComposite', fn: batchNormTrainComposite },
  ]) {
    it(`${train.name}: batch statistics, then running ← m·running + (1−m)·batch with the unbiased variance, twice`, () => {
      const p = params();
      const m = 0.3;
      const x = tf.tensor4d(X, [2, 2, 2, 2]);
      const y = expectNoLeaks(() => train.fn(x, p, { momentum: m }), train.name);
      // channel 0: mean 4.5, biased var 5.25, unbiased 6; channel 1: mean −6, biased 21, unbiased 24
      const s = [stats(CH0), stats(CH1)];
      expect([s[0]!.mean, s[0]!.biased, s[0]!.unbiased, s[1]!.mean, s[1]!.biased, s[1]!.unbiased]).toEqual([4.5, 5.25, 6, -6, 21, 24]);
      const want = X.map((v, i) => ((v - s[i % 2]!.mean) / Math.sqrt(s[i % 2]!.biased + EPS)) * GAMMA[i % 2]! + BETA[i % 2]!);
      expectArraysClose(y.dataSync(), want, 1e-5, 1e-5);
      // by hand: 0.3·0 + 0.7·4.5 = 3.15, 0.3·0 + 0.7·(−6) = −4.2; 0.3·1 + 0.7·6 = 4.5, 0.3·1 + 0.7·24 = 17.1
      expectArraysClose(p.runningMean.dataSync(), [3.15, -4.2], 1e-6, 1e-6);
      expectArraysClose(p.runningVar.dataSync(), [4.5, 17.1], 1e-6, 1e-6);
      // second batch: constant 2 in channel 0 (variance 0), x+1 in channel 1
      const x2v = CH0.flatMap((_v, i) => [2, CH1[i]! + 1]);
      const x2 = tf.tensor4d(x2v, [2, 2, 2, 2]);
      tf.dispose(train.fn(x2, p, { momentum: m }));
      // 0.3·3.15 + 0.7·2 = 2.345; 0.3·(−4.2) + 0.7·(−5) = −4.76; 0.3·4.5 + 0 = 1.35; 0.3·17.1 + 0.7·24 = 21.93
      expectArraysClose(p.runningMean.dataSync(), [2.345, -4.76], 1e-6, 1e-6);
      expectArraysClose(p.runningVar.dataSync(), [1.35, 21.93], 1e-6, 1e-6);
      tf.dispose([x, x2, y]);
      dispose(p);
    });
  }

  it('batchNorm in evaluation mode uses the running statistics per sample and leaves them alone', () => {
    const p = params();
    tf.tidy(() => {
      p.runningMean.assign(tf.tensor1d([2, -1]));
      p.runningVar.assign(tf.tensor1d([4, 0.25]));
    });
    const x = tf.tensor4d(X, [2, 2, 2, 2]);
    const y = expectNoLeaks(() => batchNorm(x, p, false), 'batchNorm eval');
    const rm = [2, -1],
      rv = [4, 0.25];
    const want = X.map((v, i) => ((v - rm[i % 2]!) / Math.sqrt(rv[i % 2]! + EPS)) * GAMMA[i % 2]! + BETA[i % 2]!);
    expectArraysClose(y.dataSync(), want, 1e-5, 1e-5);
    expectArraysClose(p.runningMean.dataSync(), rm, 0, 0);
    expectArraysClose(p.runningVar.dataSync(), rv, 0, 0);
    const { scale, shift } = expectNoLeaks(() => evalAffine(p, EPS), 'evalAffine');
    expectArraysClose(scale.dataSync(), [1.5 / Math.sqrt(4 + EPS), 0.5 / Math.sqrt(0.25 + EPS)], 1e-6, 1e-7);
    expectArraysClose(shift.dataSync(), [0.1 - 2 * (1.5 / Math.sqrt(4 + EPS)), -0.3 + 0.5 / Math.sqrt(0.25 + EPS)], 1e-6, 1e-6);
    const ye = expectNoLeaks(() => batchNormEval(x, p, { activation: 'elu' }), 'batchNormEval elu');
    expectArraysClose(ye.dataSync(), want.map(elu), 1e-5, 1e-5);
    tf.dispose([x, y, scale, shift, ye]);
    dispose(p);
  });

  it('the fused ELU equals ELU after the normalisation; momentum 1 freezes, 0 replaces the running statistics', () => {
    for (const m of [1, 0]) {
      const p = params();
      const x = tf.tensor4d(X, [2, 2, 2, 2]);
      const y = batchNorm(x, p, true, { momentum: m, activation: 'elu' });
      const s = [stats(CH0), stats(CH1)];
      const want = X.map((v, i) => elu(((v - s[i % 2]!.mean) / Math.sqrt(s[i % 2]!.biased + EPS)) * GAMMA[i % 2]! + BETA[i % 2]!));
      expectArraysClose(y.dataSync(), want, 1e-5, 1e-5);
      expectArraysClose(p.runningMean.dataSync(), m === 1 ? [0, 0] : [4.5, -6], 1e-6, 1e-6);
      expectArraysClose(p.runningVar.dataSync(), m === 1 ? [1, 1] : [6, 24], 1e-6, 1e-6);
      tf.dispose([x, y]);
      dispose(p);
    }
  });

  it('updateRunningStats: one value per channel (n = 1) moves the variance with the biased variance itself', () => {
    const p = params();
    tf.tidy(() => updateRunningStats(p, tf.tensor1d([2, 4]), tf.tensor1d([0.5, 3]), 1, 0.25));
    expectArraysClose(p.runningMean.dataSync(), [1.5, 3], 1e-7, 1e-7); // 0.25·0 + 0.75·[2,4]
    expectArraysClose(p.runningVar.dataSync(), [0.625, 2.5], 1e-7, 1e-7); // 0.25·1 + 0.75·[0.5,3]
    tf.tidy(() => updateRunningStats(p, tf.tensor1d([0, 0]), tf.tensor1d([1, 1]), 5, 0.5));
    expectArraysClose(p.runningVar.dataSync(), [0.3125 + 0.625, 1.25 + 0.625], 1e-6, 1e-6); // 0.5·v + 0.5·1·5/4
    dispose(p);
  });

  for (const activation of ['linear', 'elu'] as const) {
    it(`training gradients (${activation}) to x, γ and β match central finite differences`, () => {
      const p = params();
      const xv = Float32Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => Math.sin(1.7 * i) * 2 + 0.3 * i);
      const x = tf.tensor4d(xv, [2, 3, 2, 2]);
      const r = tf.tensor4d(
        Float32Array.from({ length: xv.length }, (_, i) => Math.cos(0.9 * i)),
        [2, 3, 2, 2],
      );
      const loss = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar =>
        tf.tidy(() => {
          const q: BatchNormParams = { ...p, gamma: g as tf.Variable, beta: b as tf.Variable };
          return tf.sum(tf.mul(batchNormTrain(xi as tf.Tensor4D, q, { activation }), r)) as tf.Scalar;
        });
      const grads = expectNoLeaks(() => tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => loss(xi, g, b))([x, p.gamma, p.beta]), 'grads');
      const fdX = finiteDifferenceGrad((xi) => loss(xi, p.gamma, p.beta), x, { eps: 1e-2 });
      const fdG = finiteDifferenceGrad((g) => loss(x, g, p.beta), p.gamma, { eps: 1e-2 });
      const fdB = finiteDifferenceGrad((b) => loss(x, p.gamma, b), p.beta, { eps: 1e-2 });
      expectArraysClose(grads[0]!.dataSync(), fdX, 2e-2, 2e-3);
      expectArraysClose(grads[1]!.dataSync(), fdG, 2e-2, 2e-3);
      expectArraysClose(grads[2]!.dataSync(), fdB, 2e-2, 2e-3);
      tf.dispose([x, r, ...grads]);
      dispose(p);
    });
  }

  it("the fused kernels, where the backend has them, give the composite path's values, gradients and statistics", () => {
    const xv = Float32Array.from({ length: 4 * 5 * 5 * 3 }, (_, i) => Math.sin(0.37 * i) * 3 + (i % 3));
    const x = tf.tensor4d(xv, [4, 5, 5, 3]);
    const run = (fn: typeof batchNormTrain) => {
      const p = batchNormVariables(3);
      const [y, g] = tf.tidy(() => {
        const out = tf.grads((xi: tf.Tensor, gm: tf.Tensor) =>
          tf.sum(tf.square(fn(xi as tf.Tensor4D, { ...p, gamma: gm as tf.Variable }, { activation: 'elu', momentum: 0.5 }))),
        )([x, p.gamma]);
        return [fn(x, p, { activation: 'elu', momentum: 0.5 }), out];
      });
      const res = { y: y.dataSync(), gx: g[0]!.dataSync(), gg: g[1]!.dataSync(), mean: p.runningMean.dataSync(), variance: p.runningVar.dataSync() };
      tf.dispose([y, ...g]);
      dispose(p);
      return res;
    };
    const fused = run(batchNormTrain);
    const composite = run(batchNormTrainComposite);
    // on a backend without the fused kernels both run the composite path and must agree exactly
    const tol = hasFusedBatchNorm() ? 1e-4 : 0;
    for (const k of ['y', 'gx', 'gg', 'mean', 'variance'] as const) expectArraysClose(fused[k], composite[k], tol, tol);
    tf.dispose(x);
  });

  it('is deterministic: the same input and variables give the same bits', () => {
    const once = () => {
      const p = params();
      const x = tf.tensor4d(X, [2, 2, 2, 2]);
      const y = batchNormTrain(x, p, { activation: 'elu' });
      const out = [Array.from(y.dataSync()), Array.from(p.runningMean.dataSync()), Array.from(p.runningVar.dataSync())];
      tf.dispose([x, y]);
      dispose(p);
      return out;
    };
    expect(once()).toEqual(once());
  });

  it('rejects bad input with typed errors naming the argument', () => {
    const p = params();
    const x = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
    expect(() => batchNormTrain(x, p)).toThrow(SalShapeError);
    expect(() => batchNormEval(tf.zeros([2, 2]) as unknown as tf.Tensor4D, p)).toThrow(SalShapeError);
    expect(() => batchNormTrain([1, 2] as unknown as tf.Tensor4D, p)).toThrow(TypeError);
    const ok = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
    expect(() => batchNormTrain(ok, p, { momentum: 1.5 })).toThrow(/momentum/);
    expect(() => batchNormTrain(ok, p, { epsilon: 0 })).toThrow(SalConfigError);
    expect(() => batchNormTrain(ok, p, { activation: 'relu' as 'elu' })).toThrow(SalConfigError);
    expect(() => batchNormTrain(ok, p, { mommentum: 0.1 } as never)).toThrow(SalConfigError);
    expect(() => batchNormVariables(0)).toThrow(SalConfigError);
    tf.dispose([x, ok]);
    dispose(p);
  });
});
