import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError } from '@sal/types';
import { closeness, expectNoLeaks, expectNoLeaksAsync, finiteDifferenceGrad, onBackend, relativeError, sampleIndices } from '../../test-utils/src/index.js';
import { gradientReceptiveFieldChunks, gradientReceptiveFields, predictResponses, type GrfChunk } from '../src/index.js';
import { linearModel, randn, smoothModel, tinyConvModel } from './models.js';

const H = 7,
  W = 6;

describe('gradientReceptiveFields: plain gradients', () => {
  it('match central finite differences of a tiny conv + readout model (both channels)', () => {
    const B = 3,
      C = 2,
      N = 4;
    const { model, dispose } = tinyConvModel(H, W, C, 3, N, 11);
    const data = randn(B * H * W * C, 5);
    const grf = gradientReceptiveFields(model, { data, shape: [B, H, W, C] }, { channels: [0, 1], batchSize: 2 });
    expect(grf.shape).toEqual([N, B, H, W, C]);
    const x = tf.tensor4d(data, [B, H, W, C]);
    const per = H * W * C;
    for (const n of [0, 3]) {
      for (const i of [0, 2]) {
        // f = response of neuron n to image i, as a function of the whole batch input.
        const f = (t: tf.Tensor) => tf.slice(model(t as tf.Tensor4D), [i, n], [1, 1]);
        const idx = sampleIndices(per, 12, 3 + n + i).map((q) => i * per + q);
        const fd = finiteDifferenceGrad(f, x, { indices: idx, eps: 1e-2 });
        const got = idx.map((q) => grf.data[(n * B + i) * per + (q - i * per)]!);
        expect(closeness(got, fd, 1e-2, 2e-5)).toBeLessThan(1);
        // Scale-free: ‖gRF − FD‖ / ‖FD‖.
        expect(relativeError(got, fd)).toBeLessThan(1e-2);
      }
    }
    x.dispose();
    dispose();
  });

  it('equal the cpu backend', async () => {
    const B = 2,
      C = 1,
      N = 3;
    const data = randn(B * H * W * C, 9);
    const run = () => {
      const { model, dispose } = tinyConvModel(H, W, C, 2, N, 4);
      try {
        return gradientReceptiveFields(model, { data, shape: [B, H, W, C] });
      } finally {
        dispose();
      }
    };
    const here = run();
    const ref = await onBackend('cpu', run);
    expect(closeness(here.data, ref.data, 1e-4, 1e-6)).toBeLessThan(1);
  });

  it('equal the analytic weight map for a linear model, for every image', () => {
    const B = 5,
      C = 2,
      N = 3;
    const weights = randn(N * H * W * C, 21);
    const { model, dispose } = linearModel(weights, H, W, C, N);
    const images = tf.tensor4d(randn(B * H * W * C, 22), [B, H, W, C]);
    const g0 = gradientReceptiveFields(model, images, { batchSize: 2 });
    const g1 = gradientReceptiveFields(model, images, { channels: [1], neurons: [2, 0] });
    expect(g0.shape).toEqual([N, B, H, W]);
    expect(g1.shape).toEqual([2, B, H, W]);
    expect(g1.neurons).toEqual([2, 0]);
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < B; i++) {
        const want0 = Float32Array.from({ length: H * W }, (_, q) => weights[(n * H * W + q) * C]!);
        expect(closeness(g0.data.subarray((n * B + i) * H * W, (n * B + i + 1) * H * W), want0, 1e-6, 1e-7)).toBeLessThan(1);
      }
    }
    for (const [k, n] of [
      [0, 2],
      [1, 0],
    ] as const) {
      const want1 = Float32Array.from({ length: H * W }, (_, q) => weights[(n * H * W + q) * C + 1]!);
      for (let i = 0; i < B; i++) {
        expect(closeness(g1.data.subarray((k * B + i) * H * W, (k * B + i + 1) * H * W), want1, 1e-6, 1e-7)).toBeLessThan(1);
      }
    }
    images.dispose();
    dispose();
  });

  it('batched equals one image at a time, and a tensor input equals the CPU input', () => {
    const B = 5,
      C = 2,
      N = 3;
    const { model, dispose } = tinyConvModel(H, W, C, 3, N, 31);
    const data = randn(B * H * W * C, 32);
    const batched = gradientReceptiveFields(model, { data, shape: [B, H, W, C] }, { batchSize: 3, neurons: [1, 2] });
    const t = tf.tensor4d(data, [B, H, W, C]);
    const fromTensor = gradientReceptiveFields(model, t, { batchSize: 5, neurons: [1, 2] });
    t.dispose();
    expect(closeness(fromTensor.data, batched.data, 1e-5, 1e-7)).toBeLessThan(1);
    const per = H * W * C;
    for (let i = 0; i < B; i++) {
      const one = gradientReceptiveFields(model, { data: data.slice(i * per, (i + 1) * per), shape: [1, H, W, C] }, { neurons: [1, 2] });
      for (let k = 0; k < 2; k++) {
        const got = batched.data.subarray((k * B + i) * H * W, (k * B + i + 1) * H * W);
        expect(closeness(got, one.data.subarray(k * H * W, (k + 1) * H * W), 1e-5, 1e-7)).toBeLessThan(1);
      }
    }
    dispose();
  });

  it('streams chunks that assemble to the full result, reporting progress', async () => {
    const B = 7,
      C = 1,
      N = 2;
    const { model, dispose } = tinyConvModel(H, W, C, 2, N, 41);
    const data = randn(B * H * W * C, 42);
    const full = gradientReceptiveFields(model, { data, shape: [B, H, W, C] });
    const progress: [number, number][] = [];
    const chunks: GrfChunk[] = [];
    for await (const c of gradientReceptiveFieldChunks(model, { data, shape: [B, H, W, C] }, { batchSize: 3, onProgress: (d, t) => progress.push([d, t]) }))
      chunks.push(c);
    expect(chunks.map((c) => [c.imageStart, c.imageCount])).toEqual([
      [0, 3],
      [3, 3],
      [6, 1],
    ]);
    expect(progress).toEqual([
      [6, 14],
      [12, 14],
      [14, 14],
    ]);
    for (const c of chunks) {
      expect(c.shape).toEqual([N, c.imageCount, H, W]);
      for (let k = 0; k < N; k++) {
        const want = full.data.subarray((k * B + c.imageStart) * H * W, (k * B + c.imageStart + c.imageCount) * H * W);
        expect(closeness(c.data.subarray(k * c.imageCount * H * W, (k + 1) * c.imageCount * H * W), want, 1e-6, 1e-8)).toBeLessThan(1);
      }
    }
    dispose();
  });

  it('leak no tensors (sync, streaming, predictions)', async () => {
    const B = 4,
      C = 2;
    const { model, dispose } = tinyConvModel(H, W, C, 2, 3, 51);
    const images = tf.tensor4d(randn(B * H * W * C, 52), [B, H, W, C]);
    expectNoLeaks(() => gradientReceptiveFields(model, images, { batchSize: 3 }), 'gradientReceptiveFields');
    expectNoLeaks(() => gradientReceptiveFields(model, images, { method: 'smoothgrad', samples: 2, channels: [1, 0] }), 'smoothgrad');
    expectNoLeaks(() => gradientReceptiveFields(model, images, { method: 'integrated', steps: 3 }), 'integrated');
    expectNoLeaks(() => predictResponses(model, images, { batchSize: 3 }), 'predictResponses');
    await expectNoLeaksAsync(async () => {
      for await (const c of gradientReceptiveFieldChunks(model, images, { batchSize: 3 })) expect(c.data.length).toBeGreaterThan(0);
    }, 'gradientReceptiveFieldChunks');
    expect(images.isDisposed).toBe(false);
    images.dispose();
    dispose();
  });

  it('reject bad arguments with typed errors', () => {
    const { model, dispose } = linearModel(randn(H * W, 1), H, W, 1, 1);
    const imgs = { data: new Float32Array(2 * H * W), shape: [2, H, W, 1] as const };
    expect(() => gradientReceptiveFields(model, imgs, { channels: [1] })).toThrow(SalConfigError);
    expect(() => gradientReceptiveFields(model, imgs, { neurons: [1] })).toThrow(SalConfigError);
    expect(() => gradientReceptiveFields(model, imgs, { batchSize: 0 })).toThrow(SalConfigError);
    expect(() => gradientReceptiveFields(model, imgs, { method: 'magic' as never })).toThrow(SalConfigError);
    expect(() => gradientReceptiveFields(model, imgs, { bogus: 1 } as never)).toThrow(SalConfigError);
    expect(() => gradientReceptiveFields(model, imgs, { method: 'integrated', baseline: new Float32Array(3) })).toThrow(SalConfigError);
    expect(() => gradientReceptiveFields(model, { data: new Float32Array(5), shape: [2, H, W, 1] })).toThrow(SalShapeError);
    expect(() => gradientReceptiveFields(model, 'x' as never)).toThrow(TypeError);
    dispose();
  });
});

describe('gradientReceptiveFields: SmoothGrad and integrated gradients', () => {
  it('SmoothGrad with noise 0 equals the plain gRF', () => {
    const B = 3,
      C = 2;
    const { model, dispose } = tinyConvModel(H, W, C, 3, 2, 61);
    const imgs = { data: randn(B * H * W * C, 62), shape: [B, H, W, C] as const };
    const plain = gradientReceptiveFields(model, imgs, { channels: [0, 1] });
    const sg = gradientReceptiveFields(model, imgs, { channels: [0, 1], method: 'smoothgrad', noise: 0, samples: 3 });
    expect(closeness(sg.data, plain.data, 1e-5, 1e-7)).toBeLessThan(1);
    dispose();
  });

  it('SmoothGrad of a linear model is its weight map whatever the noise', () => {
    const weights = randn(2 * H * W, 63);
    const { model, dispose } = linearModel(weights, H, W, 1, 2);
    const sg = gradientReceptiveFields(model, { data: randn(2 * H * W, 64), shape: [2, H, W, 1] }, { method: 'smoothgrad', noise: 0.5, samples: 4 });
    for (let n = 0; n < 2; n++)
      for (let i = 0; i < 2; i++) {
        expect(
          closeness(sg.data.subarray((n * 2 + i) * H * W, (n * 2 + i + 1) * H * W), weights.subarray(n * H * W, (n + 1) * H * W), 1e-5, 1e-6),
        ).toBeLessThan(1);
      }
    dispose();
  });

  it('SmoothGrad: same seed, same result (whatever the batch size); another seed differs', () => {
    const B = 4,
      C = 1;
    const { model, dispose } = tinyConvModel(H, W, C, 3, 2, 71);
    const imgs = { data: randn(B * H * W * C, 72), shape: [B, H, W, C] as const };
    const a = gradientReceptiveFields(model, imgs, { method: 'smoothgrad', samples: 5, seed: 3, batchSize: 4 });
    const b = gradientReceptiveFields(model, imgs, { method: 'smoothgrad', samples: 5, seed: 3, batchSize: 4 });
    const c = gradientReceptiveFields(model, imgs, { method: 'smoothgrad', samples: 5, seed: 3, batchSize: 1 });
    const d = gradientReceptiveFields(model, imgs, { method: 'smoothgrad', samples: 5, seed: 4, batchSize: 4 });
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(closeness(c.data, a.data, 1e-5, 1e-7)).toBeLessThan(1);
    expect(closeness(d.data, a.data, 1e-3, 1e-5)).toBeGreaterThan(1);
    dispose();
  });

  it('integrated gradients satisfy completeness: Σ attributions ≈ f(x) − f(baseline)', () => {
    const B = 3,
      C = 2,
      N = 3;
    const { model, dispose } = smoothModel(H, W, C, N, 81);
    const data = randn(B * H * W * C, 82);
    const imgs = { data, shape: [B, H, W, C] as const };
    const fx = predictResponses(model, imgs);
    // Baseline of channel 0 only: per image, random; channel 1 stays at the image's values.
    const base = randn(B * H * W, 83, 0.3);
    const ig = gradientReceptiveFields(model, imgs, { method: 'integrated', steps: 64, baseline: base, batchSize: 2 });
    const atBase = data.slice();
    for (let q = 0; q < B * H * W; q++) atBase[q * C] = base[q]!;
    const fb = predictResponses(model, { data: atBase, shape: [B, H, W, C] });
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < B; i++) {
        let s = 0;
        for (let q = 0; q < H * W; q++) s += ig.data[(n * B + i) * H * W + q]!;
        const want = fx.data[i * N + n]! - fb.data[i * N + n]!;
        expect(Math.abs(s - want)).toBeLessThan(2e-3 * Math.max(1, Math.abs(want)));
      }
    }
    // A constant baseline on both channels.
    const ig0 = gradientReceptiveFields(model, imgs, { method: 'integrated', steps: 64, baseline: 0, channels: [0, 1] });
    const f0 = predictResponses(model, { data: new Float32Array(data.length), shape: [B, H, W, C] });
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < B; i++) {
        let s = 0;
        for (let q = 0; q < H * W * C; q++) s += ig0.data[(n * B + i) * H * W * C + q]!;
        const want = fx.data[i * N + n]! - f0.data[i * N + n]!;
        expect(Math.abs(s - want)).toBeLessThan(2e-3 * Math.max(1, Math.abs(want)));
      }
    }
    dispose();
  });

  it('integrated gradients of a linear model are (x − baseline) ⊙ W', () => {
    const weights = randn(H * W, 91);
    const { model, dispose } = linearModel(weights, H, W, 1, 1);
    const data = randn(H * W, 92);
    const base = randn(H * W, 93);
    const ig = gradientReceptiveFields(model, { data, shape: [1, H, W, 1] }, { method: 'integrated', steps: 1, baseline: base });
    const want = Float32Array.from(weights, (wv, q) => wv * (data[q]! - base[q]!));
    expect(closeness(ig.data, want, 1e-5, 1e-6)).toBeLessThan(1);
    dispose();
  });
});
