/** `sal mei` on tiny trained models: one checkpoint and an ensemble of two, npy + PNG, and the closed loop. */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpyFile } from '@sal/saliency-loader/node';
import { decodePng } from '@sal/viz';
import { SalConfigError } from '@sal/types';
import { simulateCommand } from '../src/commands/simulate.js';
import { trainCommand } from '../src/commands/train.js';
import { meiCommand } from '../src/commands/mei.js';

const dir = mkdtempSync(join(tmpdir(), 'sal-mei-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sal mei', () => {
  it('writes MEIs of a checkpoint and of an ensemble of checkpoints, and the closed loop', async () => {
    const simCfg = join(dir, 'sim.json');
    writeFileSync(
      simCfg,
      JSON.stringify({ height: 48, width: 64, nTrainImages: 40, nTestImages: 4, testRepeats: 2, nSessions: 1, neuronsPerSession: 3, calibrationImages: 30 }),
    );
    await simulateCommand({ out: join(dir, 'data'), seed: '2', config: simCfg, quiet: true });
    for (const seed of [1, 2]) {
      const cfg = join(dir, `train${seed}.json`);
      writeFileSync(
        cfg,
        JSON.stringify({
          data: join(dir, 'data'),
          out: join(dir, `ckpt${seed}`),
          variant: 'images',
          crop: [
            [8, 8],
            [8, 8],
          ],
          scale: 0.5,
          seed,
          core: { hiddenChannels: 4, inputKern: 5 },
          train: { maxEpochs: 1 },
        }),
      );
      await trainCommand({ config: cfg, quiet: true });
    }
    await meiCommand({ checkpoint: join(dir, 'ckpt1'), out: join(dir, 'one'), neurons: '0,2', steps: '3', quiet: true });
    const one = await readNpyFile(join(dir, 'one', 'meis.npy'));
    expect(one.shape).toEqual([2, 16, 24]);
    expect(Array.from((await readNpyFile(join(dir, 'one', 'meis.neurons.npy'))).data as Int32Array)).toEqual([0, 2]);
    const png = decodePng(new Uint8Array(readFileSync(join(dir, 'one', 'png', 'mei-2.png'))));
    expect([png.width, png.height]).toEqual([24 * 4, 16 * 4]);

    await meiCommand({
      checkpoint: `${join(dir, 'ckpt1')},${join(dir, 'ckpt2')}`,
      out: join(dir, 'ens'),
      neurons: 'all',
      steps: '3',
      closedLoop: true,
      images: '8',
      quiet: true,
    });
    expect((await readNpyFile(join(dir, 'ens', 'meis.npy'))).shape).toEqual([3, 16, 24]);
    const loop = JSON.parse(readFileSync(join(dir, 'ens', 'closed-loop.json'), 'utf8'));
    expect(loop.checkpoints.length).toBe(2);
    expect(loop.neurons.length).toBe(3);
    for (const n of loop.neurons) {
      expect(n.trueMei).toBeGreaterThan(0);
      expect(n.ratioNatural).toBeCloseTo(n.trueMei / n.bestNatural, 10);
    }

    await expect(meiCommand({ checkpoint: join(dir, 'ckpt1'), out: join(dir, 'bad'), neurons: '7', quiet: true })).rejects.toBeInstanceOf(SalConfigError);
    await expect(meiCommand({ checkpoint: join(dir, 'ckpt1'), out: join(dir, 'bad'), session: 'nope', quiet: true })).rejects.toBeInstanceOf(SalConfigError);
    expect(existsSync(join(dir, 'bad', 'meis.npy'))).toBe(false);
  });
});
