import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, type WindowedResponseModel } from '@sal/types';
import { expectArraysClose, expectNoLeaks } from '../../test-utils/src/index.js';
import { gradientReceptiveFields, windowedGradientReceptiveFields } from '../src/index.js';
import { randn } from './models.js';

/**
 * A local model written with plain ops: two 3×3 'same' convs with ELU (receptive radius 2), each neuron reading
 * bilinearly at its own fixed point (input pixels) a weighted sum of the features, ELU + 1. Channel `c − 1`
 * does not feed the convs, so the model does not list it among its window channels.
 * Windows: 2r + 2 = 6 pixels, held inside the image, evaluated with the same convs on the crop.
 */
function localModel(c: number, n: number, points: number[], seed: number): { model: WindowedResponseModel; dispose: () => void } {
  const f = 3;
  const k1 = tf.tensor4d(randn(9 * (c - 1) * f, seed, 0.5), [3, 3, c - 1, f]);
  const k2 = tf.tensor4d(randn(9 * f * f, seed + 1, 0.4), [3, 3, f, f]);
  const fw = tf.tensor2d(randn(f * n, seed + 2, 0.7), [n, f]);
  const r = 2;
  const side = 2 * r + 2;
  const features = (x: tf.Tensor4D): tf.Tensor4D => {
    const core = tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, c - 1]);
    return tf.elu(tf.conv2d(tf.elu(tf.conv2d(core, k1, 1, 'same')), k2, 1, 'same'));
  };
  /** Bilinear weight map [P, h, w] of points (x, y), zero padding. */
  const weightMap = (pos: ArrayLike<number>, p: number, h: number, w: number): tf.Tensor3D => {
    const m = new Float32Array(p * h * w);
    for (let q = 0; q < p; q++) {
      const px = pos[2 * q]!,
        py = pos[2 * q + 1]!;
      const x0 = Math.floor(px),
        y0 = Math.floor(py);
      for (const [dy, dx] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ] as const) {
        const yi = y0 + dy,
          xi = x0 + dx;
        if (yi < 0 || xi < 0 || yi >= h || xi >= w) continue;
        m[(q * h + yi) * w + xi] = (dx ? px - x0 : 1 - px + x0) * (dy ? py - y0 : 1 - py + y0);
      }
    }
    return tf.tensor3d(m, [p, h, w]);
  };
  const model: WindowedResponseModel = {
    outDims: n,
    windowChannels: Array.from({ length: c - 1 }, (_, i) => i),
    predict: (x) =>
      tf.tidy(() => {
        const [b, h, w] = x.shape;
        const feats = features(x); // [B,h,w,F]
        const cols: tf.Tensor[] = [];
        for (let j = 0; j < n; j++) {
          const wm = weightMap(
            Array.from({ length: 2 * b }, (_, q) => points[2 * j + (q % 2)]!),
            b,
            h,
            w,
          );
          const v = tf.sum(tf.mul(tf.sum(tf.mul(feats, tf.reshape(tf.slice(fw, [j, 0], [1, f]), [1, 1, 1, f])), 3), wm), [1, 2]);
          cols.push(v);
        }
        return tf.add(tf.elu(tf.stack(cols, 1)), 1) as tf.Tensor2D;
      }),
    positions: (x) => Float64Array.from({ length: x.shape[0] * n * 2 }, (_, q) => points[q % (2 * n)]!),
    windowSize: ([h, w]) => [Math.min(side, h), Math.min(side, w)],
    windowOrigin: (x, y, [h, w]) => [
      Math.min(Math.max(Math.floor(y) - r, 0), h - Math.min(side, h)),
      Math.min(Math.max(Math.floor(x) - r, 0), w - Math.min(side, w)),
    ],
    respondAt: (windows, { origins }, neurons, positions) =>
      tf.tidy(() => {
        const [p, sh, sw] = windows.shape;
        const rel = Float64Array.from(positions, (v, q) => v - origins[q % 2 === 0 ? q + 1 : q - 1]!);
        const feats = features(windows);
        const weights = tf.reshape(tf.gather(fw, tf.tensor1d(neurons, 'int32')), [p, 1, 1, f]);
        const y = tf.sum(tf.mul(tf.sum(tf.mul(feats, weights), 3), weightMap(rel, p, sh, sw)), [1, 2]);
        return tf.add(tf.elu(y), 1) as tf.Tensor1D;
      }),
  };
  return { model, dispose: () => tf.dispose([k1, k2, fw]) };
}

describe('windowedGradientReceptiveFields', () => {
  const H = 11,
    W = 13,
    N = 6;
  // corners, edges, the interior, a point half a pixel outside
  const points = [0, 0, 12, 10, 0.4, 5.5, 6.25, 10, 6.5, 4.75, -0.5, 3.2];

  it('equals the full-image gradients (several channels, neurons at corners and edges, any pass size)', () => {
    const B = 3,
      C = 3;
    const { model, dispose } = localModel(C, N, points, 4);
    const images = { data: randn(B * H * W * C, 9), shape: [B, H, W, C] as [number, number, number, number] };
    const want = gradientReceptiveFields(model.predict, images, { channels: [1, 0] });
    for (const pairsPerPass of [1, 5, 100, null]) {
      const got = expectNoLeaks(() => windowedGradientReceptiveFields(model, images, { channels: [1, 0], pairsPerPass, batchSize: 2 }), 'windowed');
      expect(got.shape).toEqual([N, B, H, W, 2]);
      expect(got.windowSize).toEqual([6, 6]);
      expect(got.passes).toBe(pairsPerPass === null ? 1 : Math.ceil((B * N) / pairsPerPass));
      expectArraysClose(got.data, want.data, 1e-4, 1e-6);
    }
    // neurons subset, one channel, a tensor input, progress reports
    const x = tf.tensor4d(images.data, images.shape);
    const seen: [number, number][] = [];
    const sub = windowedGradientReceptiveFields(model, x, { neurons: [5, 0], pairsPerPass: 4, onProgress: (d, t) => seen.push([d, t]) });
    const wantSub = gradientReceptiveFields(model.predict, x, { neurons: [5, 0] });
    expect(sub.shape).toEqual([2, B, H, W]);
    expect(sub.neurons).toEqual([5, 0]);
    expectArraysClose(sub.data, wantSub.data, 1e-4, 1e-6);
    expect(seen).toEqual([
      [4, 6],
      [6, 6],
    ]);
    x.dispose();
    dispose();
  });

  it('windows as large as the image', () => {
    const { model, dispose } = localModel(
      2,
      N,
      points.map((v) => Math.min(v, 4)),
      5,
    );
    const images = { data: randn(2 * 5 * 5 * 2, 1), shape: [2, 5, 5, 2] as [number, number, number, number] };
    const got = windowedGradientReceptiveFields(model, images);
    expect(got.windowSize).toEqual([5, 5]);
    expectArraysClose(got.data, gradientReceptiveFields(model.predict, images).data, 1e-4, 1e-6);
    dispose();
  });

  it('refuses channels outside windowChannels and bad options, with typed errors', () => {
    const { model, dispose } = localModel(2, N, points, 4);
    const images = { data: randn(H * W * 2, 9), shape: [1, H, W, 2] as [number, number, number, number] };
    expect(() => windowedGradientReceptiveFields(model, images, { channels: [1] })).toThrow(SalConfigError);
    expect(() => windowedGradientReceptiveFields(model, images, { channels: [1] })).toThrow(/only through the core/);
    expect(() => windowedGradientReceptiveFields(model, images, { pairsPerPass: 0 })).toThrow(SalConfigError);
    expect(() => windowedGradientReceptiveFields(model, images, { neurons: [N] })).toThrow(SalConfigError);
    expect(() => windowedGradientReceptiveFields(model, images, { bogus: 1 } as never)).toThrow(SalConfigError);
    expect(() => windowedGradientReceptiveFields({} as WindowedResponseModel, images)).toThrow(TypeError);
    dispose();
  });
});
