/** Test helpers: seeded tensors and plain-JS reference implementations (loops, float64). */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@sal/types';

export function randn(shape: number[], seed: number, scale = 1): tf.Tensor {
  const r = createRng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal() * scale), shape);
}

export function randValues(n: number, seed: number, scale = 1): Float32Array {
  const r = createRng(seed);
  return Float32Array.from({ length: n }, () => r.normal() * scale);
}

/** NHWC array with its shape. */
export interface Arr { data: Float64Array; shape: [number, number, number, number] }

export const arr = (t: tf.Tensor): Arr => ({ data: Float64Array.from(t.dataSync()), shape: t.shape as Arr['shape'] });
export const idx = (s: Arr['shape'], b: number, i: number, j: number, c: number): number => ((b * s[1] + i) * s[2] + j) * s[3] + c;

/** Plain cross-correlation, stride 1, zero padding `pad`; kernel `[kh,kw,in,out]` as a flat array. */
export function convRef(x: Arr, kernel: ArrayLike<number>, kh: number, kw: number, cout: number, pad: number): Arr {
  const [B, H, W, C] = x.shape;
  const oh = H + 2 * pad - kh + 1, ow = W + 2 * pad - kw + 1;
  const shape: Arr['shape'] = [B, oh, ow, cout];
  const out = new Float64Array(B * oh * ow * cout);
  for (let b = 0; b < B; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < cout; o++) {
    let s = 0;
    for (let a = 0; a < kh; a++) for (let d = 0; d < kw; d++) {
      const ii = i + a - pad, jj = j + d - pad;
      if (ii < 0 || jj < 0 || ii >= H || jj >= W) continue;
      for (let c = 0; c < C; c++) s += x.data[idx(x.shape, b, ii, jj, c)]! * kernel[((a * kw + d) * C + c) * cout + o]!;
    }
    out[idx(shape, b, i, j, o)] = s;
  }
  return { data: out, shape };
}

export const mapArr = (x: Arr, f: (v: number) => number): Arr => ({ data: x.data.map(f), shape: x.shape });
export const eluRef = (v: number): number => (v > 0 ? v : Math.exp(v) - 1);
