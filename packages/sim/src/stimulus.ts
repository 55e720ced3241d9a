/**
 * Procedural grey stimuli: a 1/f ("pink") noise background built by a pyramid of linear 2× upsamplings,
 * and 1–3 salient objects (elliptical patches of fur, dots, wire fence, text-like strokes, or a plain
 * high-contrast shape). The object with the largest salience (contrast × linear size) is the most salient.
 */
import { createRng, deriveSeed, type Rng } from '@sal/types';
import { boxBlurInPlace, hash2, hashUnit, scratch, valueNoise } from './filters.js';
import { OBJECT_KINDS, resolveSimulationOptions, type ObjectKind, type ResolvedSimulationOptions, type SimulationOptions } from './options.js';

/** One salient object of an image, in pixels (x to the right, y down). */
export interface SalientObject {
  readonly kind: ObjectKind;
  /** Centre, pixels. */
  readonly x: number;
  readonly y: number;
  /** Semi-axes of the ellipse, pixels (`rx` along the rotated x axis). */
  readonly rx: number;
  readonly ry: number;
  /** Rotation of the ellipse and of its texture, radians. */
  readonly angle: number;
  /** Contrast as a fraction of 255 (texture amplitude; step to the background for shapes). */
  readonly contrast: number;
  /** `contrast · √(rx·ry)`: the object with the largest value is the most salient. */
  readonly salience: number;
}

/** The objects of one image and which of them is the most salient. */
export interface ImageTruth {
  readonly objects: readonly SalientObject[];
  /** Index into `objects` of the most salient object. */
  readonly salient: number;
}

/** A rendered stimulus. */
export interface Stimulus extends ImageTruth {
  /** `[height, width]` grey levels, row-major. */
  readonly image: Uint8Array;
  readonly height: number;
  readonly width: number;
}

/** Stride (pixels) of the feature grid the neurons pool over; textures scale with it. */
export function featureStride(height: number): 2 | 4 {
  return height >= 160 ? 4 : 2;
}

/** Seed of image `id` of a dataset simulated with `seed`: every image can be rendered on its own. */
export function imageSeed(seed: number, id: number): number {
  return deriveSeed(seed, `image:${id}`);
}

const q3 = (v: number): number => Math.round(v * 1000) / 1000;

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}

/**
 * Linear 2× upsampling of `src` (row length `sw`) into `dst` `[dh, dw]` (dst cell (y, x) reads src at
 * (y/2, x/2)), adding uniform noise in ±amp/2 from an xorshift32 stream started at `state` when `amp > 0`.
 */
function upsample2(src: Float32Array, sw: number, dst: Float32Array, dh: number, dw: number, state: number, amp: number): void {
  let s = state | 0 || 1;
  const scale = amp / 4294967296;
  for (let y = 0; y < dh; y++) {
    const r0 = (y >> 1) * sw,
      r1 = ((y + 1) >> 1) * sw,
      d = y * dw;
    if (amp > 0) {
      for (let x = 0; x < dw; x++) {
        const j0 = x >> 1,
          j1 = (x + 1) >> 1;
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        dst[d + x] = 0.25 * (src[r0 + j0]! + src[r0 + j1]! + src[r1 + j0]! + src[r1 + j1]!) + s * scale;
      }
    } else {
      for (let x = 0; x < dw; x++) {
        const j0 = x >> 1,
          j1 = (x + 1) >> 1;
        dst[d + x] = 0.25 * (src[r0 + j0]! + src[r0 + j1]! + src[r1 + j0]! + src[r1 + j1]!);
      }
    }
  }
}

const BG_EXPONENT = 0.85;

/**
 * Pink-noise background `[h, w]` written into `out`, with mean `mean` and an RMS of about `rms` grey levels
 * (the half-resolution level is normalised to exactly `rms`; the last linear upsampling smooths it slightly).
 */
function background(rng: Rng, h: number, w: number, mean: number, rms: number, out: Float32Array): void {
  const top = Math.max(1, Math.floor(Math.log2(Math.max(h, w) / 3)));
  const size = (k: number): [number, number] => [Math.ceil(h / 2 ** k) + 1, Math.ceil(w / 2 ** k) + 1];
  let [gh, gw] = size(top);
  const [h1, w1] = size(1);
  let grid = scratch('bgA', h1 * w1);
  let spare = scratch('bgB', h1 * w1);
  for (let i = 0; i < gh * gw; i++) grid[i] = (rng.next() - 0.5) * 2 ** (BG_EXPONENT * top);
  // each octave: upsample, then fresh detail with amplitude ∝ wavelength^0.85 (close to a 1/f spectrum)
  for (let k = top - 1; k >= 1; k--) {
    const [nh, nw] = size(k);
    upsample2(grid, gw, spare, nh, nw, rng.nextUint32(), 2 ** (BG_EXPONENT * k));
    [grid, spare] = [spare, grid];
    gh = nh;
    gw = nw;
  }
  const n = gh * gw;
  let sum = 0,
    sum2 = 0;
  for (let i = 0; i < n; i++) {
    const v = grid[i]!;
    sum += v;
    sum2 += v * v;
  }
  const m = sum / n;
  const sd = Math.sqrt(Math.max(sum2 / n - m * m, 1e-12));
  const scale = rms / sd;
  for (let i = 0; i < n; i++) grid[i] = mean + (grid[i]! - m) * scale;
  upsample2(grid, gw, out, h, w, 1, 0);
}

interface TextureParams {
  seed: number;
  polarity: number;
  a: number;
  b: number;
  c: number;
}

function textureParams(kind: ObjectKind, rng: Rng, ts: number): TextureParams {
  const seed = rng.nextUint32() | 0;
  const polarity = rng.next() < 0.5 ? -1 : 1;
  switch (kind) {
    case 'fur':
      return { seed, polarity, a: uniform(rng, 8, 14) * ts, b: uniform(rng, 2.2, 3.5) * ts, c: 0 };
    case 'dots':
      return { seed, polarity, a: uniform(rng, 9, 15) * ts, b: uniform(rng, 0.22, 0.34), c: 0 };
    case 'fence':
      return { seed, polarity, a: uniform(rng, 8, 13) * ts, b: uniform(rng, 0.8, 1.3) * ts, c: 0 };
    case 'text':
      return { seed, polarity, a: uniform(rng, 11, 16) * ts, b: uniform(rng, 1.1, 1.7) * ts, c: 0 };
    case 'shape':
      return { seed, polarity, a: 0, b: 0, c: 0 };
  }
}

const clamp1 = (v: number): number => (v < -1 ? -1 : v > 1 ? 1 : v);

/** Texture value in [-1, 1] at object-local coordinates (u along the texture axis, v across). */
function texture(kind: ObjectKind, p: TextureParams, u: number, v: number): number {
  switch (kind) {
    case 'fur':
      return clamp1(1.7 * valueNoise(u / p.a, v / p.b, p.seed)) * p.polarity;
    case 'dots': {
      const d = p.a;
      const ci = Math.floor(u / d),
        cj = Math.floor(v / d);
      const r = p.b * d;
      const room = 0.5 - p.b;
      const cx = (ci + 0.5 + room * hashUnit(ci, cj, p.seed)) * d;
      const cy = (cj + 0.5 + room * hashUnit(ci, cj, p.seed ^ 0x5bd1e995)) * d;
      const dist = Math.sqrt((u - cx) ** 2 + (v - cy) ** 2);
      return clamp1(2 * (r - dist)) * p.polarity;
    }
    case 'fence': {
      const period = p.a;
      const mu = ((u % period) + period) % period,
        mv = ((v % period) + period) % period;
      const du = Math.min(mu, period - mu),
        dv = Math.min(mv, period - mv);
      return clamp1(2 * (p.b - Math.min(du, dv))) * p.polarity;
    }
    case 'text': {
      const lh = p.a,
        cw = 0.65 * lh,
        sw = p.b;
      const row = Math.floor(v / lh),
        col = Math.floor(u / cw);
      const lu = u - col * cw,
        lv = v - row * lh;
      const bits = hash2(col, row, p.seed);
      if ((bits & 7) === 0) return -p.polarity; // a space
      const x0 = 0.15 * cw,
        x1 = 0.85 * cw,
        yTop = 0.1 * lh,
        yMid = 0.45 * lh,
        yBot = 0.8 * lh;
      let ink = false;
      const inX = lu >= x0 - sw / 2 && lu <= x1 + sw / 2;
      const near = (a: number, b: number): boolean => Math.abs(a - b) <= sw / 2;
      if (inX && ((bits & 8 && near(lv, yTop)) || (bits & 16 && near(lv, yMid)) || (bits & 32 && near(lv, yBot)))) ink = true;
      const upper = lv >= yTop - sw / 2 && lv <= yMid + sw / 2,
        lower = lv >= yMid - sw / 2 && lv <= yBot + sw / 2;
      if ((upper && ((bits & 64 && near(lu, x0)) || (bits & 128 && near(lu, x1)))) || (lower && ((bits & 256 && near(lu, x0)) || (bits & 512 && near(lu, x1)))))
        ink = true;
      return ink ? p.polarity : -p.polarity;
    }
    case 'shape':
      return 0;
  }
}

/** Soft ellipse coverage in [0, 1] at offset (dx, dy) from the object's centre. */
function coverage(o: SalientObject, cos: number, sin: number, dx: number, dy: number): number {
  const u = dx * cos + dy * sin,
    v = -dx * sin + dy * cos;
  const e = Math.sqrt((u / o.rx) ** 2 + (v / o.ry) ** 2);
  const a = (1 - e) * Math.min(o.rx, o.ry) + 0.5;
  return a <= 0 ? 0 : a >= 1 ? 1 : a;
}

/** Draw the objects' parameters of one image (before rendering). */
function drawObjects(rng: Rng, o: ResolvedSimulationOptions): SalientObject[] {
  const { height: h, width: w } = o;
  const [nLo, nHi] = o.objectsPerImage;
  const n = nLo + rng.int(nHi - nLo + 1);
  const [x0, x1, y0, y1] = o.objectRegion;
  const objects: SalientObject[] = [];
  for (let k = 0; k < n; k++) {
    const kind = o.objectKinds[rng.int(o.objectKinds.length)]!;
    const rx = q3(uniform(rng, o.objectSize[0], o.objectSize[1]) * h);
    const ry = q3(Math.max(o.objectSize[0] * h, Math.min(rx * uniform(rng, 0.6, 1.4), o.objectSize[1] * h)));
    const angle = q3(kind === 'text' ? uniform(rng, -0.25, 0.25) : uniform(rng, 0, Math.PI));
    const contrast = q3(uniform(rng, o.objectContrast[0], o.objectContrast[1]));
    // keep objects apart when possible: a few tries at a centre that does not overlap much
    let x = 0,
      y = 0;
    for (let t = 0; t < 12; t++) {
      x = q3(uniform(rng, x0 * w, x1 * w));
      y = q3(uniform(rng, y0 * h, y1 * h));
      const ok = objects.every((p) => Math.hypot(p.x - x, p.y - y) >= 0.8 * (Math.max(p.rx, p.ry) + Math.max(rx, ry)));
      if (ok) break;
    }
    objects.push({ kind, x, y, rx, ry, angle, contrast, salience: q3(contrast * Math.sqrt(rx * ry)) });
  }
  return objects;
}

/** Index of the most salient object (the first of equals). */
export function mostSalient(objects: readonly SalientObject[]): number {
  let best = 0;
  for (let k = 1; k < objects.length; k++) if (objects[k]!.salience > objects[best]!.salience) best = k;
  return best;
}

/** Render image `id` with resolved options (internal fast path of {@link renderStimulus}). */
export function renderResolved(id: number, o: ResolvedSimulationOptions, target?: Uint8Array): Stimulus {
  const { height: h, width: w } = o;
  const rng = createRng(imageSeed(o.seed, id));
  const objects = drawObjects(rng.child('objects'), o);
  const texRng = rng.child('textures');
  const bgMean = uniform(rng, 100, 156);
  const img = scratch('image', h * w);
  background(rng.child('background'), h, w, bgMean, o.backgroundContrast * 255, img);
  const ts = featureStride(h) / 4;
  for (const obj of objects) {
    const p = textureParams(obj.kind, texRng, ts);
    const amp = obj.contrast * 255;
    const mean = obj.kind === 'shape' ? bgMean + p.polarity * amp : bgMean + uniform(texRng, -15, 15);
    const cos = Math.cos(obj.angle),
      sin = Math.sin(obj.angle);
    const r = Math.max(obj.rx, obj.ry) + 1;
    const xa = Math.max(0, Math.floor(obj.x - r)),
      xb = Math.min(w - 1, Math.ceil(obj.x + r));
    const ya = Math.max(0, Math.floor(obj.y - r)),
      yb = Math.min(h - 1, Math.ceil(obj.y + r));
    for (let y = ya; y <= yb; y++) {
      const dy = y - obj.y;
      for (let x = xa; x <= xb; x++) {
        const dx = x - obj.x;
        const a = coverage(obj, cos, sin, dx, dy);
        if (a === 0) continue;
        const u = dx * cos + dy * sin,
          v = -dx * sin + dy * cos;
        const lum = mean + amp * texture(obj.kind, p, u, v);
        const i = y * w + x;
        img[i] = img[i]! * (1 - a) + a * lum;
      }
    }
  }
  // clamp to [0, 255] and round half up
  const image = target ?? new Uint8Array(h * w);
  for (let i = 0; i < h * w; i++) {
    const v = img[i]!;
    image[i] = v <= 0 ? 0 : v >= 254.5 ? 255 : (v + 0.5) | 0;
  }
  return { image, height: h, width: w, objects, salient: mostSalient(objects) };
}

/**
 * Render image `id` of the dataset that {@link simulateDataset} makes with the same options: a pink-noise
 * background with salient objects. Deterministic from `opts.seed` and `id`.
 */
export function renderStimulus(id: number, opts?: SimulationOptions): Stimulus {
  if (!Number.isInteger(id) || id < 0) throw new TypeError(`sim.renderStimulus: id must be a non-negative integer, got ${String(id)}`);
  return renderResolved(id, resolveSimulationOptions(opts, 'sim.renderStimulus'));
}

/** Options of {@link trueSaliency}. */
export interface TrueSaliencyOptions {
  /** Blur σ of the object masks as a fraction of the image height (three box passes). @default 0.03 */
  blur?: number;
  /** Uniform floor added before normalising, as a fraction of the map's mean. @default 0.05 */
  floor?: number;
  /** `'density'` sums to 1; `'logDensity'` is its natural log (the DeepGaze convention). @default 'density' */
  output?: 'density' | 'logDensity';
}

/**
 * The true saliency of an image: each object's soft elliptical mask weighted by its salience, blurred,
 * plus a small uniform floor, normalised to a density over the `[height, width]` image.
 */
export function trueSaliency(truth: ImageTruth, height: number, width: number, opts: TrueSaliencyOptions = {}): Float32Array {
  const { blur = 0.03, floor = 0.05, output = 'density' } = opts;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new TypeError(`sim.trueSaliency: height and width must be positive integers, got ${height}, ${width}`);
  }
  const map = new Float32Array(height * width);
  for (const obj of truth.objects) {
    const cos = Math.cos(obj.angle),
      sin = Math.sin(obj.angle);
    const r = Math.max(obj.rx, obj.ry) + 1;
    const xa = Math.max(0, Math.floor(obj.x - r)),
      xb = Math.min(width - 1, Math.ceil(obj.x + r));
    const ya = Math.max(0, Math.floor(obj.y - r)),
      yb = Math.min(height - 1, Math.ceil(obj.y + r));
    for (let y = ya; y <= yb; y++) {
      for (let x = xa; x <= xb; x++) {
        const a = coverage(obj, cos, sin, x - obj.x, y - obj.y);
        if (a > 0) map[y * width + x]! += a * obj.salience;
      }
    }
  }
  // three box passes of radius r have variance 3·((2r+1)²−1)/12 = r(r+1)
  const sigma = blur * height;
  const radius = Math.max(0, Math.round((-1 + Math.sqrt(1 + 4 * sigma * sigma)) / 2));
  for (let p = 0; p < 3; p++) boxBlurInPlace(map, height, width, radius);
  let sum = 0;
  for (let i = 0; i < map.length; i++) sum += map[i]!;
  const add = sum > 0 ? (floor * sum) / map.length : 1;
  let total = 0;
  for (let i = 0; i < map.length; i++) {
    map[i]! += add;
    total += map[i]!;
  }
  for (let i = 0; i < map.length; i++) {
    const d = map[i]! / total;
    map[i] = output === 'logDensity' ? Math.log(d) : d;
  }
  return map;
}

export { OBJECT_KINDS };
