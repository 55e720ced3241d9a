#!/usr/bin/env node
// Builds the optional native kernels from source into build/sal_native_<isa>.node, one add-on per instruction set
// (AVX-512, AVX2 + FMA, baseline x86-64), with the machine's C++ compiler and OpenMP (see scripts/compile.mjs).
// The install script of @sal/native, and the fallback: when the prebuilt package for this platform
// (@sal/native-linux-x64-gnu) is installed and matches this version, there is nothing to build.
// Never fails the install: without a compiler or headers it prints why and exits 0; @sal/native then reports
// itself unavailable and the wasm kernels run instead. `--strict` makes a failed build exit 1; `--force` builds
// even when a prebuilt package is there.
// Usage: node scripts/build-addon.mjs [--strict] [--quiet] [--force]
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileAddons, findToolchain, sourceHash } from './compile.mjs';

const strict = process.argv.includes('--strict');
const quiet = process.argv.includes('--quiet');
const force = process.argv.includes('--force');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'build');
const log = (m) => { if (!quiet) console.log(`@sal/native: ${m}`); };

function giveUp(why) {
  const msg = `native kernels not built (${why}); the wasm kernels will be used`;
  if (strict) { console.error(`@sal/native: ${msg}`); process.exit(1); }
  log(msg);
  process.exit(0);
}

/** The prebuilt package's directory when it is installed and was built from these sources, else null. */
function matchingPrebuilt() {
  if (process.platform !== 'linux' || process.arch !== 'x64') return null;
  try {
    const pkg = createRequire(join(root, 'package.json')).resolve('@sal/native-linux-x64-gnu/package.json');
    const manifest = JSON.parse(readFileSync(join(dirname(pkg), 'prebuilt.json'), 'utf8'));
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    return manifest.version === version && manifest.sourceHash === sourceHash(root) ? dirname(pkg) : null;
  } catch {
    return null;
  }
}

if (process.env.SAL_NATIVE_SKIP_BUILD === '1') giveUp('SAL_NATIVE_SKIP_BUILD=1');
const prebuilt = force ? null : matchingPrebuilt();
if (prebuilt) {
  log(`prebuilt add-ons found in ${prebuilt}; nothing to build (--force builds anyway)`);
  process.exit(0);
}
const toolchain = findToolchain();
if (!toolchain.cxx) giveUp(toolchain.reason);
rmSync(join(outDir, 'sal_native.node'), { force: true }); // the single -march=native add-on of earlier versions
const t0 = Date.now();
try {
  await compileAddons({ root, outDir, toolchain, log });
  log(`built with ${toolchain.cxx} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  const lines = String(e instanceof Error ? (e.stderr || e.message) : e).trim().split('\n');
  giveUp(`${toolchain.cxx} failed: ${lines.find((l) => /error/i.test(l)) ?? lines[0]}`);
}
