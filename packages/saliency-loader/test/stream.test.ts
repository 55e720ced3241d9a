/** Streamed datasets (openDatasetDir, openNpyPlanes): the same batches, byte for byte, as the arrays in memory. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SalDataError, SalShapeError, type Batch, type RawDataset } from '@sal/types';
import { createDataset, encodeNpy, isPlaneSource, type DatasetOptions } from '../src/index.js';
import { openDatasetDir, openNpyPlanes, readDatasetDir, writeDatasetDir, writeNpyFile } from '../src/node.js';
import { makeRaw } from './helpers.js';

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'sal-stream-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Every batch of every split of every session, as bytes (ids, inputs, targets). */
function allBatches(ds: ReturnType<typeof createDataset>): Buffer[] {
  const out: Buffer[] = [];
  for (const s of ds.sessions) {
    for (const split of ['train', 'validation', 'test'] as const) {
      for (const b of ds.batches(s.key, split, { seed: 5, batchSize: 4 }) as Iterable<Batch>) out.push(bytes(b.imageIds), bytes(b.inputs), bytes(b.targets));
    }
  }
  out.push(bytes(Float32Array.from([...ds.stats.mean, ...ds.stats.std])));
  return out;
}

function withSaliency(seed = 1): RawDataset {
  const base = makeRaw({ n: 14, nTest: 3, seed });
  const [n, h, w] = base.imagesShape;
  return { ...base, saliency: Float32Array.from({ length: n * h * w }, (_, i) => -Math.log(h * w) + Math.sin(i * 0.37) / 3) };
}

const OPTS: DatasetOptions = {
  channels: 'all',
  crop: [
    [2, 1],
    [3, 2],
  ],
  scale: 0.7,
  gradientSigma: 1.5,
};

async function expectSameAsInMemory(dir: string, opts: DatasetOptions = OPTS): Promise<void> {
  const inMemory = createDataset(await readDatasetDir(dir), opts);
  const opened = await openDatasetDir(dir);
  try {
    const streamed = createDataset(opened, opts);
    const a = allBatches(inMemory),
      b = allBatches(streamed);
    expect(b.length).toBe(a.length);
    a.forEach((x, i) => expect(b[i]!.equals(x)).toBe(true));
  } finally {
    opened.close();
  }
}

describe('openDatasetDir', () => {
  it('streams images.npy and saliency.npy and gives the batches of the arrays in memory, byte for byte', async () => {
    const raw = withSaliency();
    const dir = join(tmp, 'a');
    await writeDatasetDir(dir, raw);
    const opened = await openDatasetDir(dir);
    expect(isPlaneSource(opened.images)).toBe(true);
    expect(isPlaneSource(opened.saliency)).toBe(true);
    opened.close();
    await expectSameAsInMemory(dir);
    await expectSameAsInMemory(dir, { channels: 'images+saliency', saliencyOutput: 'density' });
    await expectSameAsInMemory(dir, { channels: 'images' });
    // the streamed batches are those of the RawDataset that was written, too
    const direct = allBatches(createDataset(raw, OPTS));
    const again = await openDatasetDir(dir);
    allBatches(createDataset(again, OPTS)).forEach((x, i) => expect(x.equals(direct[i]!)).toBe(true));
    again.close();
  });

  it('float64, big-endian and one-channel [n,1,h,w] files stream to the same batches; Fortran order is read whole', async () => {
    const raw = withSaliency(2);
    const [n, h, w] = raw.imagesShape;
    const dir = join(tmp, 'b');
    await writeDatasetDir(dir, raw);
    const f8 = Float64Array.from(raw.saliency!, (v, i) => v + (i % 7) * 1e-9); // values float32 cannot hold
    await writeNpyFile(join(dir, 'saliency.npy'), { data: f8, shape: [n, h, w] });
    await expectSameAsInMemory(dir);
    await writeNpyFile(join(dir, 'saliency.npy'), { data: f8, shape: [n, h, w] }, { endian: 'big' });
    await writeNpyFile(join(dir, 'images.npy'), { data: raw.images, shape: [n, 1, h, w] });
    await expectSameAsInMemory(dir);
    await writeNpyFile(join(dir, 'saliency.npy'), { data: raw.saliency!, shape: [n, h, w] }, { fortranOrder: true });
    const opened = await openDatasetDir(dir);
    expect(opened.saliency).toBeInstanceOf(Float32Array);
    opened.close();
    await expectSameAsInMemory(dir);
  });

  it('a non-finite streamed map is a SalDataError naming the image; a short saliency file is refused at open', async () => {
    const raw = withSaliency(3);
    const [n, h, w] = raw.imagesShape;
    const dir = join(tmp, 'c');
    const sal = Float32Array.from(raw.saliency!);
    sal[5 * h * w + 3] = Number.NaN;
    await writeDatasetDir(dir, raw);
    await writeNpyFile(join(dir, 'saliency.npy'), { data: sal, shape: [n, h, w] });
    const opened = await openDatasetDir(dir);
    expect(() => createDataset(opened, OPTS)).toThrow(/finite values.*NaN at image 5/);
    opened.close();
    await expect(readDatasetDir(dir)).rejects.toThrow(SalDataError);
    await writeNpyFile(join(dir, 'saliency.npy'), { data: new Float32Array((n - 1) * h * w), shape: [n - 1, h, w] });
    await expect(openDatasetDir(dir)).rejects.toThrow(SalShapeError);
    const file = await readFile(join(dir, 'images.npy'));
    await writeFile(join(dir, 'images.npy'), file.subarray(0, file.length - 1));
    await expect(openDatasetDir(dir)).rejects.toThrow(/images\.npy/);
  });
});

describe('openNpyPlanes', () => {
  it('reads each plane by offset as numpy stores it (hand-built values), and refuses what it cannot read', async () => {
    const file = join(tmp, 'p.npy');
    const data = Int16Array.from({ length: 3 * 2 * 4 }, (_, i) => (i % 2 ? -i : i) * 100);
    await writeFile(file, encodeNpy({ data, shape: [3, 2, 4] }, { endian: 'big' }));
    const p = openNpyPlanes(file)!;
    expect(p.shape).toEqual([3, 2, 4]);
    expect(p.dtype).toBe('i2');
    const out = new Float32Array(8);
    expect(Array.from(p.read(2, out))).toEqual([1600, -1700, 1800, -1900, 2000, -2100, 2200, -2300]);
    expect(Array.from(p.read(0, out))).toEqual([0, -100, 200, -300, 400, -500, 600, -700]);
    expect(() => p.read(3, out)).toThrow(SalDataError);
    expect(() => p.read(0, new Float32Array(7))).toThrow(SalDataError);
    p.close();
    expect(() => p.read(0, out)).toThrow(/closed/);
    await writeFile(file, encodeNpy({ data: new Float32Array(6), shape: [6] }));
    expect(() => openNpyPlanes(file)).toThrow(/stack/);
    await writeFile(file, encodeNpy({ data: new BigInt64Array(8), shape: [2, 2, 2] }));
    expect(() => openNpyPlanes(file)).toThrow(/dtype/);
    await writeFile(file, new Uint8Array([0x80, 3, 1, 2]));
    expect(() => openNpyPlanes(file)).toThrow(/pickle/);
    expect(() => openNpyPlanes(join(tmp, 'missing.npy'))).toThrow(/missing\.npy/);
    expect(() => openNpyPlanes(tmp)).toThrow(/folder/);
  });
});

describe('writeDatasetDir progress', () => {
  it('reports each file once, in the order written, meta.json last', async () => {
    const raw = withSaliency(4);
    const seen: [string, number, number][] = [];
    await writeDatasetDir(join(tmp, 'progress'), raw, { onProgress: (f, d, t) => seen.push([f, d, t]) });
    expect(seen).toEqual([
      ['images.npy', 1, 5],
      ['saliency.npy', 2, 5],
      ['sessions/session-0.npz', 3, 5],
      ['sessions/session-1.npz', 4, 5],
      ['meta.json', 5, 5],
    ]);
    const png: string[] = [];
    await writeDatasetDir(join(tmp, 'progress-png'), { ...raw, saliency: undefined }, { images: 'png', onProgress: (f) => png.push(f) });
    expect(png.slice(0, 2)).toEqual(['images/000000.png', 'images/000001.png']);
    expect(png.length).toBe(14 + 2 + 1);
  });
});
