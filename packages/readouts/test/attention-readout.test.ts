import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError } from '@sal/types';
import { attentionReadout, readoutFromConfig } from '../src/index.js';
import { closeness, expectArraysClose, expectNoLeaks, finiteDifferenceGrad } from '../../test-utils/src/index.js';
import { bruteConvSame, randn } from './reference.js';

const H = 5,
  W = 7,
  C = 3,
  N = 4,
  B = 2;

function setWeights(r: { getWeights(): Record<string, tf.Variable> }, values: Record<string, ArrayLike<number>>): void {
  const w = r.getWeights();
  for (const [k, v] of Object.entries(values)) tf.tidy(() => w[k]!.assign(tf.tensor(Array.from(v), w[k]!.shape)));
}

/** Softmax over positions of conv logits (plus the Gaussian log-prior of μ, log σ when given), pool, weight: all in float64 loops. */
function bruteAttention(
  xv: Float32Array,
  kern: ArrayLike<number>,
  k: number,
  convBias: ArrayLike<number>,
  feat: ArrayLike<number>,
  bias: ArrayLike<number>,
  prior?: { mu: ArrayLike<number>; logSigma: ArrayLike<number> },
): Float64Array {
  const logits = bruteConvSame(xv, [B, H, W, C], kern, k, N, convBias);
  if (prior) {
    for (let b = 0; b < B; b++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++)
          for (let n = 0; n < N; n++) {
            const x = -1 + (2 * j) / (W - 1),
              y = -1 + (2 * i) / (H - 1);
            const s = Math.exp(prior.logSigma[n]!);
            logits[((b * H + i) * W + j) * N + n]! -= ((x - prior.mu[2 * n]!) ** 2 + (y - prior.mu[2 * n + 1]!) ** 2) / (2 * s * s);
          }
  }
  const y = new Float64Array(B * N);
  for (let b = 0; b < B; b++)
    for (let n = 0; n < N; n++) {
      let mx = -Infinity;
      for (let p = 0; p < H * W; p++) mx = Math.max(mx, logits[(b * H * W + p) * N + n]!);
      let z = 0;
      for (let p = 0; p < H * W; p++) z += Math.exp(logits[(b * H * W + p) * N + n]! - mx);
      let acc = bias[n]!;
      for (let p = 0; p < H * W; p++) {
        const a = Math.exp(logits[(b * H * W + p) * N + n]! - mx) / z;
        for (let c = 0; c < C; c++) acc += feat[n * C + c]! * a * xv[(b * H * W + p) * C + c]!;
      }
      y[b * N + n] = acc;
    }
  return y;
}

describe('attentionReadout', () => {
  it('one conv layer: matches softmax-attention pooling computed by brute force (non-square map)', () => {
    const r = attentionReadout({ inShape: [H, W, C], outDims: N, attentionLayers: 1, attentionKernel: 3, positionPrior: 'none', seed: 1 });
    const kern = randn(3 * 3 * C * N, 51, 0.5),
      cb = randn(N, 52),
      feat = randn(N * C, 53),
      bias = [0.1, -0.2, 0.3, 0.4];
    setWeights(r, { 'attention.0.conv.kernel': kern, 'attention.0.conv.bias': cb, features: feat, bias });
    const xv = randn(B * H * W * C, 54);
    const x = tf.tensor4d(xv, [B, H, W, C]);
    const y = expectNoLeaks(() => r.apply(x), 'apply');
    expect(y.shape).toEqual([B, N]);
    expectArraysClose(y.dataSync(), bruteAttention(xv, kern, 3, cb, feat, bias), 1e-4, 1e-5);
    tf.dispose([x, y]);
    r.dispose();
  });

  it('with the Gaussian position prior: matches the brute force with the log-prior added to the logits', () => {
    const r = attentionReadout({ inShape: [H, W, C], outDims: N, attentionLayers: 1, attentionKernel: 3, seed: 1 });
    const kern = randn(3 * 3 * C * N, 71, 0.5),
      cb = randn(N, 72),
      feat = randn(N * C, 73),
      bias = [0.1, -0.2, 0.3, 0.4];
    const mu = [0.5, -0.3, -0.8, 0.9, 0, 0, 1.2, -1.5],
      logSigma = [Math.log(0.2), Math.log(0.7), 0, Math.log(0.4)];
    setWeights(r, { 'attention.0.conv.kernel': kern, 'attention.0.conv.bias': cb, features: feat, bias, 'prior.mu': mu, 'prior.logSigma': logSigma });
    const xv = randn(B * H * W * C, 74);
    const x = tf.tensor4d(xv, [B, H, W, C]);
    const y = expectNoLeaks(() => r.apply(x), 'apply');
    expectArraysClose(y.dataSync(), bruteAttention(xv, kern, 3, cb, feat, bias, { mu, logSigma }), 1e-4, 1e-5);
    tf.dispose([x, y]);
    r.dispose();
  });

  it('a constant attention net leaves the normalised Gaussian prior: hand-computed weights on a 1×3 map', () => {
    // positions x = −1, 0, 1; μ = 0, σ = 1: weights ∝ e^−½, 1, e^−½ = 0.27407, 0.45186, 0.27407
    const r = attentionReadout({ inShape: [1, 3, 1], outDims: 1, attentionLayers: 1, attentionKernel: 1 });
    setWeights(r, { 'attention.0.conv.kernel': [0], 'attention.0.conv.bias': [0], 'prior.mu': [0, 0], 'prior.logSigma': [0] });
    const x = tf.tensor4d([5, -1, 2], [1, 1, 3, 1]);
    const a = r.attention(x);
    expectArraysClose(a.dataSync(), [0.27407, 0.45186, 0.27407], 1e-4, 1e-5);
    tf.dispose([x, a]);
    r.dispose();
  });

  it('keeps the spatial size for any odd kernel (the original only for k ∈ {1, 3}); attention sums to 1', () => {
    for (const k of [1, 5, 7]) {
      const r = attentionReadout({ inShape: [H, W, C], outDims: N, attentionLayers: 2, attentionKernel: k });
      const x = tf.tensor4d(randn(B * H * W * C, 55), [B, H, W, C]);
      const a = expectNoLeaks(() => r.attention(x), 'attention');
      expect(a.shape).toEqual([B, H, W, N]);
      const s = tf.sum(a, [1, 2]);
      expectArraysClose(s.dataSync(), new Array(B * N).fill(1), 1e-5, 1e-5);
      expect(r.getWeights()['attention.1.conv.kernel']!.shape).toEqual([k, k, C, N]);
      const y = r.apply(x);
      expect(y.shape).toEqual([B, N]);
      tf.dispose([x, a, s, y]);
      r.dispose();
    }
  });

  it('initialises the features N(0, 1e-3²) and the bias 0, seeded; stable weight names', () => {
    const a = attentionReadout({ inShape: [H, W, C], outDims: 50, seed: 3 });
    const b = attentionReadout({ inShape: [H, W, C], outDims: 50, seed: 3 });
    const c = attentionReadout({ inShape: [H, W, C], outDims: 50, seed: 4 });
    expect(Object.keys(a.getWeights()).sort()).toEqual([
      'attention.0.bn.beta',
      'attention.0.bn.gamma',
      'attention.0.bn.movingMean',
      'attention.0.bn.movingVariance',
      'attention.0.conv.bias',
      'attention.0.conv.kernel',
      'attention.1.conv.bias',
      'attention.1.conv.kernel',
      'bias',
      'features',
      'prior.logSigma',
      'prior.mu',
    ]);
    const mu = Array.from(a.getWeights()['prior.mu']!.dataSync());
    expect(mu.every((v) => Math.abs(v) <= 0.2)).toBe(true);
    expectArraysClose(a.getWeights()['prior.logSigma']!.dataSync(), new Array(50).fill(Math.log(0.5)));
    const none = attentionReadout({ inShape: [H, W, C], outDims: 50, seed: 3, positionPrior: 'none' });
    expect(Object.keys(none.getWeights()).some((k) => k.startsWith('prior.'))).toBe(false);
    none.dispose();
    const f = a.getWeights()['features']!.dataSync();
    const sd = Math.sqrt(Array.from(f).reduce((s, v) => s + v * v, 0) / f.length);
    expect(sd).toBeGreaterThan(0.7e-3);
    expect(sd).toBeLessThan(1.3e-3);
    expect(Array.from(a.getWeights()['bias']!.dataSync()).every((v) => v === 0)).toBe(true);
    for (const k of ['features', 'attention.0.conv.kernel', 'prior.mu']) {
      expect(Array.from(b.getWeights()[k]!.dataSync())).toEqual(Array.from(a.getWeights()[k]!.dataSync()));
      expect(Array.from(c.getWeights()[k]!.dataSync())).not.toEqual(Array.from(a.getWeights()[k]!.dataSync()));
    }
    [a, b, c].forEach((m) => m.dispose());
  });

  it('gradients to the features and the attention convs match finite differences', () => {
    const r = attentionReadout({ inShape: [H, W, C], outDims: N, attentionLayers: 2 });
    setWeights(r, { features: randn(N * C, 56) });
    const x = tf.tensor4d(randn(B * H * W * C, 57), [B, H, W, C]);
    const rr = tf.tensor2d(randn(B * N, 58), [B, N]);
    const w = r.getWeights();
    const loss = () => tf.sum(tf.mul(r.apply(x), rr)) as tf.Scalar;
    setWeights(r, { 'prior.mu': [0.3, -0.2, -0.5, 0.6, 0.1, 0.1, 0.8, -0.4], 'prior.logSigma': [-0.5, -1, 0, -0.2] });
    const names = ['features', 'attention.1.conv.bias', 'attention.0.bn.gamma', 'prior.mu', 'prior.logSigma'];
    const { grads, value } = tf.variableGrads(
      loss,
      names.map((k) => w[k]!),
    );
    value.dispose();
    for (const k of names) {
      const v = w[k]!;
      const orig = v.dataSync().slice();
      const fd = finiteDifferenceGrad(
        (t) => {
          v.assign(t);
          return loss();
        },
        v,
        { eps: 1e-2 },
      );
      v.assign(tf.tensor(orig, v.shape));
      expect(closeness(grads[v.name]!.dataSync(), fd, 2e-2, 2e-3)).toBeLessThan(1);
    }
    tf.dispose([x, rr, ...Object.values(grads)]);
    r.dispose();
  });

  it('training uses batch statistics and updates the running ones; evaluation is deterministic', () => {
    const r = attentionReadout({ inShape: [H, W, C], outDims: N });
    setWeights(r, { features: randn(N * C, 59) });
    const x = tf.tensor4d(randn(B * H * W * C, 60, 3), [B, H, W, C]);
    const e1 = r.apply(x),
      e2 = r.apply(x);
    expect(Array.from(e2.dataSync())).toEqual(Array.from(e1.dataSync()));
    const t = r.apply(x, { training: true });
    expect(Array.from(t.dataSync())).not.toEqual(Array.from(e1.dataSync()));
    expect(Array.from(r.getWeights()['attention.0.bn.movingMean']!.dataSync()).some((v) => v !== 0)).toBe(true);
    tf.dispose([x, e1, e2, t]);
    r.dispose();
  });

  it('regularizer, initBias and a JSON round trip', () => {
    const r = attentionReadout({ inShape: [H, W, C], outDims: N, gammaReadout: 3, attentionKernel: 5, seed: 8 });
    const feat = randn(N * C, 61);
    setWeights(r, { features: feat });
    const reg = expectNoLeaks(() => r.regularizer(), 'regularizer');
    expectArraysClose(reg.dataSync(), [3 * Array.from(feat).reduce((s, v) => s + Math.abs(v), 0)]);
    r.initBias(Float32Array.from([1, 2, 3, 4]));
    expectArraysClose(r.getWeights()['bias']!.dataSync(), [1, 2, 3, 4]);
    const x = tf.tensor4d(randn(B * H * W * C, 62), [B, H, W, C]);
    tf.dispose(r.apply(x, { training: true }));
    const fresh = readoutFromConfig(JSON.parse(JSON.stringify(r.getConfig())));
    expect(fresh.kind).toBe('readouts.attention');
    for (const [k, v] of Object.entries(r.getWeights())) fresh.getWeights()[k]!.assign(v);
    const a = r.apply(x),
      b = fresh.apply(x);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([reg, x, a, b]);
    r.dispose();
    fresh.dispose();
  });

  it('a config saved before the position prior existed rebuilds the original readout (no prior)', () => {
    const r = attentionReadout({ inShape: [H, W, C], outDims: N, positionPrior: 'none', seed: 2 });
    const { positionPrior, initMuRange, initSigma, ...old } = r.getConfig();
    expect([positionPrior, initMuRange, initSigma]).toEqual(['none', 0.2, 0.5]);
    const fresh = readoutFromConfig(old);
    expect(Object.keys(fresh.getWeights()).sort()).toEqual(Object.keys(r.getWeights()).sort());
    expect(fresh.getConfig()['positionPrior']).toBe('none');
    r.dispose();
    fresh.dispose();
  });

  it('rejects bad options and inputs with typed errors', () => {
    const before = tf.memory().numTensors;
    const base = { inShape: [H, W, C] as const, outDims: N };
    expect(() => attentionReadout({ ...base, attentionKernel: 4 })).toThrow(SalConfigError);
    expect(() => attentionReadout({ ...base, attentionLayers: 0 })).toThrow(SalConfigError);
    expect(() => attentionReadout({ ...base, initFeatureStd: -1 })).toThrow(SalConfigError);
    expect(() => attentionReadout({ ...base, positionPrior: 'uniform' as never })).toThrow(SalConfigError);
    expect(() => attentionReadout({ ...base, initSigma: 0 })).toThrow(SalConfigError);
    expect(() => attentionReadout({ ...base, initMuRange: 2 })).toThrow(SalConfigError);
    expect(() => attentionReadout({ inShape: [H, W, C] })).toThrow(SalConfigError);
    expect(() => attentionReadout({ ...base, kernel: 3 } as never)).toThrow(SalConfigError);
    const r = attentionReadout(base);
    const x = tf.zeros([B, H, W, C + 1]) as tf.Tensor4D;
    expect(() => r.apply(x)).toThrow(SalShapeError);
    expect(() => r.attention(x)).toThrow(SalShapeError);
    expect(() => r.initBias(new Float32Array(N + 1))).toThrow(SalShapeError);
    x.dispose();
    r.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
