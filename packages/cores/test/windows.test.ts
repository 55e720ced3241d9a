import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectArraysClose, expectNoLeaks } from '@sal/test-utils';
import { SalShapeError, createRng, type Core } from '@sal/types';
import { resnetCore, stacked2dCore, type Stacked2dCoreOptions } from '../src/index.js';
import { randn } from './helpers.js';

/** Random batch-norm statistics and affine parameters, so evaluation mode is not the identity. */
function randomiseBatchNorm(core: Core, seed: number): void {
  const rng = createRng(seed);
  for (const [name, v] of Object.entries(core.getWeights())) {
    if (!/\.(gamma|beta|runningMean|runningVar|bias)$/.test(name)) continue;
    const vals = Float32Array.from({ length: v.size }, () => (name.endsWith('runningVar') || name.endsWith('gamma') ? 0.5 + rng.next() : 0.3 * rng.normal()));
    tf.tidy(() => v.assign(tf.tensor(vals, v.shape)));
  }
}

const base: Stacked2dCoreOptions = { hiddenChannels: 3, inputKern: 5, hiddenKern: 3, layers: 3, nSeBlocks: 0, gammaInput: 0, seed: 3 };
const configs: [string, Stacked2dCoreOptions, number][] = [
  ['padded input, last layer', { ...base, padInput: true, stack: -1 }, 2 + 1 + 1],
  ['unpadded input, all layers stacked', { ...base, padInput: false }, 4],
  ['skip connections, two inputs, bias', { ...base, padInput: true, skip: 2, inChannels: 2, bias: true, stack: [0, 2] }, 4],
  ['depth-separable, 9 input channels (plain first conv)', { ...base, depthSeparable: true, inChannels: 9, stack: -1, hiddenKern: 5 }, 2 + 2 + 2],
  ['first layer only', { ...base, padInput: true, stack: [0] }, 2],
];

/** Features of the full images at the windows' feature pixels (zeros outside the map), as applyWindows defines them. */
function expectedWindows(
  full: Float32Array,
  fh: number,
  fw: number,
  f: number,
  origins: Int32Array,
  sh: number,
  sw: number,
  r: number,
  off: number,
): Float32Array {
  const p = origins.length / 2;
  const out = new Float32Array(p * sh * sw * f);
  for (let k = 0; k < p; k++) {
    for (let i = 0; i < sh; i++) {
      for (let j = 0; j < sw; j++) {
        const y = origins[2 * k]! + r + i - off,
          x = origins[2 * k + 1]! + r + j - off;
        if (y < 0 || x < 0 || y >= fh || x >= fw) continue;
        for (let c = 0; c < f; c++) out[((k * sh + i) * sw + j) * f + c] = full[((k * fh + y) * fw + x) * f + c]!;
      }
    }
  }
  return out;
}

describe('stacked2dCore windows', () => {
  for (const [name, opts, radius] of configs) {
    it(`${name}: applyWindows equals the full-image features, at borders and corners too`, () => {
      const core = stacked2dCore(opts);
      randomiseBatchNorm(core, 5);
      expect(core.receptiveRadius).toBe(radius);
      const H = 19,
        W = 23,
        cin = opts.inChannels ?? 1;
      // one image per window, with windows inside, across each border, past the corners
      const origins = Int32Array.from([-radius, -radius, 3, 4, H - 2 * radius - 1, W - 2 * radius - 1, -2, 9, 7, W - radius - 1, -3 * radius, 2]);
      const p = origins.length / 2;
      const images = randn([p, H, W, cin], 11) as tf.Tensor4D;
      const full = core.apply(images);
      const [, fh, fw, f] = full.shape;
      const off = (H - fh) / 2;
      const s = 2 * radius + 3;
      const imgData = images.dataSync();
      const win = new Float32Array(p * s * (s + 1) * cin);
      for (let k = 0; k < p; k++)
        for (let i = 0; i < s; i++)
          for (let j = 0; j < s + 1; j++) {
            const y = origins[2 * k]! + i,
              x = origins[2 * k + 1]! + j;
            // pixels outside the image hold garbage: the core must ignore them
            for (let c = 0; c < cin; c++)
              win[((k * s + i) * (s + 1) + j) * cin + c] = y < 0 || x < 0 || y >= H || x >= W ? 100 + i : imgData[((k * H + y) * W + x) * cin + c]!;
          }
      const x = tf.tensor4d(win, [p, s, s + 1, cin]);
      const out = expectNoLeaks(() => core.applyWindows!(x, { origins, imageSize: [H, W] }), 'applyWindows');
      expect(out.shape).toEqual([p, s - 2 * radius, s + 1 - 2 * radius, f]);
      const want = expectedWindows(full.dataSync() as Float32Array, fh, fw, f, origins, s - 2 * radius, s + 1 - 2 * radius, radius, off);
      expectArraysClose(out.dataSync(), want, 1e-4, 1e-5);
      tf.dispose([images, full, x, out]);
      core.dispose();
    });
  }

  it('the receptive radius is the extent of the input gradient of a centre feature', () => {
    const core = stacked2dCore({ ...base, padInput: false, stack: -1, hiddenKern: 5 });
    randomiseBatchNorm(core, 2);
    const r = core.receptiveRadius!;
    const H = 2 * r + 9;
    const img = randn([1, H, H, 1], 4) as tf.Tensor4D;
    const [fh] = core.computeOutputShape([H, H, 1]);
    const off = (H - fh) / 2;
    const c = Math.floor(fh / 2);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.slice(core.apply(t as tf.Tensor4D), [0, c, c, 0], [1, 1, 1, -1])))(img);
    const d = g.dataSync();
    let lo = H,
      hi = -1;
    for (let i = 0; i < H; i++)
      for (let j = 0; j < H; j++)
        if (d[i * H + j] !== 0) {
          lo = Math.min(lo, i, j);
          hi = Math.max(hi, i, j);
        }
    expect([lo, hi]).toEqual([c + off - r, c + off + r]);
    tf.dispose([img, g]);
    core.dispose();
  });

  it('no radius (not windowable) with squeeze-and-excitation blocks, an even first kernel, or strides', () => {
    const se = stacked2dCore({ ...base, nSeBlocks: 1, seReduction: 3 });
    const even = stacked2dCore({ ...base, inputKern: 4 });
    const resnet = resnetCore({ stemChannels: 4, stageChannels: [4], blocksPerStage: 1 });
    for (const c of [se, even, resnet]) {
      expect(c.receptiveRadius).toBeUndefined();
      expect(c.applyWindows).toBeUndefined();
      c.dispose();
    }
    // SE after the last stacked layer does not matter
    const early = stacked2dCore({ ...base, nSeBlocks: 1, seReduction: 3, stack: [1] });
    expect(early.receptiveRadius).toBe(3);
    early.dispose();
    // attention convs are local: a radius, but no window evaluation (windows go through apply on crops)
    const att = stacked2dCore({ ...base, attentionConv: true, hiddenChannels: 2 });
    expect(att.receptiveRadius).toBe(4);
    expect(att.applyWindows).toBeUndefined();
    att.dispose();
  });

  it('rejects windows that are too small and malformed placements', () => {
    const core = stacked2dCore({ ...base, stack: -1 });
    const x = tf.zeros([2, 8, 8, 1]) as tf.Tensor4D;
    expect(() => core.applyWindows!(x, { origins: new Int32Array(4), imageSize: [20, 20] })).toThrow(SalShapeError);
    const y = tf.zeros([2, 10, 10, 1]) as tf.Tensor4D;
    expect(() => core.applyWindows!(y, { origins: new Int32Array(2), imageSize: [20, 20] })).toThrow(/origins/);
    expect(() => core.applyWindows!(y, { origins: new Int32Array(4), imageSize: [20, 0] as unknown as [number, number] })).toThrow(/imageSize/);
    tf.dispose([x, y]);
    core.dispose();
  });
});
