/**
 * The built `sal` executable as a user runs it: built with its run bit, `--version`, a mistyped flag reported as
 * unknown (not as a missing required option), and a missing checkpoint reported as a typed error naming the option.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(pkgDir, 'dist', 'bin.js');
/** What npm links as `sal` (package.json `bin`): a committed stub that loads dist/bin.js. */
const stub = join(pkgDir, 'bin', 'sal.mjs');
const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;

/** Runs the executable itself (not `node bin.js`), as npm's bin link does. */
function sal(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(stub, args, { encoding: 'utf8', env: { ...process.env, SAL_DEBUG: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // the package's own build script (what `npm run build`, turbo and prepack run)
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: pkgDir, stdio: 'inherit' });
}, 180_000);

describe('the sal executable', () => {
  it('is executable after the build', () => {
    expect(() => accessSync(bin, constants.X_OK)).not.toThrow();
    expect(() => accessSync(stub, constants.X_OK)).not.toThrow();
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('prints its version', () => {
    for (const flag of ['--version', '-V']) {
      const r = sal(flag);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  });

  it('reports a mistyped flag as unknown, not as a missing required option', () => {
    const r = sal('train', '--confg', 'train.json');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown option '--confg'/);
    expect(r.stderr).toMatch(/Did you mean --config\?/);
    expect(r.stderr).not.toMatch(/required option/);
  });

  it('still reports a missing required option', () => {
    const r = sal('train');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/required option '--config <file>' not specified/);
    const g = sal('grf', '--checkpoint', 'ckpt');
    expect(g.status).toBe(1);
    expect(g.stderr).toMatch(/required option '-o, --out <file.npy>' not specified/);
  });

  it('reports a missing checkpoint as a typed error naming --checkpoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sal-bin-'));
    try {
      const missing = join(dir, 'no-such-ckpt');
      const r = sal('grf', '--checkpoint', missing, '--out', join(dir, 'grf.npy'));
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        `sal: SalConfigError: sal grf: option '--checkpoint' expected a checkpoint directory written by sal train (with dataset.json); no such directory, got "${missing}"\n`,
      );
      const notCkpt = sal('grf', '--checkpoint', dir, '--out', join(dir, 'grf.npy'));
      expect(notCkpt.stderr).toMatch(
        /^sal: SalConfigError: sal grf: option '--checkpoint' expected a checkpoint directory written by sal train \(with dataset\.json\), got/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
