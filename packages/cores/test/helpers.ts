/** Test helpers: seeded tensors and plain-JS reference implementations (loops, float64). */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@sal/types';

export function randn(shape: number[], seed: number, scale = 1): tf.Tensor {
  const r = createRng(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal() * scale),
    shape,
  );
}

export function randValues(n: number, seed: number, scale = 1): Float32Array {
  const r = createRng(seed);
  return Float32Array.from({ length: n }, () => r.normal() * scale);
}

/** NHWC array with its shape. */
export interface Arr {
  data: Float64Array;
  shape: [number, number, number, number];
}

export const arr = (t: tf.Tensor): Arr => ({ data: Float64Array.from(t.dataSync()), shape: t.shape as Arr['shape'] });
export const idx = (s: Arr['shape'], b: number, i: number, j: number, c: number): number => ((b * s[1] + i) * s[2] + j) * s[3] + c;

/** Plain cross-correlation, zero padding `pad`, PyTorch output size; kernel `[kh,kw,in,out]` as a flat array. */
export function convRef(x: Arr, kernel: ArrayLike<number>, kh: number, kw: number, cout: number, pad: number, stride = 1): Arr {
  const [B, H, W, C] = x.shape;
  const oh = Math.floor((H + 2 * pad - kh) / stride) + 1,
    ow = Math.floor((W + 2 * pad - kw) / stride) + 1;
  const shape: Arr['shape'] = [B, oh, ow, cout];
  const out = new Float64Array(B * oh * ow * cout);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let o = 0; o < cout; o++) {
          let s = 0;
          for (let a = 0; a < kh; a++)
            for (let d = 0; d < kw; d++) {
              const ii = i * stride + a - pad,
                jj = j * stride + d - pad;
              if (ii < 0 || jj < 0 || ii >= H || jj >= W) continue;
              for (let c = 0; c < C; c++) s += x.data[idx(x.shape, b, ii, jj, c)]! * kernel[((a * kw + d) * C + c) * cout + o]!;
            }
          out[idx(shape, b, i, j, o)] = s;
        }
  return { data: out, shape };
}

export const mapArr = (x: Arr, f: (v: number) => number): Arr => ({ data: x.data.map(f), shape: x.shape });
export const eluRef = (v: number): number => (v > 0 ? v : Math.exp(v) - 1);

/** Max-pool with −∞ padding (PyTorch `MaxPool2d(k, stride, padding)`). */
export function maxPoolRef(x: Arr, k: number, stride: number, pad: number): Arr {
  const [B, H, W, C] = x.shape;
  const oh = Math.floor((H + 2 * pad - k) / stride) + 1,
    ow = Math.floor((W + 2 * pad - k) / stride) + 1;
  const shape: Arr['shape'] = [B, oh, ow, C];
  const out = new Float64Array(B * oh * ow * C);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let c = 0; c < C; c++) {
          let m = -Infinity;
          for (let a = 0; a < k; a++)
            for (let d = 0; d < k; d++) {
              const ii = i * stride + a - pad,
                jj = j * stride + d - pad;
              if (ii >= 0 && jj >= 0 && ii < H && jj < W) m = Math.max(m, x.data[idx(x.shape, b, ii, jj, c)]!);
            }
          out[idx(shape, b, i, j, c)] = m;
        }
  return { data: out, shape };
}
