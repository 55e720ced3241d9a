/**
 * `sal train` killed with SIGKILL (a child process, a tiny dataset) at several points (mid-epoch, while a checkpoint is
 * being filled, between the checkpoint's two renames, after the last save) and continued with `--resume` ends with
 * the same bytes of weights and the same scores as an uninterrupted run, and leaves no temporary folder behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateCommand } from '../src/commands/simulate.js';

const RUNNER = fileURLToPath(new URL('./fixtures/run-command.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'sal-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Run a command in a child; `killWhen(stderrSoFar, pauseFileExists)` true → SIGKILL. Bounded by `timeoutMs`. */
function runChild(command: string, flags: object, env: Record<string, string> = {}, killWhen?: (stderr: string) => boolean, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [RUNNER, command, JSON.stringify(flags)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const pauseFile = env['SAL_TEST_PAUSE_FILE'];
    const check = (): void => {
      if (child.exitCode === null && child.signalCode === null && ((killWhen?.(stderr) ?? false) || (pauseFile !== undefined && existsSync(pauseFile))))
        child.kill('SIGKILL');
    };
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      check();
    });
    const poll = setInterval(check, 20);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} took over ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

const data = join(root, 'data');
const trainConfig = (out: string): string => {
  const file = join(root, `${out}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      data,
      out: join(root, out),
      variant: 'images',
      crop: [
        [8, 8],
        [8, 8],
      ],
      scale: 0.5,
      seed: 3,
      core: { hiddenChannels: 4, inputKern: 5 },
      train: { maxEpochs: 6, patience: 1, lrDecaySteps: 2, batchSize: 32 },
    }),
  );
  return file;
};
const train = (out: string, extra: object = {}, env: Record<string, string> = {}, killWhen?: (s: string) => boolean) =>
  runChild('train', { config: trainConfig(out), backend: 'wasm', quiet: false, ...extra }, env, killWhen);

/** What must be identical: the weights' bytes, the trainer state and the scores (wall times removed). */
function result(out: string): { weights: string; scores: unknown; state: unknown } {
  const dir = join(root, out);
  const noSeconds = (h: { seconds?: number }[]) => h.map(({ seconds: _s, ...r }) => r);
  const scores = JSON.parse(readFileSync(join(dir, 'scores.json'), 'utf8'));
  const trainer = JSON.parse(readFileSync(join(dir, 'trainer.json'), 'utf8'));
  return {
    weights: readFileSync(join(dir, 'weights.bin')).toString('base64') + readFileSync(join(dir, 'trainer.bin')).toString('base64'),
    scores: { ...scores, history: noSeconds(scores.history) },
    state: { ...trainer.state, history: noSeconds(trainer.state.history) },
  };
}

/** Temporary folders of `out`'s saves (`.<out>.tmp-*`, `.<out>.old-*`) still beside it. */
const leftovers = (out: string): string[] => readdirSync(root).filter((n) => n.startsWith(`.${out}.tmp-`) || n.startsWith(`.${out}.old-`));

let reference: ReturnType<typeof result>;

beforeAll(async () => {
  const sim = join(root, 'sim.json');
  writeFileSync(
    sim,
    JSON.stringify({ height: 48, width: 64, nTrainImages: 60, nTestImages: 4, testRepeats: 3, nSessions: 2, neuronsPerSession: 4, calibrationImages: 40 }),
  );
  await simulateCommand({ out: data, seed: '2', config: sim, quiet: true });
  const r = await train('reference');
  expect(r.code, r.stderr).toBe(0);
  reference = result('reference');
}, 60_000);

const checkpoints = (): number => (reference.state as { history: unknown[] }).history.length;

async function killedThenResumed(out: string, kills: { pause?: string; killWhen?: (s: string) => boolean }[]): Promise<void> {
  const pauseFile = join(root, `${out}.paused`);
  for (const [i, k] of kills.entries()) {
    rmSync(pauseFile, { force: true });
    const env: Record<string, string> = k.pause ? { SAL_TEST_PAUSE_AT: k.pause, SAL_TEST_PAUSE_FILE: pauseFile } : {};
    const killed = await train(out, i > 0 ? { resume: true } : {}, env, k.killWhen);
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    if (k.pause) expect(readFileSync(pauseFile, 'utf8')).toBe(k.pause);
  }
  const resumed = await train(out, { resume: true });
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.stderr).toMatch(/resuming from epoch \d+/);
  expect(result(out)).toEqual(reference);
  expect(leftovers(out)).toEqual([]);
}

describe('sal train, kill -9 and --resume (bit-identical to an uninterrupted run)', () => {
  it('killed mid-run (right after epoch 3 was logged: during its save or in epoch 4)', async () => {
    await killedThenResumed('ckpt-mid', [{ killWhen: (s) => s.includes('epoch   3') }]);
  });

  it("killed while the 3rd checkpoint is filled, then again between the renames of the resumed run's 3rd save; a finished run resumes to itself", async () => {
    await killedThenResumed('ckpt-twice', [{ pause: 'checkpoint-fill:3' }, { pause: 'between-renames:3' }]);
    const again = await train('ckpt-twice', { resume: true });
    expect(again.code, again.stderr).toBe(0);
    expect(result('ckpt-twice')).toEqual(reference);
    expect((result('ckpt-twice').scores as { finalScore: number }).finalScore).toBe((reference.scores as { finalScore: number }).finalScore);
  });

  it('killed between the renames of the last checkpoint (the one with scores.json)', async () => {
    await killedThenResumed('ckpt-last', [{ pause: `between-renames:${checkpoints()}` }]);
  });
});
