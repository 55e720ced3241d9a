import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SalConfigError, SalDataError, SalShapeError } from '@sal/types';
import { createDataset } from '@sal/saliency-loader';
import { readDatasetDir, readNpzFile, writeNpyFile } from '@sal/saliency-loader/node';
import { encodeNpyStrings, parseNpyStrings, toGreyPlane } from '../src/index.js';
import { convertDataset, readFileTree, readStaticH5, trialArraysFileName, writeFileTree, writeStaticH5 } from '../src/node.js';
import { tinyRaw, tinyTrialArrays } from './fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'sal-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const neurons = {
  unit_ids: { data: Int32Array.from([17, 4, 9]), width: 1 },
  cell_motor_coordinates: { data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), width: 3 },
};

describe('npy string arrays', () => {
  it('parses numpy <U strings (hand-built bytes) and round-trips', () => {
    // numpy: np.save(f, np.array(['train', 'test'])) → descr '<U5', 2 items of 5 UTF-32LE code units
    const header = "{'descr': '<U5', 'fortran_order': False, 'shape': (2,), }";
    const padded = header + ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
    const bytes = new Uint8Array(10 + padded.length + 40);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]);
    for (let i = 0; i < padded.length; i++) bytes[10 + i] = padded.charCodeAt(i);
    'train'.split('').forEach((c, i) => {
      bytes[10 + padded.length + 4 * i] = c.charCodeAt(0);
    });
    'test'.split('').forEach((c, i) => {
      bytes[10 + padded.length + 20 + 4 * i] = c.charCodeAt(0);
    });
    expect(parseNpyStrings(bytes)).toEqual({ shape: [2], data: ['train', 'test'] });
    expect(parseNpyStrings(encodeNpyStrings(['validation', 'ü', ''])).data).toEqual(['validation', 'ü', '']);
  });
  it('refuses object arrays and numeric dtypes with a SalDataError', () => {
    const bad = encodeNpyStrings(['a']);
    const text = new TextDecoder('latin1').decode(bad).replace("'<U1'", "'|O1'");
    expect(() => parseNpyStrings(Uint8Array.from(text, (c) => c.charCodeAt(0)))).toThrow(SalDataError);
    expect(() => parseNpyStrings(new Uint8Array([1, 2, 3]))).toThrow(SalDataError);
  });
});

describe('toGreyPlane', () => {
  it('accepts [1,h,w] uint8 and float grey levels, refuses normalised images and colour', () => {
    expect(toGreyPlane({ dtype: 'f4', shape: [1, 1, 2], data: Float32Array.from([3.4, 254.6]) }, 'x').plane).toEqual(Uint8Array.from([3, 255]));
    expect(() => toGreyPlane({ dtype: 'f4', shape: [1, 2], data: Float32Array.from([-1.2, 0.5]) }, 'x')).toThrow(/within 0–255/);
    expect(() => toGreyPlane({ dtype: 'u1', shape: [3, 2, 2], data: new Uint8Array(12) }, 'x')).toThrow(SalShapeError);
  });
});

for (const format of ['filetree', 'hdf5'] as const) {
  describe(`${format}: sal → ${format} → sal`, () => {
    const src = join(dir, format === 'filetree' ? 'tree' : 'set.h5');
    const write = async (): Promise<void> => {
      const opts = { validationImageIds: [1], trialArrays: tinyTrialArrays(), neurons, imageIdOffset: 1000 };
      if (format === 'filetree') await writeFileTree(src, tinyRaw(), opts);
      else await writeStaticH5(src, tinyRaw(), opts);
    };
    it('reads back the images once per image id, the responses, tiers, repeats and metadata', async () => {
      await write();
      const conv =
        format === 'filetree' ? await readFileTree(src, { sessionKey: 'mouse 1/scan.2' }) : await readStaticH5(src, { sessionKey: 'mouse 1/scan.2' });
      const raw = tinyRaw();
      const s0 = raw.sessions[0]!;
      const s = conv.dataset.sessions[0]!;
      // the 5 images have ids 1000…1004, so sal's ids equal the original order
      expect(conv.dataset.imagesShape).toEqual([5, 6, 8]);
      expect(conv.dataset.images).toEqual(raw.images);
      expect(s.trainImageIds).toEqual(s0.trainImageIds);
      expect(s.testImageIds).toEqual(s0.testImageIds);
      expect(s.trainResponses).toEqual(s0.trainResponses);
      expect(s.testResponses).toEqual(s0.testResponses);
      const meta = conv.dataset.meta as Record<string, unknown>;
      expect(meta['imageIds']).toEqual([1000, 1001, 1002, 1003, 1004]);
      expect(meta['validationImageIds']).toEqual([1]);
      expect((meta['source'] as Record<string, unknown>)['trialsPerTier']).toEqual({ train: 4, validation: 2, test: 5 });
      expect(meta['neurons']).toEqual({
        unit_ids: [17, 4, 9],
        cell_motor_coordinates: [
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
        ],
      });
      const ta = tinyTrialArrays();
      expect(Array.from(conv.trials.train['behavior']!.data)).toEqual(Array.from(ta.behavior.data.subarray(0, 18)));
      expect(Array.from(conv.trials.test['pupil_center']!.data)).toEqual(Array.from(ta.pupil_center.data.subarray(12)));
      expect(Array.from(conv.trials.test['trial_index']!.data)).toEqual([6, 7, 8, 9, 10]);
    });
    it("converts to sal's layout, which the loader reads and builds a dataset from", async () => {
      const out = join(dir, `${format}-out`);
      await convertDataset(format, src, out, { sessionKey: 's1' });
      const raw = await readDatasetDir(out);
      expect(raw.images).toEqual(tinyRaw().images);
      expect(raw.sessions[0]!.testImageIds).toEqual(tinyRaw().sessions[0]!.testImageIds);
      const ds = createDataset(raw, { trainFraction: 0.75, saliency: 'none' } as never);
      expect(ds.trialImageIds('s1', 'test')).toEqual(Int32Array.from([4, 4, 4, 0, 0]));
      const extras = await readNpzFile(join(out, trialArraysFileName('s1')));
      expect(extras['train_behavior']!.shape).toEqual([6, 3]);
      expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
    it('drops tiers outside train/validation/test and refuses a tier in both lists', async () => {
      await write();
      const conv = format === 'filetree' ? await readFileTree(src, { trainTiers: ['train'] }) : await readStaticH5(src, { trainTiers: ['train'] });
      // image 1001 was only shown in validation trials: it is left out and the ids close up
      expect((conv.dataset.meta as Record<string, unknown>)['imageIds']).toEqual([1000, 1002, 1003, 1004]);
      expect(conv.dataset.sessions[0]!.trainImageIds).toEqual(Int32Array.from([0, 1, 1, 2]));
      expect(conv.dataset.sessions[0]!.testImageIds).toEqual(Int32Array.from([3, 3, 3, 0, 0]));
      await expect(format === 'filetree' ? readFileTree(src, { testTiers: ['train'] }) : readStaticH5(src, { testTiers: ['train'] })).rejects.toBeInstanceOf(
        SalConfigError,
      );
    });
  });
}

describe('SENSORIUM-style arrays', () => {
  it('reads int64 image ids, float32 images, and string neuron metadata', async () => {
    const t = join(dir, 'sensorium-like');
    await writeFileTree(t, tinyRaw());
    const ids = [0, 1, 2, 2, 3, 1, 4, 4, 4, 0, 0].map((v) => BigInt(v * 10 + 7));
    await writeNpyFile(join(t, 'meta', 'trials', 'frame_image_id.npy'), { data: BigInt64Array.from(ids), shape: [11] });
    await writeNpyFile(join(t, 'data', 'images', '0.npy'), { data: Float32Array.from(tinyRaw().images.subarray(0, 48)), shape: [1, 6, 8] });
    mkdirSync(join(t, 'meta', 'neurons'), { recursive: true });
    writeFileSync(join(t, 'meta', 'neurons', 'area.npy'), encodeNpyStrings(['V1', 'V1', 'LM']));
    writeFileSync(join(t, 'meta', 'neurons', 'other.npy'), encodeNpyStrings(['x']));
    const { dataset } = await readFileTree(t);
    expect(dataset.images).toEqual(tinyRaw().images);
    expect((dataset.meta as Record<string, unknown>)['imageIds']).toEqual([7, 17, 27, 37, 47]);
    expect((dataset.meta as Record<string, unknown>)['neurons']).toEqual({ area: ['V1', 'V1', 'LM'] });
  });
});

describe('bad input gets typed errors naming the file', () => {
  it('a folder that is not a FileTree', async () => {
    await expect(readFileTree(join(dir, 'nope'))).rejects.toThrow(SalDataError);
  });
  it('repeats of one image id showing different images', async () => {
    const t = join(dir, 'bad-repeat');
    await writeFileTree(t, tinyRaw());
    await writeNpyFile(join(t, 'data', 'images', '7.npy'), { data: new Uint8Array(48), shape: [1, 6, 8] });
    await expect(readFileTree(t)).rejects.toThrow(/image id 4/);
  });
  it('a responses file of the wrong length', async () => {
    const t = join(dir, 'bad-resp');
    await writeFileTree(t, tinyRaw());
    await writeNpyFile(join(t, 'data', 'responses', '3.npy'), { data: new Float32Array(2), shape: [2] });
    await expect(readFileTree(t)).rejects.toBeInstanceOf(SalShapeError);
  });
  it('a pickled object array as tiers', async () => {
    const t = join(dir, 'bad-tiers');
    await writeFileTree(t, tinyRaw());
    const b = encodeNpyStrings(['train']);
    const text = new TextDecoder('latin1').decode(b).replace("'<U5'", "'|O8'");
    writeFileSync(
      join(t, 'meta', 'trials', 'tiers.npy'),
      Uint8Array.from(text, (c) => c.charCodeAt(0)),
    );
    await expect(readFileTree(t)).rejects.toThrow(/fixed-width string dtype/);
  });
  it('a file that is not HDF5, and an HDF5 file without responses', async () => {
    const f = join(dir, 'not.h5');
    writeFileSync(f, 'hello');
    await expect(readStaticH5(f)).rejects.toBeInstanceOf(SalDataError);
    mkdirSync(join(dir, 'empty'), { recursive: true });
    await expect(readStaticH5(join(dir, 'empty', 'missing.h5'))).rejects.toBeInstanceOf(SalDataError);
  });
});
