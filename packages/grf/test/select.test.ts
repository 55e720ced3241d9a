import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, createRng } from '@sal/types';
import { closeness, expectNoLeaks } from '../../test-utils/src/index.js';
import { bottomKImages, predictResponses, takeImages, topKImages } from '../src/index.js';
import { randn, tinyConvModel } from './models.js';

/** Brute force: k rounds of picking the best remaining image (strictly better, or equal with a lower index). */
function bruteForce(data: ArrayLike<number>, m: number, n: number, k: number, top: boolean): number[][] {
  const out: number[][] = [];
  for (let j = 0; j < n; j++) {
    const used = new Set<number>();
    const row: number[] = [];
    for (let r = 0; r < k; r++) {
      let best = -1;
      for (let i = 0; i < m; i++) {
        if (used.has(i)) continue;
        const v = data[i * n + j]!;
        if (best < 0) {
          best = i;
          continue;
        }
        const bv = data[best * n + j]!;
        if (Number.isNaN(v)) continue;
        if (Number.isNaN(bv) || (top ? v > bv : v < bv)) best = i;
      }
      used.add(best);
      row.push(best);
    }
    out.push(row);
  }
  return out;
}

describe('topKImages / bottomKImages', () => {
  it('match a brute-force selection, with ties and NaN', () => {
    const m = 40,
      n = 5,
      k = 7;
    const rng = createRng(3);
    // Integer-valued responses (spike counts) give many ties.
    const data = Float32Array.from({ length: m * n }, () => rng.int(6));
    data[3 * n + 1] = NaN;
    data[10 * n + 1] = NaN;
    const resp = { data, shape: [m, n] as const };
    for (const top of [true, false]) {
      const sel = top ? topKImages(resp, k) : bottomKImages(resp, k);
      expect(sel.shape).toEqual([n, k]);
      const want = bruteForce(data, m, n, k, top);
      for (let j = 0; j < n; j++) {
        expect(Array.from(sel.indices.subarray(j * k, (j + 1) * k))).toEqual(want[j]);
        expect(Array.from(sel.values.subarray(j * k, (j + 1) * k))).toEqual(want[j]!.map((i) => data[i * n + j]));
      }
    }
  });

  it('a hand-made case', () => {
    // 4 images × 2 neurons
    const resp = { data: [1, 9, 5, 2, 3, 7, 4, 0], shape: [4, 2] as const };
    expect(Array.from(topKImages(resp, 2).indices)).toEqual([1, 3, 0, 2]);
    expect(Array.from(bottomKImages(resp, 3).indices)).toEqual([0, 2, 3, 3, 1, 2]);
    expect(Array.from(topKImages(resp, 0).indices)).toEqual([]);
  });

  it('reject bad arguments', () => {
    expect(() => topKImages({ data: [1, 2, 3], shape: [2, 2] }, 1)).toThrow(SalShapeError);
    expect(() => topKImages({ data: [1, 2, 3, 4], shape: [2, 2] }, 3)).toThrow(SalConfigError);
    expect(() => bottomKImages({ data: [1, 2, 3, 4], shape: [2, 2] }, 1.5)).toThrow(SalConfigError);
  });
});

describe('predictResponses', () => {
  it('equals the model on the whole batch at once', () => {
    const B = 7,
      H = 5,
      W = 6,
      C = 2;
    const { model, dispose } = tinyConvModel(H, W, C, 2, 3, 5);
    const data = randn(B * H * W * C, 6);
    const got = predictResponses(model, { data, shape: [B, H, W, C] }, { batchSize: 3 });
    expect(got.shape).toEqual([B, 3]);
    const want = tf.tidy(() => model(tf.tensor4d(data, [B, H, W, C])).dataSync());
    expect(closeness(got.data, want, 1e-5, 1e-7)).toBeLessThan(1);
    dispose();
  });
});

describe('takeImages', () => {
  it('picks images by index from a tensor or a CPU array, without leaks', () => {
    const data = Float32Array.from({ length: 4 * 2 * 3 }, (_, i) => i);
    const t = tf.tensor4d(data, [4, 2, 3, 1]);
    const a = expectNoLeaks(() => takeImages(t, [3, 0, 3]));
    const b = takeImages({ data, shape: [4, 2, 3, 1] }, [3, 0, 3]);
    expect(a.shape).toEqual([3, 2, 3, 1]);
    expect(Array.from(a.data)).toEqual([18, 19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5, 18, 19, 20, 21, 22, 23]);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(() => takeImages(t, [4])).toThrow(SalShapeError);
    t.dispose();
  });
});
