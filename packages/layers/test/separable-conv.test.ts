/**
 * The depth-separable block: the fused kernel (when the backend registers it, as `@sal/native` does on wasm) against
 * the three tfjs ops on the cpu backend (an independent implementation), forward and every gradient; x's gradient
 * against central finite differences; no tensor leaks; typed errors.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError } from '@sal/types';
import { expectArraysClose, expectNoLeaks, finiteDifferenceGrad, sampleIndices } from '@sal/test-utils';
import { hasFusedSeparableConv, separableConv, separableConvComposite, type SeparableConvOptions, type SeparableKernels } from '../src/index.js';

interface Case {
  name: string;
  x: number[];
  ci: number;
  c1: number;
  co: number;
  k: number;
  pad: 'same' | 'valid';
  activation: 'linear' | 'elu';
  bias: boolean;
}

// G's block (whole vectors, k = 9, the ring-of-rows path), and shapes that take the kernel's other path (channels
// that are not whole vectors, even widths of the 'valid' window, few rows)
const CASES: Case[] = [
  { name: "G's 32→32→32, 9×9 'same', bias, elu", x: [2, 21, 19, 32], ci: 32, c1: 32, co: 32, k: 9, pad: 'same', activation: 'elu', bias: true },
  { name: "32→32→32, 9×9 'valid', linear, no bias", x: [2, 20, 23, 32], ci: 32, c1: 32, co: 32, k: 9, pad: 'valid', activation: 'linear', bias: false },
  { name: "16→48→32, 3×3 'same', elu", x: [3, 7, 9, 16], ci: 16, c1: 48, co: 32, k: 3, pad: 'same', activation: 'elu', bias: true },
  { name: "3→5→2, 5×5 'valid' (not whole vectors)", x: [2, 9, 8, 3], ci: 3, c1: 5, co: 2, k: 5, pad: 'valid', activation: 'elu', bias: true },
  { name: "4→8→8, 4×4 'valid' (even k)", x: [1, 6, 7, 4], ci: 4, c1: 8, co: 8, k: 4, pad: 'valid', activation: 'linear', bias: true },
];

function seeded(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale);
}

function make(c: Case): { x: tf.Tensor4D; k: SeparableKernels; o: SeparableConvOptions } {
  return {
    x: seeded(c.x, 1) as tf.Tensor4D,
    k: {
      inKernel: seeded([1, 1, c.ci, c.c1], 2, 1 / Math.sqrt(c.ci)) as tf.Tensor4D,
      depthwise: seeded([c.k, c.k, c.c1, 1], 3, 1 / c.k) as tf.Tensor4D,
      outKernel: seeded([1, 1, c.c1, c.co], 4, 1 / Math.sqrt(c.c1)) as tf.Tensor4D,
    },
    o: { pad: c.pad, activation: c.activation, bias: c.bias ? (seeded([c.co], 5, 0.3) as tf.Tensor1D) : null },
  };
}

/** Output and the gradients of Σ y·r (r fixed) w.r.t. x, the three kernels and the bias. */
function run(c: Case, op: typeof separableConv): Record<string, Float32Array> {
  return tf.tidy(() => {
    const { x, k, o } = make(c);
    const y = op(x, k, o);
    const r = seeded(y.shape, 6);
    const f = (xi: tf.Tensor, w1: tf.Tensor, dw: tf.Tensor, w2: tf.Tensor, b?: tf.Tensor) =>
      tf.sum(
        tf.mul(
          op(
            xi as tf.Tensor4D,
            { inKernel: w1 as tf.Tensor4D, depthwise: dw as tf.Tensor4D, outKernel: w2 as tf.Tensor4D },
            { ...o, bias: (b as tf.Tensor1D) ?? null },
          ),
          r,
        ),
      );
    const g = tf.grads(f)([x, k.inKernel, k.depthwise, k.outKernel, ...(o.bias ? [o.bias] : [])]);
    const names = ['dx', 'dInKernel', 'dDepthwise', 'dOutKernel', 'dBias'];
    return Object.fromEntries([['y', y.dataSync() as Float32Array], ...g.map((t, i) => [names[i], t.dataSync() as Float32Array])]);
  });
}

describe('separableConv', () => {
  it("runs the fused kernel wherever @sal/native's kernels are registered (else both sides are the three ops)", () => {
    expect(hasFusedSeparableConv()).toBe(tf.getKernel('SalBatchNormTrain', tf.getBackend()) !== undefined);
  });

  it.each(CASES)('$name: forward and every gradient equal the three tfjs ops on cpu', async (c) => {
    const got = run(c, separableConv);
    await tf.setBackend('cpu');
    let want: Record<string, Float32Array>;
    try {
      want = run(c, separableConvComposite);
    } finally {
      await tf.setBackend('wasm');
    }
    for (const key of Object.keys(want)) {
      if (key === 'dBias' && !c.bias) continue;
      const scale = Math.max(...Array.from(want[key] as Float32Array, Math.abs));
      expectArraysClose(got[key] as Float32Array, want[key] as Float32Array, 1e-4, 2e-5 * scale);
    }
  });

  it("x's gradient equals central finite differences (the fused path, 'valid' and 'same')", () => {
    for (const c of [CASES[1]!, CASES[2]!]) {
      const small = { ...c, x: [1, c.k + 2, c.k + 1, c.ci] };
      const { x, k, o } = make(small);
      const r = seeded(separableConv(x, k, o).shape, 7);
      const f = (xi: tf.Tensor) => tf.sum(tf.mul(separableConv(xi as tf.Tensor4D, k, o), r));
      const analytic = tf.grad(f)(x);
      const indices = sampleIndices(x.size, 12, 3);
      const numeric = finiteDifferenceGrad((xi) => f(xi), x, { indices });
      indices.forEach((index, i) => {
        const value = numeric[i] as number;
        expect(Math.abs((analytic.dataSync()[index] as number) - value)).toBeLessThan(2e-2 * Math.max(1, Math.abs(value)));
      });
      tf.dispose([x, k.inKernel, k.depthwise, k.outKernel, o.bias ?? [], r, analytic]);
    }
  });

  it('leaks no tensors, forward or backward, and gives the same bits twice', () => {
    const c = CASES[0]!;
    const { x, k, o } = make(c);
    const y1 = expectNoLeaks(() => separableConv(x, k, o));
    const y2 = separableConv(x, k, o);
    expect(Array.from(y1.dataSync())).toEqual(Array.from(y2.dataSync()));
    const gx = expectNoLeaks(() => tf.grad((xi: tf.Tensor) => tf.sum(separableConv(xi as tf.Tensor4D, k, o)))(x));
    const gw = expectNoLeaks(() =>
      tf.grads((w: tf.Tensor, d: tf.Tensor) => tf.sum(separableConv(x, { ...k, inKernel: w as tf.Tensor4D, depthwise: d as tf.Tensor4D }, o)))([
        k.inKernel,
        k.depthwise,
      ]),
    );
    tf.dispose([x, k.inKernel, k.depthwise, k.outKernel, o.bias ?? [], y1, y2, gx, ...gw]);
  });

  it('rejects bad input with typed errors naming the argument', () => {
    const { x, k, o } = make(CASES[2]!);
    expect(() => separableConv(x, { ...k, inKernel: tf.zeros([1, 1, 3, 48]) as tf.Tensor4D }, o)).toThrow(/inKernel/);
    expect(() => separableConv(x, { ...k, depthwise: tf.zeros([3, 3, 47, 1]) as tf.Tensor4D }, o)).toThrow(SalShapeError);
    expect(() => separableConv(x, { ...k, outKernel: tf.zeros([1, 1, 5, 32]) as tf.Tensor4D }, o)).toThrow(/outKernel/);
    expect(() => separableConv(x, k, { ...o, bias: tf.zeros([31]) as tf.Tensor1D })).toThrow(/bias/);
    expect(() => separableConv(x, k, { ...o, pad: 'full' as 'same' })).toThrow(SalConfigError);
    expect(() => separableConv(x, k, { ...o, activation: 'relu' as 'elu' })).toThrow(/activation/);
    expect(() => separableConv(x, k, { ...o, padd: 'same' } as never)).toThrow(SalConfigError);
    expect(() => separableConv(tf.zeros([2, 2, 16]) as unknown as tf.Tensor4D, k, o)).toThrow(SalShapeError);
    const even = make(CASES[4]!);
    expect(() => separableConv(even.x, even.k, { ...even.o, pad: 'same' })).toThrow(/even/);
    expect(() => separableConv(tf.zeros([1, 2, 2, 4]) as tf.Tensor4D, even.k, even.o)).toThrow(/at least 4×4/);
  });
});
