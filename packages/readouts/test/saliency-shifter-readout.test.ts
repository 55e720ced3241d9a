import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError } from '@sal/types';
import { gaussianReadout, readoutFromConfig, saliencyShifterReadout, type SaliencyShifterReadout } from '../src/index.js';
import { closeness, expectArraysClose, expectNoLeaks, finiteDifferenceGrad } from '../../test-utils/src/index.js';
import { bruteBilinear, bruteConvSame, randn } from './reference.js';

// core features at a lower, non-square resolution; context at input resolution, also non-square
const H = 4,
  W = 6,
  C = 3,
  N = 5,
  HC = 9,
  WC = 13,
  CR = 2,
  B = 2;

function setWeights(r: { getWeights(): Record<string, tf.Variable> }, values: Record<string, ArrayLike<number>>): void {
  const w = r.getWeights();
  for (const [k, v] of Object.entries(values)) tf.tidy(() => w[k]!.assign(tf.tensor(Array.from(v), w[k]!.shape)));
}

/** A shifter with the original's remapper initialisation (γ = 1), so that the field is far from zero. */
function makeShifter(extra: Parameters<typeof saliencyShifterReadout>[0] = {}): SaliencyShifterReadout {
  return saliencyShifterReadout({ inShape: [H, W, C], outDims: N, remapChannels: CR, initSigma: 0.1, seed: 2, remapInitGain: 1, ...extra });
}

const muV = [-0.6, 0.2, 0.3, -0.4, 0.05, 0.7, 0.8, 0.1, -0.2, -0.75];

describe('saliencyShifterReadout', () => {
  it('exposes the contract fields and stable weight names', () => {
    const r = makeShifter({ remapLayers: 3, remapHiddenChannels: 4 });
    expect(r.kind).toBe('readouts.saliencyShifter');
    expect(r.contextChannels).toBe(CR);
    expect(r.inShape).toEqual([H, W, C]);
    expect(r.outDims).toBe(N);
    const w = r.getWeights();
    expect(Object.keys(w)).toEqual(expect.arrayContaining(['mu', 'sigma', 'features', 'bias', 'remap.0.conv.kernel', 'remap.2.bn.movingVariance']));
    expect(w['remap.0.conv.kernel']!.shape).toEqual([3, 3, CR, 4]);
    expect(w['remap.1.conv.kernel']!.shape).toEqual([3, 3, 4, 4]);
    expect(w['remap.2.conv.kernel']!.shape).toEqual([3, 3, 4, 2]);
    expect(w['remap.2.bn.movingMean']!.trainable).toBe(false);
    r.dispose();
  });

  it('by default starts with a zero field (the last batch-norm γ = 0), so it starts as the Gaussian readout, and γ gets a gradient', () => {
    const r = saliencyShifterReadout({ inShape: [H, W, C], outDims: N, remapChannels: CR, initSigma: 0.1, gaussType: 'isotropic', seed: 2 });
    const w = r.getWeights();
    expect(Array.from(w['remap.1.bn.gamma']!.dataSync())).toEqual([0, 0]);
    expect(Array.from(w['remap.0.bn.gamma']!.dataSync())).toEqual([1, 1]);
    const original = makeShifter();
    expect(Array.from(original.getWeights()['remap.1.bn.gamma']!.dataSync())).toEqual([1, 1]);
    original.dispose();
    const g = gaussianReadout({ inShape: [H, W, C], outDims: N, initSigma: 0.1, gaussType: 'isotropic' });
    for (const k of ['mu', 'sigma', 'features', 'bias']) g.getWeights()[k]!.assign(w[k]!);
    const x = tf.tensor4d(randn(B * H * W * C, 90), [B, H, W, C]);
    const ctx = tf.tensor4d(randn(B * HC * WC * CR, 91), [B, HC, WC, CR]);
    const field = r.remapField(ctx, { training: true });
    expect(Array.from(field.dataSync()).every((v) => v === 0)).toBe(true);
    const ys = r.apply(x, { context: ctx, training: true, seed: 4 }),
      yg = g.apply(x, { training: true, seed: 4 });
    expectArraysClose(ys.dataSync(), yg.dataSync(), 1e-6, 1e-6);
    // d loss / d γ = Σ dL/dfield · amplitude · ẑ ≠ 0 at γ = 0: the field can grow from zero
    const rr = tf.tensor2d(randn(B * N, 92), [B, N]);
    const gamma = w['remap.1.bn.gamma']!;
    const loss = () => tf.sum(tf.mul(r.apply(x, { context: ctx }), rr)) as tf.Scalar;
    const { grads, value } = tf.variableGrads(loss, [gamma]);
    const fd = finiteDifferenceGrad(
      (t) => {
        gamma.assign(t);
        return loss();
      },
      gamma,
      { eps: 1e-3 },
    );
    gamma.assign(tf.zeros([2]));
    expect(closeness(grads[gamma.name]!.dataSync(), fd, 3e-2, 3e-3)).toBeLessThan(1);
    expect(Math.max(...Array.from(fd, Math.abs))).toBeGreaterThan(1e-3);
    tf.dispose([x, ctx, field, ys, yg, rr, value, ...Object.values(grads)]);
    r.dispose();
    g.dispose();
  });

  it('with a zero remapper output equals the plain Gaussian readout on the same weights (eval and training)', () => {
    const r = makeShifter({ gaussType: 'full' });
    // last block: batch-norm scale and offset 0 → tanh(0) = 0 → zero field whatever the context
    setWeights(r, { 'remap.1.bn.gamma': [0, 0], 'remap.1.bn.beta': [0, 0], bias: [0.1, 0.2, -0.3, 0.4, 0.5] });
    const g = gaussianReadout({ inShape: [H, W, C], outDims: N, gaussType: 'full' });
    for (const k of ['mu', 'sigma', 'features', 'bias']) g.getWeights()[k]!.assign(r.getWeights()[k]!);
    setWeights(g, { features: randn(C * N, 31) });
    r.getWeights()['features']!.assign(g.getWeights()['features']!);
    const x = tf.tensor4d(randn(B * H * W * C, 32), [B, H, W, C]);
    const ctx = tf.tensor4d(randn(B * HC * WC * CR, 33), [B, HC, WC, CR]);
    const shift = tf.tensor2d([0.05, -0.1, 0.2, 0], [B, 2]);
    for (const opts of [{}, { training: true, seed: 4 }, { shift }]) {
      const a = r.apply(x, { ...opts, context: ctx });
      const b = g.apply(x, opts);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      tf.dispose([a, b]);
    }
    tf.dispose([x, ctx, shift]);
    r.dispose();
    g.dispose();
  });

  it('remapField is tanh(conv → batch-norm) × amplitude (brute force, evaluation statistics)', () => {
    const r = makeShifter({ remapLayers: 1, maxRemapAmplitude: 0.3 });
    const w = r.getWeights();
    const kern = w['remap.0.conv.kernel']!.dataSync(),
      bias = w['remap.0.conv.bias']!.dataSync();
    setWeights(r, {
      'remap.0.bn.movingMean': [0.1, -0.2],
      'remap.0.bn.movingVariance': [2, 0.5],
      'remap.0.bn.gamma': [1.5, 0.7],
      'remap.0.bn.beta': [0.1, -0.1],
    });
    const cv = randn(B * HC * WC * CR, 34);
    const ctx = tf.tensor4d(cv, [B, HC, WC, CR]);
    const field = expectNoLeaks(() => r.remapField(ctx), 'remapField');
    expect(field.shape).toEqual([B, HC, WC, 2]);
    const conv = bruteConvSame(cv, [B, HC, WC, CR], kern, 3, 2, bias);
    const mm = [0.1, -0.2],
      mv = [2, 0.5],
      ga = [1.5, 0.7],
      be = [0.1, -0.1];
    const want = conv.map((v, i) => {
      const o = i % 2;
      return 0.3 * Math.tanh(((v - mm[o]!) / Math.sqrt(mv[o]! + 1e-5)) * ga[o]! + be[o]!);
    });
    expectArraysClose(field.dataSync(), want, 1e-4, 1e-5);
    const fv = field.dataSync();
    expect(Math.max(...Array.from(fv, Math.abs))).toBeLessThanOrEqual(0.3);
    tf.dispose([ctx, field]);
    r.dispose();
  });

  it('each neuron reads at its position plus the field sampled there, and apply is the Gaussian readout at those positions', () => {
    const r = makeShifter({ gaussType: 'isotropic', remapLayers: 2 });
    setWeights(r, { mu: muV, features: randn(C * N, 35), bias: [0.1, 0, -0.1, 0.2, 0.3] });
    // larger first-layer weights so the field is far from zero
    setWeights(r, { 'remap.1.conv.kernel': randn(3 * 3 * CR * 2, 36, 0.8) });
    const xv = randn(B * H * W * C, 37);
    const cv = randn(B * HC * WC * CR, 38);
    const x = tf.tensor4d(xv, [B, H, W, C]),
      ctx = tf.tensor4d(cv, [B, HC, WC, CR]);
    const field = r.remapField(ctx);
    const fieldV = field.dataSync();
    expect(Math.max(...Array.from(fieldV, Math.abs))).toBeGreaterThan(0.05);
    const base: number[] = [];
    for (let b = 0; b < B; b++) base.push(...muV);
    const off = bruteBilinear(fieldV, [B, HC, WC, 2], base, N);
    const wantGrid = base.map((v, i) => v + off[i]!);
    const grid = expectNoLeaks(() => r.shiftedGrid(ctx), 'shiftedGrid');
    expectArraysClose(grid.dataSync(), wantGrid, 1e-5, 1e-6);
    const y = expectNoLeaks(() => r.apply(x, { context: ctx }), 'apply');
    const s = bruteBilinear(xv, [B, H, W, C], wantGrid, N);
    const feats = r.getWeights()['features']!.dataSync(),
      bias = r.getWeights()['bias']!.dataSync();
    const want = new Float64Array(B * N);
    for (let b = 0; b < B; b++)
      for (let n = 0; n < N; n++) {
        let acc = bias[n]!;
        for (let c = 0; c < C; c++) acc += feats[c * N + n]! * s[(b * N + n) * C + c]!;
        want[b * N + n] = acc;
      }
    expectArraysClose(y.dataSync(), want, 1e-4, 1e-5);
    tf.dispose([x, ctx, field, grid, y]);
    r.dispose();
  });

  it('training samples the Gaussian position with the seed, then adds the field there', () => {
    const r = makeShifter({ gaussType: 'uncorrelated' });
    setWeights(r, { mu: muV });
    const ctx = tf.tensor4d(randn(B * HC * WC * CR, 39), [B, HC, WC, CR]);
    const sampled = r.sampleGrid(B, { training: true, seed: 6 });
    const field = r.remapField(ctx, { training: true });
    const off = bruteBilinear(field.dataSync(), [B, HC, WC, 2], sampled.dataSync(), N);
    const grid = r.shiftedGrid(ctx, { training: true, seed: 6 });
    expectArraysClose(
      grid.dataSync(),
      Array.from(sampled.dataSync(), (v, i) => v + off[i]!),
      1e-5,
      1e-6,
    );
    const again = r.shiftedGrid(ctx, { training: true, seed: 6 });
    expect(Array.from(again.dataSync())).toEqual(Array.from(grid.dataSync()));
    tf.dispose([ctx, sampled, field, grid, again]);
    r.dispose();
  });

  it('adds a bias by default (the original adds none); bias: false reproduces the original', () => {
    const withB = makeShifter();
    const noB = makeShifter({ bias: false });
    expect(noB.getWeights()['bias']).toBeUndefined();
    withB.initBias(Float32Array.from([1, 2, 3, 4, 5]));
    noB.initBias(Float32Array.from([1, 2, 3, 4, 5])); // ignored
    const x = tf.tensor4d(randn(B * H * W * C, 40), [B, H, W, C]);
    const ctx = tf.tensor4d(randn(B * HC * WC * CR, 41), [B, HC, WC, CR]);
    const a = withB.apply(x, { context: ctx }),
      b = noB.apply(x, { context: ctx });
    const av = a.dataSync(),
      bv = b.dataSync();
    expectArraysClose(
      av,
      Array.from(bv, (v, i) => v + [1, 2, 3, 4, 5][i % N]!),
      1e-5,
      1e-5,
    );
    tf.dispose([x, ctx, a, b]);
    withB.dispose();
    noB.dispose();
  });

  it('gradients to μ, the features and the remapper weights match finite differences', () => {
    const r = makeShifter({ gaussType: 'isotropic', remapLayers: 2 });
    setWeights(r, { mu: [-0.31, 0.23, 0.37, -0.41, 0.07, 0.63, 0.52, 0.11, -0.19, -0.55], 'remap.1.conv.kernel': randn(3 * 3 * CR * 2, 42, 0.5) });
    const x = tf.tensor4d(randn(B * H * W * C, 43), [B, H, W, C]);
    const ctx = tf.tensor4d(randn(B * HC * WC * CR, 44), [B, HC, WC, CR]);
    const rr = tf.tensor2d(randn(B * N, 45), [B, N]);
    const w = r.getWeights();
    const loss = () => tf.sum(tf.mul(r.apply(x, { context: ctx }), rr)) as tf.Scalar;
    const names = ['mu', 'features', 'remap.1.conv.bias', 'remap.0.conv.bias'];
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
        { eps: 1e-3 },
      );
      v.assign(tf.tensor(orig, v.shape));
      const g = grads[v.name]!.dataSync();
      expect(closeness(g, fd, 3e-2, 3e-3)).toBeLessThan(1);
      if (k.startsWith('remap')) expect(Math.max(...Array.from(fd, Math.abs))).toBeGreaterThan(1e-3);
    }
    tf.dispose([x, ctx, rr, ...Object.values(grads)]);
    r.dispose();
  });

  it('training updates the remapper batch-norm running statistics', () => {
    const r = makeShifter();
    const ctx = tf.tensor4d(randn(B * HC * WC * CR, 46, 2), [B, HC, WC, CR]);
    const x = tf.tensor4d(randn(B * H * W * C, 47), [B, H, W, C]);
    const before = r.getWeights()['remap.0.bn.movingMean']!.dataSync().slice();
    const y = r.apply(x, { context: ctx, training: true, seed: 1 });
    const after = r.getWeights()['remap.0.bn.movingMean']!.dataSync();
    expect(Array.from(after)).not.toEqual(Array.from(before));
    const y2 = r.apply(x, { context: ctx });
    expect(Array.from(y2.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([ctx, x, y, y2]);
    r.dispose();
  });

  it('a JSON round trip of the config plus the weights gives identical outputs; same seed, same weights', () => {
    const r = makeShifter({ remapLayers: 3, remapKernel: 5, maxRemapAmplitude: 0.15, seed: 9 });
    const ctx = tf.tensor4d(randn(B * HC * WC * CR, 48), [B, HC, WC, CR]);
    const x = tf.tensor4d(randn(B * H * W * C, 49), [B, H, W, C]);
    tf.dispose(r.apply(x, { context: ctx, training: true })); // move the running statistics
    const config = JSON.parse(JSON.stringify(r.getConfig()));
    const fresh = readoutFromConfig(config);
    const twin = readoutFromConfig(config);
    for (const k of Object.keys(r.getWeights())) {
      expect(Array.from(twin.getWeights()[k]!.dataSync())).toEqual(Array.from(fresh.getWeights()[k]!.dataSync()));
    }
    expect(fresh.contextChannels).toBe(CR);
    for (const [k, v] of Object.entries(r.getWeights())) fresh.getWeights()[k]!.assign(v);
    const a = r.apply(x, { context: ctx }),
      b = fresh.apply(x, { context: ctx });
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(fresh.getConfig()).toEqual(r.getConfig());
    const other = makeShifter({ remapLayers: 3, remapKernel: 5, maxRemapAmplitude: 0.15, seed: 10 });
    expect(Array.from(other.getWeights()['remap.0.conv.kernel']!.dataSync())).not.toEqual(Array.from(fresh.getWeights()['remap.0.conv.kernel']!.dataSync()));
    tf.dispose([ctx, x, a, b]);
    [r, fresh, twin, other].forEach((m) => m.dispose());
  });

  it('rejects a missing or mismatched context with SalShapeError and bad options with SalConfigError', () => {
    const before = tf.memory().numTensors;
    const r = makeShifter();
    const x = tf.zeros([B, H, W, C]) as tf.Tensor4D;
    expect(() => r.apply(x)).toThrow(SalShapeError);
    const wrongC = tf.zeros([B, HC, WC, CR + 1]) as tf.Tensor4D;
    expect(() => r.apply(x, { context: wrongC })).toThrow(SalShapeError);
    expect(() => r.remapField(wrongC)).toThrow(SalShapeError);
    const wrongB = tf.zeros([B + 1, HC, WC, CR]) as tf.Tensor4D;
    expect(() => r.apply(x, { context: wrongB })).toThrow(SalShapeError);
    const rank3 = tf.zeros([HC, WC, CR]) as unknown as tf.Tensor4D;
    expect(() => r.apply(x, { context: rank3 })).toThrow(SalShapeError);
    const badX = tf.zeros([B, H + 1, W, C]) as tf.Tensor4D;
    const okCtx = tf.zeros([B, HC, WC, CR]) as tf.Tensor4D;
    expect(() => r.apply(badX, { context: okCtx })).toThrow(SalShapeError);
    const badShift = tf.zeros([B, 3]) as tf.Tensor2D;
    expect(() => r.apply(x, { context: okCtx, shift: badShift })).toThrow(SalShapeError);
    badShift.dispose();
    tf.dispose([x, wrongC, wrongB, rank3, badX, okCtx]);
    r.dispose();
    const base = { inShape: [H, W, C] as const, outDims: N };
    expect(() => saliencyShifterReadout({ ...base, remapKernel: 4 })).toThrow(SalConfigError);
    expect(() => saliencyShifterReadout({ ...base, remapChannels: 0 })).toThrow(SalConfigError);
    expect(() => saliencyShifterReadout({ ...base, remapLayers: 0 })).toThrow(SalConfigError);
    expect(() => saliencyShifterReadout({ ...base, maxRemapAmplitude: -0.2 })).toThrow(SalConfigError);
    expect(() => saliencyShifterReadout({ ...base, remapInitGain: -1 })).toThrow(SalConfigError);
    expect(() => saliencyShifterReadout({ ...base, initSigma: -1 })).toThrow(SalConfigError);
    expect(() => saliencyShifterReadout({ ...base, gaussType: 'round' as never })).toThrow(SalConfigError);
    expect(() => saliencyShifterReadout({ ...base, useSaliency: false } as never)).toThrow(SalConfigError);
    expect(() => readoutFromConfig({ kind: 'readouts.saliencyShifter', ...base, inShape: [H, W, C], remapChannels: 2.5 })).toThrow(SalConfigError);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('saliencyShifterReadout with neuronShiftGain', () => {
  it('scales each neuron’s shift by its gain: gain 1 equals the plain shifter, gain 0 leaves that neuron at its Gaussian position', () => {
    const plain = makeShifter({ gaussType: 'isotropic' });
    const gained = makeShifter({ gaussType: 'isotropic', neuronShiftGain: true });
    expect(gained.getWeights()['shiftGain']!.shape).toEqual([N]);
    expect(Array.from(gained.getWeights()['shiftGain']!.dataSync())).toEqual([1, 1, 1, 1, 1]);
    for (const [k, v] of Object.entries(plain.getWeights())) gained.getWeights()[k]!.assign(v);
    setWeights(plain, { mu: muV });
    setWeights(gained, { mu: muV });
    const ctx = tf.tensor4d(randn(B * HC * WC * CR, 40), [B, HC, WC, CR]);
    const a = plain.shiftedGrid(ctx),
      b = gained.shiftedGrid(ctx);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    // neuron 2 gets gain 0, neuron 4 gain 0.5: brute force from the plain positions
    setWeights(gained, { shiftGain: [1, 1, 0, 1, 0.5] });
    const c = gained.shiftedGrid(ctx);
    const av = a.dataSync(),
      cv = c.dataSync();
    for (let bi = 0; bi < B; bi++) {
      for (let n = 0; n < N; n++) {
        for (let d = 0; d < 2; d++) {
          const i = (bi * N + n) * 2 + d;
          const gain = [1, 1, 0, 1, 0.5][n]!;
          const want = muV[2 * n + d]! + gain * (av[i]! - muV[2 * n + d]!);
          expect(Math.abs(cv[i]! - want)).toBeLessThan(1e-6);
        }
      }
    }
    tf.dispose([ctx, a, b, c]);
    plain.dispose();
    gained.dispose();
  });

  it('the gradient of the output with respect to the gains matches finite differences', () => {
    const r = makeShifter({ gaussType: 'isotropic', neuronShiftGain: true, maxRemapAmplitude: 0.4 });
    setWeights(r, { mu: muV, shiftGain: [0.8, 1.2, 0.5, 1, 0.9] });
    const x = tf.tensor4d(randn(B * H * W * C, 41), [B, H, W, C]);
    const ctx = tf.tensor4d(randn(B * HC * WC * CR, 42), [B, HC, WC, CR]);
    const gain = r.getWeights()['shiftGain']!;
    const loss = (g: tf.Tensor) => {
      const saved = tf.clone(gain);
      gain.assign(g as tf.Tensor1D);
      const out = tf.tidy(() => tf.sum(tf.square(r.apply(x, { context: ctx }))));
      gain.assign(saved);
      saved.dispose();
      return out;
    };
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(r.apply(x, { context: ctx }))) as tf.Scalar, [gain]);
    const analytic = grads['shiftGain'] ?? Object.values(grads)[0]!;
    const numeric = finiteDifferenceGrad(loss, tf.clone(gain), { eps: 1e-2 });
    expect(closeness(analytic.dataSync(), numeric, 3e-2, 1e-3)).toBeLessThan(1);
    tf.dispose([x, ctx, ...Object.values(grads)]);
    r.dispose();
  });

  it('creating and disposing it leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    makeShifter({ neuronShiftGain: true }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('round-trips through getConfig and rejects a non-boolean', () => {
    const r = makeShifter({ neuronShiftGain: true });
    const cfg = JSON.parse(JSON.stringify(r.getConfig()));
    expect(cfg.neuronShiftGain).toBe(true);
    const r2 = readoutFromConfig(cfg) as SaliencyShifterReadout;
    expect(Object.keys(r2.getWeights())).toContain('shiftGain');
    expect(() => makeShifter({ neuronShiftGain: 1 as never })).toThrow(SalConfigError);
    r.dispose();
    r2.dispose();
  });
});

describe('saliencyShifterReadout.learnedShifts', () => {
  it('gives tanh(β)·amplitude·gain in feature-map pixels when the remapper outputs a constant field', () => {
    // one remap layer with a zero kernel and bias: the batch-norm (evaluation mode, moving mean 0, variance 1)
    // passes 0 through and adds β, so the field is tanh(β) · maxRemapAmplitude everywhere
    const amp = 0.5;
    const r = makeShifter({ remapLayers: 1, maxRemapAmplitude: amp, neuronShiftGain: true });
    const bx = 0.4,
      by = -0.9;
    const gain = [1, 2, -1, 0, 0.5];
    const w = r.getWeights();
    setWeights(r, {
      mu: muV.map((v) => v * 0.9), // inside the grid, so the bilinear read of a constant field is that constant
      'remap.0.conv.kernel': new Float32Array(w['remap.0.conv.kernel']!.size),
      'remap.0.conv.bias': [0, 0],
      'remap.0.bn.beta': [bx, by],
      shiftGain: gain,
    });
    const ctx = tf.randomNormal([B, HC, WC, CR], 0, 1, 'float32', 3) as tf.Tensor4D;
    const s = expectNoLeaks(() => r.learnedShifts(B, { context: ctx }), 'learnedShifts');
    expect(s.length).toBe(B * N * 2);
    for (let b = 0; b < B; b++) {
      for (let n = 0; n < N; n++) {
        // grid units → feature-map pixels: × (W − 1) / 2 in x, × (H − 1) / 2 in y (align corners)
        expect(s[(b * N + n) * 2]!).toBeCloseTo((Math.tanh(bx) * amp * gain[n]! * (W - 1)) / 2, 5);
        expect(s[(b * N + n) * 2 + 1]!).toBeCloseTo((Math.tanh(by) * amp * gain[n]! * (H - 1)) / 2, 5);
      }
    }
    ctx.dispose();
    r.dispose();
  });

  it('is the read point minus the unshifted one (readPositions with the remapper vs without it)', () => {
    const r = makeShifter({ remapLayers: 2, remapHiddenChannels: 3 });
    const ctx = tf.randomNormal([B, HC, WC, CR], 0, 1, 'float32', 5) as tf.Tensor4D;
    const s = r.learnedShifts(B, { context: ctx });
    const pos = r.readPositions(B, { context: ctx });
    const mu = r.getWeights()['mu']!.dataSync();
    for (let i = 0; i < B * N; i++) {
      const n = i % N;
      // μ in pixels: (μ + 1)(size − 1)/2
      expect(s[2 * i]!).toBeCloseTo(pos[2 * i]! - ((Math.max(-1, Math.min(1, mu[2 * n]!)) + 1) * (W - 1)) / 2, 4);
      expect(s[2 * i + 1]!).toBeCloseTo(pos[2 * i + 1]! - ((Math.max(-1, Math.min(1, mu[2 * n + 1]!)) + 1) * (H - 1)) / 2, 4);
    }
    expect(() => r.learnedShifts(B)).toThrow(SalShapeError);
    expect(() => r.learnedShifts(B + 1, { context: ctx })).toThrow(SalShapeError);
    ctx.dispose();
    r.dispose();
  });
});
