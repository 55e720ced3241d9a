/** A small in-place radix-2 FFT (power-of-two sizes), 1-D and 2-D, in float64. */
import { SalConfigError } from '@sal/types';

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** In-place FFT of `n` complex values at `re[off + k·stride]`, `im[…]`; `inverse` divides by n. */
export function fft1d(re: Float64Array, im: Float64Array, inverse = false, n = re.length, off = 0, stride = 1): void {
  if (!isPow2(n)) throw new SalConfigError('fft1d', 'n', 'a power of two', n);
  // bit reversal
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const a = off + i * stride,
        b = off + j * stride;
      let t = re[a] as number;
      re[a] = re[b] as number;
      re[b] = t;
      t = im[a] as number;
      im[a] = im[b] as number;
      im[b] = t;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (sign * 2 * Math.PI) / len;
    const wr = Math.cos(ang),
      wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1,
        ci = 0;
      for (let k = 0; k < len >> 1; k++) {
        const a = off + (i + k) * stride,
          b = off + (i + k + (len >> 1)) * stride;
        const xr = (re[b] as number) * cr - (im[b] as number) * ci;
        const xi = (re[b] as number) * ci + (im[b] as number) * cr;
        re[b] = (re[a] as number) - xr;
        im[b] = (im[a] as number) - xi;
        re[a] = (re[a] as number) + xr;
        im[a] = (im[a] as number) + xi;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
  if (inverse)
    for (let k = 0; k < n; k++) {
      const a = off + k * stride;
      re[a] = (re[a] as number) / n;
      im[a] = (im[a] as number) / n;
    }
}

/** In-place 2-D FFT of a row-major `[h, w]` complex array (both powers of two). */
export function fft2d(re: Float64Array, im: Float64Array, h: number, w: number, inverse = false): void {
  for (let y = 0; y < h; y++) fft1d(re, im, inverse, w, y * w, 1);
  for (let x = 0; x < w; x++) fft1d(re, im, inverse, h, x, w);
}
