/** `sal convert` on FileTree and HDF5 datasets written from a small simulation, then `sal train` on the result. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateDataset } from '@sal/sim';
import { writeFileTree, writeStaticH5 } from '@sal/formats/node';
import { readDatasetDir } from '@sal/saliency-loader/node';
import { SalConfigError } from '@sal/types';
import { convertCommand } from '../src/commands/convert.js';
import { trainCommand } from '../src/commands/train.js';

const dir = mkdtempSync(join(tmpdir(), 'sal-convert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sal convert → sal train', () => {
  const { dataset } = simulateDataset({
    seed: 3,
    height: 48,
    width: 64,
    nTrainImages: 40,
    nTestImages: 4,
    testRepeats: 3,
    nSessions: 1,
    neuronsPerSession: 4,
    calibrationImages: 40,
  });
  for (const format of ['filetree', 'hdf5'] as const) {
    it(`converts a ${format} dataset that then trains`, async () => {
      const src = join(dir, format === 'filetree' ? 'tree' : 'set.h5');
      if (format === 'filetree') await writeFileTree(src, dataset, { validationImageIds: [1, 2, 3] });
      else await writeStaticH5(src, dataset);
      const out = join(dir, `${format}-data`);
      await convertCommand(src, { from: format, out, session: 'scan1', quiet: true });
      const raw = await readDatasetDir(out);
      expect(raw.images).toEqual(dataset.images);
      expect(raw.sessions[0]!.trainResponses).toEqual(dataset.sessions[0]!.trainResponses);
      const cfg = join(dir, `${format}-train.json`);
      writeFileSync(
        cfg,
        JSON.stringify({
          data: out,
          out: join(dir, `${format}-ckpt`),
          variant: 'images',
          crop: [
            [8, 8],
            [8, 8],
          ],
          scale: 0.5,
          core: { hiddenChannels: 4, inputKern: 5 },
          train: { maxEpochs: 1 },
        }),
      );
      await trainCommand({ config: cfg, quiet: true });
      const scores = JSON.parse(readFileSync(join(dir, `${format}-ckpt`, 'scores.json'), 'utf8'));
      expect(Number.isFinite(scores.validation)).toBe(true);
    }, 120_000);
  }
  it('refuses an unknown format', async () => {
    await expect(convertCommand(dir, { from: 'zarr', out: join(dir, 'x'), quiet: true })).rejects.toBeInstanceOf(SalConfigError);
  });
});
