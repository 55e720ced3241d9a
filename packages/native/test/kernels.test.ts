import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUSED_KERNELS } from '@sal/types';
import { nativeKernelsRegistered, nativeStatus, registerNativeKernels, unregisterNativeKernels } from '../src/index.js';
import { expectClose, on, values } from './helpers.js';

// The addon is built by `npm run build` (scripts/build-addon.mjs) on any machine with a C++ compiler; CI has one,
// so an unavailable addon is a failure here unless it was switched off on purpose.
const disabled = process.env['SAL_NATIVE'] === '0';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  registerNativeKernels();
});
afterAll(() => unregisterNativeKernels());

describe('nativeStatus', () => {
  it('loads the addon (or says why not when SAL_NATIVE=0)', () => {
    const s = nativeStatus();
    if (disabled) {
      expect(s.available).toBe(false);
      expect(s.reason).toMatch(/SAL_NATIVE=0/);
      return;
    }
    expect(s.reason).toBe('');
    expect(s.available).toBe(true);
    expect(['avx512', 'avx2', 'sse']).toContain(s.simd);
    expect(s.threads).toBeGreaterThanOrEqual(1);
    expect(nativeKernelsRegistered()).toBe(true);
  });
});

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface ConvCase { x: [number, number, number, number]; f: [number, number, number, number]; strides: [number, number]; pad: Pad; dil: [number, number] }

const CASES: ConvCase[] = [
  { x: [3, 16, 16, 1], f: [9, 9, 1, 32], strides: [1, 1], pad: 'same', dil: [1, 1] }, // workload W, first layer
  { x: [2, 12, 12, 32], f: [3, 3, 32, 32], strides: [1, 1], pad: 'same', dil: [1, 1] }, // workload W, hidden layers
  { x: [2, 11, 13, 5], f: [3, 3, 5, 7], strides: [1, 1], pad: 'valid', dil: [1, 1] }, // channel tails
  { x: [2, 10, 9, 3], f: [3, 2, 3, 40], strides: [2, 3], pad: 'same', dil: [1, 1] }, // strides
  { x: [1, 12, 14, 4], f: [3, 3, 4, 33], strides: [1, 1], pad: 'same', dil: [2, 2] }, // dilation
  { x: [2, 9, 8, 6], f: [5, 3, 6, 17], strides: [1, 1], pad: [[0, 0], [2, 1], [0, 2], [0, 0]], dil: [1, 1] }, // explicit, uneven
  { x: [1, 5, 5, 2], f: [1, 1, 2, 3], strides: [1, 1], pad: 2, dil: [1, 1] }, // numeric padding
  // 3×3 stride 1 with ≥ 8 channels in and out: Winograd F(2×2, 3×3) (odd sizes, channel tails)
  { x: [2, 13, 11, 20], f: [3, 3, 20, 40], strides: [1, 1], pad: 'same', dil: [1, 1] },
  { x: [3, 9, 12, 9], f: [3, 3, 9, 8], strides: [1, 1], pad: 'valid', dil: [1, 1] },
  // large enough for the threaded paths (≥ 2²¹ multiply-adds)
  { x: [4, 24, 24, 16], f: [3, 3, 16, 32], strides: [1, 1], pad: 'same', dil: [1, 1] },
  { x: [4, 24, 24, 32], f: [5, 5, 32, 2], strides: [1, 1], pad: 'same', dil: [1, 1] }, // few output channels
];
const label = (c: ConvCase) => `x${c.x.join('x')} f${c.f.join('x')} s${c.strides.join(',')} pad ${JSON.stringify(c.pad)} d${c.dil.join(',')}`;

describe('Conv2D / FusedConv2D', () => {
  for (const c of CASES) {
    it(`matches the cpu backend: ${label(c)}`, async () => {
      const xs = values(c.x.reduce((a, b) => a * b), 1), fs = values(c.f.reduce((a, b) => a * b), 2);
      const run = () => tf.conv2d(tf.tensor4d(xs, c.x), tf.tensor4d(fs, c.f), c.strides, c.pad as 'same', 'NHWC', c.dil);
      expectClose(await on('wasm', run), await on('cpu', run));
    });
  }
  it('fuses ELU exactly over its whole range (vectorised exp, down to underflow)', async () => {
    const xs = new Float32Array(4 * 8 * 8).map((_, i) => -100 + (i / 255) * 103); // −100 … 3
    const run = () => tf.fused.conv2d({ x: tf.tensor4d(xs, [4, 8, 8, 1]), filter: tf.ones([1, 1, 1, 2]) as tf.Tensor4D, strides: 1, pad: 'valid', activation: 'elu' });
    const got = await on('wasm', run);
    for (let i = 0; i < xs.length; i++) {
      const want = xs[i]! > 0 ? xs[i]! : Math.expm1(xs[i]!);
      expect(Math.abs(got[2 * i]! - want)).toBeLessThanOrEqual(2e-7 * Math.max(1, Math.abs(want)));
    }
  });
  for (const activation of ['linear', 'relu', 'elu', 'relu6', 'leakyrelu'] as const) {
    it(`fuses bias and ${activation}`, async () => {
      const c = CASES[1]!;
      const xs = values(c.x.reduce((a, b) => a * b), 3), fs = values(c.f.reduce((a, b) => a * b), 4), bs = values(c.f[3], 5);
      const run = () => tf.fused.conv2d({
        x: tf.tensor4d(xs, c.x), filter: tf.tensor4d(fs, c.f), strides: 1, pad: 'same', bias: tf.tensor1d(bs), activation, leakyreluAlpha: 0.1,
      });
      expectClose(await on('wasm', run), await on('cpu', run));
    });
  }
  it('hands NCHW to the wasm kernel it replaced', async () => {
    await tf.setBackend('wasm');
    // the wasm backend itself has no NCHW convolution: the same error as without native kernels proves the hand-off
    const x = tf.zeros([1, 2, 5, 5]) as tf.Tensor4D, f = tf.zeros([3, 3, 2, 4]) as tf.Tensor4D;
    let nativeErr = '';
    try { tf.conv2d(x, f, 1, 'same', 'NCHW').dispose(); } catch (e) { nativeErr = (e as Error).message; }
    unregisterNativeKernels();
    let wasmErr = '';
    try { tf.conv2d(x, f, 1, 'same', 'NCHW').dispose(); } catch (e) { wasmErr = (e as Error).message; }
    registerNativeKernels();
    tf.dispose([x, f]);
    expect(nativeErr).toBe(wasmErr);
  });
});

describe('Conv2DBackpropInput / Conv2DBackpropFilter', () => {
  for (const c of CASES.filter((k) => k.dil[0] === 1)) {
    it(`match the cpu backend: ${label(c)}`, async () => {
      const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.strides, 1, c.pad as 'same');
      const dyShape = [c.x[0], info.outHeight, info.outWidth, c.f[3]] as [number, number, number, number];
      const xs = values(c.x.reduce((a, b) => a * b), 6), fs = values(c.f.reduce((a, b) => a * b), 7);
      const dys = values(dyShape.reduce((a, b) => a * b), 8);
      const dx = () => tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor4d(dys, dyShape), filter: tf.tensor4d(fs, c.f) },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as never) as tf.Tensor;
      const df = () => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(xs, c.x), dy: tf.tensor4d(dys, dyShape) },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f } as never) as tf.Tensor;
      expectClose(await on('wasm', dx), await on('cpu', dx), 4e-6);
      expectClose(await on('wasm', df), await on('cpu', df), 4e-6);
    });
  }
});

describe('BatchMatMul', () => {
  const shapes: [number[], number[], boolean, boolean][] = [
    [[13, 29], [29, 37], false, false],
    [[300, 50], [300, 33], true, false],
    [[3, 7, 513], [3, 70, 513], false, true],
    [[2, 100, 5], [64, 100], true, true], // b broadcast over a's batch
    [[64, 8], [4, 8, 9], false, false], // a broadcast over b's batch
    [[2, 3, 4, 5], [2, 3, 5, 6], false, false], // rank 4
    [[1, 70000], [70000, 32], false, false], // few rows (batch-norm's channel sums): split along k
    [[70000, 3], [70000, 20], true, false],
    [[2, 3000], [40, 3000], false, true],
    [[256, 512], [512, 64], false, false], // threaded
  ];
  for (const [sa, sb, ta, tb] of shapes) {
    it(`matches the cpu backend: [${sa}]${ta ? 'ᵀ' : ''} · [${sb}]${tb ? 'ᵀ' : ''}`, async () => {
      const av = values(sa.reduce((p, q) => p * q), 9), bv = values(sb.reduce((p, q) => p * q), 10);
      const run = () => tf.matMul(tf.tensor(av, sa), tf.tensor(bv, sb), ta, tb);
      expectClose(await on('wasm', run), await on('cpu', run), 4e-6);
    });
  }
});

describe('Sum / Mean', () => {
  const cases: [number[], number | number[], boolean][] = [
    [[64, 32, 16, 32], [0, 1, 2], false], // per-channel sums of NHWC (split between threads)
    [[64, 64, 8, 16], [1, 2], false], // per-image sums (threads over images)
    [[4, 5, 6, 7], [1, 2], true], // a middle run, kept dims
    [[3, 300], -1, false], // last axis
    [[2, 3, 4], [0, 1, 2], false], // everything
    [[5, 9000, 3], 1, false], // long middle axis, few outputs
    [[2, 3, 4, 5], [0, 2], false], // not contiguous: the wasm kernel
  ];
  for (const [shape, axis, keepDims] of cases) {
    for (const op of ['sum', 'mean'] as const) {
      it(`${op} of [${shape}] over ${JSON.stringify(axis)}${keepDims ? ' (keepDims)' : ''} matches the cpu backend`, async () => {
        const v = values(shape.reduce((p, q) => p * q), 13);
        for (let i = 0; i < v.length; i++) v[i] = v[i]! + 0.25; // a non-zero mean: rounding shows in long sums
        const run = () => tf[op](tf.tensor(v, shape), axis, keepDims);
        const got = await on('wasm', run);
        expectClose(got, await on('cpu', run), 2e-6);
        await tf.setBackend('wasm');
        expect(tf.tidy(() => tf[op](tf.tensor(v, shape), axis, keepDims).shape)).toEqual(tf.tidy(() => tf[op](tf.zeros(shape), axis, keepDims).shape));
      });
    }
  }
  it('sums 262144 rows to float precision (double accumulation)', async () => {
    const n = 262144;
    const v = new Float32Array(n * 2).fill(0.1);
    const got = await on('wasm', () => tf.sum(tf.tensor2d(v, [n, 2]), 0));
    const exact = n * Math.fround(0.1);
    expect(Math.abs(got[0]! - exact) / exact).toBeLessThan(1e-6);
  });
});

describe('elementwise', () => {
  const big = [32, 16, 16, 32]; // 2^18 elements: the threaded path
  const pairs: [string, number[], number[]][] = [
    ['same shapes', big, big],
    ['a channel row', big, [32]],
    ['a row with leading ones', big, [1, 1, 1, 32]],
    ['a scalar', big, []],
    ['row first', [32], big],
    ['scalar first', [], big],
    ['not a trailing row (wasm kernel)', big, [32, 1, 1, 32]],
    ['one long vector', [100000], [100000]],
  ];
  for (const [name, sa, sb] of pairs) {
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      it(`${op} with ${name} matches the cpu backend`, async () => {
        const av = values(sa.reduce((p, q) => p * q, 1), 14), bv = values(sb.reduce((p, q) => p * q, 1), 15).map((v) => v + 1);
        const run = () => tf[op](tf.tensor(av, sa), tf.tensor(bv, sb));
        expectClose(await on('wasm', run), await on('cpu', run), 1e-6);
      });
    }
  }
  for (const op of ['square', 'elu'] as const) {
    it(`${op} matches the cpu backend`, async () => {
      const v = values(70000, 16).map((x) => x * 8);
      const run = () => tf[op](tf.tensor1d(v));
      expectClose(await on('wasm', run), await on('cpu', run), 1e-6);
    });
  }
  it('EluGrad matches the cpu backend', async () => {
    const y = values(70000, 17).map((x) => x * 4), dy = values(70000, 18);
    const run = () => tf.engine().runKernel('EluGrad', { dy: tf.tensor1d(dy), y: tf.tensor1d(y) }) as tf.Tensor;
    expectClose(await on('wasm', run), await on('cpu', run), 1e-6);
  });
  for (const activation of ['linear', 'elu', 'relu'] as const) {
    it(`1×1 depthwise convolution with bias and ${activation} (per-channel affine) matches the cpu backend`, async () => {
      const xv = values(big.reduce((p, q) => p * q), 19).map((x) => x * 6), fv = values(32, 20), bv = values(32, 21);
      const run = () => tf.fused.depthwiseConv2d({ x: tf.tensor4d(xv, big as [number, number, number, number]), filter: tf.tensor4d(fv, [1, 1, 32, 1]),
        strides: 1, pad: 'valid', bias: tf.tensor1d(bv), activation });
      expectClose(await on('wasm', run), await on('cpu', run), 1e-6);
      const plain = () => tf.depthwiseConv2d(tf.tensor4d(xv, big as [number, number, number, number]), tf.tensor4d(fv, [1, 1, 32, 1]), 1, 'valid');
      expectClose(await on('wasm', plain), await on('cpu', plain), 1e-6);
    });
  }
});

describe('fused training batch-norm (+ ELU)', () => {
  // float64 reference: y = act((x − μ)/√(σ²+ε)·γ + β) over the rows of x [n, c]
  function reference(x: Float32Array, gamma: Float32Array, beta: Float32Array, n: number, c: number, eps: number, elu: boolean): Float64Array {
    const y = new Float64Array(n * c);
    for (let j = 0; j < c; j++) {
      let m = 0;
      for (let r = 0; r < n; r++) m += x[r * c + j]!;
      m /= n;
      let v = 0;
      for (let r = 0; r < n; r++) v += (x[r * c + j]! - m) ** 2;
      v /= n;
      for (let r = 0; r < n; r++) {
        const z = ((x[r * c + j]! - m) / Math.sqrt(v + eps)) * gamma[j]! + beta[j]!;
        y[r * c + j] = elu && z < 0 ? Math.expm1(z) : z;
      }
    }
    return y;
  }
  for (const [activation, shape] of [['linear', [3, 5, 7, 6]], ['elu', [3, 5, 7, 6]], ['elu', [32, 16, 16, 32]]] as const) {
    it(`forward matches a float64 reference, gradient matches central differences (${activation}, [${shape}])`, async () => {
      await tf.setBackend('wasm');
      const c = shape[3], n = shape[0] * shape[1] * shape[2], eps = 1e-3;
      const xv = values(n * c, 31).map((v, i) => v * 3 + (i % c) * 10); // channel means far from 0
      const gv = values(c, 32).map((v) => v + 1), bv = values(c, 33), wv = values(n * c, 34); // L = Σ w·y
      const [y, mean, variance] = tf.engine().runKernel(FUSED_KERNELS.batchNormTrain,
        { x: tf.tensor(xv, [...shape]), gamma: tf.tensor1d(gv), beta: tf.tensor1d(bv) }, { epsilon: eps, activation } as never) as tf.Tensor[];
      const ref = reference(xv, gv, bv, n, c, eps, activation === 'elu');
      const yv = y!.dataSync();
      for (let i = 0; i < n * c; i++) expect(Math.abs(yv[i]! - ref[i]!)).toBeLessThan(2e-5);
      const [dx, dgamma, dbeta] = tf.engine().runKernel(FUSED_KERNELS.batchNormTrainGrad,
        { dy: tf.tensor(wv, [...shape]), x: tf.tensor(xv, [...shape]), y: y!, gamma: tf.tensor1d(gv), mean: mean!, variance: variance! },
        { epsilon: eps, activation } as never) as tf.Tensor[];
      const loss = (xs: Float32Array, gs: Float32Array, bs: Float32Array) => reference(xs, gs, bs, n, c, eps, activation === 'elu').reduce((acc, v, i) => acc + v * wv[i]!, 0);
      const fd = (arr: Float32Array, i: number, f: (a: Float32Array) => number) => {
        const h = 2e-3;
        const p = arr.slice(); p[i] = arr[i]! + h;
        const m = arr.slice(); m[i] = arr[i]! - h;
        // in float32 storage: use the exact step taken
        return (f(p) - f(m)) / (p[i]! - m[i]!);
      };
      const dxv = dx!.dataSync(), dgv = dgamma!.dataSync(), dbv = dbeta!.dataSync();
      for (const i of [0, 7, 50, 101, n * c - 1]) expect(Math.abs(dxv[i]! - fd(xv, i, (a) => loss(a, gv, bv)))).toBeLessThan(2e-3);
      for (let j = 0; j < c; j++) {
        expect(Math.abs(dgv[j]! - fd(gv, j, (a) => loss(xv, a, bv)))).toBeLessThan(2e-3);
        expect(Math.abs(dbv[j]! - fd(bv, j, (a) => loss(xv, gv, a)))).toBeLessThan(2e-3);
      }
      tf.dispose([y!, mean!, variance!, dx!, dgamma!, dbeta!]);
    });
  }
  it('refuses bad inputs with a message naming the contract', async () => {
    await tf.setBackend('wasm');
    expect(() => tf.engine().runKernel(FUSED_KERNELS.batchNormTrain, { x: tf.zeros([4, 3]), gamma: tf.ones([2]), beta: tf.zeros([3]) },
      { epsilon: 1e-5, activation: 'linear' } as never)).toThrow(/gamma \[C\]/);
  });
});

describe('symmetric positive definite solve', () => {
  for (const [n, m] of [[5, 3], [97, 10], [250, 300]] as const) {
    it(`solves A X = B to a float32 residual (n ${n}, m ${m})`, async () => {
      await tf.setBackend('wasm');
      const g = values(n * n, 41);
      const a = new Float32Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          let s = i === j ? 0.05 * n : 0;
          for (let k = 0; k < n; k++) s += g[i * n + k]! * g[j * n + k]!;
          a[i * n + j] = s;
          a[j * n + i] = i === j ? s : 12345; // the upper triangle is not read
        }
      }
      const bv = values(n * m, 42);
      const x = tf.engine().runKernel(FUSED_KERNELS.spdSolve, { a: tf.tensor2d(a, [n, n]), b: tf.tensor2d(bv, [n, m]) }) as tf.Tensor;
      const xv = x.dataSync();
      let num = 0, den = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += a[Math.max(i, k) * n + Math.min(i, k)]! * xv[k * m + j]!;
          num += (s - bv[i * m + j]!) ** 2;
          den += bv[i * m + j]! ** 2;
        }
      }
      expect(Math.sqrt(num / den)).toBeLessThan(2e-6);
      x.dispose();
    });
  }
  it('refuses a matrix that is not positive definite, leaving no tensor behind', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor2d([1, 2, 2, 1], [2, 2]), b = tf.ones([2, 1]);
    const before = tf.memory().numTensors;
    expect(() => tf.engine().runKernel(FUSED_KERNELS.spdSolve, { a, b })).toThrow(/not positive definite/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});

describe('tensor bookkeeping', () => {
  it('leaks no tensors', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(values(2 * 8 * 8 * 3, 11), [2, 8, 8, 3]), f = tf.tensor4d(values(3 * 3 * 3 * 4, 12), [3, 3, 3, 4]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const y = tf.conv2d(x, f, 1, 'same');
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: y }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] } as never);
      tf.engine().runKernel('Conv2DBackpropInput', { dy: y, filter: f }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [2, 8, 8, 3] } as never);
      tf.matMul(tf.reshape(x, [16, 24]), tf.reshape(x, [16, 24]), true, false);
      tf.sum(x, [0, 1, 2]);
      tf.mean(x, -1, true);
      const big = tf.tile(x, [4, 4, 4, 4]);
      tf.elu(tf.square(tf.div(tf.mul(tf.sub(tf.add(big, 1), big), big), 2)));
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, f]);
  });
});
