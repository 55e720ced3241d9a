import { describe, expect, it } from 'vitest';
import { SalConfigError, SalDataError, SalShapeError, type Batch, type RawDataset } from '@sal/types';
import {
  applyChannelStats,
  builtinSaliency,
  computeChannelStats,
  computeSaliencyMaps,
  createDataset,
  encodeNpy,
  fft1d,
  fft2d,
  spectralResidual,
  gaussianFilter2d,
  parseNpy,
  sobel,
  type ChannelStats,
} from '../src/index.js';
import { IDENTITY4, makeRaw } from './helpers.js';
import { maxRelErr, refs } from './refs.js';

/** Channel k of a `[h, w, C]` input. */
function plane(input: Float32Array, C: number, k: number): Float32Array {
  return Float32Array.from({ length: input.length / C }, (_, i) => input[i * C + k]!);
}
const all = (it: Iterable<Batch>): Batch[] => [...it];

describe('createDataset: preprocessing', () => {
  it('channel sets give the documented channels and shapes (crop + scale)', () => {
    const raw = makeRaw();
    const sets = {
      images: ['image'],
      'images+saliency': ['image', 'saliency'],
      'images+gradients': ['image', 'grad_x', 'grad_y'],
      all: ['image', 'saliency', 'grad_x', 'grad_y'],
    } as const;
    for (const [channels, names] of Object.entries(sets)) {
      const ds = createDataset(raw, {
        channels: channels as keyof typeof sets,
        crop: [
          [2, 0],
          [3, 3],
        ],
        scale: 0.5,
      });
      expect(ds.channelNames).toEqual(names);
      expect(ds.inputShape).toEqual([7, 7, names.length]); // 14×14 → 7×7
    }
  });

  it('the saliency map is computed on the full image, then cropped (user function sees the full image)', () => {
    const raw = makeRaw({ h: 16, w: 20 });
    const seen: number[][] = [];
    const colIndex = (_img: Float32Array, h: number, w: number): Float32Array => {
      seen.push([h, w]);
      return Float32Array.from({ length: h * w }, (_, i) => i % w);
    };
    const ds = createDataset(raw, {
      channels: 'all',
      saliency: colIndex,
      crop: [
        [1, 2],
        [3, 4],
      ],
      stats: IDENTITY4,
      gradientSigma: 0,
    });
    expect(seen.every(([h, w]) => h === 16 && w === 20)).toBe(true);
    const sal = plane(ds.input(0), 4, 1);
    // the cropped map's column 0 is the full image's column 3: computing the map after the crop would give 0
    expect(Array.from(sal.slice(0, 13))).toEqual(Array.from({ length: 13 }, (_, x) => x + 3));
    // grad_x of a unit ramp: sobel = 8 inside; grad_y = 0
    const gx = plane(ds.input(0), 4, 2);
    expect(gx[14]).toBe(8);
    expect(Math.max(...plane(ds.input(0), 4, 3).map(Math.abs))).toBe(0);
  });

  it('built-in saliency: the channel is crop(model(full image)), not model(crop(image))', () => {
    const raw = makeRaw({ n: 6, h: 24, w: 32, nTest: 1 });
    const crop = [
      [4, 4],
      [6, 6],
    ] as const;
    const model = { pixelsPerDegree: 8, workingPixelsPerDegree: 8 };
    const ds = createDataset(raw, {
      channels: 'images+saliency',
      crop,
      saliency: 'builtin',
      saliencyModel: model,
      stats: { channels: ['image', 'saliency'], mean: [0, 0], std: [1, 1], count: 1 },
    });
    const img = Float32Array.from(raw.images.subarray(0, 24 * 32));
    const full = builtinSaliency(img, 24, 32, model);
    const before = Float32Array.from({ length: 16 * 20 }, (_, i) => full[(4 + Math.floor(i / 20)) * 32 + 6 + (i % 20)]!);
    const croppedImg = Float32Array.from({ length: 16 * 20 }, (_, i) => img[(4 + Math.floor(i / 20)) * 32 + 6 + (i % 20)]!);
    const after = builtinSaliency(croppedImg, 16, 20, model);
    const got = plane(ds.input(0), 2, 1);
    expect(maxRelErr(got, before)).toBeLessThan(1e-6);
    expect(maxRelErr(got, after)).toBeGreaterThan(1e-2);
  });

  it('precomputed maps go through the same crop/scale, Gaussian σ and Sobel as scipy/skimage', () => {
    const big = refs.filters.big;
    const [bh, bw] = big.shape as [number, number];
    const p = refs.filters['pipeline'] as { shape: number[]; scaled: number[]; grad_x: number[]; grad_y: number[] };
    const images = new Uint8Array(2 * bh * bw);
    images.set(big.values, 0);
    images.set(big.values, bh * bw);
    const maps = new Float32Array(2 * bh * bw);
    maps.set(big.values, 0);
    maps.set(big.values, bh * bw);
    const raw: RawDataset = {
      images,
      imagesShape: [2, bh, bw],
      sessions: [
        {
          key: 'a',
          nNeurons: 1,
          trainResponses: Float32Array.from([1, 2]),
          trainImageIds: Int32Array.from([0, 1]),
          testResponses: new Float32Array(0),
          testImageIds: new Int32Array(0),
        },
      ],
    };
    const ds = createDataset(raw, {
      channels: 'all',
      saliency: { maps, kind: 'logDensity' },
      crop: [
        [2, 1],
        [3, 4],
      ],
      scale: 0.5,
      gradientSigma: 1,
      stats: IDENTITY4,
      trainFraction: 1,
    });
    expect(ds.inputShape).toEqual([...p.shape, 4]);
    const x = ds.input(0);
    expect(maxRelErr(plane(x, 4, 0), p.scaled)).toBeLessThan(1e-5);
    expect(maxRelErr(plane(x, 4, 1), p.scaled)).toBeLessThan(1e-5);
    expect(maxRelErr(plane(x, 4, 2), p.grad_x)).toBeLessThan(1e-4);
    expect(maxRelErr(plane(x, 4, 3), p.grad_y)).toBeLessThan(1e-4);
  });

  it("saliencyOutput 'density' exponentiates stored log-densities (the original's logarithm=False)", () => {
    const raw = makeRaw({ n: 5, nTest: 1 });
    const [n, h, w] = raw.imagesShape;
    const maps = Float32Array.from({ length: n * h * w }, (_, i) => -Math.log(h * w) + 0.01 * (i % 7));
    const id = { channels: ['image', 'saliency'] as const, mean: [0, 0], std: [1, 1], count: 1 };
    const ds = createDataset({ ...raw, saliency: maps }, { channels: 'images+saliency', saliencyOutput: 'density', stats: id });
    const s = plane(ds.input(2), 2, 1);
    expect(s[3]).toBeCloseTo(Math.exp(maps[2 * h * w + 3]!), 7);
  });
});

describe('createDataset: split and normalisation', () => {
  it('splits training images by id, the same for every session, seeded', () => {
    const raw = makeRaw({ n: 23, nTest: 3 });
    const ds = createDataset(raw);
    expect(ds.split.train.length).toBe(16); // round(20 · 0.8)
    expect(ds.split.validation.length).toBe(4);
    const both = [...ds.split.train, ...ds.split.validation].sort((a, b) => a - b);
    expect(both).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(createDataset(raw).split).toEqual(ds.split);
    expect(Array.from(createDataset(raw, { splitSeed: 7 }).split.train)).not.toEqual(Array.from(ds.split.train));
    for (const s of ds.sessions) {
      const ids = new Set(all(ds.batches(s.key, 'validation')).flatMap((b) => Array.from(b.imageIds)));
      expect([...ids].every((id) => ds.split.validation.includes(id))).toBe(true);
      const tr = all(ds.batches(s.key, 'train')).flatMap((b) => Array.from(b.imageIds));
      expect(tr.every((id) => ds.split.train.includes(id))).toBe(true);
      expect(s.nTrials.train + s.nTrials.validation).toBe(raw.sessions.find((r) => r.key === s.key)!.trainImageIds.length);
    }
  });

  it('z-score statistics come from the training split only (brute force over the raw pixels)', () => {
    const raw = makeRaw({ n: 15, nTest: 3 });
    const crop = [
      [1, 1],
      [2, 2],
    ] as const;
    const ds = createDataset(raw, { crop });
    const [, h, w] = raw.imagesShape;
    let s = 0,
      s2 = 0,
      m = 0;
    for (const id of ds.split.train) {
      for (let y = 1; y < h - 1; y++)
        for (let x = 2; x < w - 2; x++) {
          const v = raw.images[id * h * w + y * w + x]!;
          s += v;
          s2 += v * v;
          m++;
        }
    }
    const mean = s / m;
    expect(ds.stats.mean[0]).toBeCloseTo(mean, 9);
    expect(ds.stats.std[0]).toBeCloseTo(Math.sqrt(s2 / m - mean * mean), 6);
    expect(ds.stats.count).toBe(m);
    // changing validation or test images leaves the statistics unchanged; changing a training image does not
    const images = raw.images.slice();
    for (const id of [...ds.split.validation, 12, 13, 14]) images.fill(255, id * h * w, (id + 1) * h * w);
    expect(createDataset({ ...raw, images }, { crop }).stats).toEqual(ds.stats);
    images.fill(255, ds.split.train[0]! * h * w, (ds.split.train[0]! + 1) * h * w);
    expect(createDataset({ ...raw, images }, { crop }).stats.mean[0]).not.toBeCloseTo(ds.stats.mean[0]!, 3);
    // normalised training inputs: mean 0, std 1 per channel
    const ds4 = createDataset(raw, { channels: 'all', saliency: 'builtin', saliencyModel: { pixelsPerDegree: 8 } });
    for (let k = 0; k < 4; k++) {
      let a = 0,
        b = 0,
        c = 0;
      for (const id of ds4.split.train)
        for (const v of plane(ds4.input(id), 4, k)) {
          a += v;
          b += v * v;
          c++;
        }
      expect(a / c).toBeCloseTo(0, 4);
      expect(Math.sqrt(b / c - (a / c) ** 2)).toBeCloseTo(1, 4);
    }
  });

  it('statistics are reusable: another dataset with the same stats gives identical inputs', () => {
    const raw = makeRaw();
    const ds = createDataset(raw, { channels: 'images+gradients', saliency: 'builtin', saliencyModel: { pixelsPerDegree: 10 } });
    const json = JSON.parse(JSON.stringify(ds.stats)) as ChannelStats;
    const again = createDataset(raw, { channels: 'images+gradients', saliency: 'builtin', saliencyModel: { pixelsPerDegree: 10 }, stats: json });
    expect(Array.from(again.input(4))).toEqual(Array.from(ds.input(4)));
    expect(() => createDataset(raw, { channels: 'all', stats: json })).toThrow(SalConfigError);
  });
});

describe('createDataset: batches', () => {
  const raw = makeRaw({ n: 40, nTest: 4 });
  const ds = createDataset(raw, { channels: 'images' });

  it('train batches: every training trial once, rows match the raw responses and the cached input', () => {
    const s = raw.sessions[1]!;
    const batches = all(ds.batches(s.key, 'train', { batchSize: 7, seed: 3 }));
    expect(batches.slice(0, -1).every((b) => b.inputShape[0] === 7)).toBe(true);
    const total = batches.reduce((a, b) => a + b.inputShape[0], 0);
    expect(total).toBe(ds.sessions[1]!.nTrials.train);
    const N = s.nNeurons;
    const [h, w] = ds.inputShape;
    const rowsSeen: string[] = [];
    for (const b of batches) {
      expect(b.targetShape).toEqual([b.inputShape[0], N]);
      for (let r = 0; r < b.inputShape[0]; r++) {
        const id = b.imageIds[r]!;
        expect(Array.from(b.inputs.subarray(r * h * w, (r + 1) * h * w))).toEqual(Array.from(ds.input(id)));
        rowsSeen.push(`${id}:${Array.from(b.targets.subarray(r * N, (r + 1) * N)).join(',')}`);
      }
    }
    const expected: string[] = [];
    s.trainImageIds.forEach((id, t) => {
      if (ds.split.train.includes(id)) expected.push(`${id}:${Array.from(s.trainResponses.subarray(t * N, (t + 1) * N)).join(',')}`);
    });
    expect(rowsSeen.sort()).toEqual(expected.sort());
  });

  it('shuffling is seeded: same seed same order, other seed other order; validation unshuffled by default', () => {
    const ids = (seed: number): number[] => all(ds.batches('session-0', 'train', { seed })).flatMap((b) => Array.from(b.imageIds));
    expect(ids(5)).toEqual(ids(5));
    expect(ids(5)).not.toEqual(ids(6));
    const it = ds.batches('session-0', 'train', { seed: 5 });
    expect(all(it).flatMap((b) => Array.from(b.imageIds))).toEqual(all(it).flatMap((b) => Array.from(b.imageIds)));
    const val = all(ds.batches('session-0', 'validation')).flatMap((b) => Array.from(b.imageIds));
    const rows = raw.sessions[0]!.trainImageIds.filter((id) => ds.split.validation.includes(id));
    expect(val).toEqual(Array.from(rows));
  });

  it('test batches hold all repeats of one image', () => {
    const s = raw.sessions[0]!;
    const batches = all(ds.batches(s.key, 'test'));
    const distinct = new Set(s.testImageIds);
    expect(batches.length).toBe(distinct.size);
    for (const b of batches) {
      const id = b.imageIds[0]!;
      expect(b.imageIds.every((x) => x === id)).toBe(true);
      expect(b.inputShape[0]).toBe(s.testImageIds.filter((x) => x === id).length);
    }
  });

  it('bad batch options are typed errors', () => {
    expect(() => ds.batches('nope', 'train')).toThrow(SalConfigError);
    expect(() => ds.batches('session-0', 'training' as never)).toThrow(SalConfigError);
    expect(() => ds.batches('session-0', 'train', { batchSize: 0 })).toThrow(SalConfigError);
    expect(() => ds.batches('session-0', 'train', { batch: 3 } as never)).toThrow(SalConfigError);
    expect(() => ds.input(999)).toThrow(SalDataError);
  });
});

describe('createDataset: bad input', () => {
  const raw = makeRaw({ n: 8, nTest: 2 });
  const withSession = (patch: Record<string, unknown>): RawDataset => ({ ...raw, sessions: [{ ...raw.sessions[0]!, ...patch }] });

  it('mismatched image/response counts → SalShapeError naming the session', () => {
    const s = raw.sessions[0]!;
    expect(() => createDataset(withSession({ trainResponses: s.trainResponses.subarray(3) }))).toThrow(SalShapeError);
    expect(() => createDataset(withSession({ testImageIds: s.testImageIds.subarray(1) }))).toThrow(/session-0.*testResponses/);
    expect(() => createDataset({ ...raw, images: raw.images.subarray(1) })).toThrow(SalShapeError);
  });

  it('unknown image ids, NaN and negative responses → SalDataError', () => {
    const s = raw.sessions[0]!;
    const ids = s.trainImageIds.slice();
    ids[2] = 8;
    expect(() => createDataset(withSession({ trainImageIds: ids }))).toThrow(/unknown id 8/);
    const nan = s.trainResponses.slice();
    nan[4] = Number.NaN;
    expect(() => createDataset(withSession({ trainResponses: nan }))).toThrow(SalDataError);
    const neg = s.testResponses.slice();
    neg[0] = -1;
    expect(() => createDataset(withSession({ testResponses: neg }))).toThrow(/non-negative/);
  });

  it('empty splits → SalDataError', () => {
    expect(() => createDataset(raw, { trainFraction: 0.01 })).toThrow(/training split/);
    expect(() => createDataset(raw, { trainFraction: 0.99 })).toThrow(/validation split/);
    expect(() => createDataset({ ...raw, sessions: [] })).toThrow(SalDataError);
    expect(() => createDataset(withSession({ trainImageIds: new Int32Array(0), trainResponses: new Float32Array(0) }))).toThrow(SalDataError);
  });

  it('crops larger than the image, saliency of the wrong size, bad options', () => {
    expect(() =>
      createDataset(raw, {
        crop: [
          [10, 6],
          [0, 0],
        ],
      }),
    ).toThrow(SalConfigError);
    expect(() => createDataset(raw, { channels: 'all', saliency: { maps: new Float32Array(10) } })).toThrow(SalShapeError);
    expect(() => createDataset(raw, { channels: 'all', saliency: () => new Float32Array(3) })).toThrow(SalShapeError);
    expect(() => createDataset(raw, { channels: 'all', saliency: 'raw' })).toThrow(SalConfigError);
    expect(() => createDataset({ ...raw, saliency: new Float32Array(5) })).toThrow(SalShapeError);
    expect(() => createDataset(raw, { channels: 'everything' as never })).toThrow(SalConfigError);
    expect(() => createDataset(raw, { sigma: 5 } as never)).toThrow(SalConfigError);
  });
});

describe('builtinSaliency', () => {
  const h = 40,
    w = 60;
  const img = new Float32Array(h * w).fill(100);
  for (let y = 8; y < 14; y++) for (let x = 40; x < 46; x++) img[y * w + x] = 220; // one bright square at (11, 43)

  it('density sums to 1, log-density is its log, the salient square holds the maximum', () => {
    const d = builtinSaliency(img, h, w, { output: 'density', pixelsPerDegree: 10, workingPixelsPerDegree: 10 });
    expect(d.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const l = builtinSaliency(img, h, w, { pixelsPerDegree: 10, workingPixelsPerDegree: 10 });
    for (let i = 0; i < d.length; i += 97) expect(l[i]).toBeCloseTo(Math.log(d[i]!), 4);
    const argmax = d.indexOf(Math.max(...d));
    expect(Math.abs(Math.floor(argmax / w) - 11)).toBeLessThanOrEqual(3);
    expect(Math.abs((argmax % w) - 43)).toBeLessThanOrEqual(3);
    // a flat image has a uniform density
    const flat = builtinSaliency(new Float32Array(h * w).fill(50), h, w, { output: 'density' });
    expect(Math.max(...flat) - Math.min(...flat)).toBeLessThan(1e-9);
  });

  it('centre bias moves mass toward the centre; the internal rescale follows pixelsPerDegree', () => {
    const flat = new Float32Array(h * w).fill(50);
    const d = builtinSaliency(flat, h, w, { output: 'density', centerBias: true });
    expect(d[20 * w + 30]!).toBeGreaterThan(4 * d[0]!);
    const a = builtinSaliency(img, h, w, { pixelsPerDegree: 10, workingPixelsPerDegree: 5 });
    expect(a.length).toBe(h * w);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(Array.from(builtinSaliency(img, h, w, { pixelsPerDegree: 10 }))).toEqual(Array.from(builtinSaliency(img, h, w, { pixelsPerDegree: 10 })));
    expect(() => builtinSaliency(img, h, w, { pixelsPerDegree: 0 })).toThrow(SalConfigError);
    expect(() => builtinSaliency(img, h, w, { output: 'prob' as never })).toThrow(SalConfigError);
  });

  it('gaussianFilter2d + sobel of a centred blob: grad_x positive left of the peak', () => {
    const b = Float32Array.from({ length: 15 * 15 }, (_, i) => Math.exp(-(((i % 15) - 7) ** 2 + (Math.floor(i / 15) - 7) ** 2) / 8));
    const gx = sobel(gaussianFilter2d(b, 15, 15, 1), 15, 15, 1);
    expect(gx[7 * 15 + 4]!).toBeGreaterThan(0);
    expect(gx[7 * 15 + 10]!).toBeLessThan(0);
  });
});

describe('saliency maps computed once and reused', () => {
  it("computeSaliencyMaps + saliency: 'raw' gives the same inputs as the built-in model inside createDataset", () => {
    const raw = makeRaw({ n: 6, nTest: 1 });
    const model = { pixelsPerDegree: 12 };
    const seen: number[] = [];
    const maps = computeSaliencyMaps(raw.images, raw.imagesShape, model, (d) => seen.push(d));
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    const opts = {
      channels: 'all',
      crop: [
        [1, 1],
        [2, 2],
      ],
      gradientSigma: 2,
    } as const;
    const a = createDataset(raw, { ...opts, saliency: 'builtin', saliencyModel: model });
    const b = createDataset({ ...raw, saliency: maps }, { ...opts, saliency: 'raw' });
    for (const id of [0, 3, 5]) expect(Array.from(b.input(id))).toEqual(Array.from(a.input(id)));
    // the same maps as an npy array (e.g. from readNpyFile) work too; a map stack of another size is refused
    const npy = parseNpy(encodeNpy({ data: maps, shape: raw.imagesShape }));
    const c = createDataset(raw, { ...opts, saliency: { maps: npy } });
    expect(Array.from(c.input(3))).toEqual(Array.from(a.input(3)));
    const [n, h, w] = raw.imagesShape;
    const wrong = parseNpy(encodeNpy({ data: maps, shape: [n, w, h] }));
    expect(() => createDataset(raw, { ...opts, saliency: { maps: wrong } })).toThrow(SalShapeError);
  });

  it('trainFraction 1: no validation trials, empty validation iteration', () => {
    const raw = makeRaw({ n: 6, nTest: 1 });
    const ds = createDataset(raw, { trainFraction: 1 });
    expect(ds.split.validation.length).toBe(0);
    expect(ds.sessions[0]!.nTrials.validation).toBe(0);
    expect(all(ds.batches('session-0', 'validation'))).toEqual([]);
  });
});

describe('inputsOf and trialImageIds', () => {
  it('stack cached inputs and list trial ids per split', () => {
    const raw = makeRaw({ n: 10, nTest: 2 });
    const ds = createDataset(raw, { channels: 'images' });
    const x = ds.inputsOf([3, 1, 3]);
    const one = ds.input(3);
    expect(x.length).toBe(3 * one.length);
    expect(Array.from(x.subarray(0, one.length))).toEqual(Array.from(one));
    expect(Array.from(x.subarray(one.length, 2 * one.length))).toEqual(Array.from(ds.input(1)));
    expect(() => ds.inputsOf([0, 99])).toThrow(/99 at position 1/);
    const s = raw.sessions[0]!;
    expect(Array.from(ds.trialImageIds(s.key, 'test'))).toEqual(Array.from(s.testImageIds));
    const tr = Array.from(ds.trialImageIds(s.key, 'train'));
    const va = Array.from(ds.trialImageIds(s.key, 'validation'));
    expect([...tr, ...va].sort((a, b) => a - b)).toEqual(Array.from(s.trainImageIds).sort((a, b) => a - b));
    expect(va.every((id) => ds.split.validation.includes(id))).toBe(true);
    expect(() => ds.trialImageIds('x', 'train')).toThrow(SalConfigError);
  });
});

describe('computeChannelStats / applyChannelStats', () => {
  it('hand-computed per-channel mean and population std over channel-last rows', () => {
    const rows = [Float32Array.from([1, 10, 3, 30]), Float32Array.from([2, 20, 2, 20])];
    const s = computeChannelStats(rows, ['image', 'saliency']);
    expect(s.mean).toEqual([2, 20]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(0.5), 12);
    expect(s.std[1]).toBeCloseTo(Math.sqrt(50), 12);
    expect(s.count).toBe(4);
    const x = Float32Array.from([3, 30]);
    applyChannelStats(x, s);
    expect(x[0]).toBeCloseTo(1 / Math.sqrt(0.5), 6);
    expect(x[1]).toBeCloseTo(10 / Math.sqrt(50), 6);
    // a constant channel cannot be z-scored: refused by name, as are reused statistics with std 0
    expect(() => computeChannelStats([Float32Array.from([4, 4])], ['image'])).toThrow(/channel 'image' varying/);
    expect(() => computeChannelStats([Float32Array.from([4, 4])], ['image'])).toThrow(SalDataError);
    expect(() => createDataset(makeRaw(), { stats: { channels: ['image'], mean: [0], std: [0], count: 1 } })).toThrow(SalConfigError);
  });
});

describe('spectral residual model and its FFT', () => {
  it('fft2d matches a brute-force DFT, and the inverse restores the input', () => {
    const h = 4,
      w = 8;
    const x = Array.from({ length: h * w }, (_, i) => Math.sin(i * 1.7) + (i % 3));
    const re = Float64Array.from(x),
      im = new Float64Array(h * w);
    fft2d(re, im, h, w);
    for (const [u, v] of [
      [0, 0],
      [1, 3],
      [3, 7],
      [2, 4],
    ] as const) {
      let sr = 0,
        si = 0;
      for (let y = 0; y < h; y++)
        for (let xx = 0; xx < w; xx++) {
          const a = -2 * Math.PI * ((u * y) / h + (v * xx) / w);
          sr += x[y * w + xx]! * Math.cos(a);
          si += x[y * w + xx]! * Math.sin(a);
        }
      expect(re[u * w + v]).toBeCloseTo(sr, 9);
      expect(im[u * w + v]).toBeCloseTo(si, 9);
    }
    fft2d(re, im, h, w, true);
    for (let i = 0; i < x.length; i++) {
      expect(re[i]).toBeCloseTo(x[i]!, 9);
      expect(im[i]).toBeCloseTo(0, 9);
    }
    expect(() => fft1d(new Float64Array(6), new Float64Array(6))).toThrow(SalConfigError);
  });

  it('spectralResidual matches numpy (fft2, log-amplitude minus its periodic 3×3 mean, phase, |ifft2|²)', () => {
    const ref = refs.filters['spectral_residual'] as { grid: number[]; map: number[] };
    expect(maxRelErr(spectralResidual(ref.grid, 16), ref.map)).toBeLessThan(1e-5);
  });

  it("model 'spectralResidual' gives a density summing to 1; bad options are refused", () => {
    const h = 64,
      w = 96;
    const img = Float32Array.from({ length: h * w }, (_, i) => 100 + 60 * Math.sin((i % w) * 0.8));
    for (let y = 40; y < 48; y++) for (let x = 20; x < 28; x++) img[y * w + x] = 230;
    const d = builtinSaliency(img, h, w, { model: 'spectralResidual', output: 'density', pixelsPerDegree: 10 });
    expect(d.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(d.every((v) => v > 0)).toBe(true);
    expect(() => builtinSaliency(img, h, w, { model: 'spectralResidual', spectralSize: 48 })).toThrow(/power of two/);
    expect(() => builtinSaliency(img, h, w, { model: 'deepgaze' as never })).toThrow(SalConfigError);
  });
});

describe('imageFraction', () => {
  it('keeps a seeded subset of the training images; validation unchanged; stats from the kept images', () => {
    const raw = makeRaw({ n: 43, nTest: 3 });
    const full = createDataset(raw);
    const half = createDataset(raw, { imageFraction: 0.5 });
    expect(half.split.train.length).toBe(16); // round(32 · 0.5)
    expect(Array.from(half.split.train).every((id) => full.split.train.includes(id))).toBe(true);
    expect(Array.from(half.split.validation)).toEqual(Array.from(full.split.validation));
    expect(createDataset(raw, { imageFraction: 0.5 }).split).toEqual(half.split);
    const trialIds = Array.from(half.trialImageIds('session-0', 'train'));
    expect(new Set(trialIds).size).toBe(16);
    expect(half.sessions[0]!.nTrials.validation).toBe(full.sessions[0]!.nTrials.validation);
    const [, h, w] = raw.imagesShape;
    let s = 0;
    for (const id of half.split.train) for (let i = 0; i < h * w; i++) s += raw.images[id * h * w + i]!;
    expect(half.stats.mean[0]).toBeCloseTo(s / (16 * h * w), 9);
    expect(() => createDataset(raw, { imageFraction: 0 })).toThrow(SalConfigError);
  });
});
