import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, createRng } from '@sal/types';
import { closeness } from '../../test-utils/src/index.js';
import {
  bottomKImages,
  gatherGrfValues,
  gradientReceptiveFields,
  hotPixels,
  predictResponses,
  summaryStats,
  topKImages,
  valueDistributions,
  type ResponseModel,
} from '../src/index.js';

describe('summaryStats', () => {
  it('hand-computed values', () => {
    const s = summaryStats([1, 2, 3, 4, NaN, 10]);
    expect(s.count).toBe(5);
    expect(s.mean).toBeCloseTo(4, 12);
    // deviations −3,−2,−1,0,6: m2 = 50/5 = 10, m4 = (81+16+1+0+1296)/5 = 278.8
    expect(s.std).toBeCloseTo(Math.sqrt(10), 12);
    expect(s.kurtosis).toBeCloseTo(278.8 / 100 - 3, 12);
    expect([s.min, s.max, s.median]).toEqual([1, 10, 3]);
    expect(s.q05).toBeCloseTo(1 + 0.2, 12); // position 0.05·4 = 0.2
    expect(s.q95).toBeCloseTo(4 + 0.8 * 6, 12); // position 3.8
    expect(s.meanAbs).toBeCloseTo(4, 12);
    expect(summaryStats([]).count).toBe(0);
  });
});

describe('valueDistributions', () => {
  it('counts on shared bins, hand-computed', () => {
    const d = valueDistributions({ top: [-1, -0.5, 0, 0.25, 1, 2], bottom: [0, 0, 0.1, -3] }, { bins: 4, range: [-1, 1] });
    expect(Array.from(d.edges)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(Array.from(d.groups.top.counts)).toEqual([1, 1, 2, 1]);
    expect(d.groups.top.above).toBe(1);
    expect(d.groups.top.below).toBe(0);
    expect(Array.from(d.groups.bottom.counts)).toEqual([0, 0, 3, 0]);
    expect(d.groups.bottom.below).toBe(1);
    expect(Array.from(d.groups.bottom.density)).toEqual([0, 0, 3 / (4 * 0.5), 0]);
    expect(d.groups.top.stats.count).toBe(6);
  });

  it('default range is symmetric ±max|value| over all groups, and all values land in a bin', () => {
    const d = valueDistributions({ a: [0.1, -0.4], b: [0.2, 0.3] }, { bins: 8 });
    expect(d.edges[0]).toBeCloseTo(-0.4, 7);
    expect(d.edges[8]).toBeCloseTo(0.4, 7);
    const total = (g: { counts: Int32Array }) => g.counts.reduce((s, c) => s + c, 0);
    expect(total(d.groups.a) + total(d.groups.b)).toBe(4);
    expect(() => valueDistributions({ a: [1] }, { range: [1, 1] })).toThrow(SalConfigError);
  });
});

describe('gatherGrfValues', () => {
  it("concatenates one neuron's gRFs on the chosen images", () => {
    // [2 neurons, 3 images, 1, 2]
    const grf = { data: Float32Array.from({ length: 12 }, (_, i) => i), shape: [2, 3, 1, 2] };
    expect(Array.from(gatherGrfValues(grf, 1, [2, 0]))).toEqual([10, 11, 6, 7]);
    expect(() => gatherGrfValues(grf, 0, [3])).toThrow(SalShapeError);
  });
});

describe('hotPixels', () => {
  it('per-neuron top pixels pooled into a mask, hand-made case', () => {
    // 2 neurons, 2 images, 2×3 pixels
    const n0i1 = [0, -5, 1, 0.5, 0, 4];
    const n1i1 = [3, 0, 0, 0, -0.1, 0];
    const data = new Float32Array(2 * 2 * 6);
    data.set(n0i1, (0 * 2 + 1) * 6);
    data.set(n1i1, (1 * 2 + 1) * 6);
    const grf = { data, shape: [2, 2, 2, 3] };
    const hp = hotPixels(grf, 1, { fraction: 2 / 6 });
    expect(hp.perNeuron.map((a) => Array.from(a))).toEqual([
      [1, 5],
      [0, 4],
    ]);
    expect(Array.from(hp.indices)).toEqual([0, 1, 4, 5]);
    expect(Array.from(hp.mask)).toEqual([1, 1, 0, 0, 1, 1]);
    const pos = hotPixels(grf, 1, { fraction: 1 / 6, score: 'positive', neurons: [0] });
    expect(Array.from(pos.indices)).toEqual([5]);
    const neg = hotPixels(grf, 1, { fraction: 1 / 6, score: 'negative' });
    expect(neg.perNeuron.map((a) => Array.from(a))).toEqual([[1], [4]]);
    expect(() => hotPixels(grf, 2)).toThrow(SalConfigError);
  });
});

describe('value distributions of gRFs on the top-k vs bottom-k images', () => {
  it('follow the analytic gRF of softplus(w·x): sigmoid(w·x)·w', () => {
    const h = 6,
      w = 5,
      m = 12,
      k = 3;
    const rng = createRng(8);
    const wv = Float32Array.from({ length: h * w }, () => rng.normal());
    const wt = tf.tensor2d(wv, [h * w, 1]);
    const model: ResponseModel = (x) => tf.tidy(() => tf.softplus(tf.matMul(tf.reshape(x, [x.shape[0], h * w]), wt)) as tf.Tensor2D);
    const data = Float32Array.from({ length: m * h * w }, () => rng.normal());
    const imgs = { data, shape: [m, h, w, 1] as const };
    const grf = gradientReceptiveFields(model, imgs);
    const resp = predictResponses(model, imgs);
    const top = topKImages(resp, k),
      bottom = bottomKImages(resp, k);
    const d = valueDistributions({ top: gatherGrfValues(grf, 0, top.indices), bottom: gatherGrfValues(grf, 0, bottom.indices) }, { bins: 10 });
    const a = (i: number) => {
      let s = 0;
      for (let q = 0; q < h * w; q++) s += wv[q]! * data[i * h * w + q]!;
      return s;
    };
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    let meanAbsW = 0;
    for (const v of wv) meanAbsW += Math.abs(v) / wv.length;
    const want = (idx: Int32Array) => (Array.from(idx).reduce((s, i) => s + sig(a(i)), 0) / idx.length) * meanAbsW;
    expect(closeness([d.groups.top.stats.meanAbs], [want(top.indices)], 1e-4, 1e-6)).toBeLessThan(1);
    expect(closeness([d.groups.bottom.stats.meanAbs], [want(bottom.indices)], 1e-4, 1e-6)).toBeLessThan(1);
    expect(d.groups.top.stats.meanAbs).toBeGreaterThan(d.groups.bottom.stats.meanAbs);
    expect(d.groups.top.stats.count).toBe(k * h * w);
    wt.dispose();
  });
});
