/**
 * Helpers of the cores' window evaluation (`Core.applyWindows`): placement checks, the masks that stand in
 * for each layer's zero padding at the image borders, central crops, and a patch convolution whose input
 * gradient is fast for few input channels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalShapeError, type WindowPlacement } from '@sal/types';

/** Check `placement` against windows `[P, S_h, S_w, C]`; returns `[H, W]`. */
export function checkPlacement(where: string, x: tf.Tensor4D, placement: WindowPlacement, radius: number): [number, number] {
  if (placement === null || typeof placement !== 'object') throw new TypeError(`${where}: placement must be { origins, imageSize }`);
  const { origins, imageSize } = placement;
  const p = x.shape[0];
  if (!(origins instanceof Int32Array) || origins.length !== 2 * p) {
    throw new SalShapeError(`${where}: placement.origins`, `Int32Array(${2 * p}) ([P,2] with P = ${p})`, origins);
  }
  if (!Array.isArray(imageSize) || imageSize.length !== 2 || !imageSize.every((v) => Number.isInteger(v) && v > 0)) {
    throw new SalShapeError(`${where}: placement.imageSize`, '[height, width] positive integers', imageSize);
  }
  if (x.shape[1] <= 2 * radius || x.shape[2] <= 2 * radius) {
    throw new SalShapeError(`${where}: x`, `[P,S_h,S_w,C] with S_h, S_w > 2·receptiveRadius = ${2 * radius}`, x.shape);
  }
  return [imageSize[0], imageSize[1]];
}

/**
 * `[P, s_h, s_w, 1]` mask of a map whose pixel (i, j) of window p is image-coordinate position
 * (oy + m + i, ox + m + j): 1 where that position lies in `[lo, H − lo) × [lo, W − lo)`, else 0.
 */
export function insideMask(origins: Int32Array, imageSize: readonly [number, number], m: number, sh: number, sw: number, lo: number): tf.Tensor4D {
  const p = origins.length / 2;
  const [h, w] = imageSize;
  const data = new Float32Array(p * sh * sw);
  for (let k = 0; k < p; k++) {
    const y0 = origins[2 * k]! + m;
    const x0 = origins[2 * k + 1]! + m;
    const base = k * sh * sw;
    for (let i = 0; i < sh; i++) {
      const y = y0 + i;
      if (y < lo || y >= h - lo) continue;
      for (let j = 0; j < sw; j++) {
        const xx = x0 + j;
        if (xx >= lo && xx < w - lo) data[base + i * sw + j] = 1;
      }
    }
  }
  return tf.tensor4d(data, [p, sh, sw, 1]);
}

/** Central crop of `x` `[P,H,W,C]` by `m` pixels on every side. */
export function cropBy(x: tf.Tensor4D, m: number): tf.Tensor4D {
  if (m === 0) return x;
  return tf.slice(x, [0, m, m, 0], [-1, x.shape[1] - 2 * m, x.shape[2] - 2 * m, -1]);
}

/** `[1, 1, n, s·k]` 0/1 kernel with entry (Y, y·k + t) = 1 iff Y = y + t (patch extraction along one axis). */
function shiftKernel(n: number, k: number): tf.Tensor4D {
  const s = n - k + 1;
  const data = new Float32Array(n * s * k);
  for (let y = 0; y < s; y++) for (let t = 0; t < k; t++) data[(y + t) * s * k + y * k + t] = 1;
  return tf.tensor4d(data, [1, 1, n, s * k]);
}

/** `x` `[rows, k]` times `w` `[1,1,k,n]` as a 1×1 convolution: its input gradient is a plain product too. */
function product(x: tf.Tensor, w: tf.Tensor4D): tf.Tensor2D {
  const rows = x.size / w.shape[2];
  return tf.reshape(tf.conv2d(tf.reshape(x, [1, rows, 1, w.shape[2]]) as tf.Tensor4D, w, 1, 'valid'), [rows, w.shape[3]]);
}

/**
 * Valid, stride-1 convolution of `x` `[P,H,W,Cin]` with `kernel` `[k,k,Cin,Cout]` written as patch extraction
 * by 0/1 products and one product with the kernel. Same values as `tf.conv2d(x, kernel, 1, 'valid')` up to
 * summation order, but its input gradient is made of products too: the backend's input gradient of a
 * convolution into few channels (a grey image) is many times slower. The products are 1×1 convolutions
 * because the input gradient of `tf.matMul` (a product with a transposed operand) is slow on wasm.
 */
export function patchConv(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [p, h, w, cin] = x.shape;
    const [k, kw, , cout] = kernel.shape;
    const sh = h - k + 1;
    const sw = w - kw + 1;
    // rows: [P,W,Cin,H] · [H, sh·k] → [P,W,Cin,sh,k]
    const a = product(tf.transpose(x, [0, 2, 3, 1]), shiftKernel(h, k));
    // columns: [P,sh,k,Cin,W] · [W, sw·kw] → [P,sh,k,Cin,sw,kw]
    const a2 = tf.transpose(tf.reshape(a, [p, w, cin, sh, k]), [0, 3, 4, 2, 1]);
    const b = tf.reshape(product(a2, shiftKernel(w, kw)), [p, sh, k, cin, sw, kw]);
    // patches [P·sh·sw, k·kw·Cin] in the kernel's (kh, kw, cin) order, times the kernel
    const cols = tf.transpose(b, [0, 1, 4, 2, 5, 3]);
    return tf.reshape(product(cols, tf.reshape(kernel, [1, 1, k * kw * cin, cout])), [p, sh, sw, cout]);
  });
}
