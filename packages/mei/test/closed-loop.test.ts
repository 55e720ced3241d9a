/**
 * The closed loop on a small simulated population: the display path against the dataset's own preprocessing,
 * the true responses against @sal/sim's neuronRates, and closedLoop's numbers against loops written here.
 */
import { describe, expect, it } from 'vitest';
import type * as tf from '@tensorflow/tfjs-core';
import { simulateDataset, neuronRates, computeFeatureMaps, neuronRate } from '@sal/sim';
import { createDataset } from '@sal/saliency-loader';
import { stacked2dCore } from '@sal/cores';
import { gaussianReadout } from '@sal/readouts';
import { createEncoder } from '@sal/train';
import { SalConfigError } from '@sal/types';
import { expectNoLeaks } from '@sal/test-utils';
import {
  CLOSED_LOOP_MEI_DEFAULTS,
  synthesizeMeis,
  closedLoop,
  displayGeometry,
  patternImages,
  pixelRange,
  toFullImage,
  toImageCoords,
  trueBests,
  trueResponse,
} from '../src/index.js';
import { randomise } from './fixtures.js';

const sim = simulateDataset({ height: 40, width: 64, nTrainImages: 24, nTestImages: 2, testRepeats: 2, nSessions: 1, neuronsPerSession: 4, seed: 2 });
const raw = sim.dataset;
const truth = sim.truth;
const [, H, W] = raw.imagesShape;
const crop = [
  [8, 8],
  [16, 16],
] as const;

describe('display geometry', () => {
  it('an input shown back is the raw image inside the crop (scale 1), the background outside', () => {
    const ds = createDataset(raw, { crop: crop as never, scale: 1 });
    const g = displayGeometry(ds, [H, W]);
    expect(g.cropShape).toEqual([24, 32]);
    expect(g.inputShape).toEqual([24, 32]);
    const id = 5;
    const shown = toFullImage(ds.input(id), g, 7);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inside = y >= 8 && y < 32 && x >= 16 && x < 48;
        expect(shown[y * W + x]).toBeCloseTo(inside ? raw.images[id * H * W + y * W + x]! : 7, 2);
      }
    }
    const [lo, hi] = pixelRange(g);
    expect(lo * g.std + g.mean).toBeCloseTo(0, 4);
    expect(hi * g.std + g.mean).toBeCloseTo(255, 3);
    // input pixel (0, 0) of a half-scale crop covers full pixels 16–17 × 8–9: centre (16.5, 8.5)
    const half = displayGeometry(createDataset(raw, { crop: crop as never, scale: 0.5 }), [H, W]);
    expect(toImageCoords(0, 0, half)).toEqual([16.5, 8.5]);
    expect(() => displayGeometry(createDataset(raw, { crop: crop as never, subsample: 2 }), [H, W])).toThrow(SalConfigError);
  });

  it("trueResponse of a natural image is the simulation's own rate (non-shifting neurons, unshifted centre)", () => {
    const id = 3;
    const img = raw.images.subarray(id * H * W, (id + 1) * H * W);
    const rates = neuronRates(truth, img, id);
    truth.neurons.forEach((n, k) => {
      expect(trueResponse(truth, n, img, truth.rfCentre(n, id))).toBeCloseTo(rates[k]!, 10);
    });
  });

  it('the pattern family has 512 full-contrast images', () => {
    let count = 0;
    for (const p of patternImages(6, 5)) {
      count++;
      expect(p.every((v) => v >= 0 && v <= 255)).toBe(true);
    }
    expect(count).toBe(512);
  });
});

describe('closedLoop', () => {
  it('returns the true responses to the shown MEIs and to the best natural images, located MEIs and summaries', () => {
    const ds = createDataset(raw, { crop: crop as never, scale: 0.5 });
    const [h, w] = ds.inputShape;
    const core = stacked2dCore({
      hiddenChannels: 3,
      inputKern: 5,
      hiddenKern: 3,
      layers: 2,
      nSeBlocks: 0,
      gammaInput: 0,
      seed: 1,
      padInput: true,
      inChannels: 1,
    });
    randomise(core, 3);
    const readout = gaussianReadout({ inShape: core.computeOutputShape([h, w, 1]), outDims: 4, gaussType: 'isotropic', seed: 2 });
    randomise(readout, 4);
    const enc = createEncoder({ core, readouts: { sim0: readout } });
    try {
      const model = (x: tf.Tensor4D): tf.Tensor2D => enc.predict(x, 'sim0');
      const ids = [0, 1, 2, 3, 4, 5];
      const opts = { naturalImageIds: ids, mei: { steps: 15 }, shiftImages: 2, scores: [0.9, 0.1, 0.7, 0.6], minScore: 0.5 };
      const r = expectNoLeaks(() => closedLoop(model, { dataset: ds, raw, truth, sessionKey: 'sim0' }, opts), 'closedLoop');
      expect(r.neurons.length).toBe(4);
      expect(r.shown.every((v) => v >= 0 && v <= 255)).toBe(true);
      r.neurons.forEach((row, k) => {
        const t = truth.neuron('sim0', k);
        // best natural image by a plain loop over the images with their true centres
        let best = -Infinity,
          bestId = -1;
        for (const id of ids) {
          const v = neuronRates(truth, raw.images.subarray(id * H * W, (id + 1) * H * W), id)[k]!;
          if (v > best) {
            best = v;
            bestId = id;
          }
        }
        expect(row.bestNatural).toBeCloseTo(best, 10);
        expect(row.bestNaturalId).toBe(bestId);
        const img = r.shown.subarray(k * H * W, (k + 1) * H * W);
        const want = neuronRate(t, computeFeatureMaps(img, H, W), t);
        expect(row.trueMei).toBeCloseTo(want, 10);
        expect(row.ratioNatural).toBeCloseTo(want / best, 10);
        expect(row.bestPattern).toBeGreaterThan(row.trueGrey);
        expect(row.centreError).toBeCloseTo(Math.hypot(row.meiCentre[0] - t.x, row.meiCentre[1] - t.y), 10);
        expect(Number.isFinite(row.meiShiftTowardObject)).toBe(true);
        expect(row.shifts).toBe(t.shifts);
      });
      expect(r.selected.count).toBe(3);
      expect(r.all.count).toBe(4);
      // same inputs, same numbers
      const again = closedLoop(model, { dataset: ds, raw, truth, sessionKey: 'sim0' }, { ...opts, patterns: false, shiftImages: 0 });
      expect(Array.from(again.meis)).toEqual(Array.from(r.meis));
      expect(again.neurons[0]!.bestPattern).toBeNaN();
      // precomputed MEIs are used as given
      const given = synthesizeMeis(model, [h, w, 1], { ...CLOSED_LOOP_MEI_DEFAULTS, range: pixelRange(displayGeometry(ds, [H, W])), steps: 15 });
      const reused = closedLoop(model, { dataset: ds, raw, truth, sessionKey: 'sim0' }, { ...opts, patterns: false, shiftImages: 0, meis: given });
      expect(Array.from(reused.meis)).toEqual(Array.from(r.meis));
      expect(() => closedLoop(model, { dataset: ds, raw, truth, sessionKey: 'sim0' }, { neurons: [1], meis: given })).toThrow(SalConfigError);
      // the best responses searched once (trueBests) and handed in give the same numbers
      const bests = trueBests(
        raw,
        truth,
        [0, 1, 2, 3].map((k) => truth.neuron('sim0', k)),
        { naturalImageIds: ids },
      );
      r.neurons.forEach((row, k) => {
        expect(bests.bestNatural[k]).toBe(row.bestNatural);
        expect(bests.bestNaturalId[k]).toBe(row.bestNaturalId);
        expect(bests.bestPattern[k]).toBe(row.bestPattern);
      });
      const handed = closedLoop(
        model,
        { dataset: ds, raw, truth, sessionKey: 'sim0' },
        { ...opts, shiftImages: 0, meis: given, naturalImageIds: [0], patterns: false, bests },
      );
      const plain = closedLoop(model, { dataset: ds, raw, truth, sessionKey: 'sim0' }, { ...opts, shiftImages: 0, meis: given });
      expect(handed.neurons.map((n) => [n.ratioNatural, n.ratioPattern])).toEqual(plain.neurons.map((n) => [n.ratioNatural, n.ratioPattern]));
      expect(() =>
        closedLoop(model, { dataset: ds, raw, truth, sessionKey: 'sim0' }, { meis: given, bests: { ...bests, bestPattern: new Float64Array(1) } }),
      ).toThrow(SalConfigError);
      expect(() => trueBests(raw, truth, [], { naturalImageIds: [999] })).toThrow(SalConfigError);
      expect(() => closedLoop(model, { dataset: ds, raw, truth, sessionKey: 'nope' })).toThrow(SalConfigError);
      expect(() => closedLoop(model, { dataset: ds, raw, truth, sessionKey: 'sim0' }, { neurons: [9] })).toThrow(SalConfigError);
      expect(() => closedLoop(model, { dataset: ds, raw, truth, sessionKey: 'sim0' }, { scores: [1] })).toThrow(SalConfigError);
    } finally {
      enc.dispose();
    }
  });
});
