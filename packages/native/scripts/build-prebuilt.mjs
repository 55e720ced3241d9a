#!/usr/bin/env node
// Builds the binaries of the prebuilt package @sal/native-linux-x64-gnu (packages/native-linux-x64-gnu): the three
// add-ons (AVX-512, AVX2 + FMA, baseline x86-64; never -march=native), a copy of the compiler's OpenMP runtime
// (libgomp.so.1, found next to the add-ons through their rpath $ORIGIN when the system has none; GCC runtime
// library exception) and prebuilt.json (version, digest of csrc/, what was built and with what). Run by that
// package's prepack script, so a published tarball always holds binaries built from the sources published beside
// it; nothing is committed. Needs Linux x64 with glibc and a C++ compiler; fails loudly otherwise.
// Usage: node scripts/build-prebuilt.mjs [--out dir]
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addonFile, compileAddons, findToolchain, ISA_FLAGS, ISAS, sourceHash } from './compile.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outAt = process.argv.indexOf('--out');
const outDir = resolve(outAt >= 0 ? process.argv[outAt + 1] : join(root, '..', 'native-linux-x64-gnu'));
const fail = (m) => { console.error(`@sal/native prebuilt: ${m}`); process.exit(1); };

const glibc = process.report.getReport().header.glibcVersionRuntime;
if (process.platform !== 'linux' || process.arch !== 'x64' || !glibc) fail('the prebuilt package is for Linux x64 with glibc; build it on such a machine');
const toolchain = findToolchain();
if (!toolchain.cxx) fail(toolchain.reason);
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const t0 = Date.now();
try {
  await compileAddons({ root, outDir, toolchain, linkFlags: ['-Wl,-rpath,$ORIGIN'], log: (m) => console.log(`@sal/native prebuilt: ${m}`) });
} catch (e) {
  fail(`${toolchain.cxx} failed: ${String(e instanceof Error ? (e.stderr || e.message) : e).trim()}`);
}
const gomp = realpathSync(execFileSync(toolchain.cxx, ['-print-file-name=libgomp.so.1'], { encoding: 'utf8' }).trim());
copyFileSync(gomp, join(outDir, 'libgomp.so.1'));
const compiler = execFileSync(toolchain.cxx, ['--version'], { encoding: 'utf8' }).split('\n')[0];
const manifest = {
  version,
  sourceHash: sourceHash(root),
  isas: Object.fromEntries(ISAS.map((isa) => [isa, { file: addonFile(isa), flags: ISA_FLAGS[isa] }])),
  compiler,
  builtWithGlibc: glibc,
};
const tmp = join(outDir, `prebuilt.json.${process.pid}.tmp`);
writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
renameSync(tmp, join(outDir, 'prebuilt.json'));
console.log(`@sal/native prebuilt: ${outDir} ready for ${version} (${compiler}, glibc ${glibc}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
