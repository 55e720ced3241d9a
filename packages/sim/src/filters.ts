/**
 * Small separable image filters on row-major Float32Array planes: binomial [1,2,1]/4 blur (σ = 1/√2 per
 * pass, edges replicated), 2×2 box downsampling and box blur of any radius; hashed lattice noise for
 * textures; reusable scratch planes. No FFT; every pass is O(pixels).
 */

const pool = new Map<string, Float32Array>();

/**
 * A module-level scratch plane of at least `size` values, reused across calls under the same `name`
 * (the caller must be done with it before asking for the same name again). Contents are stale.
 */
export function scratch(name: string, size: number): Float32Array {
  let buf = pool.get(name);
  if (buf === undefined || buf.length < size) {
    buf = new Float32Array(size);
    pool.set(name, buf);
  }
  return buf;
}

/**
 * Binomial [1,2,1]/4 blur along both axes, edges replicated, into `out` (a new plane when omitted; must
 * not be `src`).
 */
export function binomialBlur(src: Float32Array, h: number, w: number, out: Float32Array = new Float32Array(h * w)): Float32Array {
  const tmp = scratch('blur', h * w);
  for (let y = 0; y < h; y++) {
    const r = y * w;
    if (w === 1) {
      tmp[r] = src[r]!;
      continue;
    }
    tmp[r] = 0.75 * src[r]! + 0.25 * src[r + 1]!;
    for (let x = 1; x < w - 1; x++) tmp[r + x] = 0.25 * src[r + x - 1]! + 0.5 * src[r + x]! + 0.25 * src[r + x + 1]!;
    tmp[r + w - 1] = 0.25 * src[r + w - 2]! + 0.75 * src[r + w - 1]!;
  }
  if (h === 1) {
    out.set(tmp.subarray(0, w));
    return out;
  }
  for (let x = 0; x < w; x++) out[x] = 0.75 * tmp[x]! + 0.25 * tmp[w + x]!;
  for (let y = 1; y < h - 1; y++) {
    const r = y * w;
    for (let x = 0; x < w; x++) out[r + x] = 0.25 * tmp[r - w + x]! + 0.5 * tmp[r + x]! + 0.25 * tmp[r + w + x]!;
  }
  const last = (h - 1) * w;
  for (let x = 0; x < w; x++) out[last + x] = 0.25 * tmp[last - w + x]! + 0.75 * tmp[last + x]!;
  return out;
}

/**
 * Average 2×2 blocks: `[h, w]` → `[⌊h/2⌋, ⌊w/2⌋]` (a trailing odd row/column is dropped). Output cell `j`
 * is centred at input coordinate `2j + 0.5`.
 */
export function downsample2(
  src: Float32Array,
  h: number,
  w: number,
  out: Float32Array = new Float32Array((h >> 1) * (w >> 1)),
): { data: Float32Array; h: number; w: number } {
  const h2 = h >> 1,
    w2 = w >> 1;
  for (let y = 0; y < h2; y++) {
    const r0 = 2 * y * w,
      r1 = r0 + w,
      o = y * w2;
    for (let x = 0; x < w2; x++) {
      const c = 2 * x;
      out[o + x] = 0.25 * (src[r0 + c]! + src[r0 + c + 1]! + src[r1 + c]! + src[r1 + c + 1]!);
    }
  }
  return { data: out, h: h2, w: w2 };
}

/** Box blur of radius `r` (window 2r+1) along both axes, edges replicated, in place on `buf`. */
export function boxBlurInPlace(buf: Float32Array, h: number, w: number, r: number): void {
  if (r <= 0) return;
  const line = scratch('boxLine', Math.max(h, w));
  const inv = 1 / (2 * r + 1);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) line[x] = buf[o + x]!;
    let acc = 0;
    for (let k = -r; k <= r; k++) acc += line[Math.min(Math.max(k, 0), w - 1)]!;
    for (let x = 0; x < w; x++) {
      buf[o + x] = acc * inv;
      acc += line[Math.min(x + r + 1, w - 1)]! - line[Math.max(x - r, 0)]!;
    }
  }
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) line[y] = buf[y * w + x]!;
    let acc = 0;
    for (let k = -r; k <= r; k++) acc += line[Math.min(Math.max(k, 0), h - 1)]!;
    for (let y = 0; y < h; y++) {
      buf[y * w + x] = acc * inv;
      acc += line[Math.min(y + r + 1, h - 1)]! - line[Math.max(y - r, 0)]!;
    }
  }
}

/** A 32-bit integer hash of two lattice coordinates and a seed (deterministic texture noise). */
export function hash2(x: number, y: number, seed: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(seed | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Uniform in [-1, 1) from {@link hash2}. */
export function hashUnit(x: number, y: number, seed: number): number {
  return hash2(x, y, seed) / 2147483648 - 1;
}

/** Smooth value noise in [-1, 1]: hashed lattice values, smoothstep-interpolated. */
export function valueNoise(u: number, v: number, seed: number): number {
  const x0 = Math.floor(u),
    y0 = Math.floor(v);
  const fx = u - x0,
    fy = v - y0;
  const sx = fx * fx * (3 - 2 * fx),
    sy = fy * fy * (3 - 2 * fy);
  const a = hashUnit(x0, y0, seed),
    b = hashUnit(x0 + 1, y0, seed);
  const c = hashUnit(x0, y0 + 1, seed),
    d = hashUnit(x0 + 1, y0 + 1, seed);
  const top = a + (b - a) * sx,
    bottom = c + (d - c) * sx;
  return top + (bottom - top) * sy;
}
