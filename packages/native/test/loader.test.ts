import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPrebuilt, chooseIsa, sourceHash, type NativeIsa } from '../src/addon.js';
import { loadNative, nativeStatus, NATIVE_ISAS, PREBUILT_PACKAGE } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const disabled = process.env['SAL_NATIVE'] === '0';
const forced = process.env['SAL_NATIVE_ISA'];
const all = new Set<NativeIsa>(NATIVE_ISAS);

describe('chooseIsa', () => {
  const avx512 = { avx512: true, avx2: true },
    avx2 = { avx512: false, avx2: true },
    old = { avx512: false, avx2: false };
  it('takes the widest instruction set the CPU supports', () => {
    expect(chooseIsa(avx512, all)).toEqual({ isa: 'avx512', reason: 'the widest instruction set this CPU supports' });
    expect(chooseIsa(avx2, all).isa).toBe('avx2');
    expect(chooseIsa(old, all).isa).toBe('baseline');
    expect(chooseIsa(avx512, all, '').isa).toBe('avx512');
  });
  it('skips a missing add-on and says so', () => {
    const got = chooseIsa(avx512, new Set<NativeIsa>(['avx2', 'baseline']));
    expect(got.isa).toBe('avx2');
    expect(got.reason).toMatch(/sal_native_avx512\.node missing/);
  });
  it('honours SAL_NATIVE_ISA when the CPU supports it', () => {
    expect(chooseIsa(avx512, all, 'avx2')).toEqual({ isa: 'avx2', reason: 'forced by SAL_NATIVE_ISA=avx2' });
    expect(chooseIsa(avx512, all, 'baseline').isa).toBe('baseline');
    expect(chooseIsa(avx2, all, 'baseline').isa).toBe('baseline');
  });
  it('never loads an add-on the CPU cannot run, even when forced', () => {
    const got = chooseIsa(avx2, all, 'avx512');
    expect(got.isa).toBe('avx2');
    expect(got.reason).toMatch(/SAL_NATIVE_ISA=avx512 asked for, but this CPU does not support avx512; using avx2/);
    expect(chooseIsa(old, all, 'avx2').isa).toBe('baseline');
    expect(chooseIsa(avx512, new Set<NativeIsa>(['avx2', 'baseline']), 'avx512').reason).toMatch(/sal_native_avx512\.node is missing; using avx2/);
  });
  it('refuses an unknown SAL_NATIVE_ISA', () => {
    expect(chooseIsa(avx512, all, 'sse4')).toEqual({ isa: null, reason: 'SAL_NATIVE_ISA=sse4 is not one of avx512, avx2, baseline' });
  });
});

describe('checkPrebuilt', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const fake = (manifest: object | null, files: string[]) => {
    const d = mkdtempSync(join(tmpdir(), 'sal-prebuilt-'));
    dirs.push(d);
    if (manifest) writeFileSync(join(d, 'prebuilt.json'), JSON.stringify(manifest));
    for (const f of files) writeFileSync(join(d, f), '');
    return d;
  };
  const expected = { version: '1.2.3', sourceHash: 'abc' };
  it('accepts a package built for this version from these sources', () => {
    expect(checkPrebuilt(fake({ version: '1.2.3', sourceHash: 'abc' }, ['sal_native_baseline.node']), expected)).toBe('');
    // published without sources to compare: the version decides
    expect(checkPrebuilt(fake({ version: '1.2.3', sourceHash: 'x' }, ['sal_native_baseline.node']), { version: '1.2.3', sourceHash: null })).toBe('');
  });
  it('says why it refuses one', () => {
    expect(checkPrebuilt(fake(null, []), expected)).toMatch(/prebuilt\.json is missing or unreadable/);
    expect(checkPrebuilt(fake({ version: '1.2.2', sourceHash: 'abc' }, ['sal_native_baseline.node']), expected)).toBe(
      "its version 1.2.2 is not @sal/native's 1.2.3",
    );
    expect(checkPrebuilt(fake({ version: '1.2.3', sourceHash: 'abd' }, ['sal_native_baseline.node']), expected)).toBe(
      'it was built from other C++ sources than these',
    );
    expect(checkPrebuilt(fake({ version: '1.2.3', sourceHash: 'abc' }, ['sal_native_avx2.node']), expected)).toBe('sal_native_baseline.node is missing');
  });
  it('digests the sources by name and content', () => {
    const a = fake(null, []),
      b = fake(null, []);
    for (const d of [a, b]) mkdirSync(join(d, 'csrc'));
    writeFileSync(join(a, 'csrc', 'k.cc'), 'int x;');
    writeFileSync(join(b, 'csrc', 'k.cc'), 'int x;');
    expect(sourceHash(a)).toBe(sourceHash(b));
    writeFileSync(join(b, 'csrc', 'k.h'), '');
    expect(sourceHash(a)).not.toBe(sourceHash(b));
    writeFileSync(join(b, 'csrc', 'notes.txt'), 'not a source');
    rmSync(join(b, 'csrc', 'k.h'));
    expect(sourceHash(a)).toBe(sourceHash(b));
  });
});

/** The widest instruction set this CPU supports, from /proc/cpuinfo (independent of the add-on's own check). */
function cpuinfoIsa(): NativeIsa | null {
  if (!existsSync('/proc/cpuinfo')) return null;
  const flags = new Set((readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/));
  if (['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl', 'avx2', 'fma'].every((f) => flags.has(f))) return 'avx512';
  return flags.has('avx2') && flags.has('fma') ? 'avx2' : 'baseline';
}

describe.skipIf(disabled)('the loaded add-on', () => {
  it('is the one the CPU (or SAL_NATIVE_ISA) calls for, and says why', () => {
    const s = nativeStatus();
    expect(s.available).toBe(true);
    const widest = cpuinfoIsa();
    const order = (isa: string) => NATIVE_ISAS.indexOf(isa as NativeIsa);
    const want = forced && widest && order(forced) < order(widest) ? widest : (forced ?? widest);
    if (want) expect(s.isa).toBe(want);
    expect(s.isaReason).toEqual(
      forced && s.isa === forced
        ? `forced by SAL_NATIVE_ISA=${forced}`
        : forced
          ? expect.stringContaining(`SAL_NATIVE_ISA=${forced} asked for`)
          : 'the widest instruction set this CPU supports',
    );
    // the binary's own compiled-in vector width and instruction set, not the loader's bookkeeping
    const info = loadNative()!.info();
    expect(info.isa).toBe(s.isa);
    expect(s.simd).toBe({ avx512: 'avx512', avx2: 'avx2', baseline: 'sse' }[s.isa!]);
    expect(s.path).toMatch(new RegExp(`sal_native_${s.isa}\\.node$`));
    expect(['prebuilt', 'source']).toContain(s.source);
    if (s.source === 'source') expect(s.prebuiltSkipped).not.toBe('');
  });
});

// As after `npm install --ignore-scripts` (pnpm's default, npm's strict allow-lists) of the published packages:
// @sal/native without build/, beside the prebuilt package built by its real prepack script.
describe.skipIf(disabled || forced !== undefined || process.platform !== 'linux' || process.arch !== 'x64')('the prebuilt package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sal-native-prebuilt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const nm = join(dir, 'node_modules', '@sal');
  const run = (code: string, env: Record<string, string> = {}) =>
    JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: dir, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', ...env } }),
    ) as Record<string, unknown>;
  const status = "import { nativeStatus } from '@sal/native'; console.log(JSON.stringify(nativeStatus()));";

  it('is built by its prepack script and loaded without a build from source', () => {
    expect(existsSync(join(root, 'dist', 'index.js')), '@sal/native is built (npm run build) before this test').toBe(true);
    const own = join(nm, 'native'),
      pre = join(nm, 'native-linux-x64-gnu');
    mkdirSync(own, { recursive: true });
    for (const f of ['package.json', 'dist', 'csrc']) cpSync(join(root, f), join(own, f), { recursive: true });
    symlinkSync(join(root, '..', 'types'), join(nm, 'types'));
    mkdirSync(join(dir, 'node_modules', '@tensorflow'));
    symlinkSync(join(root, '..', '..', 'node_modules', '@tensorflow', 'tfjs-core'), join(dir, 'node_modules', '@tensorflow', 'tfjs-core'));
    mkdirSync(pre);
    cpSync(join(root, '..', 'native-linux-x64-gnu', 'package.json'), join(pre, 'package.json'));
    execFileSync(process.execPath, [join(root, 'scripts', 'build-prebuilt.mjs'), '--out', pre], { stdio: 'ignore' });
    const s = run(status);
    expect(s).toMatchObject({ available: true, source: 'prebuilt', prebuiltSkipped: '', isa: cpuinfoIsa() ?? expect.any(String) });
    expect(s['path']).toBe(join(pre, `sal_native_${String(s['isa'])}.node`));
    // and computes: [[1,2],[3,4]] · [[5,6],[7,8]] = [[19,22],[43,50]]
    const c = run(
      `import { loadNative } from '@sal/native';
      const buf = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0]).buffer;
      loadNative().batchMatMul(buf, 0, 16, 32, 1, 2, 2, 2, 0, 0, 0, 0);
      console.log(JSON.stringify({ c: [...new Float32Array(buf, 32)] }));`,
      { SAL_NATIVE_ISA: 'baseline' },
    );
    expect(c['c']).toEqual([19, 22, 43, 50]);
  }, 240_000);

  it('is not used for another version, and the reason is given', () => {
    const manifest = join(nm, 'native-linux-x64-gnu', 'prebuilt.json');
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    writeFileSync(manifest, JSON.stringify({ ...m, version: '0.0.0-other' }));
    const s = run(status);
    expect(s['available']).toBe(false);
    expect(s['reason']).toMatch(new RegExp(`${PREBUILT_PACKAGE} not used: its version 0\\.0\\.0-other is not @sal/native's .*none was built from source`));
  });
});
