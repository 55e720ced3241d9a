/** User saliency models from ONNX through onnxruntime-node (CPU), on tiny models written by the test (no download). */
import { describe, expect, it } from 'vitest';
import { SalConfigError, SalDataError, SalShapeError } from '@sal/types';
import { loadOnnxSaliency, toLogDensity } from '../src/onnx.js';
import { tinySaliencyModel } from './onnx-builder.js';

// image [[0, 2], [4, 6]], k = 0.5: k·x = 0, 1, 2, 3 and log Σ exp = log(1 + e + e² + e³) = log 31.19287485 = 3.44018970
const LSE = 3.4401896985611953;
const HAND = [0 - LSE, 1 - LSE, 2 - LSE, 3 - LSE];
const IMG = [0, 2, 4, 6];

describe('ONNX saliency models', () => {
  it('runs a log-softmax model on an RGB input (the grey image repeated) and returns its log-density (hand-computed)', async () => {
    const m = await loadOnnxSaliency(tinySaliencyModel(0.5, { channels: 3 }));
    expect([m.inputName, m.outputName]).toEqual(['image', 'map']);
    const out = await m.map(IMG, 2, 2);
    expect(out).toBeInstanceOf(Float32Array);
    HAND.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 5));
    await m.release();
  });

  it('normalises an unnormalised log-density output and a density output', async () => {
    const raw = await loadOnnxSaliency(tinySaliencyModel(0.5, { logSoftmax: false, channels: 1 }), { channels: 1 });
    const out = await raw.map(IMG, 2, 2);
    HAND.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 5));
    await raw.release();
    // density output [1, 1, 2, 4] / 8
    const dens = await loadOnnxSaliency(tinySaliencyModel(1, { logSoftmax: false, channels: 1 }), { channels: 1, output: 'density' });
    const d = await dens.map([1, 1, 2, 4], 2, 2);
    [0.125, 0.125, 0.25, 0.5].forEach((p, i) => expect(d[i]).toBeCloseTo(Math.log(p), 6));
    await dens.release();
  });

  it('maps a stack of images one by one, with progress', async () => {
    const m = await loadOnnxSaliency(tinySaliencyModel(0.5, { channels: 3 }));
    const done: number[] = [];
    const maps = await m.maps(Uint8Array.from([...IMG, 6, 4, 2, 0]), [2, 2, 2], (k) => done.push(k));
    expect(done).toEqual([1, 2]);
    HAND.forEach((v, i) => expect(maps[i]).toBeCloseTo(v, 5));
    [...HAND].reverse().forEach((v, i) => expect(maps[4 + i]).toBeCloseTo(v, 5));
    await m.release();
  });

  it('refuses bad options, names and shapes with typed errors', async () => {
    const bytes = tinySaliencyModel(0.5, { channels: 1 });
    await expect(loadOnnxSaliency(bytes, { layout: 'CHW' as never })).rejects.toThrow(SalConfigError);
    await expect(loadOnnxSaliency(bytes, { channels: 0 })).rejects.toThrow(/channels/);
    await expect(loadOnnxSaliency(bytes, { inputName: 'img' })).rejects.toThrow(/inputName/);
    await expect(loadOnnxSaliency(bytes, { outputName: 'density' })).rejects.toThrow(SalConfigError);
    await expect(loadOnnxSaliency(42 as never)).rejects.toThrow(SalConfigError);
    const m = await loadOnnxSaliency(bytes, { channels: 1 });
    await expect(m.map([1, 2, 3], 2, 2)).rejects.toThrow(SalShapeError);
    await expect(m.map([0, Number.NaN, 1, 2], 2, 2)).rejects.toThrow(SalDataError);
    await expect(m.maps(new Float32Array(7), [2, 2, 2])).rejects.toThrow(SalShapeError);
    await m.release();
    // an input the model does not declare (NHWC [1, 2, 3, 1] for [1, 1, h, w]): the engine's refusal, as a SalShapeError
    const wrong = await loadOnnxSaliency(bytes, { channels: 1, layout: 'NHWC' });
    await expect(wrong.map([0, 1, 2, 3, 4, 5], 2, 3)).rejects.toThrow(SalShapeError);
    await wrong.release();
    // a map of the wrong size: a model taking any 4-d input, fed NHWC [1, 1, 3, 3], averages over the single row
    // and returns 3·3 = 9 values for a 1×3 image
    const rgb = await loadOnnxSaliency(tinySaliencyModel(0.5, { anyShape: true }), { channels: 3, layout: 'NHWC' });
    await expect(rgb.map([0, 1, 2], 1, 3)).rejects.toThrow(/one value per pixel/);
    await rgb.release();
  });
});

describe('toLogDensity', () => {
  it('refuses negative or empty densities and non-finite log-densities', () => {
    expect(() => toLogDensity([1, -1], 1, 2, 'density')).toThrow(SalDataError);
    expect(() => toLogDensity([0, 0], 1, 2, 'density')).toThrow(SalDataError);
    expect(() => toLogDensity([0, Number.POSITIVE_INFINITY], 1, 2, 'logDensity')).toThrow(SalDataError);
    expect(() => toLogDensity([0, 1, 2], 1, 2, 'logDensity')).toThrow(SalShapeError);
    const l = toLogDensity([Math.log(3), Math.log(1)], 1, 2, 'logDensity');
    expect(l[0]).toBeCloseTo(Math.log(0.75), 6);
    expect(l[1]).toBeCloseTo(Math.log(0.25), 6);
  });
});
