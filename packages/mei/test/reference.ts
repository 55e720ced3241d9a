/** Brute-force references for the tests (plain loops, float64), written independently of the package. */

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Reflect index (mirror without repeating the edge): −1 → 1, n → n − 2. */
function reflect(i: number, n: number): number {
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

/** 2-d Gaussian blur of an `[h, w]` image by direct summation over the 2-d kernel, reflect borders. */
export function bruteBlur(img: ArrayLike<number>, h: number, w: number, sigma: number, truncate: number): Float64Array {
  const half = Math.max(Math.round(sigma * truncate), 1);
  const g: number[] = [];
  for (let i = -half; i <= half; i++) g.push(Math.exp(-(i * i) / (2 * sigma * sigma)));
  const s = g.reduce((a, b) => a + b, 0);
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let i = -half; i <= half; i++) {
        for (let j = -half; j <= half; j++) acc += (g[i + half]! / s) * (g[j + half]! / s) * img[reflect(y + i, h) * w + reflect(x + j, w)]!;
      }
      out[y * w + x] = acc;
    }
  }
  return out;
}

/** Re(ifft2(mask · fft2(img))) by the defining double sums, with the mask computed from its formula. */
export function bruteFourier(img: ArrayLike<number>, h: number, w: number, kind: 'smoothing' | 'powerLaw', exponent: number): Float64Array {
  const freq = (k: number, n: number): number => (k <= (n - 1) / 2 ? k : k - n) / n;
  const re = new Float64Array(h * w),
    im = new Float64Array(h * w);
  for (let u = 0; u < h; u++) {
    for (let v = 0; v < w; v++) {
      let sr = 0,
        si = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const a = -2 * Math.PI * ((u * y) / h + (v * x) / w);
          sr += img[y * w + x]! * Math.cos(a);
          si += img[y * w + x]! * Math.sin(a);
        }
      }
      const f = Math.sqrt(freq(u, h) ** 2 + freq(v, w) ** 2);
      const m = kind === 'smoothing' ? Math.max(0, 1 - Math.sqrt(2) * f) ** exponent : Math.max(f, 1 / Math.max(h, w)) ** -exponent;
      re[u * w + v] = sr * m;
      im[u * w + v] = si * m;
    }
  }
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let u = 0; u < h; u++) {
        for (let v = 0; v < w; v++) {
          const a = 2 * Math.PI * ((u * y) / h + (v * x) / w);
          s += re[u * w + v]! * Math.cos(a) - im[u * w + v]! * Math.sin(a);
        }
      }
      out[y * w + x] = s / (h * w);
    }
  }
  return out;
}
