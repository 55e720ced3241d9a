import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks } from '@sal/test-utils';
import { groupSparsity, laplaceL2, laplaceL2Norm, stacked2dCore } from '../src/index.js';
import { randValues } from './helpers.js';

/** Brute-force Σ(L∗w)²/Σw² over single-channel filters of a [kh,kw,in,out] kernel, zero padding p. */
function laplaceRef(w: ArrayLike<number>, kh: number, kw: number, cin: number, cout: number, p: number): number {
  const L = [
    [0, -1, 0],
    [-1, 4, -1],
    [0, -1, 0],
  ];
  let num = 0,
    den = 0;
  for (let c = 0; c < cin; c++)
    for (let o = 0; o < cout; o++) {
      const at = (i: number, j: number): number => (i < 0 || j < 0 || i >= kh || j >= kw ? 0 : w[((i * kw + j) * cin + c) * cout + o]!);
      for (let i = 0; i < kh + 2 * p - 2; i++)
        for (let j = 0; j < kw + 2 * p - 2; j++) {
          let s = 0;
          for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) s += L[a]![b]! * at(i + a - p, j + b - p);
          num += s * s;
        }
      for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) den += at(i, j) ** 2;
    }
  return num / den;
}

describe('laplaceL2Norm', () => {
  it('known filters by hand: a centred delta gives 20, a corner delta 18, a constant 3×3 20/9', () => {
    // [3,3,1,3]: filter 0 centre delta, filter 1 corner delta, filter 2 all ones
    const w = new Float32Array(27);
    w[(1 * 3 + 1) * 3 + 0] = 1;
    w[0 * 3 + 1] = 1;
    for (let i = 0; i < 9; i++) w[i * 3 + 2] = 1;
    const one = (o: number): tf.Tensor4D => tf.tidy(() => tf.slice(tf.tensor4d(w, [3, 3, 1, 3]), [0, 0, 0, o], [3, 3, 1, 1]));
    // delta at the centre: L∗w is the Laplacian itself, Σ = 16 + 4·1 = 20
    // delta at a corner with padding 1: the 2×2 overlap 4, −1, −1, 0 → 18
    // ones: corners 4−2 = 2, edges 4−3 = 1, centre 0 → 4·4 + 4·1 = 20, over Σw² = 9
    const expected = [20, 18, 20 / 9];
    expected.forEach((e, o) => {
      const t = one(o);
      const r = laplaceL2Norm(t);
      expect(r.dataSync()[0]).toBeCloseTo(e, 5);
      tf.dispose([t, r]);
    });
    const all = tf.tensor4d(w, [3, 3, 1, 3]);
    const r = laplaceL2Norm(all);
    expect(r.dataSync()[0]).toBeCloseTo((20 + 18 + 20) / (1 + 1 + 9), 5); // Σ over filters, not a mean
    // no padding: only the centre output; the ones filter has Laplacian 0 there
    const r0 = laplaceL2Norm(all, { padding: 0 });
    expect(r0.dataSync()[0]).toBeCloseTo((16 + 0 + 0) / 11, 5);
    tf.dispose([all, r, r0]);
  });

  it('matches a brute-force loop on random [5,4,2,3] kernels, padding 0, 1 and 2', () => {
    const vals = randValues(5 * 4 * 2 * 3, 11);
    const k = tf.tensor4d(vals, [5, 4, 2, 3]);
    for (const p of [0, 1, 2]) {
      const r = expectNoLeaks(() => laplaceL2Norm(k, { padding: p }));
      expect(r.dataSync()[0]).toBeCloseTo(laplaceRef(vals, 5, 4, 2, 3, p), 4);
      r.dispose();
    }
    k.dispose();
  });
});

describe('laplaceL2 (unnormalised)', () => {
  it('by hand: a centred 3×3 delta gives Σ(L∗w)²/2 = 10, mean/2 = 20/9/2', () => {
    const w = new Float32Array(9);
    w[4] = 3; // scaled delta: responses ×3, squares ×9
    const k = tf.tensor4d(w, [3, 3, 1, 1]);
    const s = expectNoLeaks(() => laplaceL2(k));
    const m = laplaceL2(k, { avg: true });
    expect(s.dataSync()[0]).toBeCloseTo((9 * 20) / 2, 4);
    expect(m.dataSync()[0]).toBeCloseTo((9 * 20) / 9 / 2, 4);
    tf.dispose([k, s, m]);
  });
  it("is the core's input penalty with inputRegularizer 'laplaceL2'", () => {
    const core = stacked2dCore({ inputKern: 5, hiddenChannels: 2, layers: 1, gammaInput: 3, inputRegularizer: 'laplaceL2' });
    const k0 = core.getWeights()['layer0.conv.kernel']!;
    const v = k0.dataSync();
    // brute force: 2 filters, padding 1 → 5×5 outputs each
    let sum = 0;
    for (let o = 0; o < 2; o++) {
      const at = (i: number, j: number): number => (i < 0 || j < 0 || i >= 5 || j >= 5 ? 0 : v[(i * 5 + j) * 2 + o]!);
      for (let i = 0; i < 5; i++)
        for (let j = 0; j < 5; j++) {
          const r = 4 * at(i, j) - at(i - 1, j) - at(i + 1, j) - at(i, j - 1) - at(i, j + 1);
          sum += r * r;
        }
    }
    const r = core.regularizer();
    expect(r.dataSync()[0]).toBeCloseTo((3 * sum) / 50 / 2, 4);
    r.dispose();
    core.dispose();
  });
});

describe('groupSparsity', () => {
  it('mean over (in, out) pairs of the L2 norm of each spatial filter, by hand', () => {
    // [2,2,1,2]: filter 0 = [3,0,0,4] (norm 5), filter 1 = [1,1,1,1] (norm 2) → 3.5
    const k = tf.tensor4d([3, 1, 0, 1, 0, 1, 4, 1], [2, 2, 1, 2]);
    const r = expectNoLeaks(() => groupSparsity(k));
    expect(r.dataSync()[0]).toBeCloseTo(3.5, 6);
    tf.dispose([k, r]);
  });
});

describe('core regularizer', () => {
  it('= gammaInput · Laplace(first kernel) + gammaHidden · mean over hidden layers of group sparsity', () => {
    const core = stacked2dCore({ inputKern: 5, hiddenKern: 3, hiddenChannels: 3, layers: 3, gammaInput: 2.5, gammaHidden: 0.7, nSeBlocks: 0, seed: 4 });
    const w = core.getWeights();
    const k0 = w['layer0.conv.kernel']!.dataSync();
    const gs = (name: string): number => {
      const v = w[name]!.dataSync();
      const [kh, kw, ci, co] = w[name]!.shape as number[];
      let s = 0;
      for (let c = 0; c < ci!; c++)
        for (let o = 0; o < co!; o++) {
          let q = 0;
          for (let i = 0; i < kh! * kw!; i++) q += v[(i * ci! + c) * co! + o]! ** 2;
          s += Math.sqrt(q);
        }
      return s / (ci! * co!);
    };
    const expected = 2.5 * laplaceRef(k0, 5, 5, 1, 3, 1) + (0.7 * (gs('layer1.conv.kernel') + gs('layer2.conv.kernel'))) / 2;
    const r = expectNoLeaks(() => core.regularizer());
    expect(r.dataSync()[0]).toBeCloseTo(expected, 4);
    r.dispose();
    core.dispose();
  });

  it('depth-separable hidden layers: group sparsity on the depthwise filters', () => {
    const core = stacked2dCore({
      inputKern: 3,
      hiddenKern: 3,
      hiddenChannels: 2,
      layers: 2,
      depthSeparable: true,
      gammaInput: 0,
      gammaHidden: 1,
      nSeBlocks: 0,
    });
    const d = core.getWeights()['layer1.conv.depthwise.kernel']!;
    const v = d.dataSync();
    let expected = 0;
    for (let c = 0; c < 2; c++) {
      let q = 0;
      for (let i = 0; i < 9; i++) q += v[i * 2 + c]! ** 2;
      expected += Math.sqrt(q) / 2;
    }
    const r = core.regularizer();
    expect(r.dataSync()[0]).toBeCloseTo(expected, 5);
    r.dispose();
    core.dispose();
  });

  it('is 0 with both weights 0, and a one-layer core has no group sparsity', () => {
    const core = stacked2dCore({ inputKern: 3, hiddenChannels: 2, layers: 1, gammaInput: 0, gammaHidden: 5 });
    const r = core.regularizer();
    expect(r.dataSync()[0]).toBe(0);
    r.dispose();
    core.dispose();
  });
});
