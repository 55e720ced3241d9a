/**
 * Gradient preconditioners of MEI synthesis, as in sinzlab/mei: a Gaussian blur (the kernel of its
 * `GaussianBlur`: half-size `max(round(σ·truncate), 1)`, normalised to sum 1, reflect padding) and a
 * frequency-domain filter (its `FourierSmoothing` mask `(1 − √2·|f|)^exponent`, or a power law `|f|^−exponent`
 * as in frequency-scaled image parameterisations), applied per image and channel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, checkNumber, checkOneOf } from '@sal/types';

/** The 1-d Gaussian kernel of {@link gaussianBlur}: `exp(−i²/2σ²)`, `i = −half…half`, normalised to sum 1. */
export function gaussianKernel(sigma: number, truncate = 4): Float32Array {
  checkNumber('mei.gaussianKernel', 'sigma', sigma, { min: 0, exclusiveMin: true });
  checkNumber('mei.gaussianKernel', 'truncate', truncate, { min: 0, exclusiveMin: true });
  const half = Math.max(Math.round(sigma * truncate), 1);
  const k = new Float64Array(2 * half + 1);
  let s = 0;
  for (let i = -half; i <= half; i++) s += k[i + half] = Math.exp(-(i * i) / (2 * sigma * sigma));
  return Float32Array.from(k, (v) => v / s);
}

/**
 * Blur every image and channel of `x` `[B,H,W,C]` with a normalised Gaussian of standard deviation `sigma`
 * pixels (reflect padding; the kernel half-size is capped at `size − 1` per axis so that reflection is
 * defined). `sigma = 0` returns a copy.
 */
export function gaussianBlur(x: tf.Tensor4D, sigma: number, truncate = 4): tf.Tensor4D {
  const where = 'mei.gaussianBlur';
  if (!(x instanceof tf.Tensor) || x.rank !== 4) throw new SalShapeError(`${where}: x`, '[B,H,W,C]', x instanceof tf.Tensor ? x.shape : x);
  checkNumber(where, 'sigma', sigma, { min: 0 });
  if (sigma === 0) return tf.clone(x);
  const [, h, w, c] = x.shape;
  const full = gaussianKernel(sigma, truncate);
  const half = (full.length - 1) / 2;
  const axis = (n: number): Float32Array => {
    const hh = Math.min(half, n - 1);
    if (hh === half) return full;
    const k = full.subarray(half - hh, half + hh + 1);
    let s = 0;
    for (const v of k) s += v;
    return Float32Array.from(k, (v) => v / s);
  };
  const ky = axis(h),
    kx = axis(w);
  const hy = (ky.length - 1) / 2,
    hx = (kx.length - 1) / 2;
  return tf.tidy(() => {
    let y: tf.Tensor4D = x;
    if (hy > 0) {
      const f = tf.tile(tf.reshape(tf.tensor1d(ky), [ky.length, 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
      y = tf.depthwiseConv2d(
        tf.mirrorPad(
          y,
          [
            [0, 0],
            [hy, hy],
            [0, 0],
            [0, 0],
          ],
          'reflect',
        ),
        f,
        1,
        'valid',
      );
    }
    if (hx > 0) {
      const f = tf.tile(tf.reshape(tf.tensor1d(kx), [1, kx.length, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
      y = tf.depthwiseConv2d(
        tf.mirrorPad(
          y,
          [
            [0, 0],
            [0, 0],
            [hx, hx],
            [0, 0],
          ],
          'reflect',
        ),
        f,
        1,
        'valid',
      );
    }
    return y === x ? tf.clone(x) : y;
  });
}

/** Kind of frequency filter of {@link fourierFilter}. */
export type FourierKind = 'smoothing' | 'powerLaw';

/** `numpy.fft.fftfreq(n)`: `[0, 1, …, ⌈n/2⌉−1, −⌊n/2⌋, …, −1] / n`. */
export function fftFreq(n: number): Float64Array {
  const f = new Float64Array(n);
  for (let i = 0; i < n; i++) f[i] = (i < Math.ceil(n / 2) ? i : i - n) / n;
  return f;
}

/**
 * The frequency mask `[H,W]` (row-major, in FFT order): `'smoothing'` is sinzlab/mei's `FourierSmoothing`,
 * `(1 − √2·|f|)^exponent` with `|f| = √(f_y² + f_x²)` in cycles per pixel; `'powerLaw'` scales each
 * frequency by `1 / max(|f|, 1/max(H,W))^exponent`, normalised to mean 1.
 */
export function fourierMask(h: number, w: number, kind: FourierKind, exponent: number): Float64Array {
  const where = 'mei.fourierMask';
  checkNumber(where, 'h', h, { min: 1, integer: true });
  checkNumber(where, 'w', w, { min: 1, integer: true });
  checkOneOf(where, 'kind', kind, ['smoothing', 'powerLaw'] as const);
  checkNumber(where, 'exponent', exponent, { min: 0 });
  const fy = fftFreq(h),
    fx = fftFreq(w);
  const m = new Float64Array(h * w);
  const floor = 1 / Math.max(h, w);
  let s = 0;
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const f = Math.hypot(fy[i]!, fx[j]!);
      const v = kind === 'smoothing' ? Math.max(0, 1 - Math.SQRT2 * f) ** exponent : 1 / Math.max(f, floor) ** exponent;
      m[i * w + j] = v;
      s += v;
    }
  }
  if (kind === 'powerLaw') for (let q = 0; q < m.length; q++) m[q] = (m[q]! * (h * w)) / s;
  return m;
}

/** The real DFT matrices `cos(2π u y / n)` and `sin(2π u y / n)` `[n, n]` (symmetric). */
function dftMatrices(n: number): { cos: Float32Array; sin: Float32Array } {
  const cos = new Float32Array(n * n),
    sin = new Float32Array(n * n);
  for (let u = 0; u < n; u++) {
    for (let y = 0; y < n; y++) {
      const a = (2 * Math.PI * ((u * y) % n)) / n;
      cos[u * n + y] = Math.cos(a);
      sin[u * n + y] = Math.sin(a);
    }
  }
  return { cos, sin };
}

/**
 * Filter every image and channel of `x` `[B,H,W,C]` in the frequency domain: `Re(ifft2(mask ⊙ fft2(x)))`, with
 * `mask` `[H,W]` in FFT order (e.g. from {@link fourierMask}), symmetric (`mask(f) = mask(−f)`) so the result is
 * real. Computed with real DFT matrices (the WebAssembly backend has no FFT).
 */
export function fourierFilter(x: tf.Tensor4D, mask: Float64Array | Float32Array): tf.Tensor4D {
  const where = 'mei.fourierFilter';
  if (!(x instanceof tf.Tensor) || x.rank !== 4) throw new SalShapeError(`${where}: x`, '[B,H,W,C]', x instanceof tf.Tensor ? x.shape : x);
  const [b, h, w, c] = x.shape;
  if (!(mask instanceof Float64Array || mask instanceof Float32Array) || mask.length !== h * w) {
    throw new SalConfigError(where, 'mask', `a Float32Array or Float64Array of H·W = ${h * w} values`, mask);
  }
  const dy = dftMatrices(h),
    dx = dftMatrices(w);
  const kc = b * c;
  return tf.tidy(() => {
    const cy = tf.tensor2d(dy.cos, [h, h]),
      sy = tf.tensor2d(dy.sin, [h, h]);
    const cx = tf.tensor2d(dx.cos, [w, w]),
      sx = tf.tensor2d(dx.sin, [w, w]);
    // layout [H, B·C, W]
    const left = (m: tf.Tensor2D, t: tf.Tensor): tf.Tensor => tf.reshape(tf.matMul(m, tf.reshape(t, [h, kc * w])), [h, kc, w]);
    const right = (t: tf.Tensor, m: tf.Tensor2D): tf.Tensor => tf.reshape(tf.matMul(tf.reshape(t, [h * kc, w]), m), [h, kc, w]);
    const t = tf.reshape(tf.transpose(x, [1, 0, 3, 2]), [h, kc, w]);
    const cyX = left(cy, t),
      syX = left(sy, t);
    // A = F_y X F_x with F = C − iS: Ar = C X C − S X S, Ai = −(S X C + C X S)
    const ar = tf.sub(right(cyX, cx), right(syX, sx));
    const ai = tf.neg(tf.add(right(syX, cx), right(cyX, sx)));
    const m = tf.reshape(tf.tensor2d(Float32Array.from(mask), [h, w]), [h, 1, w]);
    const br = tf.mul(ar, m),
      bi = tf.mul(ai, m);
    // Re(conj(F_y) B conj(F_x)) = (C Br − S Bi) C − (C Bi + S Br) S
    const p = tf.sub(left(cy, br), left(sy, bi));
    const q = tf.add(left(cy, bi), left(sy, br));
    const y = tf.div(tf.sub(right(p, cx), right(q, sx)), h * w);
    return tf.transpose(tf.reshape(y, [h, b, c, w]), [1, 0, 3, 2]) as tf.Tensor4D;
  });
}
