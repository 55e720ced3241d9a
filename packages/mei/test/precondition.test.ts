/** The preconditioners applied directly, against brute-force loops (reference.ts), several images and channels. */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, createRng } from '@sal/types';
import { expectArraysClose, expectNoLeaks } from '@sal/test-utils';
import { fourierFilter, fourierMask, gaussianBlur, fftFreq } from '../src/index.js';
import { bruteBlur, bruteFourier } from './reference.js';

const B = 2,
  H = 7,
  W = 9,
  C = 2;
const rng = createRng(3);
const data = Float32Array.from({ length: B * H * W * C }, () => rng.normal());
const plane = (b: number, c: number): Float64Array => Float64Array.from({ length: H * W }, (_, q) => data[(b * H * W + q) * C + c]!);

function check(apply: (x: tf.Tensor4D) => tf.Tensor4D, ref: (img: Float64Array) => Float64Array): void {
  const out = expectNoLeaks(
    () =>
      tf.tidy(() => {
        const y = apply(tf.tensor4d(data, [B, H, W, C]));
        return y.dataSync() as Float32Array;
      }),
    'preconditioner',
  );
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const want = ref(plane(b, c));
      const got = Float64Array.from({ length: H * W }, (_, q) => out[(b * H * W + q) * C + c]!);
      expectArraysClose(got, want, 1e-4, 1e-5);
    }
  }
}

describe('preconditioners', () => {
  it('gaussianBlur equals the direct 2-d sum with reflect borders', () => {
    check(
      (x) => gaussianBlur(x, 1.2),
      (img) => bruteBlur(img, H, W, 1.2, 4),
    );
    check(
      (x) => gaussianBlur(x, 0.4, 3),
      (img) => bruteBlur(img, H, W, 0.4, 3),
    );
  });

  it('gaussianBlur with σ = 0 is the identity; bad arguments are typed errors', () => {
    check(
      (x) => gaussianBlur(x, 0),
      (img) => img,
    );
    expect(() => gaussianBlur(tf.zeros([2, 2]) as never, 1)).toThrow(SalShapeError);
    expect(() => tf.tidy(() => gaussianBlur(tf.zeros([1, 3, 3, 1]), -1))).toThrow(SalConfigError);
  });

  it('fourierFilter equals the defining DFT double sums with the mask formula', () => {
    for (const [kind, e] of [
      ['smoothing', 1.5],
      ['powerLaw', 1],
      ['powerLaw', 0],
    ] as const) {
      check(
        (x) => fourierFilter(x, fourierMask(H, W, kind, e)),
        (img) => {
          const r = bruteFourier(img, H, W, kind, e);
          if (kind === 'smoothing') return r;
          // powerLaw masks are normalised to mean 1: rescale the reference the same way
          let s = 0;
          for (let u = 0; u < H; u++) for (let v = 0; v < W; v++) s += Math.max(Math.hypot(fftFreq(H)[u]!, fftFreq(W)[v]!), 1 / W) ** -e;
          return Float64Array.from(r, (v) => (v * H * W) / s);
        },
      );
    }
    expect(() => tf.tidy(() => fourierFilter(tf.zeros([1, 3, 3, 1]), new Float64Array(4)))).toThrow(SalConfigError);
  });

  it('fftFreq is numpy.fft.fftfreq', () => {
    expect(Array.from(fftFreq(5))).toEqual([0, 0.2, 0.4, -0.4, -0.2]);
    expect(Array.from(fftFreq(4))).toEqual([0, 0.25, -0.5, -0.25]);
  });
});
