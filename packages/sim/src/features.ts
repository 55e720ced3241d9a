/**
 * The neurons' front end: local energy maps on a coarse grid, computed once per image, then pooled by each
 * neuron's Gaussian receptive field.
 *
 * At two scales (fine, coarse) the image is blurred, differentiated, and the structure tensor
 * `J = [gx², gx·gy, gy²]` is blurred again; the energy of an oriented filter at edge orientation θ is the
 * quadratic form `nᵀ J n` with the edge normal `n = (−sin θ, cos θ)`. A blob/dot channel holds the squared
 * Laplacian of the blurred image (a centre–surround filter). All maps share a grid of stride 4 px (2 px for images
 * lower than 160 px) and are linear in the pooling, so a neuron's pooled energy needs only the pooled maps.
 */
import { binomialBlur, downsample2, scratch } from './filters.js';
import { featureStride } from './stimulus.js';

/** The energy maps of one image. */
export interface FeatureMaps {
  /** Grid stride in image pixels. */
  readonly stride: number;
  /** Image coordinate of grid cell 0's centre (cell `j` is at `offset + stride·j`). */
  readonly offset: number;
  /** Grid size. */
  readonly height: number;
  readonly width: number;
  /**
   * Eight `[height, width]` maps: fine `Jxx, Jxy, Jyy, blob`, then coarse `Jxx, Jxy, Jyy, blob`.
   */
  readonly maps: readonly Float32Array[];
}

/** Which energy a neuron prefers. */
export interface FeaturePreference {
  /** `'oriented'`: edge/bar energy at `orientation`; `'blob'`: isotropic dot/texture energy. */
  readonly kind: 'oriented' | 'blob';
  /** Spatial scale: `'fine'` (periods of about 6–10 px at stride 4) or `'coarse'` (twice that). */
  readonly scale: 'fine' | 'coarse';
  /** Preferred edge orientation, radians in [0, π), from the x axis toward y (down). 0 for blobs. */
  readonly orientation: number;
  /** Orientation selectivity in [0, 1]: the oriented part's weight against isotropic gradient energy. 0 for blobs. */
  readonly selectivity: number;
}

/**
 * The four energy maps of one scale: structure tensor `gx², gx·gy, gy²` and the squared Laplacian
 * (centre–surround, the blob channel) of the binomially blurred level, locally averaged: a 2×2 box down to
 * the grid when `reduce`, then one binomial pass.
 */
function scaleMaps(level: Float32Array, h: number, w: number, reduce: boolean, out: readonly (Float32Array | undefined)[]): Float32Array[] {
  const n = h * w;
  const b = binomialBlur(level, h, w, scratch('fmBlur', n));
  const xx = scratch('fmXX', n),
    xy = scratch('fmXY', n),
    yy = scratch('fmYY', n),
    blob = scratch('fmBlob', n);
  for (let y = 0; y < h; y++) {
    const r = y * w;
    const up = y > 0 ? r - w : r,
      down = y < h - 1 ? r + w : r;
    const sy = y > 0 && y < h - 1 ? 0.5 : 1;
    for (let x = 0; x < w; x++) {
      const left = x > 0 ? x - 1 : x,
        right = x < w - 1 ? x + 1 : x;
      const c = b[r + x]!,
        l = b[r + left]!,
        rt = b[r + right]!,
        u = b[up + x]!,
        d = b[down + x]!;
      const gx = (rt - l) * (x > 0 && x < w - 1 ? 0.5 : 1);
      const gy = (d - u) * sy;
      const lap = l + rt + u + d - 4 * c;
      const i = r + x;
      xx[i] = gx * gx;
      xy[i] = gx * gy;
      yy[i] = gy * gy;
      blob[i] = lap * lap;
    }
  }
  return [xx, xy, yy, blob].map((m, c) => {
    if (!reduce) return binomialBlur(m, h, w, out[c]);
    const d = downsample2(m, h, w, scratch('fmDown', (h >> 1) * (w >> 1)));
    return binomialBlur(d.data, d.h, d.w, out[c]);
  });
}

/**
 * Energy maps of a grey image `[height, width]` (uint8 or float grey levels), on a grid of stride
 * {@link featureStride}`(height)`. `reuse`: maps of an earlier image of the same size whose arrays are
 * overwritten (and returned) instead of allocating new ones.
 */
export function computeFeatureMaps(image: ArrayLike<number>, height: number, width: number, reuse?: FeatureMaps): FeatureMaps {
  if (image.length !== height * width) {
    throw new RangeError(`sim.computeFeatureMaps: image has ${image.length} values, expected ${height}×${width}`);
  }
  const stride = featureStride(height);
  const levels = Math.log2(stride);
  // level 1 straight from the input (no full-resolution float copy); level 0 only when the fine scale needs it
  const h1 = height >> 1,
    w1 = width >> 1;
  const l1 = scratch('fmLevel1', h1 * w1);
  for (let y = 0; y < h1; y++) {
    const r0 = 2 * y * width,
      r1 = r0 + width,
      o = y * w1;
    for (let x = 0; x < w1; x++) {
      const c = 2 * x;
      l1[o + x] = 0.25 * (image[r0 + c]! + image[r0 + c + 1]! + image[r1 + c]! + image[r1 + c + 1]!);
    }
  }
  const pyramid: { data: Float32Array; h: number; w: number }[] = [];
  if (levels === 1) {
    const l0 = scratch('fmLevel0', height * width);
    for (let i = 0; i < height * width; i++) l0[i] = image[i]!;
    pyramid.push({ data: l0, h: height, w: width });
  } else {
    pyramid.push({ data: new Float32Array(0), h: height, w: width });
  }
  pyramid.push({ data: l1, h: h1, w: w1 });
  for (let k = 1; k < levels; k++) {
    const prev = pyramid[k]!;
    pyramid.push(downsample2(prev.data, prev.h, prev.w, scratch(`fmLevel${k + 1}`, (prev.h >> 1) * (prev.w >> 1))));
  }
  const fine = pyramid[levels - 1]!,
    coarse = pyramid[levels]!;
  const fits = reuse !== undefined && reuse.stride === stride && reuse.height === coarse.h && reuse.width === coarse.w;
  const out = fits ? reuse.maps : [];
  const maps = [...scaleMaps(fine.data, fine.h, fine.w, true, out.slice(0, 4)), ...scaleMaps(coarse.data, coarse.h, coarse.w, false, out.slice(4, 8))];
  return { stride, offset: (stride - 1) / 2, height: coarse.h, width: coarse.w, maps };
}

let wxBuf = new Float64Array(64),
  wyBuf = new Float64Array(64);

/**
 * The energy a neuron's feature preference collects through a Gaussian window of `sigma` px centred at
 * image coordinates `(x, y)`. The window is normalised over the whole plane, so a window hanging off the
 * image sees zeros there (as a zero-padded readout would).
 */
export function pooledEnergy(feature: FeaturePreference, maps: FeatureMaps, x: number, y: number, sigma: number): number {
  const { stride, offset, height: gh, width: gw } = maps;
  const cx = (x - offset) / stride,
    cy = (y - offset) / stride,
    s = sigma / stride;
  const r = Math.ceil(3 * s);
  const jx0 = Math.round(cx) - r,
    jy0 = Math.round(cy) - r,
    n = 2 * r + 1;
  const inv = -1 / (2 * s * s);
  if (n > wxBuf.length) {
    wxBuf = new Float64Array(2 * n);
    wyBuf = new Float64Array(2 * n);
  }
  const wx = wxBuf,
    wy = wyBuf;
  let sx = 0,
    sy = 0;
  for (let k = 0; k < n; k++) {
    wx[k] = Math.exp(inv * (jx0 + k - cx) ** 2);
    wy[k] = Math.exp(inv * (jy0 + k - cy) ** 2);
    sx += wx[k]!;
    sy += wy[k]!;
  }
  const norm = 1 / (sx * sy);
  const base = feature.scale === 'fine' ? 0 : 4;
  const kxA = Math.max(0, -jx0),
    kxB = Math.min(n, gw - jx0);
  const kyA = Math.max(0, -jy0),
    kyB = Math.min(n, gh - jy0);
  if (feature.kind === 'blob') {
    const m = maps.maps[base + 3]!;
    let acc = 0;
    for (let ky = kyA; ky < kyB; ky++) {
      const row = (jy0 + ky) * gw + jx0;
      let racc = 0;
      for (let kx = kxA; kx < kxB; kx++) racc += wx[kx]! * m[row + kx]!;
      acc += wy[ky]! * racc;
    }
    return acc * norm;
  }
  const mxx = maps.maps[base]!,
    mxy = maps.maps[base + 1]!,
    myy = maps.maps[base + 2]!;
  let axx = 0,
    axy = 0,
    ayy = 0;
  for (let ky = kyA; ky < kyB; ky++) {
    const row = (jy0 + ky) * gw + jx0;
    let rxx = 0,
      rxy = 0,
      ryy = 0;
    for (let kx = kxA; kx < kxB; kx++) {
      const wk = wx[kx]!,
        i = row + kx;
      rxx += wk * mxx[i]!;
      rxy += wk * mxy[i]!;
      ryy += wk * myy[i]!;
    }
    const wk = wy[ky]!;
    axx += wk * rxx;
    axy += wk * rxy;
    ayy += wk * ryy;
  }
  const sn = Math.sin(feature.orientation),
    cs = Math.cos(feature.orientation);
  const oriented = sn * sn * axx - 2 * sn * cs * axy + cs * cs * ayy;
  const k = feature.selectivity;
  return (k * oriented + (1 - k) * 0.5 * (axx + ayy)) * norm;
}
