/** Learned shifts in image pixels, the input ↔ image pixel mapping and salient points from maps, on hand-computed cases. */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalDataError, SalShapeError } from '@sal/types';
import { expectNoLeaks } from '@sal/test-utils';
import {
  analyseLearnedShiftsOnData,
  dataVerdicts,
  inputToImageCoords,
  learnedShiftsInPixels,
  salientPointsFromMaps,
  summariseLearnedShifts,
  toInputCoords,
  type GrfAnalysis,
} from '../src/index.js';

type Crop = [[number, number], [number, number]];

// a session 'a' of 2 neurons whose readout learned, on each image, these shifts [image, neuron, (x, y)] in input pixels
const shifts = Float64Array.from([1, -2, 0.5, 3, 0, 0.25, -1, -1]);
const seen: { batch: number; context: number[] | undefined }[] = [];
const encoder = {
  sessionKeys: ['a', 'b'],
  readouts: {
    a: {
      learnedShifts: (batch: number, opts: { context?: tf.Tensor4D }) => {
        seen.push({ batch, context: opts.context?.shape });
        return shifts.slice(0, batch * 4);
      },
    },
    b: {}, // e.g. a Gaussian readout: no learned shifts
  },
  context: (x: tf.Tensor4D) => tf.fill([x.shape[0], x.shape[1], x.shape[2], 3], 1) as tf.Tensor4D,
};
const inputs = (m: number) => ({ data: new Float32Array(m * 4 * 5 * 2), shape: [m, 4, 5, 2] as const });

describe('learnedShiftsInPixels', () => {
  it('divides the readout’s input-pixel shifts by the rescale factor (image pixels), on the context the encoder builds', () => {
    // scale 0.4: one input pixel spans 2.5 image pixels, so (1, −2) → (2.5, −5), (0.5, 3) → (1.25, 7.5), …
    const r = expectNoLeaks(() => learnedShiftsInPixels(encoder as never, 'a', inputs(2), { scale: 0.4 }), 'learnedShiftsInPixels');
    expect(Array.from(r!)).toEqual([2.5, -5, 1.25, 7.5, 0, 0.625, -2.5, -2.5]);
    expect(seen.at(-1)).toEqual({ batch: 2, context: [2, 4, 5, 3] });
    // scale 1 (the default): the readout's values as they are
    expect(Array.from(learnedShiftsInPixels(encoder as never, 'a', inputs(1))!)).toEqual([1, -2, 0.5, 3]);
  });

  it('is null for a readout without learned shifts, and refuses a bad session, shape or scale', () => {
    expect(learnedShiftsInPixels(encoder as never, 'b', inputs(1))).toBeNull();
    expect(() => learnedShiftsInPixels(encoder as never, 'c', inputs(1))).toThrow(SalConfigError);
    expect(() => learnedShiftsInPixels(encoder as never, 'a', { data: new Float32Array(3), shape: [1, 4, 5, 2] })).toThrow(SalShapeError);
    expect(() => learnedShiftsInPixels(encoder as never, 'a', inputs(1), { scale: 0 })).toThrow(/scale/);
  });
});

describe('inputToImageCoords', () => {
  it('maps input pixels to full-image pixels (crop offset, pixel-centre rescale) and inverts toInputCoords', () => {
    const crop = {
      name: 'c',
      pixels: [
        [10, 0],
        [20, 4],
      ] as Crop,
      scale: 0.5,
    };
    // input pixel 0 covers image pixels 0 and 1 after the crop: centre 0.5, plus the offsets left 20, top 10
    expect(inputToImageCoords(0, 0, crop)).toEqual([20.5, 10.5]);
    // input (3, 1): (3.5 / 0.5 − 0.5 + 20, 1.5 / 0.5 − 0.5 + 10) = (26.5, 12.5)
    expect(inputToImageCoords(3, 1, crop)).toEqual([26.5, 12.5]);
    for (const [x, y] of [
      [0, 0],
      [7.25, 3.5],
      [-1, 12],
    ] as const) {
      const [ix, iy] = toInputCoords(...inputToImageCoords(x, y, crop), crop);
      expect(ix).toBeCloseTo(x, 12);
      expect(iy).toBeCloseTo(y, 12);
    }
  });
});

describe('salientPointsFromMaps', () => {
  // two maps 4×5; image 0 is largest at (x 4, y 0) but that column is cropped away; inside the window its largest is (1, 2)
  const maps = new Float32Array(2 * 4 * 5).fill(-3);
  maps[0 * 20 + 0 * 5 + 4] = 9;
  maps[0 * 20 + 2 * 5 + 1] = 5;
  maps[1 * 20 + 3 * 5 + 2] = 1; // image 1: a maximum at (2, 3) …
  maps[1 * 20 + 1 * 5 + 3] = 1; // … and a tie at (3, 1): their centroid is (2.5, 2)
  it('takes the argmax inside the crop window, in full-image pixels, the centroid of tied maxima', () => {
    const p = salientPointsFromMaps(maps, [2, 4, 5], {
      pixels: [
        [0, 0],
        [0, 1],
      ],
    });
    expect(p(0)).toEqual({ x: 1, y: 2 });
    expect(p(1)).toEqual({ x: 2.5, y: 2 });
    // a plateau of four maximal pixels (rows 1–2, columns 2–3): its centre
    const plateau = new Float32Array(20);
    for (const [x, y] of [
      [2, 1],
      [3, 1],
      [2, 2],
      [3, 2],
    ] as const)
      plateau[y * 5 + x] = 4;
    expect(
      salientPointsFromMaps(plateau, [1, 4, 5], {
        pixels: [
          [0, 0],
          [0, 0],
        ],
      })(0),
    ).toEqual({ x: 2.5, y: 1.5 });
    // without the crop, image 0's global maximum
    expect(
      salientPointsFromMaps(maps, [2, 4, 5], {
        pixels: [
          [0, 0],
          [0, 0],
        ],
      })(0),
    ).toEqual({ x: 4, y: 0 });
    // a window of the last two rows only: image 1's (2, 3)
    expect(
      salientPointsFromMaps(maps, [2, 4, 5], {
        pixels: [
          [2, 0],
          [0, 0],
        ],
      })(1),
    ).toEqual({ x: 2, y: 3 });
  });
  it('refuses maps of the wrong size, an empty window and maps without a finite value', () => {
    expect(() =>
      salientPointsFromMaps(maps, [2, 4, 4], {
        pixels: [
          [0, 0],
          [0, 0],
        ],
      }),
    ).toThrow(SalShapeError);
    expect(() =>
      salientPointsFromMaps(maps, [2, 4, 5], {
        pixels: [
          [2, 2],
          [0, 0],
        ],
      }),
    ).toThrow(SalShapeError);
    expect(() =>
      salientPointsFromMaps(new Float32Array(20).fill(Number.NaN), [1, 4, 5], {
        pixels: [
          [0, 0],
          [0, 0],
        ],
      }),
    ).toThrow(SalDataError);
    expect(() =>
      salientPointsFromMaps(maps, [2, 4, 5], {
        pixels: [
          [0, 0],
          [0, 0],
        ],
      })(2),
    ).toThrow(RangeError);
  });
});

describe('analyseLearnedShiftsOnData', () => {
  it('projects each learned shift (image px) on the direction from the neuron’s gRF centre to the salient point', () => {
    // crop offset (left 2, top 1), scale 0.5: neuron 0's mean gRF centre at input (1.75, 1.75) is image
    // ((1.75 + 0.5) / 0.5 − 0.5 + 2, (1.75 + 0.5) / 0.5 − 0.5 + 1) = (6, 5), neuron 1's at input (0.75, 3.75) is image
    // (4, 9). Salient points: image 0 at (9, 9), image 1 at (6, 5).
    const crop = {
      name: 'c',
      pixels: [
        [1, 0],
        [2, 0],
      ] as Crop,
      scale: 0.5,
    };
    const grf = { imageIds: [0, 1], neurons: [{ meanCentre: [1.75, 1.75] }, { meanCentre: [0.75, 3.75] }] } as unknown as GrfAnalysis;
    const dataset = { inputShape: [4, 5, 2], sessions: [{ key: 'a', nNeurons: 2 }], inputsOf: (ids: number[]) => new Float32Array(ids.length * 40) };
    const salient = [
      { x: 9, y: 9 },
      { x: 6, y: 5 },
    ];
    const r = analyseLearnedShiftsOnData(encoder as never, dataset as never, grf, crop, (id) => salient[id]!)!;
    // image-pixel shifts (×2): image 0: n0 (2, −4), n1 (1, 6); image 1: n0 (0, 0.5), n1 (−2, −2)
    // n0: image 0 direction (3, 4)/5 → (6 − 16)/5 = −2; image 1 salient point = its centre (< 1 px): skipped → −2
    // n1: image 0 direction (5, 0)/5 → 1; image 1 direction (2, −4)/√20 → (−4 + 8)/√20 = 0.894427… → mean 0.947214…
    expect(r.centres).toEqual([
      [6, 5],
      [4, 9],
    ]);
    expect(r.projection[0]).toBeCloseTo(-2, 12);
    expect(r.projection[1]).toBeCloseTo((1 + 4 / Math.sqrt(20)) / 2, 12);
    // lengths: n0 (√20 + 0.5)/2, n1 (√37 + √8)/2
    expect(r.magnitude[0]).toBeCloseTo((Math.sqrt(20) + 0.5) / 2, 12);
    expect(r.magnitude[1]).toBeCloseTo((Math.sqrt(37) + Math.sqrt(8)) / 2, 12);
    const s = summariseLearnedShifts(r, 1);
    expect(s.toward.n).toBe(2);
    expect(s.toward.meanDiff).toBeCloseTo((-2 + (1 + 4 / Math.sqrt(20)) / 2) / 2, 12);
    // the verdict states what is not available without ground truth instead of answering it
    const v = dataVerdicts({}, {}, {}, s);
    expect(v[0]!.question).toMatch(/learn to move read points toward the salient point/);
    expect(v.slice(1).every((x) => x.verdict === 'not available')).toBe(true);
  });
});
