/** A new user's first run: `sal simulate` with its defaults, progress lines, clear errors. */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDatasetDir, readNpyFile } from '@sal/saliency-loader/node';
import { simulateCommand, SIMULATE_COMMAND_DEFAULTS } from '../src/commands/simulate.js';
import { createReporter, epochProgress, type Reporter } from '../src/progress.js';

const dir = mkdtempSync(join(tmpdir(), 'sal-first-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function du(path: string): number {
  return readdirSync(path, { withFileTypes: true }).reduce((s, e) => s + (e.isDirectory() ? du(join(path, e.name)) : statSync(join(path, e.name)).size), 0);
}

describe('sal simulate with its defaults', () => {
  it('writes demo-sized images (float32 maps, 5 bytes a pixel: 66 MB for the default 860) with a progress line per stage', async () => {
    // the default image count (860) takes a minute on a busy 2-core machine: the defaults except fewer images
    const cfg = join(dir, 'fewer.json');
    writeFileSync(cfg, JSON.stringify({ nTrainImages: 40, nTestImages: 3, calibrationImages: 40 }));
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await simulateCommand({ out: join(dir, 'data'), config: cfg });
    } finally {
      spy.mockRestore();
    }
    const raw = await readDatasetDir(join(dir, 'data'));
    const { height, width, nTrainImages, nTestImages, nSessions } = SIMULATE_COMMAND_DEFAULTS;
    expect([nTrainImages! + nTestImages!, height, width, nSessions]).toEqual([860, 96, 160, 2]);
    expect(raw.imagesShape).toEqual([43, 96, 160]);
    expect(raw.sessions.length).toBe(2);
    expect((await readNpyFile(join(dir, 'data', 'saliency.npy'))).dtype).toBe('f4');
    const bytes = du(join(dir, 'data'));
    // 43 images × 96 × 160 × (1 byte + 4 bytes) plus two npy headers, the sessions and meta.json
    expect(bytes).toBeGreaterThan(43 * 96 * 160 * 5);
    expect(bytes).toBeLessThan(43 * 96 * 160 * 5 + 200e3);
    const text = lines.join('');
    for (const stage of ['simulating images and responses', 'true saliency maps', 'writing files']) {
      expect(text).toMatch(new RegExp(`${stage}: done in`));
    }
    expect(text).toMatch(/writing files: 5\/5/);
    expect(text).toMatch(new RegExp(`wrote 43 images of 96×160, 2 sessions \\(32 neurons, \\d+ shifting\\) to .* \\(${(bytes / 1e6).toFixed(1)} MB\\)`));
  });
});

describe('progress in logs (no terminal)', () => {
  const logStream = (lines: string[]) =>
    ({
      isTTY: false,
      write: (s: string) => {
        lines.push(s);
        return true;
      },
    }) as unknown as NodeJS.WriteStream;

  it('every finished named item gets its line, however fast they come; plain steps are thinned to the first and last', () => {
    const lines: string[] = [];
    const reporter = createReporter({ stream: logStream(lines) });
    const models = reporter.task('training 3 models', 3);
    for (const name of ['shift images', 'shift shifter-saliency', 'noShift images']) models.tick(1, `${name}: test r = 0.400`);
    models.done();
    expect(lines.slice(0, 3)).toEqual([
      'training 3 models: 1/3 shift images: test r = 0.400\n',
      'training 3 models: 2/3 shift shifter-saliency: test r = 0.400\n',
      'training 3 models: 3/3 noShift images: test r = 0.400\n',
    ]);
    expect(lines[3]).toMatch(/^training 3 models: done in \d+\.\d s\n$/);
    lines.length = 0;
    const steps = reporter.task('saliency maps', 100);
    for (let i = 0; i < 100; i++) steps.tick();
    expect(lines).toEqual(['saliency maps: 1/100\n', 'saliency maps: 100/100\n']);
  });

  it('epochProgress: a task per epoch with batches done / total and images/s, closed at its last batch', () => {
    const calls: string[] = [];
    const reporter: Reporter = {
      info: (l) => calls.push(`info ${l}`),
      task: (label, total) => {
        calls.push(`task ${label} ${total}`);
        return { tick: (n = 1, note = '') => calls.push(`tick ${n} ${note}`), done: (note = '') => calls.push(`done ${note}`) };
      },
    };
    const on = epochProgress(reporter);
    on({ epoch: 1, batch: 1, batches: 2, images: 16, seconds: 0.5 });
    on({ epoch: 1, batch: 2, batches: 2, images: 32, seconds: 2 });
    on({ epoch: 2, batch: 1, batches: 2, images: 16, seconds: 0 });
    expect(calls).toEqual([
      'task epoch 1 2',
      'tick 1 ',
      'tick 0 32.0 images/s',
      'tick 1 ',
      'tick 0 16.0 images/s',
      'done 16.0 images/s',
      'task epoch 2 2',
      'tick 1 ',
      'tick 0 ',
    ]);
  });
});
