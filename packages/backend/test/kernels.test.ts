/**
 * Every kernel we register on wasm is checked against the cpu backend's kernel (exact reference) on
 * several shapes, and its gradient against central finite differences.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@sal/types';
import { initBackend } from '../src/index.js';
import { closeness, expectNoLeaks, finiteDifferenceGrad, onBackend, sampleIndices } from '../../test-utils/src/index.js';

function randn(shape: number[], seed: number): Float32Array {
  const r = createRng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal());
}

/** Value and gradients of L = Σ R ⊙ f(a, b) for fixed random R, computed on `backend`. */
async function valueAndGrads(
  backend: string,
  f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  aVals: Float32Array,
  aShape: number[],
  bVals: Float32Array,
  bShape: number[],
  seed: number,
): Promise<{ y: Float32Array; ga: Float32Array; gb: Float32Array }> {
  return onBackend(backend, () =>
    tf.tidy(() => {
      const a = tf.tensor(aVals, aShape),
        b = tf.tensor(bVals, bShape);
      const y = f(a, b);
      const r = tf.tensor(randn(y.shape, seed), y.shape);
      const g = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(f(p, q), r)));
      const [ga, gb] = g([a, b]);
      return { y: y.dataSync() as Float32Array, ga: ga!.dataSync() as Float32Array, gb: gb!.dataSync() as Float32Array };
    }),
  );
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', native: false }); // the portable kernels; @sal/native tests its own
});

/** Value and both gradients of `f(x, w)` on wasm equal the cpu backend's, for random x `xShape` and w `wShape`. */
async function expectMatchesCpu(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, xShape: number[], wShape: number[], seed: number): Promise<void> {
  const xv = randn(xShape, seed),
    wv = randn(wShape, seed + 1);
  const ref = await valueAndGrads('cpu', f, xv, xShape, wv, wShape, seed + 2);
  const got = await valueAndGrads('wasm', f, xv, xShape, wv, wShape, seed + 2);
  expect(closeness(got.y, ref.y, 1e-4, 1e-4)).toBeLessThan(1);
  expect(closeness(got.ga, ref.ga, 1e-4, 1e-4)).toBeLessThan(1);
  expect(closeness(got.gb, ref.gb, 1e-4, 1e-4)).toBeLessThan(1);
}

type ConvCase = {
  name: string;
  x: number[];
  w: number[];
  stride: number;
  pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
};
const convCases: ConvCase[] = [
  { name: '9x9 same, 1→4 channels (the first layer of workload W)', x: [2, 12, 12, 1], w: [9, 9, 1, 4], stride: 1, pad: 'same' },
  { name: '3x3 same, 4→5', x: [3, 7, 8, 4], w: [3, 3, 4, 5], stride: 1, pad: 'same' },
  { name: '5x5 valid, non-square', x: [2, 11, 9, 3], w: [5, 4, 3, 2], stride: 1, pad: 'valid' },
  { name: '3x3 stride 2 same', x: [2, 9, 10, 3], w: [3, 3, 3, 4], stride: 2, pad: 'same' },
  { name: '4x4 stride 3 valid (rows left over)', x: [1, 12, 11, 2], w: [4, 4, 2, 3], stride: 3, pad: 'valid' },
  {
    name: 'explicit padding',
    x: [2, 6, 7, 2],
    w: [3, 3, 2, 3],
    stride: 1,
    pad: [
      [0, 0],
      [2, 1],
      [0, 2],
      [0, 0],
    ],
  },
];

describe('Conv2DBackpropFilter / Conv2DBackpropInput on wasm', () => {
  for (const c of convCases) {
    it(`match the cpu backend: ${c.name}`, () => expectMatchesCpu((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), c.x, c.w, 1));
  }

  it('gradients match finite differences', () => {
    const xs = [2, 8, 8, 2],
      ws = [3, 3, 2, 3];
    const xv = randn(xs, 4),
      wv = randn(ws, 5);
    const r = tf.tensor(randn([2, 8, 8, 3], 6), [2, 8, 8, 3]);
    const x = tf.tensor(xv, xs),
      w = tf.tensor(wv, ws);
    const lossX = (t: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(t as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), r));
    const lossW = (t: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, t as tf.Tensor4D, 1, 'same'), r));
    const gx = tf.grad(lossX)(x).dataSync();
    const gw = tf.grad(lossW)(w).dataSync();
    const ix = sampleIndices(x.size, 25, 7),
      iw = sampleIndices(w.size, 25, 8);
    const fx = finiteDifferenceGrad(lossX, x, { indices: ix, eps: 0.05 });
    const fw = finiteDifferenceGrad(lossW, w, { indices: iw, eps: 0.05 });
    expect(
      closeness(
        ix.map((i) => gx[i]!),
        fx,
        2e-3,
        2e-3,
      ),
    ).toBeLessThan(1);
    expect(
      closeness(
        iw.map((i) => gw[i]!),
        fw,
        2e-3,
        2e-3,
      ),
    ).toBeLessThan(1);
    tf.dispose([r, x, w]);
  });
});

type DwCase = { name: string; x: number[]; w: number[]; stride: number; pad: 'same' | 'valid' };
const dwCases: DwCase[] = [
  { name: '3x3 same, multiplier 1', x: [2, 9, 8, 4], w: [3, 3, 4, 1], stride: 1, pad: 'same' },
  { name: '9x9 same (the study’s depth-separable kernel)', x: [2, 13, 13, 3], w: [9, 9, 3, 1], stride: 1, pad: 'same' },
  { name: '5x3 valid, multiplier 2', x: [2, 10, 9, 3], w: [5, 3, 3, 2], stride: 1, pad: 'valid' },
  { name: '3x3 stride 2 (borrowed cpu path for the input gradient)', x: [1, 9, 9, 2], w: [3, 3, 2, 1], stride: 2, pad: 'same' },
];

describe('depthwise convolution gradients on wasm', () => {
  for (const c of dwCases) {
    it(`match the cpu backend: ${c.name}`, () =>
      expectMatchesCpu((a, b) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), c.x, c.w, 11));
  }

  it('gradients match finite differences', () => {
    const xs = [2, 7, 7, 3],
      ws = [3, 3, 3, 2];
    const x = tf.tensor(randn(xs, 14), xs),
      w = tf.tensor(randn(ws, 15), ws);
    const r = tf.tensor(randn([2, 7, 7, 6], 16), [2, 7, 7, 6]);
    const lossX = (t: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(t as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), r));
    const lossW = (t: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(x as tf.Tensor4D, t as tf.Tensor4D, 1, 'same'), r));
    const gx = tf.grad(lossX)(x).dataSync(),
      gw = tf.grad(lossW)(w).dataSync();
    const ix = sampleIndices(x.size, 20, 3),
      iw = sampleIndices(w.size, 20, 4);
    expect(
      closeness(
        ix.map((i) => gx[i]!),
        finiteDifferenceGrad(lossX, x, { indices: ix, eps: 0.05 }),
        2e-3,
        2e-3,
      ),
    ).toBeLessThan(1);
    expect(
      closeness(
        iw.map((i) => gw[i]!),
        finiteDifferenceGrad(lossW, w, { indices: iw, eps: 0.05 }),
        2e-3,
        2e-3,
      ),
    ).toBeLessThan(1);
    tf.dispose([x, w, r]);
  });
});

describe('UnsortedSegmentSum on wasm (gather gradient)', () => {
  it('sums rows by segment id, as computed by hand', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    const ids = tf.tensor1d([2, 0, 2, 1], 'int32');
    const out = tf.unsortedSegmentSum(x, ids, 3);
    expect(Array.from(out.dataSync())).toEqual([3, 4, 7, 8, 6, 8]);
    tf.dispose([x, ids, out]);
  });

  it('the gradient of gather matches the cpu backend, repeated indices included', async () => {
    const xs = [6, 5, 3];
    const xv = randn(xs, 21);
    const idx = [0, 5, 5, 2, 0, 0, 3];
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor(xv, xs);
        const r = tf.tensor(randn([7, 5, 3], 22), [7, 5, 3]);
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(idx, 'int32')), r)))(x);
        return g.dataSync() as Float32Array;
      });
    const ref = await onBackend('cpu', run);
    const got = run();
    expect(closeness(got, ref, 1e-5, 1e-6)).toBeLessThan(1);
  });

  it('leaves no tensors behind', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const ids = tf.tensor1d([1, 1], 'int32');
    const out = expectNoLeaks(() => tf.unsortedSegmentSum(x, ids, 2));
    expect(Array.from(out.dataSync())).toEqual([0, 0, 4, 6]);
    tf.dispose([x, ids, out]);
  });
});

describe('MaxPoolGrad on wasm', () => {
  it('routes the gradient to the maximum of an all-negative window (the shipped kernel picks the first)', () => {
    const x = tf.tensor4d([-2, -1, -3, -4], [1, 2, 2, 1]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')))(x);
    expect(Array.from(g.dataSync())).toEqual([0, 1, 0, 0]);
    tf.dispose([x, g]);
  });

  it('matches the cpu backend on random data with overlapping windows', async () => {
    const xs = [2, 7, 8, 3];
    const xv = randn(xs, 31);
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor(xv, xs);
        const r = tf.tensor(randn([2, 4, 4, 3], 32), [2, 4, 4, 3]);
        return tf
          .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 3, 2, 'same'), r)))(x)
          .dataSync() as Float32Array;
      });
    const ref = await onBackend('cpu', run);
    expect(closeness(run(), ref, 1e-6, 1e-6)).toBeLessThan(1);
  });
});

describe('Identity on wasm', () => {
  it('shares the data: clones read the same values, and outlive the original', () => {
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId); // no second buffer
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    const z = tf.mul(y, 2);
    expect(Array.from(z.dataSync())).toEqual([2, 4, 6, 8]);
    tf.dispose([y, z]);
  });
  it('a variable assigned after a clone leaves the clone unchanged', () => {
    const v = tf.variable(tf.tensor1d([1, 2]));
    const c = tf.clone(v);
    v.assign(tf.tensor1d([5, 6]));
    expect(Array.from(c.dataSync())).toEqual([1, 2]);
    expect(Array.from(v.dataSync())).toEqual([5, 6]);
    tf.dispose([v, c]);
  });
});

describe('BatchMatMul with transpose flags on wasm', () => {
  it('matches the cpu backend for every flag combination, batched and broadcast, and leaks nothing', async () => {
    for (const [sa, sb, ta, tb] of [
      [[7, 5], [5, 4], false, false],
      [[5, 7], [5, 4], true, false],
      [[7, 5], [4, 5], false, true],
      [[3, 5, 7], [3, 4, 5], true, true],
      [[2, 6, 3], [3, 4], false, false],
      [[2, 3, 6], [4, 3], true, true],
    ] as [number[], number[], boolean, boolean][]) {
      const av = Float32Array.from({ length: sa.reduce((p, q) => p * q) }, (_, i) => Math.sin(i + 1));
      const bv = Float32Array.from({ length: sb.reduce((p, q) => p * q) }, (_, i) => Math.cos(i * 0.7));
      const run = () => tf.matMul(tf.tensor(av, sa), tf.tensor(bv, sb), ta, tb);
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const out = tf.tidy(run);
      const got = out.dataSync();
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
      await tf.setBackend('cpu');
      const ref = tf.tidy(run);
      const want = ref.dataSync();
      ref.dispose();
      await tf.setBackend('wasm');
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5);
    }
  });
});
