import { mkdtemp, readdir, readFile, rm, writeFile, mkdir, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { SalDataError, SalShapeError, type Batch } from '@sal/types';
import { binnedToTrials, createDataset } from '../src/index.js';
import { readDatasetDir, readImageFolder, readMapFolder, readNpyFile, readNpzFile, writeDatasetDir, writeNpyFile } from '../src/node.js';
import { makeRaw } from './helpers.js';
import { FIXTURES, refs } from './refs.js';

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'sal-loader-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const flat = (bs: Iterable<Batch>): number[][] => [...bs].map((b) => [...b.imageIds, ...b.inputs, ...b.targets]);

describe('dataset directory', () => {
  it('round-trips a RawDataset exactly (npy images, saliency, meta, odd session keys)', async () => {
    const base = makeRaw({ n: 10, nTest: 2 });
    const [n, h, w] = base.imagesShape;
    const raw = {
      ...base,
      saliency: Float32Array.from({ length: n * h * w }, (_, i) => -Math.log(h * w) + Math.sin(i) / 10),
      sessions: [{ ...base.sessions[0]!, key: 'M1/2020-01-02 ../x' }, base.sessions[1]!],
    };
    const dir = join(tmp, 'a');
    await writeDatasetDir(dir, raw);
    const back = await readDatasetDir(dir);
    expect(back.imagesShape).toEqual(raw.imagesShape);
    expect(Array.from(back.images)).toEqual(Array.from(raw.images));
    expect(Array.from(back.saliency!)).toEqual(Array.from(raw.saliency));
    expect(back.meta).toEqual(raw.meta);
    expect(back.sessions.map((s) => s.key)).toEqual(raw.sessions.map((s) => s.key));
    back.sessions.forEach((s, i) => {
      const r = raw.sessions[i]!;
      expect(s.nNeurons).toBe(r.nNeurons);
      expect(Array.from(s.trainResponses)).toEqual(Array.from(r.trainResponses));
      expect(Array.from(s.trainImageIds)).toEqual(Array.from(r.trainImageIds));
      expect(Array.from(s.testResponses)).toEqual(Array.from(r.testResponses));
      expect(Array.from(s.testImageIds)).toEqual(Array.from(r.testImageIds));
    });
    // no temp files left behind
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
    // identical batches for a seed
    const opts = {
      channels: 'all',
      crop: [
        [1, 1],
        [2, 2],
      ],
      scale: 0.7,
      gradientSigma: 1.5,
    } as const;
    const d1 = createDataset(raw, opts);
    const d2 = createDataset(back, opts);
    for (const s of d1.sessions) {
      expect(flat(d2.batches(s.key, 'train', { seed: 9, batchSize: 5 }))).toEqual(flat(d1.batches(s.key, 'train', { seed: 9, batchSize: 5 })));
      expect(flat(d2.batches(s.key, 'test'))).toEqual(flat(d1.batches(s.key, 'test')));
    }
  });

  it('round-trips with an images/ folder of PNGs, and reads one written by another tool', async () => {
    const raw = makeRaw({ n: 5, nTest: 1 });
    const dir = join(tmp, 'b');
    await writeDatasetDir(dir, raw, { images: 'png', compress: false });
    expect((await readdir(join(dir, 'images'))).sort()).toEqual(['000000.png', '000001.png', '000002.png', '000003.png', '000004.png']);
    const back = await readDatasetDir(dir);
    expect(Array.from(back.images)).toEqual(Array.from(raw.images));
    // an RGB JPEG folder with numeric names in id order (10 after 9), converted to grey
    const folder = join(tmp, 'jpg');
    await mkdir(folder);
    for (const i of [9, 10, 2]) {
      await sharp({ create: { width: 6, height: 4, channels: 3, background: { r: i * 20, g: i * 20, b: i * 20 } } })
        .jpeg({ quality: 100 })
        .toFile(join(folder, `${i}.jpg`));
    }
    const f = await readImageFolder(folder);
    expect(f.files).toEqual(['2.jpg', '9.jpg', '10.jpg']);
    expect(f.imagesShape).toEqual([3, 4, 6]);
    expect(Math.abs(f.images[0]! - 40)).toBeLessThanOrEqual(2);
    expect(Math.abs(f.images[2 * 24]! - 200)).toBeLessThanOrEqual(2);
  });

  it('images of different sizes → SalShapeError naming the file', async () => {
    const folder = join(tmp, 'sizes');
    await mkdir(folder);
    await sharp({ create: { width: 6, height: 4, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .png()
      .toFile(join(folder, '0.png'));
    await sharp({ create: { width: 5, height: 4, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .png()
      .toFile(join(folder, '1.png'));
    await expect(readImageFolder(folder)).rejects.toThrow(SalShapeError);
    await expect(readImageFolder(folder)).rejects.toThrow(/1\.png/);
  });

  it('bad files: wrong dtype, truncated session archive, missing images, mismatched saliency', async () => {
    const raw = makeRaw({ n: 6, nTest: 1 });
    const dir = join(tmp, 'c');
    await writeDatasetDir(dir, raw);
    const [n, h, w] = raw.imagesShape;
    await writeNpyFile(join(dir, 'images.npy'), { data: Float32Array.from(raw.images), shape: [n, h, w] });
    await expect(readDatasetDir(dir)).rejects.toThrow(/images\.npy.*dtype u1/);
    await writeNpyFile(join(dir, 'images.npy'), { data: raw.images, shape: [n, h, w] });
    await writeNpyFile(join(dir, 'saliency.npy'), { data: new Float32Array(n * h), shape: [n, h, 1] });
    await expect(readDatasetDir(dir)).rejects.toThrow(SalShapeError);
    await rm(join(dir, 'saliency.npy'));
    const sess = join(dir, 'sessions', 'session-0.npz');
    const bytes = await readFile(sess);
    await writeFile(sess, bytes.subarray(0, bytes.length - 30));
    await expect(readDatasetDir(dir)).rejects.toThrow(/session-0\.npz/);
    await rm(join(dir, 'images.npy'));
    await expect(readDatasetDir(dir)).rejects.toThrow(SalDataError);
  });

  it('numpy fixtures read from disk bit-exactly; unknown ids in a session file are refused', async () => {
    const a = await readNpyFile(join(FIXTURES, 'i4_be.npy'));
    expect(Array.from(a.data as Int32Array)).toEqual(refs.npy['i4_be']!.values);
    const z = await readNpzFile(join(FIXTURES, 'deflated.npz'));
    expect(Array.from(z['b']!.data as Int32Array)).toEqual([0, 1, 2, 3, 4]);
    await expect(readNpyFile(join(FIXTURES, 'missing.npy'))).rejects.toThrow(/missing\.npy/);
    const raw = makeRaw({ n: 6, nTest: 1 });
    const dir = join(tmp, 'd');
    await writeDatasetDir(dir, { ...raw, sessions: [raw.sessions[0]!] });
    const other = join(tmp, 'd2');
    await writeDatasetDir(other, makeRaw({ n: 12, nTest: 1 }));
    await copyFile(join(other, 'sessions', 'session-0.npz'), join(dir, 'sessions', 'session-0.npz'));
    await expect(readDatasetDir(dir)).rejects.toThrow(/unknown id/);
  });
});

describe("the original's layout", () => {
  it('reads a folder of per-image uint8 .npy files and a folder of .npy maps in id order', async () => {
    const imgs = join(tmp, 'orig-images');
    const maps = join(tmp, 'orig-maps');
    for (const i of [0, 1, 2, 10]) {
      await writeNpyFile(join(imgs, `${String(i).padStart(6, '0')}.npy`), { data: Uint8Array.from({ length: 6 }, (_, k) => i * 10 + k), shape: [2, 3] });
      await writeNpyFile(join(maps, `${String(i).padStart(6, '0')}.npy`), { data: Float64Array.from({ length: 6 }, (_, k) => -i - k / 10), shape: [2, 3] });
    }
    const f = await readImageFolder(imgs);
    expect(f.imagesShape).toEqual([4, 2, 3]);
    expect(Array.from(f.images.subarray(18, 24))).toEqual([100, 101, 102, 103, 104, 105]);
    const m = await readMapFolder(maps);
    expect(m.shape).toEqual([4, 2, 3]);
    expect(m.maps[18 + 2]).toBeCloseTo(-10.2, 6);
    await writeNpyFile(join(maps, '000011.npy'), { data: new Float32Array(4), shape: [2, 2] });
    await expect(readMapFolder(maps)).rejects.toThrow(/000011\.npy/);
  });

  it('binnedToTrials: [neurons, bins, trials] → [trials, neurons] summed (or averaged) over chosen bins (hand-computed)', () => {
    // value = 100·neuron + 10·bin + trial, 2 neurons × 3 bins × 2 trials
    const data = Array.from({ length: 12 }, (_, i) => 100 * Math.floor(i / 6) + 10 * (Math.floor(i / 2) % 3) + (i % 2));
    expect(Array.from(binnedToTrials(data, [2, 3, 2]))).toEqual([30, 330, 33, 333]);
    expect(Array.from(binnedToTrials(data, [2, 3, 2], { bins: [1, 2], reduce: 'mean' }))).toEqual([15, 115, 16, 116]);
    expect(() => binnedToTrials(data, [2, 3, 2], { bins: [3] })).toThrow(/bins/);
    expect(() => binnedToTrials(data.slice(1), [2, 3, 2])).toThrow(SalShapeError);
  });
});

describe('one-channel NCHW/NHWC stacks', () => {
  it('images.npy [n,1,h,w] and [n,h,w,1] load as [n,h,w]; other 4-D shapes are refused', async () => {
    const raw = makeRaw({ n: 6, nTest: 1 });
    const [n, h, w] = raw.imagesShape;
    const dir = join(tmp, 'nchw');
    await writeDatasetDir(dir, raw);
    for (const shape of [
      [n, 1, h, w],
      [n, h, w, 1],
    ]) {
      await writeNpyFile(join(dir, 'images.npy'), { data: raw.images, shape });
      const back = await readDatasetDir(dir);
      expect(back.imagesShape).toEqual([n, h, w]);
      expect(Array.from(back.images)).toEqual(Array.from(raw.images));
    }
    await writeNpyFile(join(dir, 'images.npy'), { data: raw.images, shape: [n, 2, h, w / 2] });
    await expect(readDatasetDir(dir)).rejects.toThrow(SalShapeError);
  });
});

describe('session archive dtypes', () => {
  it('integer responses and u2 ids are converted; float image ids are refused naming the member', async () => {
    const raw = makeRaw({ n: 6, nTest: 1, sessions: 1 });
    const s = raw.sessions[0]!;
    const dir = join(tmp, 'dtypes');
    await writeDatasetDir(dir, raw);
    const file = join(dir, 'sessions', 'session-0.npz');
    const { writeNpzFile } = await import('../src/node.js');
    const arrays = (ids: Float64Array | Uint16Array) => ({
      train_responses: { data: Int16Array.from(s.trainResponses), shape: [s.trainImageIds.length, s.nNeurons] },
      train_image_ids: { data: ids, shape: [ids.length] },
      test_responses: { data: Float64Array.from(s.testResponses), shape: [s.testImageIds.length, s.nNeurons] },
      test_image_ids: { data: Uint16Array.from(s.testImageIds), shape: [s.testImageIds.length] },
    });
    await writeNpzFile(file, arrays(Uint16Array.from(s.trainImageIds)));
    const back = await readDatasetDir(dir);
    expect(Array.from(back.sessions[0]!.trainResponses)).toEqual(Array.from(s.trainResponses));
    expect(Array.from(back.sessions[0]!.trainImageIds)).toEqual(Array.from(s.trainImageIds));
    await writeNpzFile(file, arrays(Float64Array.from(s.trainImageIds)));
    await expect(readDatasetDir(dir)).rejects.toThrow(/train_image_ids.*integer image ids/);
  });
});
