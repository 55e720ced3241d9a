import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError } from '@sal/types';
import { expectArraysClose, expectNoLeaks } from '@sal/test-utils';
import { createEncoder } from '../src/index.js';
import { createFakeCore, createFakeReadout } from './fixtures/fake-modules.js';
import { createArrayDataset } from './fixtures/array-dataset.js';

const H = 4,
  W = 4;

function input(seed: number, c: number, b = 3): { x: tf.Tensor4D; data: Float32Array } {
  const data = Float32Array.from({ length: b * H * W * c }, (_, i) => Math.sin(i * 0.7 + seed));
  return { x: tf.tensor4d(data, [b, H, W, c]), data };
}

/** Channel `ch` of a row-major [B,H,W,C] array, built by hand. */
function channel(data: Float32Array, b: number, c: number, ch: number): Float32Array {
  const out = new Float32Array(b * H * W);
  for (let i = 0; i < b * H * W; i++) out[i] = data[i * c + ch]!;
  return out;
}

const eluPlus1 = (v: number): number => (v > 0 ? v : Math.expm1(v)) + 1;

describe('createEncoder', () => {
  it('predict = elu(readout(core(x[..., core channels])) + offset) + 1', () => {
    const core = createFakeCore({ inChannels: 1, features: 2, seed: 1, gamma: 0.1 });
    const readout = createFakeReadout({ inShape: [H, W, 2], outDims: 3, contextChannels: 0, noise: 0, seed: 2, gamma: 0.2 });
    const enc = createEncoder({ core, readouts: { s1: readout }, eluOffset: -1, routing: { core: [1] } });
    const { x, data } = input(0, 3);
    const y = expectNoLeaks(() => enc.predict(x, 's1'), 'predict');
    expect(y.shape).toEqual([3, 3]);
    // reference: the modules applied by hand to channel 1 cut out on the host
    const xc = tf.tensor4d(channel(data, 3, 3, 1), [3, H, W, 1]);
    const raw = tf.tidy(() => readout.apply(core.apply(xc)));
    const expected = Array.from(raw.dataSync(), (v) => eluPlus1(v - 1));
    expectArraysClose(y.dataSync(), expected);
    expect(Math.min(...y.dataSync())).toBeGreaterThan(0);
    tf.dispose([x, y, xc, raw]);
    enc.dispose();
  });

  it("routes the readout context: channels, 'ones' and 'image'", () => {
    const { x, data } = input(1, 3, 2);
    const imgMean = [0, 1].map(
      (b) =>
        channel(data, 2, 3, 0)
          .slice(b * H * W, (b + 1) * H * W)
          .reduce((s, v) => s + v, 0) /
        (H * W),
    );
    const chMean = (ch: number) =>
      [0, 1].map(
        (b) =>
          channel(data, 2, 3, ch)
            .slice(b * H * W, (b + 1) * H * W)
            .reduce((s, v) => s + v, 0) /
          (H * W),
      );
    // the fake readout adds mean(context over H,W) · ctxW; with ctxW = [[1],[10]] the added term is m0 + 10·m1
    const cases: [unknown, number[]][] = [
      [[1, 2], [0, 1].map((b) => chMean(1)[b]! + 10 * chMean(2)[b]!)],
      ['ones', [11, 11]],
      ['image', [0, 1].map((b) => 11 * imgMean[b]!)],
    ];
    for (const [context, added] of cases) {
      const core = createFakeCore({ inChannels: 1, features: 1, seed: 3, gamma: 0 });
      const readout = createFakeReadout({ inShape: [H, W, 1], outDims: 1, contextChannels: 2, noise: 0, seed: 4, gamma: 0 });
      const enc = createEncoder({ core, readouts: { a: readout }, eluOffset: 0, routing: { core: [0], context: context as never } });
      const y0 = tf.tidy(() => enc.predict(x, 'a').dataSync());
      tf.tidy(() => readout.getWeights()['context']!.assign(tf.tensor2d([[1], [10]])));
      const y1 = tf.tidy(() => enc.predict(x, 'a').dataSync());
      // invert elu+1 (y0 > 1 ⇔ linear branch): recover the readout output and compare the difference
      const inv = (v: number) => (v >= 1 ? v - 1 : Math.log(v));
      for (let b = 0; b < 2; b++) expect(inv(y1[b]!) - inv(y0[b]!)).toBeCloseTo(added[b]!, 4);
      enc.dispose();
    }
    x.dispose();
  });

  it("context(x, key) is the readout's context input: the chosen channels, ones, the image repeated, or none", () => {
    const { x, data } = input(5, 3, 2);
    const make = (context: unknown, contextChannels: number) =>
      createEncoder({
        core: createFakeCore({ inChannels: 1, features: 1, seed: 3, gamma: 0 }),
        readouts: { a: createFakeReadout({ inShape: [H, W, 1], outDims: 1, contextChannels, noise: 0, seed: 4, gamma: 0 }) },
        routing: { core: [0], context: context as never, imageChannel: 1 },
      });
    const read = (enc: ReturnType<typeof make>) => {
      const t = expectNoLeaks(() => enc.context(x, 'a'), 'context');
      const out = t ? { shape: t.shape, data: t.dataSync() } : undefined;
      t?.dispose();
      return out;
    };
    // channels [2, 0]: pixel i's context is (x[i, 2], x[i, 0])
    let enc = make([2, 0], 2);
    const c = read(enc)!;
    expect(c.shape).toEqual([2, H, W, 2]);
    const ch2 = channel(data, 2, 3, 2),
      ch0 = channel(data, 2, 3, 0);
    expectArraysClose(
      Array.from({ length: 2 * H * W * 2 }, (_, k) => (k % 2 === 0 ? ch2[k >> 1]! : ch0[k >> 1]!)),
      c.data,
      0,
    );
    enc.dispose();
    // channels [1, 2, 0]: a run of two (one slice) and one more; pixel i's context is (x[i, 1], x[i, 2], x[i, 0])
    enc = make([1, 2, 0], 3);
    const c3 = read(enc)!;
    expect(c3.shape).toEqual([2, H, W, 3]);
    const byCh = [channel(data, 2, 3, 1), channel(data, 2, 3, 2), ch0];
    expectArraysClose(
      Array.from({ length: 2 * H * W * 3 }, (_, k) => byCh[k % 3]![Math.floor(k / 3)]!),
      c3.data,
      0,
    );
    enc.dispose();
    enc = make('ones', 3);
    expect(Array.from(read(enc)!.data)).toEqual(new Array(2 * H * W * 3).fill(1));
    enc.dispose();
    enc = make('image', 2);
    const ch1 = channel(data, 2, 3, 1);
    expectArraysClose(
      Array.from({ length: 2 * H * W * 2 }, (_, k) => ch1[k >> 1]!),
      read(enc)!.data,
      0,
    );
    enc.dispose();
    enc = make('none', 0);
    expect(read(enc)).toBeUndefined();
    expect(() => enc.context(x, 'b')).toThrow(SalConfigError);
    enc.dispose();
    x.dispose();
  });

  it("'image' context repeats the chosen image channel", () => {
    const { x, data } = input(2, 3, 2);
    const core = createFakeCore({ inChannels: 1, features: 1, seed: 12, gamma: 0 });
    const readout = createFakeReadout({ inShape: [H, W, 1], outDims: 1, contextChannels: 3, noise: 0, seed: 13, gamma: 0 });
    const enc = createEncoder({ core, readouts: { a: readout }, routing: { core: [0], context: 'image', imageChannel: 2 } });
    const y0 = tf.tidy(() => enc.predict(x, 'a').dataSync());
    tf.tidy(() => readout.getWeights()['context']!.assign(tf.tensor2d([[1], [2], [4]])));
    const y1 = tf.tidy(() => enc.predict(x, 'a').dataSync());
    const inv = (v: number) => (v >= 1 ? v - 1 : Math.log(v));
    for (let b = 0; b < 2; b++) {
      const m =
        channel(data, 2, 3, 2)
          .slice(b * H * W, (b + 1) * H * W)
          .reduce((s, v) => s + v, 0) /
        (H * W);
      expect(inv(y1[b]!) - inv(y0[b]!)).toBeCloseTo(7 * m, 4);
    }
    x.dispose();
    enc.dispose();
  });

  it('sums the regularisers, prefixes the weight names and reports its config', () => {
    const core = createFakeCore({ inChannels: 1, features: 1, seed: 5, gamma: 0.5 });
    const r1 = createFakeReadout({ inShape: [H, W, 1], outDims: 2, contextChannels: 0, noise: 0, seed: 6, gamma: 0.25 });
    const r2 = createFakeReadout({ inShape: [H, W, 1], outDims: 1, contextChannels: 0, noise: 0, seed: 7, gamma: 1 });
    const enc = createEncoder({ core, readouts: { a: r1, b: r2 } });
    const reg = expectNoLeaks(() => enc.regularizer('b'), 'regularizer');
    const cw = Array.from(core.getWeights()['conv/kernel']!.dataSync()),
      rw = Array.from(r2.getWeights()['weight']!.dataSync());
    const hand = 0.5 * cw.reduce((s, v) => s + v * v, 0) + rw.reduce((s, v) => s + Math.abs(v), 0);
    expect(reg.dataSync()[0]).toBeCloseTo(hand, 4);
    reg.dispose();
    expect(Object.keys(enc.getWeights()).sort()).toEqual([
      'core/bn/beta',
      'core/bn/gamma',
      'core/bn/runningMean',
      'core/bn/runningVar',
      'core/conv/kernel',
      'readout/a/bias',
      'readout/a/weight',
      'readout/b/bias',
      'readout/b/weight',
    ]);
    const cfg = enc.getConfig();
    expect(cfg['kind']).toBe('train.encoder');
    expect((cfg['core'] as { kind: string }).kind).toBe('test.fakeCore');
    expect(Object.keys(cfg['readouts'] as object)).toEqual(['a', 'b']);
    enc.dispose();
  });

  it('initBiases sets each readout bias to the mean training response', () => {
    const core = createFakeCore({ inChannels: 1, features: 1, seed: 8, gamma: 0 });
    const r = createFakeReadout({ inShape: [H, W, 1], outDims: 2, contextChannels: 0, noise: 0, seed: 9, gamma: 0 });
    const enc = createEncoder({ core, readouts: { s: r } });
    const ds = createArrayDataset(
      [H, W, 1],
      ['image'],
      [
        {
          key: 's',
          nNeurons: 2,
          inputs: new Float32Array(5 * H * W),
          imageIds: Int32Array.from([0, 1, 2, 3, 4]),
          targets: Float32Array.from([1, 0, 3, 2, 5, 4, 100, 100, 7, 6]),
          splits: ['train', 'train', 'train', 'validation', 'train'],
        },
      ],
    );
    enc.initBiases(ds, { batchSize: 2 });
    // train rows: (1,0) (3,2) (5,4) (7,6) → means 4 and 3; the validation row is ignored
    expectArraysClose(r.getWeights()['bias']!.dataSync(), [4, 3]);
    enc.dispose();
  });

  it('rejects wrong sessions, routing and contexts with typed errors', () => {
    const core = createFakeCore({ inChannels: 1, features: 1, seed: 10, gamma: 0 });
    const rCtx = createFakeReadout({ inShape: [H, W, 1], outDims: 1, contextChannels: 2, noise: 0, seed: 11, gamma: 0 });
    expect(() => createEncoder({ core, readouts: { a: rCtx }, routing: { core: [0] } })).toThrow(SalConfigError);
    expect(() => createEncoder({ core, readouts: { a: rCtx }, routing: { core: [0], context: [1] } })).toThrow(SalShapeError);
    expect(() => createEncoder({ core, readouts: { a: rCtx }, routing: { core: [0, 1], context: 'ones' } })).toThrow(SalShapeError);
    expect(() => createEncoder({ core, readouts: {} })).toThrow(SalConfigError);
    expect(() => createEncoder({ core, readouts: { a: rCtx }, routing: { context: 'zeros' as never } })).toThrow(SalConfigError);
    const enc = createEncoder({ core, readouts: { a: rCtx }, routing: { core: [0], context: 'ones' } });
    const x = tf.zeros([1, H, W, 1]) as tf.Tensor4D;
    expect(() => enc.predict(x, 'b')).toThrow(SalConfigError);
    const x3 = tf.zeros([H, W, 1]);
    expect(() => enc.predict(x3 as never, 'a')).toThrow(SalShapeError);
    tf.dispose([x, x3]);
    enc.dispose();
  });
});
