import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalShapeError } from '@sal/types';
import { initBackend, type BackendPreference } from '@sal/backend';
import { bilinearSample } from '../src/index.js';
import { closeness, expectArraysClose, expectNoLeaks, finiteDifferenceGrad, onBackend } from '../../test-utils/src/index.js';
import { bruteBilinear, randn, uniform } from './reference.js';

beforeAll(async () => {
  // the wasm-vs-cpu comparison needs wasm started even when the suite runs on cpu (SAL_TEST_BACKEND=cpu)
  if (!tf.findBackend('wasm')) {
    const prev = tf.getBackend() as BackendPreference;
    await initBackend({ prefer: 'wasm' });
    await initBackend({ prefer: prev });
  }
});

describe('bilinearSample', () => {
  it('matches the brute-force grid_sample formula at random positions (non-square, in and out of range)', () => {
    const shape = [2, 5, 7, 3];
    const fv = randn(2 * 5 * 7 * 3, 1);
    const n = 40;
    const gv = uniform(2 * n * 2, 2, -1.3, 1.3);
    const f = tf.tensor4d(fv, shape as [number, number, number, number]);
    const g = tf.tensor3d(gv, [2, n, 2]);
    const out = expectNoLeaks(() => bilinearSample(f, g), 'bilinearSample');
    expect(out.shape).toEqual([2, n, 3]);
    expectArraysClose(out.dataSync(), bruteBilinear(fv, shape, gv, n), 1e-5, 1e-5);
    tf.dispose([f, g, out]);
  });

  it('a shared grid [N,2] equals the same grid repeated per image', () => {
    const shape = [3, 4, 6, 2] as [number, number, number, number];
    const fv = randn(3 * 4 * 6 * 2, 3);
    const gv = uniform(10 * 2, 4, -1, 1);
    const rep = new Float32Array(3 * 20);
    for (let b = 0; b < 3; b++) rep.set(gv, b * 20);
    const f = tf.tensor4d(fv, shape),
      g = tf.tensor2d(gv, [10, 2]);
    const out = expectNoLeaks(() => bilinearSample(f, g), 'shared grid');
    expect(out.shape).toEqual([3, 10, 2]);
    expectArraysClose(out.dataSync(), bruteBilinear(fv, shape, rep, 10), 1e-5, 1e-5);
    tf.dispose([f, g, out]);
  });

  it('returns the pixels at exact pixel centres and the corners at ±1', () => {
    const h = 3,
      w = 4;
    const fv = Float32Array.from({ length: h * w }, (_, i) => i + 1); // pixel (y,x) = y*w + x + 1
    const f = tf.tensor4d(fv, [1, h, w, 1]);
    const pos: number[] = [],
      want: number[] = [];
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        pos.push(-1 + (2 * x) / (w - 1), -1 + (2 * y) / (h - 1));
        want.push(y * w + x + 1);
      }
    const g = tf.tensor3d(pos, [1, h * w, 2]);
    const out = bilinearSample(f, g);
    expectArraysClose(out.dataSync(), want, 1e-5, 1e-5);
    const corners = tf.tensor3d([-1, -1, 1, -1, -1, 1, 1, 1], [1, 4, 2]);
    const c = bilinearSample(f, corners);
    expectArraysClose(c.dataSync(), [1, 4, 9, 12], 0, 1e-5);
    tf.dispose([f, g, out, corners, c]);
  });

  it('a point midway between two pixel centres averages them; outside the map it reads zeros', () => {
    const f = tf.tensor4d([1, 3, 10, 30], [1, 2, 2, 1]); // [[1,3],[10,30]]
    const g = tf.tensor3d([0, -1, -1, 0, 0, 0, 3.5, 0, 0, -3.01, 1.5, 1.5, -2, -2], [1, 7, 2]);
    const out = bilinearSample(f, g);
    // (0,-1): mean of 1,3 = 2; (-1,0): mean of 1,10 = 5.5; centre: 11; far outside: 0;
    // (1.5,1.5): pixel (1.25,1.25) → only (1,1) in range, weight 0.75² → 16.875; (-2,-2): pixel (-0.5,-0.5) → 0.5²·1
    expectArraysClose(out.dataSync(), [2, 5.5, 11, 0, 0, 16.875, 0.25], 1e-6, 1e-6);
    tf.dispose([f, g, out]);
  });

  it('handles a single row or column (H = 1 or W = 1)', () => {
    const f = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
    const g = tf.tensor3d([0, 0, 0.5, 0.7, -1, -0.3], [1, 3, 2]);
    const out = bilinearSample(f, g);
    expectArraysClose(out.dataSync(), bruteBilinear([1, 2, 3], [1, 1, 3, 1], [0, 0, 0.5, 0.7, -1, -0.3], 3), 1e-6, 1e-6);
    expectArraysClose(out.dataSync(), [2, 2.5, 1], 1e-6, 1e-6);
    tf.dispose([f, g, out]);
  });

  // positions kept away from pixel boundaries (where the derivative jumps): fractional parts in [0.2, 0.8]
  function interiorGrid(b: number, n: number, h: number, w: number, seed: number): Float32Array {
    const u = uniform(b * n * 4, seed, 0, 1);
    const out = new Float32Array(b * n * 2);
    for (let i = 0; i < b * n; i++) {
      const px = Math.floor(u[4 * i]! * (w - 1)) + 0.2 + 0.6 * u[4 * i + 1]!;
      const py = Math.floor(u[4 * i + 2]! * (h - 1)) + 0.2 + 0.6 * u[4 * i + 3]!;
      out[2 * i] = (2 * px) / (w - 1) - 1;
      out[2 * i + 1] = (2 * py) / (h - 1) - 1;
    }
    return out;
  }

  it('gradients to features and positions match central finite differences', () => {
    const shape = [2, 4, 5, 2] as [number, number, number, number];
    const fv = randn(2 * 4 * 5 * 2, 5);
    const n = 6;
    const gv = interiorGrid(2, n, 4, 5, 6);
    gv[0] = 1.2; // one point partly outside: its in-range corners still get gradient
    gv[1] = 0.1;
    const r = tf.tensor3d(randn(2 * n * 2, 7), [2, n, 2]);
    const f = tf.tensor4d(fv, shape),
      g = tf.tensor3d(gv, [2, n, 2]);
    const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(bilinearSample(a as tf.Tensor4D, b as tf.Tensor3D), r));
    const [gf, gg] = tf.grads(loss)([f, g]);
    const fdF = finiteDifferenceGrad((a) => loss(a, g), f, { eps: 1e-2 });
    const fdG = finiteDifferenceGrad((b) => loss(f, b), g, { eps: 1e-3 });
    expect(closeness(gf!.dataSync(), fdF, 1e-3, 1e-3)).toBeLessThan(1);
    expect(closeness(gg!.dataSync(), fdG, 1e-2, 2e-3)).toBeLessThan(1);
    // sanity: the position gradient is not trivially zero
    expect(Math.max(...Array.from(fdG, Math.abs))).toBeGreaterThan(0.1);
    tf.dispose([r, f, g, gf!, gg!]);
  });

  it('points sharing corners add their feature gradients (duplicate indices are summed)', () => {
    const f = tf.tensor4d(randn(2 * 3 * 3 * 2, 15), [2, 3, 3, 2]);
    const once = tf.tensor3d([0.3, -0.4, 0.3, -0.4], [2, 1, 2]);
    const twice = tf.tensor3d([0.3, -0.4, 0.3, -0.4, 0.3, -0.4, 0.3, -0.4], [2, 2, 2]);
    const g1 = tf.grad((a: tf.Tensor) => tf.sum(bilinearSample(a as tf.Tensor4D, once)))(f);
    const g2 = tf.grad((a: tf.Tensor) => tf.sum(bilinearSample(a as tf.Tensor4D, twice)))(f);
    expectArraysClose(
      g2.dataSync(),
      Array.from(g1.dataSync(), (v) => 2 * v),
      1e-6,
      1e-6,
    );
    // pixel (x, y) = (1.3·1, 0.6·1): the weights of the four corners sum to 1 per image and channel
    expectArraysClose([tf.sum(g1).dataSync()[0]!], [2 * 2], 1e-5, 1e-5);
    tf.dispose([f, once, twice, g1, g2]);
  });

  it('the gradient of a shared grid sums over the batch', () => {
    const shape = [3, 4, 4, 1] as [number, number, number, number];
    const fv = randn(48, 8);
    const gv = interiorGrid(1, 5, 4, 4, 9);
    const f = tf.tensor4d(fv, shape),
      g = tf.tensor2d(gv, [5, 2]);
    const loss = (b: tf.Tensor) => tf.sum(tf.square(bilinearSample(f, b as tf.Tensor2D)));
    const gg = tf.grad(loss)(g);
    expect(gg.shape).toEqual([5, 2]);
    const fd = finiteDifferenceGrad(loss, g, { eps: 1e-3 });
    expect(closeness(gg.dataSync(), fd, 1e-2, 2e-3)).toBeLessThan(1);
    tf.dispose([f, g, gg]);
  });

  it('values and gradients on wasm match the cpu backend', async () => {
    const shape = [2, 6, 5, 3] as [number, number, number, number];
    const fv = randn(2 * 6 * 5 * 3, 10);
    const gv = uniform(2 * 9 * 2, 11, -1.1, 1.1);
    const rv = randn(2 * 9 * 3, 12);
    const run = () =>
      tf.tidy(() => {
        const f = tf.tensor4d(fv, shape),
          g = tf.tensor3d(gv, [2, 9, 2]),
          r = tf.tensor3d(rv, [2, 9, 3]);
        const y = bilinearSample(f, g);
        const [gf, gg] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(bilinearSample(a as tf.Tensor4D, b as tf.Tensor3D), r)))([f, g]);
        return [y.dataSync().slice(), gf!.dataSync().slice(), gg!.dataSync().slice()];
      });
    const ref = await onBackend('cpu', run);
    const got = await onBackend('wasm', run);
    for (let i = 0; i < 3; i++) expect(closeness(got[i]!, ref[i]!, 1e-5, 1e-5)).toBeLessThan(1);
  });

  it('gradient computation leaks no tensors', () => {
    const f = tf.tensor4d(randn(32, 13), [2, 4, 4, 1]);
    const g = tf.tensor3d(uniform(12, 14, -1, 1), [2, 3, 2]);
    const grads = expectNoLeaks(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(bilinearSample(a as tf.Tensor4D, b as tf.Tensor3D)))([f, g]), 'grads');
    tf.dispose([f, g, ...grads]);
  });

  it('a shared grid: values and both gradients on wasm match the cpu backend, without leaks', async () => {
    const shape = [3, 5, 6, 4] as [number, number, number, number];
    const fv = randn(3 * 5 * 6 * 4, 16);
    const gv = uniform(7 * 2, 17, -1.1, 1.1);
    const rv = randn(3 * 7 * 4, 18);
    const run = () => {
      const f = tf.tensor4d(fv, shape),
        g = tf.tensor2d(gv, [7, 2]),
        r = tf.tensor3d(rv, [3, 7, 4]);
      const y = expectNoLeaks(() => bilinearSample(f, g), 'shared grid');
      const [gf, gg] = expectNoLeaks(
        () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(bilinearSample(a as tf.Tensor4D, b as tf.Tensor2D), r)))([f, g]),
        'shared-grid grads',
      );
      const out = [y.dataSync().slice(), gf!.dataSync().slice(), gg!.dataSync().slice()];
      tf.dispose([f, g, r, y, gf!, gg!]);
      return out;
    };
    const ref = await onBackend('cpu', run);
    const got = await onBackend('wasm', run);
    expect(got[2]!.length).toBe(14);
    for (let i = 0; i < 3; i++) expect(closeness(got[i]!, ref[i]!, 1e-5, 1e-5)).toBeLessThan(1);
  });

  it('rejects wrong ranks and shapes with SalShapeError', () => {
    const f = tf.zeros([2, 3, 3, 1]) as tf.Tensor4D;
    expect(() => bilinearSample(tf.zeros([3, 3, 1]) as unknown as tf.Tensor4D, tf.zeros([2, 1, 2]) as tf.Tensor3D)).toThrow(SalShapeError);
    expect(() => bilinearSample(f, tf.zeros([2, 1, 3]) as tf.Tensor3D)).toThrow(SalShapeError);
    expect(() => bilinearSample(f, tf.zeros([3, 1, 2]) as tf.Tensor3D)).toThrow(SalShapeError);
    expect(() => bilinearSample(f, tf.zeros([4, 3]) as tf.Tensor2D)).toThrow(SalShapeError);
    expect(() => bilinearSample(f, [[0, 0]] as unknown as tf.Tensor2D)).toThrow(TypeError);
    tf.dispose(f);
  });
});
