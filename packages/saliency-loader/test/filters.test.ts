import { describe, expect, it } from 'vitest';
import { SalConfigError, SalShapeError } from '@sal/types';
import { cropImage, gaussianFilter2d, gaussianKernel1d, rescale, rescaleShape, sobel } from '../src/index.js';
import { maxRelErr, refs } from './refs.js';

const F = refs.filters as Record<string, unknown> & { img: { shape: number[]; values: number[] }; big: { shape: number[]; values: number[] } };
const [H, W] = F.img.shape as [number, number];
const IMG = F.img.values;

describe('gaussianFilter2d', () => {
  it('kernel: radius int(4σ+0.5), normalised, hand-computed for σ=0.5', () => {
    const k = gaussianKernel1d(0.5);
    expect(k.length).toBe(5); // radius int(2.5) = 2
    const e1 = Math.exp(-2),
      e2 = Math.exp(-8);
    const s = 1 + 2 * e1 + 2 * e2;
    expect(Array.from(k)).toEqual([e2 / s, e1 / s, 1 / s, e1 / s, e2 / s].map((v) => expect.closeTo(v, 15)));
    expect(gaussianKernel1d(5).length).toBe(41);
  });

  it("hand-computed: 1-D impulse with 'reflect' folds the tail back half-sample", () => {
    // a row [1, 0, 0] with σ = 0.5 (radius 2): reflect gives 'a | a b c' at the left edge
    const k = gaussianKernel1d(0.5);
    const out = gaussianFilter2d([1, 0, 0], 1, 3, 0.5);
    // out[i] = Σ_j k[j]·in[i+j−2]; in[−1] → in[0], in[−2] → in[1], in[3] → in[2], in[4] → in[1]
    // out[0] = k1·in[0] + k2·in[0]... = k1 + k2 ; out[1] = k0·in[−1→0] + k1·in[0] = k0 + k1 ; out[2] = k0·in[0]
    expect(out[0]).toBeCloseTo(k[1]! + k[2]!, 6);
    expect(out[1]).toBeCloseTo(k[0]! + k[1]!, 6);
    expect(out[2]).toBeCloseTo(k[0]!, 6);
    // a constant image is unchanged in every mode except 'constant'
    for (const mode of ['reflect', 'mirror', 'nearest', 'wrap'] as const) {
      const c = gaussianFilter2d(new Float32Array(12).fill(3), 3, 4, 1.3, { mode });
      for (const v of c) expect(v).toBeCloseTo(3, 5);
    }
  });

  it('matches scipy.ndimage.gaussian_filter (several σ, modes, radius larger than the image)', () => {
    for (const s of ['0.5', '1.0', '2.5']) expect(maxRelErr(gaussianFilter2d(IMG, H, W, Number(s)), F[`gaussian_${s}`] as number[])).toBeLessThan(1e-6);
    expect(maxRelErr(gaussianFilter2d(IMG, H, W, 1, { mode: 'nearest' }), F['gaussian_nearest_1.0'] as number[])).toBeLessThan(1e-6);
    expect(maxRelErr(gaussianFilter2d(IMG, H, W, 1, { mode: 'mirror', truncate: 2 }), F['gaussian_mirror_1.0_t2'] as number[])).toBeLessThan(1e-6);
    expect(maxRelErr(gaussianFilter2d(IMG, H, W, 5), F['gaussian_big_sigma_5'] as number[])).toBeLessThan(1e-6);
  });

  it('rejects bad arguments with typed errors', () => {
    expect(() => gaussianFilter2d([1, 2, 3], 2, 2, 1)).toThrow(SalShapeError);
    expect(() => gaussianFilter2d([1, 2, 3, 4], 2, 2, -1)).toThrow(SalConfigError);
    expect(() => gaussianFilter2d([1, 2, 3, 4], 2, 2, 1, { mode: 'bogus' as never })).toThrow(SalConfigError);
    expect(() => gaussianFilter2d([1, 2, 3, 4], 2, 2, 1, { sigma: 1 } as never)).toThrow(SalConfigError);
  });
});

describe('sobel', () => {
  it('hand-computed on a ramp: positive along the growing index, 8× the slope inside', () => {
    // img[y][x] = 2x + 5y on 3×4
    const img = Array.from({ length: 12 }, (_, i) => 2 * (i % 4) + 5 * Math.floor(i / 4));
    const gx = sobel(img, 3, 4, 1);
    const gy = sobel(img, 3, 4, 0);
    // interior: (in[x+1]-in[x-1]) = 4 per row, weighted 1+2+1 → 16 ; along y: 10·4 = 40
    expect(gx[5]).toBeCloseTo(16, 6);
    expect(gy[5]).toBeCloseTo(40, 6);
    // 'nearest' edge: x=0 sees in[-1]=in[0], so the difference is 2 → 8
    expect(gx[4]).toBeCloseTo(8, 6);
    expect(gy[1]).toBeCloseTo(20, 6);
    expect(() => sobel(img, 3, 4, 2 as never)).toThrow(SalConfigError);
  });

  it('matches scipy.ndimage.sobel on both axes', () => {
    expect(maxRelErr(sobel(IMG, H, W, 0), F['sobel_axis0'] as number[])).toBeLessThan(1e-6);
    expect(maxRelErr(sobel(IMG, H, W, 1), F['sobel_axis1'] as number[])).toBeLessThan(1e-6);
    expect(maxRelErr(sobel(IMG, H, W, 1, { mode: 'reflect' }), F['sobel_reflect_axis1'] as number[])).toBeLessThan(1e-6);
  });
});

describe('crop and rescale', () => {
  it('crops ((top,bottom),(left,right)) with a subsample step (hand-computed)', () => {
    const img = Array.from({ length: 30 }, (_, i) => i); // 5×6
    const c = cropImage(img, 5, 6, [
      [1, 0],
      [1, 2],
    ]);
    expect([c.h, c.w]).toEqual([4, 3]);
    expect(Array.from(c.data)).toEqual([7, 8, 9, 13, 14, 15, 19, 20, 21, 25, 26, 27]);
    const s = cropImage(
      img,
      5,
      6,
      [
        [0, 0],
        [0, 0],
      ],
      2,
    );
    expect([s.h, s.w]).toEqual([3, 3]);
    expect(Array.from(s.data)).toEqual([0, 2, 4, 12, 14, 16, 24, 26, 28]);
  });

  it('refuses crops as large as the image', () => {
    expect(() =>
      cropImage(new Float32Array(30), 5, 6, [
        [3, 2],
        [0, 0],
      ]),
    ).toThrow(SalConfigError);
    expect(() =>
      cropImage(new Float32Array(30), 5, 6, [
        [0, 0],
        [7, 0],
      ]),
    ).toThrow(/crop/);
  });

  it('output size is the rounded product (208·0.4 → 83, 236·0.4 → 94)', () => {
    expect(rescaleShape(208, 208, 0.4)).toEqual([83, 83]);
    expect(rescaleShape(128, 128, 0.4)).toEqual([51, 51]);
    expect(rescaleShape(236, 420, 0.4)).toEqual([94, 168]);
  });

  it('hand-computed: ×2 upscale of [0, 4] gives [0, 1, 3, 4] (pixel centres, mirror edge)', () => {
    const r = rescale([0, 4], 1, 2, 2);
    expect([r.h, r.w]).toEqual([2, 4]);
    // x_in = (x+0.5)/2 − 0.5 = −0.25, 0.25, 0.75, 1.25 → mirror −0.25 ≡ 0.25 → 1, 1, 3, 3
    expect(Array.from(r.data.slice(0, 4))).toEqual([1, 1, 3, 3]);
  });

  it('matches skimage.transform.rescale(order=1, mode=reflect, anti_aliasing=False, preserve_range=True)', () => {
    const [bh, bw] = F.big.shape as [number, number];
    for (const s of ['0.4', '0.5', '1.7', '2.54']) {
      const ref = F[`rescale_${s}`] as { shape: number[]; values: number[] };
      const r = rescale(F.big.values, bh, bw, Number(s));
      expect([r.h, r.w]).toEqual(ref.shape);
      expect(maxRelErr(r.data, ref.values)).toBeLessThan(1e-5);
    }
    const t = F['tiny_rescale_0.4'] as { shape: number[]; values: number[] };
    const r = rescale([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 3, 4, 0.4);
    expect([r.h, r.w]).toEqual(t.shape);
    expect(maxRelErr(r.data, t.values)).toBeLessThan(1e-6);
  });

  it('crop → rescale → gaussian → sobel matches the scipy/skimage pipeline', () => {
    const p = F['pipeline'] as { shape: number[]; scaled: number[]; grad_x: number[]; grad_y: number[] };
    const [bh, bw] = F.big.shape as [number, number];
    const c = cropImage(F.big.values, bh, bw, [
      [2, 1],
      [3, 4],
    ]);
    const r = rescale(c.data, c.h, c.w, 0.5);
    expect([r.h, r.w]).toEqual(p.shape);
    expect(maxRelErr(r.data, p.scaled)).toBeLessThan(1e-5);
    const g = gaussianFilter2d(r.data, r.h, r.w, 1);
    expect(maxRelErr(sobel(g, r.h, r.w, 1), p.grad_x)).toBeLessThan(1e-4);
    expect(maxRelErr(sobel(g, r.h, r.w, 0), p.grad_y)).toBeLessThan(1e-4);
  });
});

describe('fastGaussianBlur (inside the saliency model)', () => {
  it('three boxes match the variance of σ and approximate the exact Gaussian', async () => {
    const { boxWidths, fastGaussianBlur } = await import('../src/fastblur.js');
    for (const s of [3, 4.5, 8, 20]) {
      const v = boxWidths(s).reduce((a, bw) => a + (bw * bw - 1) / 12, 0);
      expect(Math.abs(Math.sqrt(v) - s) / s).toBeLessThan(0.1);
    }
    const h = 30,
      w = 40;
    const img = Float32Array.from({ length: h * w }, (_, i) => ((i * 7919) % 97) + 10 * Math.sin(i / 13));
    const exact = gaussianFilter2d(img, h, w, 4);
    const fast = fastGaussianBlur(img, h, w, 4);
    let err = 0,
      mag = 0;
    for (let i = 0; i < img.length; i++) {
      err = Math.max(err, Math.abs(fast[i]! - exact[i]!));
      mag = Math.max(mag, Math.abs(exact[i]!));
    }
    expect(err / mag).toBeLessThan(0.03);
    // a constant stays constant (reflect boundary)
    for (const v of fastGaussianBlur(new Float32Array(h * w).fill(2), h, w, 9)) expect(v).toBeCloseTo(2, 5);
  });
});
