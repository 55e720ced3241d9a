/** Small differentiable response models written with tf ops, shared by the tests. */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@sal/types';
import type { ResponseModel } from '../src/index.js';

export function randn(n: number, seed: number, scale = 1): Float32Array {
  const r = createRng(seed);
  return Float32Array.from({ length: n }, () => r.normal() * scale);
}

/** A tiny core + readout: conv 3×3 (C→F, same) + ELU, dense readout over the flattened map, ELU + 1. */
export function tinyConvModel(h: number, w: number, c: number, f: number, n: number, seed: number): { model: ResponseModel; dispose: () => void } {
  const kernel = tf.tensor4d(randn(9 * c * f, seed, 0.5), [3, 3, c, f]);
  const readout = tf.tensor2d(randn(h * w * f * n, seed + 1, 0.2), [h * w * f, n]);
  const bias = tf.tensor1d(randn(n, seed + 2, 0.1));
  const model: ResponseModel = (x) =>
    tf.tidy(() => {
      const feat = tf.elu(tf.conv2d(x, kernel, 1, 'same'));
      const flat = tf.reshape(feat, [x.shape[0], h * w * f]);
      return tf.add(tf.elu(tf.add(tf.matMul(flat, readout), bias)), 1) as tf.Tensor2D;
    });
  return { model, dispose: () => tf.dispose([kernel, readout, bias]) };
}

/** A linear model: r_n = Σ_{p,c} W[n,p,c]·x[p,c] + b_n. Its gRF is W[n] for every image. */
export function linearModel(weights: Float32Array, h: number, w: number, c: number, n: number): { model: ResponseModel; dispose: () => void } {
  // weights laid out [n, h, w, c]; as a matrix [h·w·c, n].
  const wt = tf.tidy(() => tf.transpose(tf.tensor2d(weights, [n, h * w * c])));
  const b = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => 0.1 * i));
  const model: ResponseModel = (x) => tf.tidy(() => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], h * w * c]), wt), b) as tf.Tensor2D);
  return { model, dispose: () => tf.dispose([wt, b]) };
}

/** A smooth nonlinear model: tanh(conv) then softplus(dense) — infinitely differentiable. */
export function smoothModel(h: number, w: number, c: number, n: number, seed: number): { model: ResponseModel; dispose: () => void } {
  const kernel = tf.tensor4d(randn(9 * c * 3, seed, 0.6), [3, 3, c, 3]);
  const readout = tf.tensor2d(randn(h * w * 3 * n, seed + 1, 0.3), [h * w * 3, n]);
  const model: ResponseModel = (x) =>
    tf.tidy(() => {
      const feat = tf.tanh(tf.conv2d(x, kernel, 1, 'same'));
      return tf.softplus(tf.matMul(tf.reshape(feat, [x.shape[0], h * w * 3]), readout)) as tf.Tensor2D;
    });
  return { model, dispose: () => tf.dispose([kernel, readout]) };
}

/**
 * A model with Gaussian receptive fields whose centres move toward each image's salient point by `alpha`
 * (alpha = 0: they never move). Input `[B,S,S,2]`: channel 0 the image, channel 1 a map whose centre of mass
 * is the salient point. Neuron n has base centre `centres[n]` and response r = a²/2 + a', with
 * a = Σ G(p; c)·x, a' = Σ G(p; c + offset)·x, so ∂r/∂x = a·G + G' and the gRF's centre also jitters with the
 * image content, independently of saliency.
 */
export function saliencyShiftModel(
  size: number,
  centres: readonly (readonly [number, number])[],
  alpha: number,
  sigma = 2.5,
  offset: readonly [number, number] = [3, 0],
): { model: ResponseModel; dispose: () => void } {
  const n = centres.length;
  const px = new Float32Array(size * size),
    py = new Float32Array(size * size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      px[y * size + x] = x;
      py[y * size + x] = y;
    }
  const gx = tf.tensor1d(px),
    gy = tf.tensor1d(py);
  const base = tf.tensor2d(
    centres.flatMap((c) => [c[0], c[1]]),
    [n, 2],
  );
  const model: ResponseModel = (x) =>
    tf.tidy(() => {
      const b = x.shape[0];
      const img = tf.reshape(tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 1]), [b, size * size]);
      const sal = tf.reshape(tf.slice(x, [0, 0, 0, 1], [-1, -1, -1, 1]), [b, size * size]);
      const total = tf.sum(sal, 1);
      const sx = tf.div(tf.sum(tf.mul(sal, gx), 1), total); // [B]
      const sy = tf.div(tf.sum(tf.mul(sal, gy), 1), total);
      const s = tf.stack([sx, sy], 1); // [B,2]
      // c[b,n] = base[n] + alpha (s[b] − base[n])
      const c = tf.add(tf.expandDims(base, 0), tf.mul(alpha, tf.sub(tf.expandDims(s, 1), tf.expandDims(base, 0)))); // [B,N,2]
      const gauss = (cx: tf.Tensor, cy: tf.Tensor): tf.Tensor => {
        const dx = tf.sub(tf.reshape(gx, [1, 1, size * size]), tf.expandDims(cx, 2));
        const dy = tf.sub(tf.reshape(gy, [1, 1, size * size]), tf.expandDims(cy, 2));
        return tf.exp(tf.div(tf.add(tf.square(dx), tf.square(dy)), -2 * sigma * sigma)); // [B,N,P]
      };
      const cx = tf.reshape(tf.slice(c, [0, 0, 0], [-1, -1, 1]), [b, n]);
      const cy = tf.reshape(tf.slice(c, [0, 0, 1], [-1, -1, 1]), [b, n]);
      const g = gauss(cx, cy);
      const g2 = gauss(tf.add(cx, offset[0]), tf.add(cy, offset[1]));
      const imgE = tf.expandDims(img, 1); // [B,1,P]
      const a = tf.sum(tf.mul(g, imgE), 2);
      const a2 = tf.sum(tf.mul(g2, imgE), 2);
      return tf.add(tf.mul(0.5, tf.square(a)), a2) as tf.Tensor2D;
    });
  return { model, dispose: () => tf.dispose([gx, gy, base]) };
}

/**
 * Two 3×3 convolutions (C→F→F, same padding, ELU) read out at one pixel per neuron: neuron n's response is
 * Σ_f v[n,f]·feature[y_n, x_n, f]. Its gRF is exactly zero outside the 5×5 window around (x_n, y_n).
 */
export function pointReadoutModel(
  h: number,
  w: number,
  c: number,
  f: number,
  positions: readonly (readonly [number, number])[],
  seed: number,
): { model: ResponseModel; dispose: () => void } {
  const k1 = tf.tensor4d(randn(9 * c * f, seed, 0.5), [3, 3, c, f]);
  const k2 = tf.tensor4d(randn(9 * f * f, seed + 1, 0.4), [3, 3, f, f]);
  const n = positions.length;
  const v = randn(n * f, seed + 2, 1);
  const ro = new Float32Array(h * w * f * n);
  positions.forEach(([x, y], j) => {
    for (let q = 0; q < f; q++) ro[((y * w + x) * f + q) * n + j] = v[j * f + q]!;
  });
  const readout = tf.tensor2d(ro, [h * w * f, n]);
  const model: ResponseModel = (x) =>
    tf.tidy(() => {
      const feat = tf.elu(tf.conv2d(tf.elu(tf.conv2d(x, k1, 1, 'same')), k2, 1, 'same'));
      return tf.matMul(tf.reshape(feat, [x.shape[0], h * w * f]), readout) as tf.Tensor2D;
    });
  return { model, dispose: () => tf.dispose([k1, k2, readout]) };
}

/** `[neurons, h·w]` masks of the (2r+1)² windows around each position, clipped to the image. */
export function windowMasks(h: number, w: number, positions: readonly (readonly [number, number])[], r: number): Uint8Array {
  const m = new Uint8Array(positions.length * h * w);
  positions.forEach(([px, py], j) => {
    for (let y = Math.max(0, py - r); y <= Math.min(h - 1, py + r); y++) {
      for (let x = Math.max(0, px - r); x <= Math.min(w - 1, px + r); x++) m[j * h * w + y * w + x] = 1;
    }
  });
  return m;
}
