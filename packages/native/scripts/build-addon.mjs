#!/usr/bin/env node
// Compiles the optional native kernels (csrc/*.cc) into build/sal_native.node with the machine's C++ compiler
// (CXX, else g++, else clang++) against the running Node's own headers (<prefix>/include/node): no download,
// no node-gyp. Built for this machine's CPU (-march=native) with OpenMP threads.
// Never fails the install: without a compiler or headers it prints why and exits 0; @sal/native then reports
// itself unavailable and the wasm kernels run instead. `--strict` makes a failed build exit 1.
// Usage: node scripts/build-addon.mjs [--strict] [--quiet]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const strict = process.argv.includes('--strict');
const quiet = process.argv.includes('--quiet');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'sal_native.node');
const log = (m) => { if (!quiet) console.log(`@sal/native: ${m}`); };

function giveUp(why) {
  const msg = `native kernels not built (${why}); the wasm kernels will be used`;
  if (strict) { console.error(`@sal/native: ${msg}`); process.exit(1); }
  log(msg);
  process.exit(0);
}

if (process.env.SAL_NATIVE_SKIP_BUILD === '1') giveUp('SAL_NATIVE_SKIP_BUILD=1');
if (process.platform === 'win32') giveUp('Windows builds are not supported yet');
const headers = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node']
  .find((d) => existsSync(join(d, 'node_api.h')));
if (!headers) giveUp("Node's headers (include/node/node_api.h) were not found");
const candidates = [process.env.CXX, 'g++', 'clang++'].filter(Boolean);
const cxx = candidates.find((c) => { try { execFileSync(c, ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } });
if (!cxx) giveUp(`no C++ compiler (tried ${candidates.join(', ')})`);

const sources = ['csrc/binding.cc', 'csrc/kernels.cc', 'csrc/symeig.cc'].map((s) => join(root, s));
const tmp = `${out}.${process.pid}.tmp`;
const flags = ['-O3', '-march=native', '-fopenmp', '-ffp-contract=fast', '-std=c++17', '-fPIC', '-shared', '-fvisibility=hidden',
  '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=sal_native', `-I${headers}`];
if (process.platform === 'darwin') flags.push('-undefined', 'dynamic_lookup');
mkdirSync(dirname(out), { recursive: true });
try {
  const t0 = Date.now();
  execFileSync(cxx, [...flags, ...sources, '-o', tmp], { stdio: quiet ? 'ignore' : ['ignore', 'inherit', 'inherit'] });
  renameSync(tmp, out);
  log(`built ${out} with ${cxx} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  rmSync(tmp, { force: true });
  giveUp(`${cxx} failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
}
