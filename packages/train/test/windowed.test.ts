import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, type Core, type Readout } from '@sal/types';
import { createEncoder, windowedResponseModel, type ContextRouting } from '../src/index.js';
import { createFakeCore, createFakeReadout } from './fixtures/fake-modules.js';

const H = 4,
  W = 4;

/** A fake pointwise core (radius 0) and a fake readout with read points at fixed pixels. */
function modules(contextChannels: number, opts: { radius?: number; points?: boolean } = {}): { core: Core; readout: Readout } {
  const base = createFakeCore({ inChannels: 1, features: 2, seed: 1, gamma: 0 });
  const core = opts.radius === undefined ? base : { ...base, receptiveRadius: opts.radius };
  const r = createFakeReadout({ inShape: [H, W, 2], outDims: 3, contextChannels, noise: 0, seed: 2, gamma: 0 });
  const readout: Readout =
    opts.points === false
      ? r
      : Object.assign(Object.create(r) as Readout, {
          readPositions: (b: number) => Float64Array.from({ length: b * 3 * 2 }, (_, i) => (i % 6) * 0.5),
          applyAt: (f: tf.Tensor4D) => tf.sum(f, [1, 2, 3]) as tf.Tensor1D,
        });
  return { core, readout };
}

describe('windowedResponseModel', () => {
  it('window channels: the core channels not fed to the readout context', () => {
    const cases: [number, ContextRouting, number[]][] = [
      [0, 'none', [2]],
      [2, 'ones', [2]],
      [2, 'image', [2]],
      [1, [2], []],
      [2, [0, 1], [2]],
    ];
    for (const [ctx, context, want] of cases) {
      const { core, readout } = modules(ctx, { radius: 0 });
      const enc = createEncoder({ core, readouts: { s: readout }, routing: { core: [2], context, imageChannel: 0 } });
      expect(windowedResponseModel(enc, 's').windowChannels).toEqual(want);
      enc.dispose();
    }
  });

  it('windows of 2r + 2 pixels around the read point; held inside the image without applyWindows', () => {
    const { core, readout } = modules(0, { radius: 1 });
    const enc = createEncoder({ core, readouts: { s: readout } });
    const m = windowedResponseModel(enc, 's');
    expect(m.windowSize([H, W])).toEqual([4, 4]);
    expect(m.windowOrigin(0.5, 3.2, [10, 10])).toEqual([2, 0]); // floor − r, clamped at 0
    expect(m.windowOrigin(9.5, 9, [10, 10])).toEqual([6, 6]); // clamped at size − S
    expect(m.windowSize([3, 8])).toEqual([3, 4]);
    const x = tf.zeros([2, H, W, 1]) as tf.Tensor4D;
    const pos = m.positions(x);
    expect(Array.from(pos.subarray(0, 6))).toEqual([0, 0.5, 1, 1.5, 2, 2.5]); // offset o = 0
    tf.dispose(x);
    enc.dispose();
  });

  it('refuses cores without a radius, readouts without read points, unknown sessions, images of another size', () => {
    for (const [opts, pattern] of [
      [{}, /receptiveRadius/],
      [{ radius: 0, points: false }, /readPositions/],
    ] as const) {
      const { core, readout } = modules(0, opts);
      const enc = createEncoder({ core, readouts: { s: readout } });
      expect(() => windowedResponseModel(enc, 's')).toThrow(SalConfigError);
      expect(() => windowedResponseModel(enc, 's')).toThrow(pattern);
      enc.dispose();
    }
    const { core, readout } = modules(0, { radius: 0 });
    const enc = createEncoder({ core, readouts: { s: readout } });
    expect(() => windowedResponseModel(enc, 'other')).toThrow(SalConfigError);
    const x = tf.zeros([1, H + 1, W, 1]) as tf.Tensor4D;
    expect(() => windowedResponseModel(enc, 's').positions(x)).toThrow(SalShapeError);
    x.dispose();
    enc.dispose();
  });
});
