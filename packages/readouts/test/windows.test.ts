import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, type Readout } from '@sal/types';
import { attentionReadout, gaussianReadout, saliencyShifterReadout } from '../src/index.js';
import { expectArraysClose, expectNoLeaks } from '../../test-utils/src/index.js';
import { randn as randValues } from './reference.js';

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const randn = (shape: number[], seed: number): tf.Tensor => tf.tensor(randValues(size(shape), seed), shape);

const H = 7,
  W = 9,
  C = 3,
  N = 6,
  B = 2;
// corners, edges, the centre, and one point clamped from outside the map
const MU = [-1, -1, 1, 1, -1, 0.3, 0.5, -1, 0, 0, 1.4, -0.2];

function setWeights(r: Readout, values: Record<string, ArrayLike<number>>): void {
  const w = r.getWeights();
  for (const [k, v] of Object.entries(values)) tf.tidy(() => w[k]!.assign(tf.tensor(Array.from(v), w[k]!.shape)));
}

/**
 * The responses of every (image, neuron) pair through readPositions + applyAt on 2×2 (and 4×5) feature crops
 * around each read point, against `apply` on the whole map.
 */
function expectWindowedEqualsApply(r: Readout, x: tf.Tensor4D, opts: Parameters<Readout['apply']>[1], crop: [number, number]): void {
  const full = r.apply(x, opts).dataSync();
  const pos = r.readPositions!(B, opts);
  const xd = x.dataSync();
  const P = B * N;
  const [ch, cw] = crop;
  const win = new Float32Array(P * ch * cw * C);
  const rel = new Float64Array(2 * P);
  const neurons = new Int32Array(P);
  for (let b = 0; b < B; b++)
    for (let n = 0; n < N; n++) {
      const p = b * N + n;
      neurons[p] = n;
      const px = pos[2 * p]!,
        py = pos[2 * p + 1]!;
      const ox = Math.floor(px) - Math.floor((cw - 2) / 2),
        oy = Math.floor(py) - Math.floor((ch - 2) / 2);
      rel[2 * p] = px - ox;
      rel[2 * p + 1] = py - oy;
      for (let i = 0; i < ch; i++)
        for (let j = 0; j < cw; j++) {
          const y = oy + i,
            xx = ox + j;
          if (y < 0 || xx < 0 || y >= H || xx >= W) continue; // zero padding
          for (let c = 0; c < C; c++) win[((p * ch + i) * cw + j) * C + c] = xd[((b * H + y) * W + xx) * C + c]!;
        }
    }
  const wt = tf.tensor4d(win, [P, ch, cw, C]);
  const y = expectNoLeaks(() => r.applyAt!(wt, neurons, rel), 'applyAt');
  expect(y.shape).toEqual([P]);
  expectArraysClose(y.dataSync(), full, 1e-5, 1e-6);
  tf.dispose([wt, y]);
}

describe('readout windows: readPositions + applyAt', () => {
  it('gaussian readout: read points are (μ clamped + 1)·(size − 1)/2 px, plus the shift', () => {
    const r = gaussianReadout({ inShape: [H, W, C], outDims: N, gaussType: 'isotropic', seed: 1 });
    setWeights(r, { mu: MU });
    const pos = expectNoLeaks(() => r.readPositions!(B), 'readPositions');
    expect(pos).toBeInstanceOf(Float64Array);
    expect(Array.from(pos.subarray(0, 12))).toEqual([0, 0, 8, 6, 0, 1.3 * 3, 1.5 * 4, 0, 4, 3, 8, 0.8 * 3].map((v) => expect.closeTo(v, 5)));
    expect(Array.from(pos.subarray(12))).toEqual(Array.from(pos.subarray(0, 12)));
    const shift = tf.tensor2d([0.25, 0, 0, -0.5], [B, 2]);
    const shifted = r.readPositions!(B, { shift });
    expect(shifted[0]).toBeCloseTo(0.25 * 4, 5);
    expect(shifted[12 + 1]).toBeCloseTo(-0.5 * 3, 5);
    shift.dispose();
    r.dispose();
  });

  for (const crop of [
    [2, 2],
    [4, 5],
  ] as [number, number][]) {
    it(`gaussian readout on ${crop.join('×')} crops equals apply (with and without bias, with a shift)`, () => {
      for (const bias of [true, false]) {
        const r = gaussianReadout({ inShape: [H, W, C], outDims: N, gaussType: 'full', bias, seed: 2 });
        setWeights(r, { mu: MU, features: Array.from(randValues(C * N, 3)), ...(bias ? { bias: [0.1, -0.2, 0.3, 0, 0.5, -1] } : {}) });
        const x = randn([B, H, W, C], 4) as tf.Tensor4D;
        const shift = tf.tensor2d([0.1, -0.37, -0.6, 0.05], [B, 2]);
        expectWindowedEqualsApply(r, x, {}, crop);
        expectWindowedEqualsApply(r, x, { shift }, crop);
        tf.dispose([x, shift]);
        r.dispose();
      }
    });
  }

  it('saliency shifter: read points from the whole context; applyAt on crops equals apply', () => {
    const r = saliencyShifterReadout({ inShape: [H, W, C], outDims: N, remapChannels: 2, maxRemapAmplitude: 0.5, neuronShiftGain: true, seed: 3 });
    setWeights(r, { mu: MU, features: Array.from(randValues(C * N, 5)), shiftGain: [1, 0.5, 2, -1, 0, 1.5] });
    const x = randn([B, H, W, C], 6) as tf.Tensor4D;
    const context = randn([B, 11, 13, 2], 7) as tf.Tensor4D;
    expectWindowedEqualsApply(r, x, { context }, [2, 2]);
    expectWindowedEqualsApply(r, x, { context }, [3, 3]);
    expect(() => r.readPositions!(B)).toThrow(SalShapeError);
    tf.dispose([x, context]);
    r.dispose();
  });

  it('applyAt checks its arguments; the attention readout has no read points', () => {
    const r = gaussianReadout({ inShape: [H, W, C], outDims: N, seed: 1 });
    const x = tf.zeros([2, 2, 2, C]) as tf.Tensor4D;
    expect(() => r.applyAt(x, new Int32Array(1), new Float64Array(4))).toThrow(SalShapeError);
    expect(() => r.applyAt(x, new Int32Array(2), new Float64Array(2))).toThrow(SalShapeError);
    expect(() => r.applyAt(x, Int32Array.from([0, N]), new Float64Array(4))).toThrow(SalConfigError);
    expect(() => r.applyAt(tf.zeros([2, 2, 2, C + 1]) as tf.Tensor4D, new Int32Array(2), new Float64Array(4))).toThrow(SalShapeError);
    x.dispose();
    r.dispose();
    const a = attentionReadout({ inShape: [H, W, C], outDims: N });
    expect((a as Readout).readPositions).toBeUndefined();
    expect((a as Readout).applyAt).toBeUndefined();
    a.dispose();
  });
});
