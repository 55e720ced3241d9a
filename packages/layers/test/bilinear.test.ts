/**
 * The bilinear corner weights by hand, and `bilinearSample` against a brute-force `grid_sample` (align
 * corners, zero padding) with gradients checked by central finite differences.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectArraysClose, expectNoLeaks, finiteDifferenceGrad } from '@sal/test-utils';
import { bilinearSample, bilinearSampleHost, forEachCorner, gridToPixel, hasFusedBilinearSample } from '../src/index.js';

function cornersOf(px: number, py: number, h: number, w: number): Array<[number, number, number, number]> {
  const out: Array<[number, number, number, number]> = [];
  forEachCorner(px, py, h, w, (k, yi, xi, wx, wy) => out.push([k, yi, xi, wx * wy]));
  return out;
}

/** Brute force: Σ over the four corners in range of value × (1 − |px − xi|)(1 − |py − yi|). */
function brute(f: Float32Array, [b, h, w, c]: number[], grid: Float32Array, n: number): Float64Array {
  const out = new Float64Array(b! * n * c!);
  for (let bi = 0; bi < b!; bi++)
    for (let p = 0; p < n; p++) {
      const px = ((grid[(bi * n + p) * 2]! + 1) / 2) * (w! - 1);
      const py = ((grid[(bi * n + p) * 2 + 1]! + 1) / 2) * (h! - 1);
      for (let yi = 0; yi < h!; yi++)
        for (let xi = 0; xi < w!; xi++) {
          const wt = Math.max(0, 1 - Math.abs(px - xi)) * Math.max(0, 1 - Math.abs(py - yi));
          if (wt === 0) continue;
          for (let ch = 0; ch < c!; ch++) out[(bi * n + p) * c! + ch]! += wt * f[((bi * h! + yi) * w! + xi) * c! + ch]!;
        }
    }
  return out;
}

describe('bilinear corners', () => {
  it('gridToPixel maps -1, 0, +1 to the first pixel centre, the middle, the last pixel centre', () => {
    expect(gridToPixel(-1, 5)).toBe(0);
    expect(gridToPixel(0, 5)).toBe(2);
    expect(gridToPixel(1, 5)).toBe(4);
    expect(gridToPixel(0.5, 3)).toBe(1.5);
  });

  it('weights by hand inside, at the border (zero padding), on a pixel centre and for non-finite points', () => {
    // (x, y) = (1.25, 0.5) on 3×4: x0 1, y0 0, fx 0.25, fy 0.5
    expect(cornersOf(1.25, 0.5, 3, 4)).toEqual([
      [0, 0, 1, 0.375],
      [1, 0, 2, 0.125],
      [2, 1, 1, 0.375],
      [3, 1, 2, 0.125],
    ]);
    // (−0.5, 2.0) on 3×4: the left corners are outside, the bottom row y = 3 is outside
    expect(cornersOf(-0.5, 2, 3, 4)).toEqual([[1, 2, 0, 0.5]]);
    // a pixel centre: full weight there, the neighbours to the right/below visited with weight 0
    expect(cornersOf(2, 1, 3, 4)).toEqual([
      [0, 1, 2, 1],
      [1, 1, 3, 0],
      [2, 2, 2, 0],
      [3, 2, 3, 0],
    ]);
    expect(cornersOf(Number.NaN, 1, 3, 4)).toEqual([]);
    expect(cornersOf(1, Number.POSITIVE_INFINITY, 3, 4)).toEqual([]);
    expect(cornersOf(9, 1, 3, 4)).toEqual([]);
  });
});

describe('bilinearSample', () => {
  const shape = [2, 4, 5, 3];
  const fv = Float32Array.from({ length: 2 * 4 * 5 * 3 }, (_, i) => Math.sin(0.7 * i) + 0.1 * (i % 7));
  const n = 6;
  // inside, on the border, half outside and fully outside
  const gv = Float32Array.from([0.1, -0.3, -1, -1, 1, 1, -1.2, 0.4, 0.77, 1.1, 3, 0, -0.45, 0.62, 0.33, -0.91, 0.9, 0.05, -0.7, -0.7, 0.2, 0.99, -0.05, 0.5]);

  it('matches brute-force grid_sample and does not leak', () => {
    const f = tf.tensor4d(fv, shape as [number, number, number, number]);
    const g = tf.tensor3d(gv, [2, n, 2]);
    const out = expectNoLeaks(() => bilinearSample(f, g), 'bilinearSample');
    expectArraysClose(out.dataSync(), brute(fv, shape, gv, n), 1e-5, 1e-6);
    tf.dispose([f, g, out]);
  });

  it('gradients to the features and the positions match central finite differences', () => {
    const f = tf.tensor4d(fv, shape as [number, number, number, number]);
    // positions off the pixel lattice (the position derivative jumps there) and inside the map
    const inside = Float32Array.from(gv, (v, i) => Math.max(-0.93, Math.min(0.93, v)) + 0.013 * (i % 3));
    const g = tf.tensor3d(inside, [2, n, 2]);
    const r = tf.tensor3d(
      Float32Array.from({ length: 2 * n * 3 }, (_, i) => Math.cos(i)),
      [2, n, 3],
    );
    const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(bilinearSample(a as tf.Tensor4D, b as tf.Tensor3D), r));
    const [gf, gg] = expectNoLeaks(() => tf.grads(loss)([f, g]), 'grads');
    expectArraysClose(
      gf!.dataSync(),
      finiteDifferenceGrad((a) => loss(a, g), f, { eps: 1e-2 }),
      1e-3,
      1e-3,
    );
    expectArraysClose(
      gg!.dataSync(),
      finiteDifferenceGrad((b) => loss(f, b), g, { eps: 1e-3 }),
      2e-2,
      2e-3,
    );
    tf.dispose([f, g, r, gf!, gg!]);
  });

  it("the fused kernels (where registered) give the host path's bits: values and both gradients, per-image and shared grids", () => {
    // whatever the backend: with @sal/native on wasm, one path runs the fused kernels and the other the host corners
    expect(hasFusedBilinearSample()).toBe(tf.getKernel('SalBatchNormTrain', tf.getBackend()) !== undefined);
    const big = [3, 11, 13, 32] as const;
    const fb = tf.tensor4d(
      Float32Array.from({ length: 3 * 11 * 13 * 32 }, (_, i) => Math.sin(0.37 * i) * (1 + (i % 5))),
      [...big],
    );
    for (const [label, grid] of [
      [
        'per-image',
        tf.tensor3d(
          Float32Array.from({ length: 3 * 40 * 2 }, (_, i) => 1.3 * Math.sin(1.7 * i + 0.2)),
          [3, 40, 2],
        ),
      ],
      [
        'shared',
        tf.tensor2d(
          Float32Array.from({ length: 40 * 2 }, (_, i) => 1.2 * Math.cos(0.9 * i)),
          [40, 2],
        ),
      ],
    ] as const) {
      const r = tf.tensor3d(
        Float32Array.from({ length: 3 * 40 * 32 }, (_, i) => Math.cos(0.3 * i)),
        [3, 40, 32],
      );
      const run = (op: typeof bilinearSample) => {
        const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(op(a as tf.Tensor4D, b as tf.Tensor3D), r));
        const out = op(fb, grid);
        const [gf, gg] = tf.grads(loss)([fb, grid]);
        const res = [out.dataSync(), gf!.dataSync(), gg!.dataSync()] as Float32Array[];
        tf.dispose([out, gf!, gg!]);
        return res;
      };
      const fused = expectNoLeaks(() => run(bilinearSample), `fused ${label}`);
      const host = run(bilinearSampleHost);
      for (let i = 0; i < 3; i++) expectArraysClose(fused[i] as Float32Array, host[i] as Float32Array, 0, 0);
      tf.dispose([grid, r]);
    }
    tf.dispose(fb);
  });
});
