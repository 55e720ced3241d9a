/**
 * MEI synthesis against cases whose optimum is known: a linear-nonlinear neuron softplus(⟨w, x⟩) under a fixed
 * L2 norm has its MEI at norm·w/‖w‖ (its least exciting input at −norm·w/‖w‖), under a pixel range at the box
 * corner sign(w); with a preconditioner P the projected ascent converges to P·w normalised, P computed here by
 * brute force; with a mask M the MEI the model sees is M⊙M⊙w normalised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, createRng } from '@sal/types';
import { expectNoLeaks } from '@sal/test-utils';
import { synthesizeMeis, gaussianKernel, type ResponseModel } from '../src/index.js';
import { bruteBlur, bruteFourier, cosine } from './reference.js';

const H = 10,
  W = 12,
  C = 1,
  N = 3;
const D = H * W * C;
const rng = createRng(11);
const filters = Float32Array.from({ length: D * N }, () => rng.normal()); // [D, N]
let wT: tf.Tensor2D;
beforeAll(() => {
  wT = tf.tensor2d(filters, [D, N]);
});
afterAll(() => wT.dispose());
const ln: ResponseModel = (x) => tf.tidy(() => tf.softplus(tf.matMul(tf.reshape(x, [x.shape[0], D]), wT)) as tf.Tensor2D);
const filterOf = (n: number): Float64Array => Float64Array.from({ length: D }, (_, i) => filters[i * N + n]!);
const rowOf = (d: Float32Array, r: number): Float32Array => d.subarray(r * D, (r + 1) * D);
const normalise = (v: ArrayLike<number>, to = 1): Float64Array => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! ** 2;
  return Float64Array.from(v as ArrayLike<number>, (x) => (x * to) / Math.sqrt(s));
};

describe('synthesizeMeis on a linear-nonlinear neuron', () => {
  it('with a fixed norm converges to the normalised filter (and its negative for the least exciting input)', () => {
    const norm = 5;
    const res = expectNoLeaks(() => synthesizeMeis(ln, [H, W, C], { norm, blur: 0, steps: 60, learningRate: 0.5 }), 'synthesizeMeis');
    expect(res.shape).toEqual([N, H, W, C]);
    expect(Array.from(res.neurons)).toEqual([0, 1, 2]);
    for (let n = 0; n < N; n++) {
      const mei = rowOf(res.data, n);
      expect(cosine(mei, filterOf(n))).toBeGreaterThan(0.9999);
      expect(Math.hypot(...mei)).toBeCloseTo(norm, 3);
      // response = softplus(norm · ‖w‖)
      const want = Math.log1p(Math.exp(norm * Math.hypot(...filterOf(n))));
      expect(res.activations[n]).toBeCloseTo(want, 3);
    }
    // the least exciting input of a linear neuron (softplus's gradient vanishes on the way down)
    const lin: ResponseModel = (x) => tf.tidy(() => tf.matMul(tf.reshape(x, [x.shape[0], D]), wT) as tf.Tensor2D);
    const least = synthesizeMeis(lin, [H, W, C], { norm, blur: 0, steps: 60, learningRate: 0.5, objective: 'min', neurons: [1] });
    expect(cosine(rowOf(least.data, 0), filterOf(1))).toBeLessThan(-0.9999);
    expect(least.activations[0]).toBeCloseTo(-norm * Math.hypot(...filterOf(1)), 2);
  });

  it('with a pixel range and Adam reaches the box corner sign(w)', () => {
    const res = synthesizeMeis(ln, [H, W, C], { range: [-1, 1], optimizer: 'adam', learningRate: 0.1, steps: 80, blur: 0, neurons: [2] });
    const f = filterOf(2);
    const mei = rowOf(res.data, 0);
    for (let i = 0; i < D; i++) expect(mei[i]).toBe(Math.sign(f[i]!));
  });

  it('with Gaussian-blur preconditioning converges to the blurred filter, normalised (blur by brute force)', () => {
    const sigma = 1.3;
    const res = synthesizeMeis(ln, [H, W, C], { norm: 3, blur: sigma, steps: 80, learningRate: 0.5, neurons: [0] });
    const want = bruteBlur(filterOf(0), H, W, sigma, 4);
    expect(cosine(rowOf(res.data, 0), want)).toBeGreaterThan(0.9999);
    // and differs measurably from the unblurred optimum
    expect(cosine(want, filterOf(0))).toBeLessThan(0.9);
  });

  it('a decaying blur schedule ends where its last σ leads, reaching the plain optimum when σ decays to 0', () => {
    const res = synthesizeMeis(ln, [H, W, C], { norm: 3, blur: 2, blurDecay: -0.1, steps: 120, learningRate: 0.5, neurons: [1] });
    expect(cosine(rowOf(res.data, 0), filterOf(1))).toBeGreaterThan(0.999);
  });

  it('with Fourier preconditioning converges to the filtered filter, normalised (DFT by brute force)', () => {
    for (const [kind, exponent] of [
      ['smoothing', 2],
      ['powerLaw', 1],
    ] as const) {
      const res = synthesizeMeis(ln, [H, W, C], { norm: 3, blur: 0, fourier: kind, fourierExponent: exponent, steps: 150, learningRate: 0.5, neurons: [2] });
      const want = bruteFourier(filterOf(2), H, W, kind, exponent);
      expect(cosine(rowOf(res.data, 0), want)).toBeGreaterThan(0.999);
      expect(cosine(want, filterOf(2))).toBeLessThan(0.95);
    }
  });

  it('with a mask, the MEI the model sees is the mask² ⊙ filter, normalised by its unmasked norm', () => {
    const mask = Float32Array.from({ length: H * W }, (_, i) => Math.exp(-((Math.floor(i / W) - 4) ** 2 + ((i % W) - 7) ** 2) / 8));
    const res = synthesizeMeis(ln, [H, W, C], { norm: 3, blur: 0, steps: 80, learningRate: 0.5, neurons: [0], mask });
    const f = filterOf(0);
    const want = Float64Array.from(f, (v, i) => mask[i]! * mask[i]! * v);
    expect(cosine(rowOf(res.data, 0), want)).toBeGreaterThan(0.9999);
    // x itself has norm 3, the seen image is masked
    const xs = normalise(
      Float64Array.from(f, (v, i) => mask[i]! * v),
      3,
    );
    const seen = Float64Array.from(xs, (v, i) => v * mask[i]!);
    expect(Math.hypot(...rowOf(res.data, 0))).toBeCloseTo(Math.hypot(...seen), 3);
  });

  it('the background is the centre of the norm constraint and the fixed channels come from base', () => {
    // two channels, only channel 1 optimised; the model reads both
    const w2 = tf.tensor2d(
      Float32Array.from({ length: H * W * 2 }, (_, i) => (i % 2 === 1 ? filters[(i >> 1) * N]! : 0.5)),
      [H * W * 2, 1],
    );
    try {
      const m2: ResponseModel = (x) => tf.tidy(() => tf.softplus(tf.matMul(tf.reshape(x, [x.shape[0], H * W * 2]), w2)) as tf.Tensor2D);
      const base = Float32Array.from({ length: H * W * 2 }, (_, i) => (i % 2 === 0 ? 0.25 : 1));
      const res = synthesizeMeis(m2, [H, W, 2], { channels: [1], base, norm: 2, blur: 0, steps: 60, learningRate: 0.5 });
      expect(res.shape).toEqual([1, H, W, 1]);
      const d = Float64Array.from(res.data, (v) => v - 1);
      expect(cosine(d, filterOf(0))).toBeGreaterThan(0.9999);
      expect(Math.hypot(...d)).toBeCloseTo(2, 3);
      // the response uses channel 0 of base: softplus(Σ 0.5·0.25 + ⟨w, x⟩)
      let lin = 0;
      for (let i = 0; i < H * W; i++) lin += 0.5 * 0.25 + filters[i * N]! * res.data[i]!;
      expect(res.activations[0]).toBeCloseTo(Math.log1p(Math.exp(lin)), 3);
    } finally {
      w2.dispose();
    }
  });
});

describe('synthesizeMeis: robustness transforms, transparency, diversity, determinism', () => {
  const busy = { norm: 3, jitter: 2, crop: [8, 9] as [number, number], blur: 1, blurDecay: -0.01, steps: 25, learningRate: 0.5, seed: 4 };

  it('same seed, same MEIs; another batch size gives the same MEIs; another seed others', () => {
    const a = synthesizeMeis(ln, [H, W, C], busy);
    const b = synthesizeMeis(ln, [H, W, C], busy);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    const c = synthesizeMeis(ln, [H, W, C], { ...busy, batchSize: 1 });
    for (let i = 0; i < a.data.length; i++) expect(c.data[i]).toBeCloseTo(a.data[i]!, 4);
    const d = synthesizeMeis(ln, [H, W, C], { ...busy, seed: 5 });
    expect(Array.from(d.data)).not.toEqual(Array.from(a.data));
    // a neuron's MEI does not depend on which other neurons are synthesised
    const e = synthesizeMeis(ln, [H, W, C], { ...busy, neurons: [2] });
    for (let i = 0; i < D; i++) expect(e.data[i]).toBeCloseTo(a.data[2 * D + i]!, 4);
  });

  it('jitter and crops still find the direction of a smooth linear filter', () => {
    // a Gaussian bump: shifted and cropped views of it average to a wider bump, close to (not exactly) it
    const bump = Float32Array.from({ length: D }, (_, i) => Math.exp(-((Math.floor(i / W) - 5) ** 2 + ((i % W) - 6) ** 2) / (2 * 2.5 ** 2)));
    const b = tf.tensor2d(bump, [D, 1]);
    try {
      const m: ResponseModel = (x) => tf.tidy(() => tf.softplus(tf.matMul(tf.reshape(x, [x.shape[0], D]), b)) as tf.Tensor2D);
      const res = synthesizeMeis(m, [H, W, C], { ...busy, blur: 0, blurDecay: 0, steps: 100 });
      const c = cosine(res.data, bump);
      expect(c).toBeGreaterThan(0.9);
      expect(c).toBeLessThan(0.9999);
    } finally {
      b.dispose();
    }
  });

  it('transparency: α stays in [0, 1] and opens up where the image drives the neuron (weight 0)', () => {
    const res = expectNoLeaks(
      () => synthesizeMeis(ln, [H, W, C], { norm: 3, blur: 0, steps: 40, learningRate: 0.5, transparency: 0, neurons: [0] }),
      'transparency',
    );
    const a = res.alpha!;
    expect(a.length).toBe(H * W);
    expect(a.every((v) => v >= 0 && v <= 1)).toBe(true);
    const meanAlpha = a.reduce((s, v) => s + v, 0) / a.length;
    expect(meanAlpha).toBeGreaterThan(0.8);
    const heavy = synthesizeMeis(ln, [H, W, C], { norm: 3, blur: 0, steps: 40, learningRate: 0.5, transparency: 1.5, neurons: [0] });
    const heavyMean = heavy.alpha!.reduce((s, v) => s + v, 0) / a.length;
    expect(heavyMean).toBeLessThan(meanAlpha);
  });

  it('diverse MEIs of one neuron are pushed apart', () => {
    const opts = { norm: 3, blur: 0, steps: 40, learningRate: 0.2, perNeuron: 3, neurons: [1], initStd: 1 };
    const meanCorr = (d: Float32Array): number => {
      let s = 0;
      for (const [i, j] of [
        [0, 1],
        [0, 2],
        [1, 2],
      ] as const)
        s += cosine(centre(rowOf(d, i)), centre(rowOf(d, j)));
      return s / 3;
    };
    // a saturating neuron: many inputs drive it almost fully, so the MEIs can spread out and still drive it
    const sat: ResponseModel = (x) => tf.tidy(() => tf.sigmoid(tf.div(tf.matMul(tf.reshape(x, [x.shape[0], D]), wT), 4)) as tf.Tensor2D);
    const plain = expectNoLeaks(() => synthesizeMeis(sat, [H, W, C], { ...opts, diversity: 0 }), 'diverse');
    const diverse = synthesizeMeis(sat, [H, W, C], { ...opts, diversity: 2 });
    expect(Array.from(diverse.copies)).toEqual([0, 1, 2]);
    expect(Array.from(diverse.neurons)).toEqual([1, 1, 1]);
    expect(meanCorr(diverse.data)).toBeLessThan(meanCorr(plain.data) - 0.1);
    for (const r of diverse.activations) expect(r).toBeGreaterThan(0.9);
  });

  it('grey and image initialisations; an image init is used as given (after the constraints)', () => {
    const init = Float32Array.from(filterOf(0));
    const zeroSteps = synthesizeMeis(ln, [H, W, C], { init, norm: 2, steps: 0, neurons: [0, 1] });
    const want = normalise(init, 2);
    for (let i = 0; i < D; i++) {
      expect(zeroSteps.data[i]).toBeCloseTo(want[i]!, 5);
      expect(zeroSteps.data[D + i]).toBeCloseTo(want[i]!, 5);
    }
    const grey = synthesizeMeis(ln, [H, W, C], { init: 'grey', steps: 0 });
    expect(grey.data.every((v) => v === 0)).toBe(true);
    const greyRun = synthesizeMeis(ln, [H, W, C], { init: 'grey', norm: 3, blur: 0, steps: 40, learningRate: 0.5, neurons: [2] });
    expect(cosine(rowOf(greyRun.data, 0), filterOf(2))).toBeGreaterThan(0.9999);
  });

  it('bad inputs give typed errors naming the option', () => {
    const bad: [object, RegExp][] = [
      [{ norm: -1 }, /norm/],
      [{ range: [1, 0] }, /range/],
      [{ optimizer: 'lbfgs' }, /optimizer/],
      [{ steps: 1.5 }, /steps/],
      [{ neurons: [N] }, /neurons/],
      [{ jitter: H }, /jitter/],
      [{ crop: [H + 1, 2] }, /crop/],
      [{ mask: new Float32Array(3) }, /mask/],
      [{ mask: new Float32Array(H * W).fill(2) }, /mask/],
      [{ init: 'zeros' }, /init/],
      [{ init: new Float32Array(5) }, /init/],
      [{ base: new Float32Array(D).fill(Number.NaN) }, /base/],
      [{ fourier: 'fft' }, /fourier/],
      [{ perNeuron: 0 }, /perNeuron/],
      [{ unknown: 1 }, /unknown/],
      [{ seed: 0.5 }, /seed/],
      [{ channels: [1] }, /channels/],
      [{ learningRate: 0 }, /learningRate/],
    ];
    for (const [opts, re] of bad) {
      expect(() => synthesizeMeis(ln, [H, W, C], opts as never), JSON.stringify(opts)).toThrow(SalConfigError);
      expect(() => synthesizeMeis(ln, [H, W, C], opts as never)).toThrow(re);
    }
    expect(() => synthesizeMeis(ln, [H, W] as never)).toThrow(SalShapeError);
    expect(() => synthesizeMeis('model' as never, [H, W, C])).toThrow(TypeError);
    const wrong: ResponseModel = (x) => tf.zeros([x.shape[0] + 1, 2]);
    expect(() => synthesizeMeis(wrong, [H, W, C])).toThrow(SalShapeError);
  });

  it("the blur kernel is sinzlab/mei's: half-size max(round(σ·4), 1), normalised", () => {
    const k = gaussianKernel(0.5);
    expect(k.length).toBe(5);
    const raw = [-2, -1, 0, 1, 2].map((i) => Math.exp(-(i * i) / 0.5));
    const s = raw.reduce((a, b) => a + b, 0);
    raw.forEach((v, i) => expect(k[i]).toBeCloseTo(v / s, 6));
    expect(gaussianKernel(0.1).length).toBe(3);
  });
});

function centre(v: Float32Array): Float64Array {
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  return Float64Array.from(v, (x) => x - m);
}
