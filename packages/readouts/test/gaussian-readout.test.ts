import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError } from '@sal/types';
import { gaussianReadout, readoutFromConfig, GAUSSIAN_READOUT_DEFAULTS } from '../src/index.js';
import { closeness, expectArraysClose, expectNoLeaks, finiteDifferenceGrad } from '../../test-utils/src/index.js';
import { bruteBilinear, meanCov2, randn } from './reference.js';

const H = 5,
  W = 8,
  C = 3,
  N = 4;

function setWeights(r: { getWeights(): Record<string, tf.Variable> }, values: Record<string, number[] | Float32Array>): void {
  const w = r.getWeights();
  for (const [k, v] of Object.entries(values)) tf.tidy(() => w[k]!.assign(tf.tensor(v, w[k]!.shape)));
}

/** y[b,n] = Σ_c F[c,n]·bilinear(x, μ_n (+ shift_b))[b,n,c] + bias[n], in float64 loops. */
function bruteGaussian(xv: Float32Array, b: number, mu: number[], feat: number[], bias: number[], shift?: number[]): Float64Array {
  const grid: number[] = [];
  for (let i = 0; i < b; i++)
    for (let n = 0; n < N; n++) {
      grid.push(mu[2 * n]! + (shift ? shift[2 * i]! : 0), mu[2 * n + 1]! + (shift ? shift[2 * i + 1]! : 0));
    }
  const s = bruteBilinear(xv, [b, H, W, C], grid, N);
  const y = new Float64Array(b * N);
  for (let i = 0; i < b; i++)
    for (let n = 0; n < N; n++) {
      let acc = bias[n]!;
      for (let c = 0; c < C; c++) acc += feat[c * N + n]! * s[(i * N + n) * C + c]!;
      y[i * N + n] = acc;
    }
  return y;
}

describe('gaussianReadout', () => {
  const mu = [-0.7, 0.3, 0.1, -0.9, 0.55, 0.55, 1, -1];
  const feat = Array.from(randn(C * N, 21));
  const bias = [0.1, -0.2, 0.3, 0];

  it('has the documented shapes, initial values and stable weight names', () => {
    const r = gaussianReadout({ inShape: [H, W, C], outDims: N, gaussType: 'full', seed: 3 });
    const w = r.getWeights();
    expect(Object.keys(w).sort()).toEqual(['bias', 'features', 'mu', 'sigma']);
    expect(w['mu']!.shape).toEqual([N, 2]);
    expect(w['sigma']!.shape).toEqual([N, 2, 2]);
    expect(w['features']!.shape).toEqual([C, N]);
    expectArraysClose(w['features']!.dataSync(), new Array(C * N).fill(1 / C));
    expectArraysClose(w['bias']!.dataSync(), [0, 0, 0, 0]);
    const m = w['mu']!.dataSync();
    expect(Math.max(...Array.from(m, Math.abs))).toBeLessThanOrEqual(0.2);
    expect(new Set(Array.from(m)).size).toBe(2 * N);
    expect(r.outDims).toBe(N);
    expect(r.inShape).toEqual([H, W, C]);
    expect(r.contextChannels).toBe(0);
    r.dispose();
    const iso = gaussianReadout({ inShape: [H, W, C], outDims: N, gaussType: 'isotropic', initSigma: 0.3 });
    expect(iso.getWeights()['sigma']!.shape).toEqual([N, 1]);
    expectArraysClose(iso.getWeights()['sigma']!.dataSync(), [0.3, 0.3, 0.3, 0.3]);
    iso.dispose();
    const unc = gaussianReadout({ inShape: [H, W, C], outDims: N, gaussType: 'uncorrelated' });
    expect(unc.getWeights()['sigma']!.shape).toEqual([N, 2]);
    unc.dispose();
  });

  it('in evaluation reads the features at μ (brute force), deterministically, on a non-square map', () => {
    const r = gaussianReadout({ inShape: [H, W, C], outDims: N });
    setWeights(r, { mu, features: feat, bias });
    const xv = randn(2 * H * W * C, 22);
    const x = tf.tensor4d(xv, [2, H, W, C]);
    const y1 = expectNoLeaks(() => r.apply(x), 'apply');
    const y2 = r.apply(x, { seed: 99 });
    expect(y1.shape).toEqual([2, N]);
    expectArraysClose(y1.dataSync(), bruteGaussian(xv, 2, mu, feat, bias), 1e-5, 1e-5);
    expect(Array.from(y2.dataSync())).toEqual(Array.from(y1.dataSync()));
    tf.dispose([x, y1, y2]);
    r.dispose();
  });

  it('adds the shift [B,2] to every neuron position', () => {
    const r = gaussianReadout({ inShape: [H, W, C], outDims: N, gaussType: 'isotropic' });
    setWeights(r, { mu, features: feat, bias });
    const xv = randn(2 * H * W * C, 23);
    const x = tf.tensor4d(xv, [2, H, W, C]);
    const shift = [0.1, -0.05, -0.3, 0.2];
    const s = tf.tensor2d(shift, [2, 2]);
    const y = expectNoLeaks(() => r.apply(x, { shift: s }), 'apply with shift');
    expectArraysClose(y.dataSync(), bruteGaussian(xv, 2, mu, feat, bias, shift), 1e-5, 1e-5);
    tf.dispose([x, s, y]);
    r.dispose();
  });

  it('projects μ to [-1,1] and σ to ≥ 0 before reading, as the original', () => {
    const r = gaussianReadout({ inShape: [H, W, C], outDims: N, gaussType: 'uncorrelated' });
    setWeights(r, { mu: [1.5, 0, 0, -2, 0, 0, 0, 0], sigma: [-0.1, 0.2, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3] });
    const x = tf.zeros([1, H, W, C]) as tf.Tensor4D;
    tf.dispose(r.apply(x));
    expectArraysClose(r.getWeights()['mu']!.dataSync(), [1, 0, 0, -1, 0, 0, 0, 0]);
    expectArraysClose(r.getWeights()['sigma']!.dataSync(), [0, 0.2, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]);
    x.dispose();
    r.dispose();
  });

  it('in training the sampled positions have mean μ and the configured σ (isotropic, uncorrelated, full)', () => {
    const B = 4000;
    const cases = [
      {
        gaussType: 'isotropic' as const,
        sigma: [0.1, 0.1, 0.05, 0.2],
        cov: (n: number) => {
          const s = [0.1, 0.1, 0.05, 0.2][n]!;
          return [s * s, 0, 0, s * s];
        },
      },
      {
        gaussType: 'uncorrelated' as const,
        sigma: [0.1, 0.05, 0.2, 0.1, 0.02, 0.02, 0.15, 0.08],
        cov: (n: number) => {
          const s = [0.1, 0.05, 0.2, 0.1, 0.02, 0.02, 0.15, 0.08];
          return [s[2 * n]! ** 2, 0, 0, s[2 * n + 1]! ** 2];
        },
      },
      {
        gaussType: 'full' as const,
        // σ[n] = [[a, b], [c, d]], position = μ + σ z → covariance σσᵀ = [[a²+b², ac+bd], [ac+bd, c²+d²]]
        sigma: [0.1, 0, 0.05, 0.08, 0.05, 0.1, -0.1, 0.02, 0.2, 0, 0, 0.01, 0.03, -0.04, 0.12, 0.05],
        cov: (n: number) => {
          const s = [0.1, 0, 0.05, 0.08, 0.05, 0.1, -0.1, 0.02, 0.2, 0, 0, 0.01, 0.03, -0.04, 0.12, 0.05].slice(4 * n, 4 * n + 4);
          const [a, b, c, d] = s as [number, number, number, number];
          return [a * a + b * b, a * c + b * d, a * c + b * d, c * c + d * d];
        },
      },
    ];
    const muS = [-0.3, 0.2, 0, 0, 0.4, -0.4, 0.1, 0.5];
    for (const cs of cases) {
      const r = gaussianReadout({ inShape: [H, W, C], outDims: N, gaussType: cs.gaussType });
      setWeights(r, { mu: muS, sigma: cs.sigma });
      const g = expectNoLeaks(() => r.sampleGrid(B, { training: true, seed: 5 }), 'sampleGrid');
      expect(g.shape).toEqual([B, N, 2]);
      const v = g.dataSync();
      for (let n = 0; n < N; n++) {
        const pts = new Float64Array(2 * B);
        for (let b = 0; b < B; b++) {
          pts[2 * b] = v[(b * N + n) * 2]!;
          pts[2 * b + 1] = v[(b * N + n) * 2 + 1]!;
        }
        const { mean, cov } = meanCov2(pts, B);
        const want = cs.cov(n);
        // standard error of the mean: σ/√B; of a variance: ≈ σ²·√(2/B) — allow 5 standard errors
        const sdx = Math.sqrt(want[0]!),
          sdy = Math.sqrt(want[3]!);
        expect(Math.abs(mean[0] - muS[2 * n]!)).toBeLessThan((5 * sdx) / Math.sqrt(B) + 1e-6);
        expect(Math.abs(mean[1] - muS[2 * n + 1]!)).toBeLessThan((5 * sdy) / Math.sqrt(B) + 1e-6);
        const tol = 5 * Math.sqrt(2 / B);
        expect(Math.abs(cov[0] - want[0]!)).toBeLessThan(tol * want[0]! + 1e-9);
        expect(Math.abs(cov[3] - want[3]!)).toBeLessThan(tol * want[3]! + 1e-9);
        expect(Math.abs(cov[1] - want[1]!)).toBeLessThan(tol * sdx * sdy + 1e-9);
      }
      g.dispose();
      r.dispose();
    }
  });

  it('sampling is seeded: same seed, same positions and outputs; another seed differs; evaluation gives μ', () => {
    const r = gaussianReadout({ inShape: [H, W, C], outDims: N, initSigma: 0.2, seed: 1 });
    const a = r.sampleGrid(3, { training: true, seed: 7 });
    const b = r.sampleGrid(3, { training: true, seed: 7 });
    const c = r.sampleGrid(3, { training: true, seed: 8 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    const e = r.sampleGrid(3);
    const m = r.getWeights()['mu']!.dataSync();
    expectArraysClose(e.dataSync(), [...m, ...m, ...m], 0, 0);
    const x = tf.tensor4d(randn(3 * H * W * C, 24), [3, H, W, C]);
    const y1 = r.apply(x, { training: true, seed: 7 });
    const y2 = r.apply(x, { training: true, seed: 7 });
    const y3 = r.apply(x, { training: true, seed: 8 });
    expect(Array.from(y1.dataSync())).toEqual(Array.from(y2.dataSync()));
    expect(Array.from(y1.dataSync())).not.toEqual(Array.from(y3.dataSync()));
    // the training output reads at the sampled positions
    const feats = r.getWeights()['features']!.dataSync();
    const s = bruteBilinear(x.dataSync(), [3, H, W, C], a.dataSync(), N);
    const want = new Float64Array(3 * N);
    for (let i = 0; i < 3; i++) for (let n = 0; n < N; n++) for (let ch = 0; ch < C; ch++) want[i * N + n]! += feats[ch * N + n]! * s[(i * N + n) * C + ch]!;
    expectArraysClose(y1.dataSync(), want, 1e-5, 1e-5);
    tf.dispose([a, b, c, e, x, y1, y2, y3]);
    r.dispose();
  });

  it('the same seed gives the same initial weights; another seed different ones', () => {
    const a = gaussianReadout({ inShape: [H, W, C], outDims: N, seed: 11 });
    const b = gaussianReadout({ inShape: [H, W, C], outDims: N, seed: 11 });
    const c = gaussianReadout({ inShape: [H, W, C], outDims: N, seed: 12 });
    for (const k of ['mu', 'sigma']) {
      expect(Array.from(a.getWeights()[k]!.dataSync())).toEqual(Array.from(b.getWeights()[k]!.dataSync()));
      expect(Array.from(a.getWeights()[k]!.dataSync())).not.toEqual(Array.from(c.getWeights()[k]!.dataSync()));
    }
    [a, b, c].forEach((r) => r.dispose());
  });

  it('gradients to μ, σ and the features match finite differences (training mode)', () => {
    const r = gaussianReadout({ inShape: [H, W, C], outDims: N, gaussType: 'full' });
    setWeights(r, {
      mu: [-0.33, 0.21, 0.12, -0.47, 0.51, 0.07, -0.1, 0.6],
      sigma: [0.05, 0.01, 0, 0.04, 0.03, 0, 0.01, 0.02, 0.02, 0.02, -0.01, 0.03, 0.04, 0, 0, 0.04],
    });
    const x = tf.tensor4d(randn(2 * H * W * C, 25), [2, H, W, C]);
    const rr = tf.tensor2d(randn(2 * N, 26), [2, N]);
    const w = r.getWeights();
    const loss = () => tf.sum(tf.mul(r.apply(x, { training: true, seed: 3 }), rr)) as tf.Scalar;
    const { grads, value } = tf.variableGrads(loss, [w['mu']!, w['sigma']!, w['features']!]);
    value.dispose();
    for (const k of ['mu', 'sigma', 'features']) {
      const v = w[k]!;
      const orig = v.dataSync().slice();
      const fd = finiteDifferenceGrad(
        (t) => {
          v.assign(t);
          return loss();
        },
        v,
        { eps: 1e-3 },
      );
      v.assign(tf.tensor(orig, v.shape));
      expect(closeness(grads[v.name]!.dataSync(), fd, 2e-2, 2e-3)).toBeLessThan(1);
    }
    tf.dispose([x, rr, ...Object.values(grads)]);
    r.dispose();
  });

  it('regularizer = gammaReadout·Σ|features|; initBias sets the bias; bias: false has none', () => {
    const r = gaussianReadout({ inShape: [H, W, C], outDims: N, gammaReadout: 2.5 });
    setWeights(r, { features: feat });
    const reg = expectNoLeaks(() => r.regularizer(), 'regularizer');
    expectArraysClose(reg.dataSync(), [2.5 * feat.reduce((s, v) => s + Math.abs(v), 0)]);
    r.initBias(Float32Array.from([1, 2, 3, 4]));
    expectArraysClose(r.getWeights()['bias']!.dataSync(), [1, 2, 3, 4]);
    expect(() => r.initBias(new Float32Array(3))).toThrow(SalShapeError);
    reg.dispose();
    r.dispose();
    const nb = gaussianReadout({ inShape: [H, W, C], outDims: N, bias: false });
    expect(nb.getWeights()['bias']).toBeUndefined();
    nb.initBias(Float32Array.from([1, 2, 3, 4]));
    const x = tf.zeros([1, H, W, C]) as tf.Tensor4D;
    const y = nb.apply(x);
    expectArraysClose(y.dataSync(), [0, 0, 0, 0]);
    tf.dispose([x, y]);
    nb.dispose();
  });

  it('a JSON round trip of the config plus the weights gives identical outputs', () => {
    const r = gaussianReadout({ inShape: [H, W, C], outDims: N, gaussType: 'uncorrelated', initSigma: 0.1, seed: 4 });
    setWeights(r, { mu, features: feat, bias });
    const config = JSON.parse(JSON.stringify(r.getConfig()));
    expect(config.kind).toBe('readouts.gaussian');
    const fresh = readoutFromConfig(config);
    const fresh2 = readoutFromConfig(config);
    // same config → same initial weights
    expect(Array.from(fresh.getWeights()['sigma']!.dataSync())).toEqual(Array.from(fresh2.getWeights()['sigma']!.dataSync()));
    for (const [k, v] of Object.entries(r.getWeights())) fresh.getWeights()[k]!.assign(v);
    const x = tf.tensor4d(randn(2 * H * W * C, 27), [2, H, W, C]);
    for (const opts of [{}, { training: true, seed: 9 }]) {
      const a = r.apply(x, opts),
        b = fresh.apply(x, opts);
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([a, b]);
    }
    expect(fresh.getConfig()).toEqual(r.getConfig());
    x.dispose();
    [r, fresh, fresh2].forEach((m) => m.dispose());
  });

  it('rejects bad options with SalConfigError and bad inputs with SalShapeError', () => {
    const base = { inShape: [H, W, C] as const, outDims: N };
    expect(() => gaussianReadout({ ...base, initSigma: -1 })).toThrow(SalConfigError);
    expect(() => gaussianReadout({ ...base, gaussType: 'diagonal' as never })).toThrow(SalConfigError);
    expect(() => gaussianReadout({ ...base, outDims: 0 })).toThrow(SalConfigError);
    expect(() => gaussianReadout({ outDims: N })).toThrow(SalConfigError);
    expect(() => gaussianReadout({ ...base, inShape: [H, W] as never })).toThrow(SalConfigError);
    expect(() => gaussianReadout({ ...base, initMuRange: 2 })).toThrow(SalConfigError);
    expect(() => gaussianReadout({ ...base, gammaReadout: -1 })).toThrow(SalConfigError);
    expect(() => gaussianReadout({ ...base, seed: 0.5 })).toThrow(SalConfigError);
    expect(() => gaussianReadout({ ...base, sample: true } as never)).toThrow(SalConfigError);
    expect(() => readoutFromConfig({ kind: 'readouts.unknown' })).toThrow(SalConfigError);
    const before = tf.memory().numTensors;
    const r = gaussianReadout(base);
    const x = tf.zeros([2, H, W, C + 1]) as tf.Tensor4D;
    expect(() => r.apply(x)).toThrow(SalShapeError);
    const x3 = tf.zeros([H, W, C]) as unknown as tf.Tensor4D;
    expect(() => r.apply(x3)).toThrow(SalShapeError);
    const xok = tf.zeros([2, H, W, C]) as tf.Tensor4D;
    const badShift = tf.zeros([3, 2]) as tf.Tensor2D;
    expect(() => r.apply(xok, { shift: badShift })).toThrow(SalShapeError);
    expect(() => r.sampleGrid(0)).toThrow(SalConfigError);
    tf.dispose([x, x3, xok, badShift]);
    r.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.isFrozen(GAUSSIAN_READOUT_DEFAULTS)).toBe(true);
  });
});
