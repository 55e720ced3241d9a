// Compiles the native kernels (csrc/*.cc) once per instruction set into `<outDir>/sal_native_<isa>.node`, with
// the machine's C++ compiler (CXX, else g++, else clang++) against the running Node's own headers
// (<prefix>/include/node): no download, no node-gyp. Each add-on is complete (binding + kernels) and built for a
// fixed instruction set, never for the building machine's CPU (-march=native): `src/addon.ts` picks the widest
// one the running CPU supports. One add-on per instruction set (not one add-on with three copies of the kernels)
// keeps the copies apart: inline and template functions (std::vector, std::min...) compiled with AVX-512 flags
// would otherwise be merged by the linker with the baseline copies and could run on a CPU without AVX-512.
// Shared by scripts/build-addon.mjs (build from source at install) and scripts/build-prebuilt.mjs.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

/** The instruction sets, widest first; `src/addon.ts` has the same list and the CPU checks that go with it. */
export const ISAS = ['avx512', 'avx2', 'baseline'];

/**
 * Target flags per instruction set. The run-time check in csrc/binding.cc (`cpu()`) tests exactly these features.
 * `baseline` is x86-64 itself (SSE2), which every x86-64 CPU has.
 */
export const ISA_FLAGS = {
  avx512: ['-march=x86-64', '-mavx512f', '-mavx512cd', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mavx2', '-mfma'],
  avx2: ['-march=x86-64', '-mavx2', '-mfma'],
  baseline: ['-march=x86-64'],
};

const COMMON = ['-O3', '-mtune=generic', '-fopenmp', '-ffp-contract=fast', '-std=c++17', '-fPIC', '-fvisibility=hidden',
  '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=sal_native'];

/** The add-on file of one instruction set. */
export const addonFile = (isa) => `sal_native_${isa}.node`;

/** The C++ sources and headers, sorted (what {@link sourceHash} covers). */
export function sourceFiles(root) {
  return readdirSync(join(root, 'csrc')).filter((f) => /\.(cc|h)$/.test(f)).sort();
}

/** sha256 over the names and contents of csrc's sources (the same digest as `sourceHash` in src/addon.ts). */
export function sourceHash(root) {
  const h = createHash('sha256');
  for (const f of sourceFiles(root)) h.update(`${f}\0`).update(readFileSync(join(root, 'csrc', f))).update('\0');
  return h.digest('hex');
}

/** The compiler and Node's headers, or why they are missing. */
export function findToolchain() {
  if (process.platform === 'win32') return { reason: 'Windows builds are not supported yet' };
  if (process.arch !== 'x64') return { reason: `only x86-64 is supported (this is ${process.arch})` };
  const headers = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node']
    .find((d) => existsSync(join(d, 'node_api.h')));
  if (!headers) return { reason: "Node's headers (include/node/node_api.h) were not found" };
  const candidates = [process.env.CXX, 'g++', 'clang++'].filter(Boolean);
  const cxx = candidates.find((c) => { try { execFileSync(c, ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } });
  if (!cxx) return { reason: `no C++ compiler (tried ${candidates.join(', ')})` };
  return { cxx, headers };
}

/** Run `tasks` (functions returning promises) at most `jobs` at a time. */
async function pool(tasks, jobs) {
  let next = 0;
  const worker = async () => { while (next < tasks.length) await tasks[next++](); };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
}

/**
 * Compile and link one add-on per instruction set into outDir (each written to a temporary name, then renamed).
 * Throws with the compiler's message on failure.
 * @param {{ root: string, outDir: string, isas?: string[], toolchain: { cxx: string, headers: string },
 *   linkFlags?: string[], jobs?: number, log?: (m: string) => void }} o
 * @returns {Promise<string[]>} the files written
 */
export async function compileAddons({ root, outDir, isas = ISAS, toolchain, linkFlags = [], jobs, log = () => {} }) {
  const run = promisify(execFile);
  const { cxx, headers } = toolchain;
  const sources = sourceFiles(root).filter((f) => f.endsWith('.cc'));
  const objDir = mkdtempSync(join(tmpdir(), 'sal-native-'));
  mkdirSync(outDir, { recursive: true });
  const written = [];
  try {
    const compiles = isas.flatMap((isa) => sources.map((src) => async () => {
      await run(cxx, [...COMMON, ...ISA_FLAGS[isa], `-DSAL_ISA_NAME="${isa}"`, `-I${headers}`, '-c', join(root, 'csrc', src),
        '-o', join(objDir, `${isa}-${src}.o`)], { maxBuffer: 1 << 24 });
    }));
    await pool(compiles, jobs ?? Math.max(1, Math.min(4, availableParallelism())));
    for (const isa of isas) {
      const out = join(outDir, addonFile(isa));
      const tmp = `${out}.${process.pid}.tmp`;
      const darwin = process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : [];
      try {
        await run(cxx, ['-shared', '-fopenmp', ...darwin, ...sources.map((s) => join(objDir, `${isa}-${s}.o`)), ...linkFlags, '-o', tmp]);
        renameSync(tmp, out);
      } finally {
        rmSync(tmp, { force: true });
      }
      written.push(out);
      log(`built ${out}`);
    }
  } finally {
    rmSync(objDir, { recursive: true, force: true });
  }
  return written;
}
