import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUSED_KERNELS } from '@sal/types';
import { nativeKernelsRegistered, nativeStatus, registerNativeKernels, unregisterNativeKernels } from '../src/index.js';
import { expectClose, on, values } from './helpers.js';

// The addon is built by `npm run build` (scripts/build-addon.mjs) on any machine with a C++ compiler; CI has one,
// so an unavailable addon is a failure here unless it was switched off on purpose. With SAL_NATIVE=0 only the
// switch itself is tested: the kernel suites below have no kernels to test (the wasm kernels and the composite
// paths are tested by the packages that use them, with or without the native ones).
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
interface ConvCase {
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: [number, number];
  pad: Pad;
  dil: [number, number];
}

const CASES: ConvCase[] = [
  { x: [3, 16, 16, 1], f: [9, 9, 1, 32], strides: [1, 1], pad: 'same', dil: [1, 1] }, // workload W, first layer
  { x: [2, 12, 12, 32], f: [3, 3, 32, 32], strides: [1, 1], pad: 'same', dil: [1, 1] }, // workload W, hidden layers
  { x: [2, 11, 13, 5], f: [3, 3, 5, 7], strides: [1, 1], pad: 'valid', dil: [1, 1] }, // channel tails
  { x: [2, 10, 9, 3], f: [3, 2, 3, 40], strides: [2, 3], pad: 'same', dil: [1, 1] }, // strides
  { x: [1, 12, 14, 4], f: [3, 3, 4, 33], strides: [1, 1], pad: 'same', dil: [2, 2] }, // dilation
  {
    x: [2, 9, 8, 6],
    f: [5, 3, 6, 17],
    strides: [1, 1],
    pad: [
      [0, 0],
      [2, 1],
      [0, 2],
      [0, 0],
    ],
    dil: [1, 1],
  }, // explicit, uneven
  { x: [1, 5, 5, 2], f: [1, 1, 2, 3], strides: [1, 1], pad: 2, dil: [1, 1] }, // numeric padding
  // 3×3 stride 1 with fewer than 32 channels in or out: direct
  { x: [2, 13, 11, 20], f: [3, 3, 20, 40], strides: [1, 1], pad: 'same', dil: [1, 1] },
  { x: [3, 9, 12, 9], f: [3, 3, 9, 8], strides: [1, 1], pad: 'valid', dil: [1, 1] },
  { x: [1, 7, 9, 64], f: [3, 3, 64, 24], strides: [1, 1], pad: 'same', dil: [1, 1] },
  // 3×3 stride 1 with ≥ 32 channels in and out: Winograd F(4×4, 3×3) (sizes not multiples of 4, channel tails of a
  // vector and of a register tile, uneven explicit padding, threads)
  { x: [1, 7, 9, 64], f: [3, 3, 64, 40], strides: [1, 1], pad: 'same', dil: [1, 1] },
  { x: [2, 13, 11, 64], f: [3, 3, 64, 72], strides: [1, 1], pad: 'same', dil: [1, 1] },
  { x: [1, 9, 12, 67], f: [3, 3, 67, 64], strides: [1, 1], pad: 'valid', dil: [1, 1] },
  {
    x: [2, 10, 15, 32],
    f: [3, 3, 32, 32],
    strides: [1, 1],
    pad: [
      [0, 0],
      [0, 2],
      [1, 0],
      [0, 0],
    ],
    dil: [1, 1],
  },
  { x: [4, 26, 30, 32], f: [3, 3, 32, 48], strides: [1, 1], pad: 'same', dil: [1, 1] },
  { x: [2, 6, 133, 32], f: [3, 3, 32, 32], strides: [1, 1], pad: 'same', dil: [1, 1] }, // > 32 tiles a row
  // large enough for the threaded paths (≥ 2²¹ multiply-adds)
  { x: [4, 24, 24, 16], f: [3, 3, 16, 32], strides: [1, 1], pad: 'same', dil: [1, 1] },
  { x: [4, 24, 24, 32], f: [5, 5, 32, 2], strides: [1, 1], pad: 'same', dil: [1, 1] }, // few output channels
  // 1×1, stride 1, unpadded, output channels a multiple of 32: a matrix product over all pixels (pixel tails, ci
  // not a multiple of a vector, two blocks of output channels, threaded)
  { x: [2, 9, 11, 32], f: [1, 1, 32, 32], strides: [1, 1], pad: 'valid', dil: [1, 1] },
  { x: [3, 7, 5, 20], f: [1, 1, 20, 64], strides: [1, 1], pad: 'same', dil: [1, 1] },
  { x: [4, 24, 24, 32], f: [1, 1, 32, 32], strides: [1, 1], pad: 'same', dil: [1, 1] },
  // few output channels (≤ 8: the filter gradient's own path), as a remapper's 3×3 layers; with strides; 17 inputs per
  // filter row (more than one AVX-512 vector)
  { x: [4, 40, 40, 3], f: [3, 3, 3, 2], strides: [1, 1], pad: 'same', dil: [1, 1] },
  { x: [2, 17, 15, 3], f: [3, 3, 3, 3], strides: [2, 1], pad: 'same', dil: [1, 1] },
  { x: [2, 9, 23, 1], f: [4, 17, 1, 5], strides: [1, 2], pad: 'valid', dil: [1, 1] },
  // few channels in and out (ci < 16, co ≤ 4, stride 1 along x): the interleaved-row path; dilation along y, one output
  // channel, several row chunks of 64 lanes and threads (the remapper's shape), an uneven explicit padding
  { x: [2, 11, 14, 2], f: [3, 3, 2, 4], strides: [1, 1], pad: 'same', dil: [2, 1] },
  { x: [3, 10, 37, 4], f: [2, 5, 4, 1], strides: [1, 1], pad: 'valid', dil: [1, 1] },
  { x: [8, 83, 83, 3], f: [3, 3, 3, 3], strides: [1, 1], pad: 'same', dil: [1, 1] },
  {
    x: [2, 9, 30, 7],
    f: [3, 4, 7, 3],
    strides: [3, 1],
    pad: [
      [0, 0],
      [1, 0],
      [2, 1],
      [0, 0],
    ],
    dil: [1, 1],
  },
];
/**
 * Winograd F(4×4, 3×3) runs for 3×3 stride-1 layers with ≥ 32 channels in and out (conv.cc). Its transforms multiply
 * by constants up to 8 and sum 6 terms per step, so its float32 error is a few times the direct sum's: 2.4–6.3e-6 of the
 * largest output against the cpu backend on these cases, against ≤ 2e-6 for the direct kernels. The test below that
 * compares with a float64 sum bounds it on its own.
 */
const WINOGRAD_TOL = 1e-5;
/**
 * The filter gradient sums over every output pixel of the batch, so its error grows with their number, on either path.
 * Measured against a float64 sum (max error / max |df|): 2.0–2.2e-6 on 288 pixels and 8.1–8.9e-6 on 8 × 32 × 32 through
 * Winograd, against 3e-7 and 1.9–2.0e-6 direct; on W's 64 × 64 × 64 pixels 1.3e-5 through Winograd and 1.6e-5 direct
 * (its transformed sums run over 16 times fewer terms).
 */
const WINOGRAD_FILTER_TOL = 2e-5;
const winograd = (c: ConvCase) =>
  c.f[0] === 3 && c.f[1] === 3 && c.strides.every((s) => s === 1) && c.dil.every((d) => d === 1) && c.f[2] >= 32 && c.f[3] >= 32;
const label = (c: ConvCase) => `x${c.x.join('x')} f${c.f.join('x')} s${c.strides.join(',')} pad ${JSON.stringify(c.pad)} d${c.dil.join(',')}`;

describe.skipIf(disabled)('Conv2D / FusedConv2D', () => {
  for (const c of CASES) {
    it(`matches the cpu backend: ${label(c)}`, async () => {
      const xs = values(
          c.x.reduce((a, b) => a * b),
          1,
        ),
        fs = values(
          c.f.reduce((a, b) => a * b),
          2,
        );
      const run = () => tf.conv2d(tf.tensor4d(xs, c.x), tf.tensor4d(fs, c.f), c.strides, c.pad as 'same', 'NHWC', c.dil);
      expectClose(await on('wasm', run), await on('cpu', run), winograd(c) ? WINOGRAD_TOL : undefined);
    });
  }
  it('fuses ELU exactly over its whole range (vectorised exp, down to underflow)', async () => {
    const xs = new Float32Array(4 * 8 * 8).map((_, i) => -100 + (i / 255) * 103); // −100 … 3
    const run = () =>
      tf.fused.conv2d({ x: tf.tensor4d(xs, [4, 8, 8, 1]), filter: tf.ones([1, 1, 1, 2]) as tf.Tensor4D, strides: 1, pad: 'valid', activation: 'elu' });
    const got = await on('wasm', run);
    for (let i = 0; i < xs.length; i++) {
      const want = xs[i]! > 0 ? xs[i]! : Math.expm1(xs[i]!);
      expect(Math.abs(got[2 * i]! - want)).toBeLessThanOrEqual(2e-7 * Math.max(1, Math.abs(want)));
    }
  });
  for (const [activation, c] of [
    ...(['linear', 'relu', 'elu', 'relu6', 'leakyrelu'] as const).map((a) => [a, CASES[1]!] as const),
    ...(['linear', 'elu'] as const).map((a) => [a, CASES.find((k) => k.f[0] === 1 && k.f[3] === 64)!] as const),
  ]) {
    it(`fuses bias and ${activation}: ${label(c)}`, async () => {
      const xs = values(
          c.x.reduce((a, b) => a * b),
          3,
        ),
        fs = values(
          c.f.reduce((a, b) => a * b),
          4,
        ),
        bs = values(c.f[3], 5);
      const run = () =>
        tf.fused.conv2d({
          x: tf.tensor4d(xs, c.x),
          filter: tf.tensor4d(fs, c.f),
          strides: 1,
          pad: 'same',
          bias: tf.tensor1d(bs),
          activation,
          leakyreluAlpha: 0.1,
        });
      expectClose(await on('wasm', run), await on('cpu', run), winograd(c) ? WINOGRAD_TOL : undefined);
    });
  }
  it('few channels in and out: the same bits as the general path (bias, ELU), whose outputs are the first of 5', async () => {
    // co = 5 takes the channel-vectorised tile; its first 3 output channels use the same filter columns, so the
    // interleaved-row path (co = 3) must match them exactly: same multiply-adds in the same order
    const xs = values(4 * 83 * 83 * 3, 6),
      f5 = values(3 * 3 * 3 * 5, 7),
      b5 = values(5, 8);
    const f3 = new Float32Array(3 * 3 * 3 * 3);
    for (let k = 0; k < 27; k++) for (let o = 0; o < 3; o++) f3[k * 3 + o] = f5[k * 5 + o]!;
    await tf.setBackend('wasm');
    const x = tf.tensor4d(xs, [4, 83, 83, 3]);
    const before = tf.memory().numTensors;
    const conv = (f: Float32Array, co: number) =>
      tf.tidy(() =>
        tf.fused.conv2d({ x, filter: tf.tensor4d(f, [3, 3, 3, co]), strides: 1, pad: 'same', bias: tf.tensor1d(b5.slice(0, co)), activation: 'elu' }),
      );
    const small = conv(f3, 3),
      general = conv(f5, 5);
    const s3 = small.dataSync(),
      g5 = general.dataSync();
    tf.dispose([small, general]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    let differ = 0;
    for (let p = 0; p < 4 * 83 * 83; p++) for (let o = 0; o < 3; o++) if (!Object.is(s3[p * 3 + o], g5[p * 5 + o])) differ++;
    expect(differ).toBe(0);
  });
  it('Winograd F(4×4, 3×3): within its bound of a float64 sum, on the W hidden layer and a 64 → 72 layer', async () => {
    for (const c of [CASES[1]!, CASES.find((k) => k.f[2] === 64 && k.f[3] === 72)!]) {
      expect(winograd(c)).toBe(true);
      const [n, h, w, ci] = c.x;
      const co = c.f[3];
      const xs = values(n * h * w * ci, 11),
        fs = values(9 * ci * co, 12);
      const got = await on('wasm', () => tf.conv2d(tf.tensor4d(xs, c.x), tf.tensor4d(fs, c.f), 1, 'same'));
      // 'same' with a 3×3 filter: output (y, x) reads input rows y−1 … y+1 and columns x−1 … x+1 (zeros outside)
      let err = 0,
        scale = 0;
      for (let b = 0; b < n; b++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++)
            for (let o = 0; o < co; o++) {
              let sum = 0;
              for (let ky = 0; ky < 3; ky++)
                for (let kx = 0; kx < 3; kx++) {
                  const iy = y + ky - 1,
                    ix = x + kx - 1;
                  if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                  for (let i = 0; i < ci; i++) sum += xs[((b * h + iy) * w + ix) * ci + i]! * fs[((ky * 3 + kx) * ci + i) * co + o]!;
                }
              err = Math.max(err, Math.abs(got[((b * h + y) * w + x) * co + o]! - sum));
              scale = Math.max(scale, Math.abs(sum));
            }
      expect(err / scale).toBeLessThanOrEqual(WINOGRAD_TOL);
    }
  });
  it('hands NCHW to the wasm kernel it replaced', async () => {
    await tf.setBackend('wasm');
    // the wasm backend itself has no NCHW convolution: the same error as without native kernels proves the hand-off
    const x = tf.zeros([1, 2, 5, 5]) as tf.Tensor4D,
      f = tf.zeros([3, 3, 2, 4]) as tf.Tensor4D;
    let nativeErr = '';
    try {
      tf.conv2d(x, f, 1, 'same', 'NCHW').dispose();
    } catch (e) {
      nativeErr = (e as Error).message;
    }
    unregisterNativeKernels();
    let wasmErr = '';
    try {
      tf.conv2d(x, f, 1, 'same', 'NCHW').dispose();
    } catch (e) {
      wasmErr = (e as Error).message;
    }
    registerNativeKernels();
    tf.dispose([x, f]);
    expect(nativeErr).toBe(wasmErr);
  });
});

describe.skipIf(disabled)('Conv2DBackpropInput / Conv2DBackpropFilter', () => {
  for (const c of CASES.filter((k) => k.dil[0] === 1)) {
    it(`match the cpu backend: ${label(c)}`, async () => {
      const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.strides, 1, c.pad as 'same');
      const dyShape = [c.x[0], info.outHeight, info.outWidth, c.f[3]] as [number, number, number, number];
      const xs = values(
          c.x.reduce((a, b) => a * b),
          6,
        ),
        fs = values(
          c.f.reduce((a, b) => a * b),
          7,
        );
      const dys = values(
        dyShape.reduce((a, b) => a * b),
        8,
      );
      const dx = () =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor4d(dys, dyShape), filter: tf.tensor4d(fs, c.f) }, {
          strides: c.strides,
          pad: c.pad,
          dataFormat: 'NHWC',
          inputShape: c.x,
        } as never) as tf.Tensor;
      const df = () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(xs, c.x), dy: tf.tensor4d(dys, dyShape) }, {
          strides: c.strides,
          pad: c.pad,
          dataFormat: 'NHWC',
          filterShape: c.f,
        } as never) as tf.Tensor;
      // the input gradient is a forward convolution with the flipped filter, the filter gradient its transpose
      // (Winograd under the same condition for both)
      expectClose(await on('wasm', dx), await on('cpu', dx), winograd(c) ? WINOGRAD_TOL : 4e-6);
      expectClose(await on('wasm', df), await on('cpu', df), winograd(c) ? WINOGRAD_TOL : 4e-6);
    });
  }
  it('Winograd filter gradient: within its bound of a float64 sum, on the W hidden layer, a 64 → 72 layer and 8 × 32 × 32 pixels', async () => {
    const long: ConvCase = { x: [8, 32, 32, 32], f: [3, 3, 32, 32], strides: [1, 1], pad: 'same', dil: [1, 1] };
    for (const c of [CASES[1]!, CASES.find((k) => k.f[2] === 64 && k.f[3] === 72)!, long]) {
      expect(winograd(c)).toBe(true);
      const [n, h, w, ci] = c.x;
      const co = c.f[3];
      const xs = values(n * h * w * ci, 13),
        dys = values(n * h * w * co, 14);
      const got = await on(
        'wasm',
        () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(xs, c.x), dy: tf.tensor4d(dys, [n, h, w, co]) }, {
            strides: 1,
            pad: 'same',
            dataFormat: 'NHWC',
            filterShape: c.f,
          } as never) as tf.Tensor,
      );
      // 'same' with a 3×3 filter: df[ky][kx][i][o] = Σ_(b, y, x) x[b, y+ky−1, x+kx−1, i] · dy[b, y, x, o] (zeros outside)
      const want = new Float64Array(9 * ci * co);
      for (let b = 0; b < n; b++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++)
            for (let ky = 0; ky < 3; ky++)
              for (let kx = 0; kx < 3; kx++) {
                const iy = y + ky - 1,
                  ix = x + kx - 1;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                const xo = ((b * h + iy) * w + ix) * ci,
                  dyo = ((b * h + y) * w + x) * co,
                  fo = (ky * 3 + kx) * ci * co;
                for (let i = 0; i < ci; i++) {
                  const xv = xs[xo + i]!;
                  for (let o = 0; o < co; o++) want[fo + i * co + o]! += xv * dys[dyo + o]!;
                }
              }
      let err = 0,
        scale = 0;
      for (let k = 0; k < want.length; k++) {
        err = Math.max(err, Math.abs(got[k]! - want[k]!));
        scale = Math.max(scale, Math.abs(want[k]!));
      }
      expect(err / scale).toBeLessThanOrEqual(WINOGRAD_FILTER_TOL);
    }
  });
});

interface DepthwiseCase {
  x: [number, number, number, number];
  k: [number, number];
  strides: [number, number];
  pad: Pad;
  dil: [number, number];
}
const DW_CASES: DepthwiseCase[] = [
  { x: [2, 23, 21, 32], k: [9, 9], strides: [1, 1], pad: 'same', dil: [1, 1] }, // the study core's hidden layers
  { x: [2, 11, 13, 5], k: [3, 3], strides: [1, 1], pad: 'valid', dil: [1, 1] }, // channel tail only (5 < one vector)
  { x: [1, 14, 30, 20], k: [5, 3], strides: [1, 1], pad: 'same', dil: [1, 1] }, // one vector + a tail, wide rows
  { x: [2, 10, 9, 17], k: [3, 3], strides: [2, 3], pad: 'same', dil: [1, 1] }, // strides (forward and filter)
  { x: [1, 12, 14, 16], k: [3, 3], strides: [1, 1], pad: 'same', dil: [2, 2] }, // dilation
  { x: [1, 6, 7, 8], k: [7, 7], strides: [1, 1], pad: 'same', dil: [1, 1] }, // kernel wider than the interior
  {
    x: [2, 9, 8, 6],
    k: [5, 3],
    strides: [1, 1],
    pad: [
      [0, 0],
      [2, 1],
      [0, 2],
      [0, 0],
    ],
    dil: [1, 1],
  }, // explicit, uneven
  { x: [1, 4, 20, 4], k: [1, 17], strides: [1, 1], pad: 'same', dil: [1, 1] }, // more than 16 taps in a row
  { x: [4, 32, 32, 32], k: [9, 9], strides: [1, 1], pad: 'same', dil: [1, 1] }, // threaded (≥ 2²¹ multiply-adds)
];
const dwLabel = (c: DepthwiseCase) => `x${c.x.join('x')} k${c.k.join('x')} s${c.strides.join(',')} pad ${JSON.stringify(c.pad)} d${c.dil.join(',')}`;

describe.skipIf(disabled)('depthwise convolution, multiplier 1 (forward, fused, gradients)', () => {
  for (const c of DW_CASES) {
    const fShape = [c.k[0], c.k[1], c.x[3], 1] as [number, number, number, number];
    const xs = values(
        c.x.reduce((a, b) => a * b),
        31,
      ),
      fs = values(
        fShape.reduce((a, b) => a * b),
        32,
      ),
      bs = values(c.x[3], 33);
    it(`forward and fused forward match the cpu backend: ${dwLabel(c)}`, async () => {
      const run = () => tf.depthwiseConv2d(tf.tensor4d(xs, c.x), tf.tensor4d(fs, fShape), c.strides, c.pad as 'same', 'NHWC', c.dil);
      expectClose(await on('wasm', run), await on('cpu', run));
      const fused = () =>
        tf.fused.depthwiseConv2d({
          x: tf.tensor4d(xs, c.x),
          filter: tf.tensor4d(fs, fShape),
          strides: c.strides,
          pad: c.pad as 'same',
          dilations: c.dil,
          bias: tf.tensor1d(bs),
          activation: 'elu',
        });
      expectClose(await on('wasm', fused), await on('cpu', fused));
    });
    // tfjs's depthwise gradient refuses dilations (and the cpu kernels ignore them), so our gradient kernels hand
    // dilated calls to the fallback: a dilated case has no gradient of ours to compare. The input gradient is ours at
    // stride 1 only.
    if (c.dil[0] === 1)
      it(`input and filter gradients match the cpu backend: ${dwLabel(c)}`, async () => {
        const info = tf.backend_util.computeConv2DInfo(c.x, fShape, c.strides, c.dil, c.pad as 'same', undefined, true);
        const dyShape = [c.x[0], info.outHeight, info.outWidth, c.x[3]] as [number, number, number, number];
        const dys = values(
          dyShape.reduce((a, b) => a * b),
          34,
        );
        const attrs = { strides: c.strides, dilations: c.dil, pad: c.pad };
        const df = () =>
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: tf.tensor4d(xs, c.x), dy: tf.tensor4d(dys, dyShape) }, {
            ...attrs,
            filterShape: fShape,
          } as never) as tf.Tensor;
        expectClose(await on('wasm', df), await on('cpu', df), 4e-6);
        if (c.strides[0] !== 1 || c.strides[1] !== 1) return;
        const dx = () =>
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: tf.tensor4d(dys, dyShape), filter: tf.tensor4d(fs, fShape) }, {
            ...attrs,
            inputShape: c.x,
          } as never) as tf.Tensor;
        expectClose(await on('wasm', dx), await on('cpu', dx), 4e-6);
      });
  }
  it('leaves channel multipliers above 1 to the kernel it replaced', async () => {
    const x = values(2 * 7 * 7 * 3, 35),
      f = values(3 * 3 * 3 * 2, 36);
    const run = () => tf.depthwiseConv2d(tf.tensor4d(x, [2, 7, 7, 3]), tf.tensor4d(f, [3, 3, 3, 2]), 1, 'same');
    expectClose(await on('wasm', run), await on('cpu', run));
  });
  it('leaves no tensor behind, forward and backward', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(values(2 * 12 * 12 * 16, 37), [2, 12, 12, 16]),
      f = tf.tensor4d(values(9 * 9 * 16, 38), [9, 9, 16, 1]);
    const before = tf.memory().numTensors;
    const y = tf.depthwiseConv2d(x, f, 1, 'same');
    const attrs = { strides: 1, dilations: 1, pad: 'same' };
    const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: y, filter: f }, { ...attrs, inputShape: x.shape } as never);
    const df = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy: y }, { ...attrs, filterShape: f.shape } as never);
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([y, dx as tf.Tensor, df as tf.Tensor]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, f]);
  });
});

describe.skipIf(disabled)('Slice', () => {
  const shape: [number, number, number, number] = [3, 17, 19, 6];
  const xs = values(
    shape.reduce((a, b) => a * b),
    40,
  );
  const cases: [string, number[], number[]][] = [
    ['channels (one of them)', [0, 0, 0, 2], [-1, -1, -1, 1]],
    ['a run of channels', [0, 0, 0, 1], [-1, -1, -1, 3]],
    ['rows', [0, 4, 0, 0], [-1, 9, -1, -1]],
    ['the batch', [1, 0, 0, 0], [2, -1, -1, -1]],
    ['two axes (the fallback)', [0, 2, 0, 1], [-1, 5, -1, 2]],
    ['below 4096 elements (the fallback)', [0, 0, 0, 5], [1, 2, -1, 1]],
  ];
  for (const [what, begin, size] of cases) {
    it(`matches the cpu backend: ${what}`, async () => {
      const run = () => tf.slice(tf.tensor4d(xs, shape), begin, size);
      expectClose(await on('wasm', run), await on('cpu', run), 0);
      const ints = () =>
        tf.slice(
          tf.tensor4d(
            Int32Array.from(xs, (v) => Math.round(v * 1000)),
            shape,
            'int32',
          ),
          begin,
          size,
        );
      expectClose(await on('wasm', ints), await on('cpu', ints), 0);
    });
  }
  it('leaves no tensor behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(xs, shape);
    const before = tf.memory().numTensors;
    tf.slice(x, [0, 0, 0, 2], [-1, -1, -1, 3]).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe.skipIf(disabled)('Concat, SplitV, PadV2 along one axis', () => {
  const a: [number, number, number, number] = [3, 17, 19, 1],
    b: [number, number, number, number] = [3, 17, 19, 3];
  const av = values(
      a.reduce((p, q) => p * q),
      41,
    ),
    bv = values(
      b.reduce((p, q) => p * q),
      42,
    );
  const ints = (v: Float32Array) => Int32Array.from(v, (u) => Math.round(u * 1000));
  const both = async (run: (dtype: 'float32' | 'int32') => tf.Tensor | tf.Tensor[]) => {
    for (const dtype of ['float32', 'int32'] as const) {
      const one = () => {
        const r = run(dtype);
        return Array.isArray(r) ? tf.concat(r.map((t) => tf.reshape(t, [-1]))) : r;
      };
      // the reference: every kernel on the cpu backend (the split's parts joined there too)
      expectClose(await on('wasm', one), await on('cpu', one), 0);
    }
  };
  const t4 = (v: Float32Array, shape: number[], dtype: 'float32' | 'int32') => (dtype === 'int32' ? tf.tensor(ints(v), shape, 'int32') : tf.tensor(v, shape));
  it('concatenates along channels, rows and the batch', async () => {
    for (const axis of [3, -1, 1, 0]) {
      const bs = [...a];
      const ax = axis < 0 ? 4 + axis : axis;
      bs[ax] = 2;
      const bshape = bs as [number, number, number, number];
      await both((d) =>
        tf.concat(
          [
            t4(av, a, d),
            t4(
              bv.subarray(
                0,
                bshape.reduce((p, q) => p * q),
              ),
              bshape,
              d,
            ),
            t4(av, a, d),
          ],
          axis,
        ),
      );
    }
  });
  it('splits along channels and rows, by sizes and by count', async () => {
    await both((d) => tf.split(t4(bv, b, d), [1, 2], 3));
    await both((d) => tf.split(t4(bv, b, d), 3, 3));
    await both((d) => tf.split(t4(bv, b, d), [5, -1], 1));
  });
  it('pads one axis with a constant (two axes go to the fallback)', async () => {
    await both((d) =>
      tf.pad(t4(av, a, d), [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 3],
      ]),
    );
    await both((d) =>
      tf.pad(t4(av, a, d), [
        [0, 0],
        [2, 1],
        [0, 0],
        [0, 0],
      ]),
    );
    await both((d) =>
      tf.pad(t4(av, a, d), [
        [0, 0],
        [2, 1],
        [0, 0],
        [1, 0],
      ]),
    );
    for (const value of [1.5, -2]) {
      const run = () =>
        tf.pad(
          tf.tensor4d(av, a),
          [
            [1, 2],
            [0, 0],
            [0, 0],
            [0, 0],
          ],
          value,
        );
      expectClose(await on('wasm', run), await on('cpu', run), 0);
    }
    const intRun = () =>
      tf.pad(
        tf.tensor4d(ints(av), a, 'int32'),
        [
          [0, 0],
          [0, 0],
          [0, 0],
          [2, 0],
        ],
        7,
      );
    expectClose(await on('wasm', intRun), await on('cpu', intRun), 0);
  });
  it('leaves no tensor behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(bv, b);
    const before = tf.memory().numTensors;
    tf.dispose([
      tf.concat([x, x], 3),
      ...tf.split(x, [1, 2], 3),
      tf.pad(x, [
        [0, 0],
        [0, 0],
        [0, 0],
        [1, 1],
      ]),
    ]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe.skipIf(disabled)('BatchMatMul', () => {
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
    [[150, 2500], [2500, 70], false, false], // few columns (A read in place), k in 3 packed blocks, the last partial
    [[2100, 130], [2100, 150], true, false], // packed, k in 3 blocks, m not a multiple of the row block
  ];
  for (const [sa, sb, ta, tb] of shapes) {
    it(`matches the cpu backend: [${sa}]${ta ? 'ᵀ' : ''} · [${sb}]${tb ? 'ᵀ' : ''}`, async () => {
      const av = values(
          sa.reduce((p, q) => p * q),
          9,
        ),
        bv = values(
          sb.reduce((p, q) => p * q),
          10,
        );
      const run = () => tf.matMul(tf.tensor(av, sa), tf.tensor(bv, sb), ta, tb);
      expectClose(await on('wasm', run), await on('cpu', run), 4e-6);
    });
  }
});

describe.skipIf(disabled)('BatchMatMul of a tensor with itself (Gram matrices: lower triangle, mirrored)', () => {
  /** Whether every c[i,j] equals c[j,i] exactly in each of the `batch` `[m,m]` matrices. */
  function symmetric(c: Float32Array, m: number): boolean {
    for (let o = 0; o < c.length; o += m * m) {
      for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) if (c[o + i * m + j] !== c[o + j * m + i]) return false;
    }
    return true;
  }
  // [shape of x, transposeA, transposeB]: x·xᵀ (transposeB) or xᵀ·x (transposeA); odd sizes, sizes that are not
  // multiples of the tiles (12/6/4 × 32/16/8 register tiles, 96-row blocks, 256-deep panels), the few-column path
  // (m ≤ 128), the few-row path (m < 6), and sizes that run on threads
  const cases: [number[], boolean, boolean][] = [
    [[5, 7], false, true],
    [[13, 29], false, true],
    [[29, 13], true, false],
    [[97, 50], false, true],
    [[130, 300], false, true],
    [[300, 130], true, false],
    [[203, 517], false, true],
    [[517, 203], true, false],
    [[3, 150, 70], false, true], // batched: each [150,150] slice
    [[2, 70, 150], true, false],
    [[2, 3, 40, 33], false, true], // rank 4
    [[611, 1500], false, true], // threads (row blocks of the triangle, 6 panels deep)
  ];
  for (const [shape, ta, tb] of cases) {
    it(`x${ta ? 'ᵀ' : ''}·x${tb ? 'ᵀ' : ''} for x [${shape}] matches the cpu backend, is exactly symmetric and equals the general product`, async () => {
      const v = values(
        shape.reduce((p, q) => p * q),
        51,
      );
      const m = ta ? shape[shape.length - 1]! : shape[shape.length - 2]!;
      const gram = () => {
        const x = tf.tensor(v, shape);
        return tf.matMul(x, x, ta, tb);
      };
      const got = await on('wasm', gram);
      expect(got.length).toBe((shape.length === 2 ? 1 : shape.slice(0, -2).reduce((p, q) => p * q)) * m * m);
      expect(symmetric(got, m)).toBe(true);
      expectClose(got, await on('cpu', gram), 4e-6);
      // two tensors with the same values: the general product (every tile computed)
      const general = await on('wasm', () => tf.matMul(tf.tensor(v, shape), tf.tensor(v, shape), ta, tb));
      expectClose(got, general, 1e-6);
    });
  }
  it('x·xᵀ for x [2000,4096] (threads) equals the general product and float64 dot products, exactly symmetric', async () => {
    const m = 2000,
      k = 4096;
    const v = values(m * k, 52);
    await tf.setBackend('wasm');
    const x = tf.tensor2d(v, [m, k]),
      y = tf.tensor2d(v, [m, k]);
    const before = tf.memory().numTensors;
    const c = tf.matMul(x, x, false, true),
      g = tf.matMul(x, y, false, true);
    const got = c.dataSync() as Float32Array,
      general = g.dataSync() as Float32Array;
    tf.dispose([c, g]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    expect(symmetric(got, m)).toBe(true);
    expectClose(got, general, 1e-6);
    // whole rows (both triangles) against float64, at the ends and across the 96-row blocks
    let err = 0,
      scale = 0;
    for (const i of [0, 1, 95, 96, 500, 1001, 1903, 1999]) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += v[i * k + q]! * v[j * k + q]!;
        err = Math.max(err, Math.abs(got[i * m + j]! - s));
        scale = Math.max(scale, Math.abs(s));
      }
    }
    expect(err / scale).toBeLessThan(4e-6);
  });
  for (const [name, ta, tb] of [
    ['x·x', false, false],
    ['xᵀ·xᵀ', true, true],
  ] as const) {
    it(`${name} (the same tensor, not a Gram matrix) stays a general product`, async () => {
      const v = values(150 * 150, 53);
      const run = () => {
        const x = tf.tensor2d(v, [150, 150]);
        return tf.matMul(x, x, ta, tb);
      };
      expectClose(await on('wasm', run), await on('cpu', run), 4e-6);
    });
  }
});

describe.skipIf(disabled)('Sum / Mean', () => {
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
        const v = values(
          shape.reduce((p, q) => p * q),
          13,
        );
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

describe.skipIf(disabled)('elementwise', () => {
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
        const av = values(
            sa.reduce((p, q) => p * q, 1),
            14,
          ),
          bv = values(
            sb.reduce((p, q) => p * q, 1),
            15,
          ).map((v) => v + 1);
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
  describe('Exp', () => {
    const FLT_MAX = 3.4028234663852886e38,
      MIN_NORMAL = 2 ** -126,
      MIN_SUB = 2 ** -149;
    /** e^x of every input against Math.exp: relative error ≤ 2e-7 for normal results, ≤ 1 step 2^−149 below. */
    function expectExp(xs: Float32Array, got: Float32Array): void {
      expect(got.length).toBe(xs.length);
      let worst = 0;
      for (let i = 0; i < xs.length; i++) {
        const x = xs[i]!,
          y = got[i]!,
          want = Math.exp(x);
        if (Number.isNaN(x)) {
          expect(y).toBeNaN();
          continue;
        }
        if (want > FLT_MAX * (1 + 1e-7)) {
          expect(y, `exp(${x})`).toBe(Infinity);
          continue;
        }
        if (want < MIN_NORMAL) {
          expect(Math.abs(y - want), `exp(${x})`).toBeLessThanOrEqual(MIN_SUB);
          continue;
        }
        const rel = Math.abs(y - want) / want;
        if (rel > worst) worst = rel;
        if (rel > 2e-7) expect(y, `exp(${x})`).toBe(want); // names the input
      }
      expect(worst).toBeLessThanOrEqual(2e-7);
    }
    const uniform = (n: number, lo: number, hi: number, seed: number) => values(n, seed).map((u) => lo + (u + 0.5) * (hi - lo));

    it('matches Math.exp over [−87, 88] (relative error ≤ 2e-7)', async () => {
      const xs = uniform(200000, -87, 88, 61);
      expectExp(xs, await on('wasm', () => tf.exp(tf.tensor1d(xs))));
    });
    it('handles the edges: ±∞, NaN, overflow past 88.72, subnormal results down to −103.97, 0 below', async () => {
      const ln2 = Math.LN2;
      const edges = [
        NaN,
        Infinity,
        -Infinity,
        0,
        -0,
        1,
        -1,
        1e-45,
        -1e-45,
        1e-38,
        -1e-38,
        1e-7,
        -1e-7,
        88,
        88.37,
        88.38,
        88.72,
        88.7228,
        88.72283,
        88.72284,
        88.7229,
        88.73,
        88.75,
        88.76,
        89,
        100,
        1e30,
        3.4e38,
        -87,
        -87.33,
        -87.3365,
        -87.34,
        -88,
        -90,
        -95,
        -100,
        -103,
        -103.28,
        -103.29,
        -103.9,
        -103.97,
        -103.98,
        -104,
        -105,
        -200,
        -1e30,
        -3.4e38,
        ln2 / 2,
        -ln2 / 2,
      ];
      for (let k = -150; k <= 128; k++) for (const d of [-1e-5, 0, 1e-5]) edges.push(k * ln2 + d); // around multiples of ln2
      // subnormal inputs, and every float32 step near the overflow and underflow thresholds
      const f = new Float32Array(1);
      const u = new Uint32Array(f.buffer);
      for (const start of [88.72283, -87.33654, -103.27893, -103.97208]) {
        f[0] = start;
        u[0] = u[0]! - 200;
        for (let i = 0; i < 400; i++) {
          edges.push(f[0]!);
          u[0] = u[0]! + 1;
        }
      }
      const xs = new Float32Array(Math.max(5000, edges.length)).fill(0.5); // above the native kernel's 4096 elements
      xs.set(edges);
      const got = await on('wasm', () => tf.exp(tf.tensor1d(xs)));
      expectExp(xs, got);
      expect(Object.is(got[1], Infinity) && got[2] === 0 && got[3] === 1 && got[4] === 1).toBe(true);
      expect(got.slice(0, edges.length).every((y, i) => (xs[i]! < -103.98 ? y === 0 : xs[i]! > 88.7229 ? y === Infinity : true))).toBe(true);
      // monotone along each run of consecutive floats
      const runs = xs.subarray(edges.length - 1600, edges.length),
        ys = got.subarray(edges.length - 1600, edges.length);
      for (let i = 1; i < runs.length; i++) {
        if (i % 400 !== 0) expect(runs[i]! > runs[i - 1]! ? ys[i]! >= ys[i - 1]! : ys[i]! <= ys[i - 1]!, `exp(${runs[i]})`).toBe(true);
      }
    });
    it('matches the cpu backend', async () => {
      const xs = uniform(70000, -20, 20, 62);
      const run = () => tf.exp(tf.tensor1d(xs));
      expectClose(await on('wasm', run), await on('cpu', run), 2e-7);
    });
    it('runs on threads above 2^18 elements (with a tail shorter than a vector)', async () => {
      const xs = uniform((1 << 19) + 77, -110, 95, 63);
      expectExp(xs, await on('wasm', () => tf.exp(tf.tensor2d(xs, [1, xs.length]))));
      const ys = uniform(512 * 513, -30, 5, 64);
      const run = () => tf.exp(tf.tensor2d(ys, [512, 513]));
      expectClose(await on('wasm', run), await on('cpu', run), 2e-7);
    });
    it('hands small and int32 tensors to the wasm kernel', async () => {
      const xs = uniform(1000, -10, 10, 65);
      expectExp(xs, await on('wasm', () => tf.exp(tf.tensor1d(xs))));
      const ints = Int32Array.from({ length: 5000 }, (_, i) => (i % 40) - 20);
      const run = () => tf.exp(tf.tensor1d(ints, 'int32'));
      expectClose(await on('wasm', run), await on('cpu', run), 2e-7);
    });
  });
  it('EluGrad matches the cpu backend', async () => {
    const y = values(70000, 17).map((x) => x * 4),
      dy = values(70000, 18);
    const run = () => tf.engine().runKernel('EluGrad', { dy: tf.tensor1d(dy), y: tf.tensor1d(y) }) as tf.Tensor;
    expectClose(await on('wasm', run), await on('cpu', run), 1e-6);
  });
  for (const activation of ['linear', 'elu', 'relu'] as const) {
    it(`1×1 depthwise convolution with bias and ${activation} (per-channel affine) matches the cpu backend`, async () => {
      const xv = values(
          big.reduce((p, q) => p * q),
          19,
        ).map((x) => x * 6),
        fv = values(32, 20),
        bv = values(32, 21);
      const run = () =>
        tf.fused.depthwiseConv2d({
          x: tf.tensor4d(xv, big as [number, number, number, number]),
          filter: tf.tensor4d(fv, [1, 1, 32, 1]),
          strides: 1,
          pad: 'valid',
          bias: tf.tensor1d(bv),
          activation,
        });
      expectClose(await on('wasm', run), await on('cpu', run), 1e-6);
      const plain = () => tf.depthwiseConv2d(tf.tensor4d(xv, big as [number, number, number, number]), tf.tensor4d(fv, [1, 1, 32, 1]), 1, 'valid');
      expectClose(await on('wasm', plain), await on('cpu', plain), 1e-6);
    });
  }
});

describe.skipIf(disabled)('fused training batch-norm (+ ELU)', () => {
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
  for (const [activation, shape] of [
    ['linear', [3, 5, 7, 6]],
    ['elu', [3, 5, 7, 6]],
    ['elu', [32, 16, 16, 32]],
  ] as const) {
    it(`forward matches a float64 reference, gradient matches central differences (${activation}, [${shape}])`, async () => {
      await tf.setBackend('wasm');
      const c = shape[3],
        n = shape[0] * shape[1] * shape[2],
        eps = 1e-3;
      const xv = values(n * c, 31).map((v, i) => v * 3 + (i % c) * 10); // channel means far from 0
      const gv = values(c, 32).map((v) => v + 1),
        bv = values(c, 33),
        wv = values(n * c, 34); // L = Σ w·y
      const [y, mean, variance] = tf
        .engine()
        .runKernel(FUSED_KERNELS.batchNormTrain, { x: tf.tensor(xv, [...shape]), gamma: tf.tensor1d(gv), beta: tf.tensor1d(bv) }, {
          epsilon: eps,
          activation,
        } as never) as tf.Tensor[];
      const ref = reference(xv, gv, bv, n, c, eps, activation === 'elu');
      const yv = y!.dataSync();
      for (let i = 0; i < n * c; i++) expect(Math.abs(yv[i]! - ref[i]!)).toBeLessThan(2e-5);
      const [dx, dgamma, dbeta] = tf
        .engine()
        .runKernel(
          FUSED_KERNELS.batchNormTrainGrad,
          { dy: tf.tensor(wv, [...shape]), x: tf.tensor(xv, [...shape]), y: y!, gamma: tf.tensor1d(gv), mean: mean!, variance: variance! },
          { epsilon: eps, activation } as never,
        ) as tf.Tensor[];
      const loss = (xs: Float32Array, gs: Float32Array, bs: Float32Array) =>
        reference(xs, gs, bs, n, c, eps, activation === 'elu').reduce((acc, v, i) => acc + v * wv[i]!, 0);
      const fd = (arr: Float32Array, i: number, f: (a: Float32Array) => number) => {
        const h = 2e-3;
        const p = arr.slice();
        p[i] = arr[i]! + h;
        const m = arr.slice();
        m[i] = arr[i]! - h;
        // in float32 storage: use the exact step taken
        return (f(p) - f(m)) / (p[i]! - m[i]!);
      };
      const dxv = dx!.dataSync(),
        dgv = dgamma!.dataSync(),
        dbv = dbeta!.dataSync();
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
    expect(() =>
      tf.engine().runKernel(FUSED_KERNELS.batchNormTrain, { x: tf.zeros([4, 3]), gamma: tf.ones([2]), beta: tf.zeros([3]) }, {
        epsilon: 1e-5,
        activation: 'linear',
      } as never),
    ).toThrow(/gamma \[C\]/);
  });
});

describe.skipIf(disabled)('float32 tensors from float64 values', () => {
  const run = (values: Float64Array, shape: number[]) => tf.engine().runKernel(FUSED_KERNELS.fromFloat64, {}, { values, shape } as never) as tf.Tensor;

  it('rounds each value as Math.fround does, in threads (sizes past the parallel threshold, a ragged tail)', async () => {
    await tf.setBackend('wasm');
    const n = 3 * 4096 * 100 + 7;
    const v = new Float64Array(n);
    const g = values(n, 77);
    for (let i = 0; i < n; i++) v[i] = (g[i] as number) * 10 ** ((i % 13) - 6) + (g[(i * 7) % n] as number) * 1e-9;
    // edges: float32's largest finite value and a double that rounds to it, subnormals, signed zeros, ties
    const edges = [3.4028234663852886e38, 3.4028235677973362e38, 1e-40, -1e-45, -0, 0, 1 + 2 ** -24, 1 + 3 * 2 ** -24];
    edges.forEach((e, i) => {
      v[n - 1 - i] = e;
    });
    const before = tf.memory().numTensors;
    const t = run(v, [n]);
    expect(t.shape).toEqual([n]);
    expect(t.dtype).toBe('float32');
    const got = t.dataSync();
    let mismatches = 0;
    for (let i = 0; i < n; i++) if (!Object.is(got[i], Math.fround(v[i] as number))) mismatches++;
    expect(mismatches).toBe(0);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const m = run(Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(m.shape).toEqual([2, 3]);
    expect(Array.from(m.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    m.dispose();
    const empty = run(new Float64Array(0), [0, 4]);
    expect(empty.shape).toEqual([0, 4]);
    empty.dispose();
  });

  it('names the first value that is not finite in float32, and leaves no tensor behind', async () => {
    await tf.setBackend('wasm');
    const n = 300_000;
    for (const [at, bad, later] of [
      [123_456, Number.NaN, 250_000],
      [5, Number.POSITIVE_INFINITY, 6],
      [299_999, -1e39, -1], // beyond float32's range: −∞ as a float32
      [4096 * 3, 3.5e38, 4096 * 3 + 1], // just beyond float32's largest value
    ] as const) {
      const v = new Float64Array(n).fill(0.5);
      v[at] = bad;
      if (later >= 0) v[later] = Number.NaN;
      const before = tf.memory().numTensors;
      expect(() => run(v, [n / 100, 100])).toThrow(new RegExp(`not finite at ${at}\\b`));
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('refuses attrs that do not fit its contract', async () => {
    await tf.setBackend('wasm');
    expect(() => run(new Float64Array(6), [4, 2])).toThrow(/needs attrs values/);
    expect(() => tf.engine().runKernel(FUSED_KERNELS.fromFloat64, {}, { values: new Float32Array(4), shape: [4] } as never)).toThrow(/Float64Array/);
    expect(() => run(new Float64Array(4), [2, -2])).toThrow(/needs attrs values/);
  });
});

describe.skipIf(disabled)('symmetric positive definite solve', () => {
  /** A = GGᵀ + 0.05n·I (lower triangle; 12345 above it, never read) and B `[n,m]`, from fixed seeds. */
  const system = (n: number, m: number) => {
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
    return { a, bv: values(n * m, 42) };
  };
  const solve = (a: Float32Array, bv: Float32Array, n: number, m: number): Float32Array => {
    const at = tf.tensor2d(a, [n, n]),
      bt = tf.tensor2d(bv, [n, m]);
    const x = tf.engine().runKernel(FUSED_KERNELS.spdSolve, { a: at, b: bt }) as tf.Tensor;
    const xv = x.dataSync() as Float32Array;
    tf.dispose([at, bt, x]);
    return xv;
  };
  for (const [n, m] of [
    [5, 3],
    [97, 10],
    [250, 300],
    [450, 40], // three blocks of the factorisation and of both substitutions
    [1000, 130], // six blocks, the last one short: recursive substitutions three levels deep, packed products
  ] as const) {
    it(`solves A X = B to a float32 residual (n ${n}, m ${m})`, async () => {
      await tf.setBackend('wasm');
      const { a, bv } = system(n, m);
      const xv = solve(a, bv, n, m);
      let num = 0,
        den = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += a[Math.max(i, k) * n + Math.min(i, k)]! * xv[k * m + j]!;
          num += (s - bv[i * m + j]!) ** 2;
          den += bv[i * m + j]! ** 2;
        }
      }
      expect(Math.sqrt(num / den)).toBeLessThan(2e-6);
    });
  }
  it('gives the same bits for a small system before and after a larger one (the work buffers kept between calls)', async () => {
    await tf.setBackend('wasm');
    const small = system(97, 33),
      large = system(450, 70);
    const first = solve(small.a, small.bv, 97, 33);
    solve(large.a, large.bv, 450, 70);
    // a product with a wider B in between too: the packed panels it leaves are larger than the small solve's
    tf.dispose(tf.matMul(tf.ones([200, 300]), tf.ones([300, 1000])));
    expect(solve(small.a, small.bv, 97, 33)).toEqual(first);
  });
  it('refuses a matrix that is not positive definite, leaving no tensor behind', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor2d([1, 2, 2, 1], [2, 2]),
      b = tf.ones([2, 1]);
    const before = tf.memory().numTensors;
    expect(() => tf.engine().runKernel(FUSED_KERNELS.spdSolve, { a, b })).toThrow(/not positive definite/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});

describe.skipIf(disabled)('tensor bookkeeping', () => {
  it('leaks no tensors', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(values(2 * 8 * 8 * 3, 11), [2, 8, 8, 3]),
      f = tf.tensor4d(values(3 * 3 * 3 * 4, 12), [3, 3, 3, 4]);
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
      tf.exp(tf.neg(big));
      const rows = tf.reshape(big, [256, 384]);
      tf.matMul(rows, rows, false, true); // Gram matrices: lower triangle + mirror
      tf.matMul(rows, rows, true, false);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, f]);
  });
});

describe.skipIf(disabled)('fused depth-separable block', () => {
  // [n, h, w, ci, c1, co, k, pad, activation, bias]: G's block (whole vectors, the ring of rows), 'valid', a short
  // image (fewer rows than k), and channel counts that are not whole vectors (the three kernels in turn)
  const cases = [
    [2, 23, 21, 32, 32, 32, 9, 'same', 'elu', true],
    [3, 19, 18, 16, 32, 48, 7, 'valid', 'linear', false],
    [1, 4, 30, 32, 32, 32, 9, 'same', 'linear', true],
    [2, 9, 11, 3, 5, 2, 3, 'same', 'elu', true],
    [1, 8, 9, 4, 6, 6, 4, 'valid', 'linear', true],
  ] as const;
  for (const [n, h, w, ci, c1, co, k, pad, activation, withBias] of cases) {
    it(`equals conv 1×1 → depthwise → conv 1×1 on cpu ([${n},${h},${w},${ci}] → ${c1} → ${co}, ${k}×${k} ${pad}, ${activation})`, async () => {
      const make = () => ({
        x: tf.tensor4d(values(n * h * w * ci, 51), [n, h, w, ci]),
        inKernel: tf.tensor4d(values(ci * c1, 52), [1, 1, ci, c1]),
        depthwise: tf.tensor4d(values(k * k * c1, 53), [k, k, c1, 1]),
        outKernel: tf.tensor4d(values(c1 * co, 54), [1, 1, c1, co]),
        bias: withBias ? tf.tensor1d(values(co, 55)) : undefined,
      });
      const want = await on('cpu', () => {
        const t = make();
        const b = tf.depthwiseConv2d(tf.conv2d(t.x, t.inKernel, 1, 'valid'), t.depthwise, 1, pad);
        return tf.fused.conv2d({ x: b, filter: t.outKernel, strides: 1, pad: 'valid', bias: t.bias, activation });
      });
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const out = tf.tidy(() => {
        const { bias, ...t } = make();
        return tf.engine().runKernel(FUSED_KERNELS.separableConv, bias ? { ...t, bias } : t, { pad, activation } as never) as tf.Tensor;
      });
      const got = out.dataSync() as Float32Array;
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expectClose(got, want, 2e-6);
    });
  }
  it('refuses inconsistent shapes and attributes with an error naming the contract', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 5, 5, 4]),
      w1 = tf.zeros([1, 1, 4, 8]),
      dw = tf.zeros([3, 3, 8, 1]),
      w2 = tf.zeros([1, 1, 8, 8]);
    const run = (inputs: Record<string, tf.Tensor>, attrs: Record<string, string>) => () =>
      tf.engine().runKernel(FUSED_KERNELS.separableConv, inputs, attrs as never);
    expect(run({ x, inKernel: w1, depthwise: dw, outKernel: w2 }, { pad: 'same', activation: 'linear' })).not.toThrow();
    expect(run({ x, inKernel: tf.zeros([1, 1, 3, 8]), depthwise: dw, outKernel: w2 }, { pad: 'same', activation: 'linear' })).toThrow(/inKernel \[1,1,Ci,C1\]/);
    expect(run({ x, inKernel: w1, depthwise: dw, outKernel: w2 }, { pad: 'full', activation: 'linear' })).toThrow(/pad 'same'/);
    expect(run({ x, inKernel: w1, depthwise: dw, outKernel: w2 }, { pad: 'same', activation: 'relu' })).toThrow(/activation/);
    expect(run({ x: tf.zeros([1, 2, 2, 4]), inKernel: w1, depthwise: dw, outKernel: w2 }, { pad: 'valid', activation: 'linear' })).toThrow(/does not fit/);
  });
});

describe.skipIf(disabled)('bilinear sampling', () => {
  // brute force in double: Σ over the pixels of max(0, 1 − |px − x|)·max(0, 1 − |py − y|) · value, and its derivatives
  const b = 2,
    h = 7,
    w = 9,
    c = 20,
    n = 13;
  const fv = values(b * h * w * c, 61);
  // inside, on the border and outside the map (off the pixel lattice, where the position derivative is defined)
  const gv = Float32Array.from(values(b * n * 2, 62), (v) => 2.6 * v + 0.0123);
  const dyv = values(b * n * c, 63);
  const pix = (v: number, size: number) => (v + 1) * ((size - 1) / 2);
  const tent = (d: number) => Math.max(0, 1 - Math.abs(d));
  const dtent = (d: number) => (Math.abs(d) < 1 ? -Math.sign(d) : 0);
  const brute = (shared: boolean) => {
    const out = new Float64Array(b * n * c),
      dFeat = new Float64Array(b * h * w * c),
      dGrid = new Float64Array((shared ? 1 : b) * n * 2);
    for (let bi = 0; bi < b; bi++)
      for (let p = 0; p < n; p++) {
        const gi = (shared ? 0 : bi * n) + p;
        const px = pix(gv[2 * gi]!, w),
          py = pix(gv[2 * gi + 1]!, h);
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const wt = tent(px - x) * tent(py - y);
            const ddx = dtent(px - x) * tent(py - y) * ((w - 1) / 2);
            const ddy = tent(px - x) * dtent(py - y) * ((h - 1) / 2);
            for (let ch = 0; ch < c; ch++) {
              const v = fv[((bi * h + y) * w + x) * c + ch]!,
                d = dyv[(bi * n + p) * c + ch]!;
              out[(bi * n + p) * c + ch]! += wt * v;
              dFeat[((bi * h + y) * w + x) * c + ch]! += wt * d;
              dGrid[2 * gi]! += ddx * v * d;
              dGrid[2 * gi + 1]! += ddy * v * d;
            }
          }
      }
    return { out, dFeat, dGrid };
  };
  for (const shared of [false, true]) {
    it(`equals a brute-force sum over the pixels, forward and backward (${shared ? 'shared' : 'per-image'} grid), leaking nothing`, async () => {
      await tf.setBackend('wasm');
      const want = brute(shared);
      const before = tf.memory().numTensors;
      const [out, dFeat, dGrid] = tf.tidy(() => {
        const features = tf.tensor4d(fv, [b, h, w, c]);
        const grid = shared ? tf.tensor2d(gv.subarray(0, 2 * n), [n, 2]) : tf.tensor3d(gv, [b, n, 2]);
        const y = tf.engine().runKernel(FUSED_KERNELS.bilinearSample, { features, grid }) as tf.Tensor;
        const g = tf.engine().runKernel(FUSED_KERNELS.bilinearSampleGrad, { dy: tf.tensor3d(dyv, [b, n, c]), features, grid }) as tf.Tensor[];
        return [y.dataSync(), g[0]!.dataSync(), g[1]!.dataSync()] as Float32Array[];
      });
      expect(tf.memory().numTensors).toBe(before);
      expectClose(out!, Float32Array.from(want.out), 1e-6);
      expectClose(dFeat!, Float32Array.from(want.dFeat), 1e-6);
      expectClose(dGrid!, Float32Array.from(want.dGrid), 1e-5);
    });
  }
  it('refuses shapes outside the contract', async () => {
    await tf.setBackend('wasm');
    const features = tf.zeros([2, 3, 3, 4]);
    expect(() => tf.engine().runKernel(FUSED_KERNELS.bilinearSample, { features, grid: tf.zeros([3, 5, 2]) })).toThrow(/grid \[B,N,2\] or \[N,2\]/);
    expect(() => tf.engine().runKernel(FUSED_KERNELS.bilinearSample, { features, grid: tf.zeros([5, 3]) })).toThrow(/SalBilinearSample needs/);
    expect(() => tf.engine().runKernel(FUSED_KERNELS.bilinearSampleGrad, { dy: tf.zeros([2, 4, 4]), features, grid: tf.zeros([5, 2]) })).toThrow(
      /dy \[B,N,C\]/,
    );
  });
});
