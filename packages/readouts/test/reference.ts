/** Independent host-side references (plain loops, float64) for the readout tests. */
import { createRng } from '@sal/types';

export function randn(n: number, seed: number, scale = 1): Float32Array {
  const r = createRng(seed);
  return Float32Array.from({ length: n }, () => r.normal() * scale);
}

export function uniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  const r = createRng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r.next());
}

/** Pixel value with zero padding outside. f is [B,H,W,C] row-major. */
function pix(f: ArrayLike<number>, h: number, w: number, c: number, b: number, y: number, x: number, ch: number): number {
  if (x < 0 || y < 0 || x > w - 1 || y > h - 1) return 0;
  return f[((b * h + y) * w + x) * c + ch]!;
}

/**
 * grid_sample(align_corners=True, zeros) written out: position (gx, gy) in [-1,1] → pixel
 * ((gx+1)/2·(W-1), (gy+1)/2·(H-1)), bilinear over the four surrounding pixels.
 * grid [B,N,2] → out [B,N,C].
 */
export function bruteBilinear(f: ArrayLike<number>, shape: readonly number[], grid: ArrayLike<number>, n: number): Float64Array {
  const [bs, h, w, c] = shape as [number, number, number, number];
  const out = new Float64Array(bs * n * c);
  for (let b = 0; b < bs; b++) {
    for (let i = 0; i < n; i++) {
      const gx = grid[(b * n + i) * 2]!,
        gy = grid[(b * n + i) * 2 + 1]!;
      const px = ((gx + 1) / 2) * (w - 1),
        py = ((gy + 1) / 2) * (h - 1);
      const x0 = Math.floor(px),
        y0 = Math.floor(py);
      const ax = px - x0,
        ay = py - y0;
      for (let ch = 0; ch < c; ch++) {
        out[(b * n + i) * c + ch] =
          (1 - ax) * (1 - ay) * pix(f, h, w, c, b, y0, x0, ch) +
          ax * (1 - ay) * pix(f, h, w, c, b, y0, x0 + 1, ch) +
          (1 - ax) * ay * pix(f, h, w, c, b, y0 + 1, x0, ch) +
          ax * ay * pix(f, h, w, c, b, y0 + 1, x0 + 1, ch);
      }
    }
  }
  return out;
}

/** 'same' convolution (odd k), x [B,H,W,Ci], kernel [k,k,Ci,Co], bias [Co] → [B,H,W,Co]. */
export function bruteConvSame(
  x: ArrayLike<number>,
  xs: readonly number[],
  kernel: ArrayLike<number>,
  k: number,
  co: number,
  bias: ArrayLike<number>,
): Float64Array {
  const [bs, h, w, ci] = xs as [number, number, number, number];
  const p = (k - 1) / 2;
  const out = new Float64Array(bs * h * w * co);
  for (let b = 0; b < bs; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let o = 0; o < co; o++) {
          let s = bias[o]!;
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const yy = y + ky - p,
                xi = xx + kx - p;
              if (yy < 0 || yy >= h || xi < 0 || xi >= w) continue;
              for (let i = 0; i < ci; i++) s += x[((b * h + yy) * w + xi) * ci + i]! * kernel[((ky * k + kx) * ci + i) * co + o]!;
            }
          out[((b * h + y) * w + xx) * co + o] = s;
        }
  return out;
}

/** Sample mean and covariance of 2-vectors. */
export function meanCov2(v: ArrayLike<number>, count: number): { mean: [number, number]; cov: [number, number, number, number] } {
  let mx = 0,
    my = 0;
  for (let i = 0; i < count; i++) {
    mx += v[2 * i]!;
    my += v[2 * i + 1]!;
  }
  mx /= count;
  my /= count;
  let sxx = 0,
    sxy = 0,
    syy = 0;
  for (let i = 0; i < count; i++) {
    const dx = v[2 * i]! - mx,
      dy = v[2 * i + 1]! - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  return { mean: [mx, my], cov: [sxx / (count - 1), sxy / (count - 1), sxy / (count - 1), syy / (count - 1)] };
}
