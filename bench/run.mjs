#!/usr/bin/env node
// Runs every benchmark in bench/ (or those named) one after another and prints their tables.
// Benchmarks import the built packages: `npm run bench` builds first.
// With --reference SCRIPT, the PyTorch / scikit-learn reference (shared/reference/baseline_torch.py) runs first, in
// the same session, and every benchmark gets `--baseline <its JSON>` so the tables print ratios side by side.
// Each benchmark runs in its own process and its peak resident memory (getrusage's maxRSS, bench/lib/maxrss.mjs) is
// printed after its table and in a summary at the end.
// With --rounds N (and --reference) the reference and the benchmarks run N times in turn (reference, benchmarks,
// reference, benchmarks, …), each round against its own reference, and a summary prints every ratio per round and
// their median: this VM's speed swings between minutes, so one round's ratios can mislead.
// Usage: node bench/run.mjs [name ...] [--reference path/to/baseline_torch.py] [--rounds N] [-- args passed to each benchmark]
import { readdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
let names = sep >= 0 ? argv.slice(0, sep) : argv;
const passed = sep >= 0 ? argv.slice(sep + 1) : [];
let rounds = 1;
const roundsAt = names.indexOf('--rounds');
if (roundsAt >= 0) {
  rounds = Number(names[roundsAt + 1]);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) {
    console.error(`--rounds: expected an integer in [1, 20], got ${names[roundsAt + 1]}`);
    process.exit(2);
  }
  names = names.filter((_, i) => i !== roundsAt && i !== roundsAt + 1);
}
const refAt = names.indexOf('--reference');
let script = null;
if (refAt >= 0) {
  script = names[refAt + 1];
  if (!script) {
    console.error('--reference: expected the path of baseline_torch.py');
    process.exit(2);
  }
  names = names.filter((_, i) => i !== refAt && i !== refAt + 1);
}

/** Runs the reference (and workload G's twin) into a fresh JSON; returns its path. Exits on failure. */
function runReference() {
  const out = join(mkdtempSync(join(tmpdir(), 'sal-bench-')), 'baseline.json');
  const python = process.env.PYTHON ?? '/usr/bin/python3';
  console.log(`## reference: ${python} ${script} --no-variants --out ${out}`);
  const t0 = Date.now();
  const r = spawnSync(python, [script, '--no-variants', '--out', out], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`the reference exited with ${r.status} (install: apt-get install -y python3-torch python3-sklearn)`);
    process.exit(1);
  }
  console.log(`(reference took ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  // the PyTorch twin of workload G (bench/workload_g_torch.py) adds its figures to the same JSON
  const twin = spawnSync(python, [join(here, 'workload_g_torch.py'), '--out', out, '--merge-into'], { stdio: 'inherit' });
  if (twin.status !== 0) {
    console.error(`the workload G twin exited with ${twin.status}`);
    process.exit(1);
  }
  // OpenBLAS picks its kernels from the CPU model; under some hypervisors it sees a generic model and falls back to
  // its oldest SSE3 kernels ("Prescott"), halving scikit-learn's float64 speed. Say which it used, so ratios are honest.
  try {
    const env = JSON.parse(readFileSync(out, 'utf8')).env ?? {};
    const blas = (env.blas_threadpools ?? []).filter((p) => p.internal_api === 'openblas');
    for (const p of blas) {
      console.log(`reference OpenBLAS ${p.version}: ${p.architecture} kernels, ${p.num_threads} threads`);
      if (/prescott|core2|atom|generic/i.test(String(p.architecture)) && env.cpu_has_avx512f) {
        console.log('  warning: generic kernels on an AVX-512 machine; scikit-learn is slower than it should be. For a fair');
        console.log('  comparison rerun with OPENBLAS_CORETYPE=SkylakeX (or Haswell) in the environment.');
      }
    }
  } catch {
    /* the JSON is read again by each benchmark, which reports its own errors */
  }
  return out;
}

/** The ratio column of a benchmark's markdown table rows: `row label → ratio` (a trailing `1.23×`, or `(1.23×)`). */
function ratiosOf(text) {
  const found = new Map();
  for (const line of text.split('\n')) {
    const cells = line
      .trim()
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells.length < 3) continue;
    const m = /^\(?(\d+(?:\.\d+)?)×(?: the time)?\)?$/.exec(cells[cells.length - 1]);
    if (m) found.set(cells[0], Number(m[1]));
  }
  return found;
}

const all = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs')
  .sort();
const chosen = names.length ? all.filter((f) => names.some((n) => f.startsWith(n))) : all;
let failed = 0;
const rssDir = mkdtempSync(join(tmpdir(), 'sal-bench-rss-'));
const peaks = new Map();
/** Per `benchmark: row`, the ratio of each round. */
const ratios = new Map();
for (let round = 1; round <= rounds; round++) {
  if (rounds > 1) console.log(`\n# round ${round} of ${rounds}`);
  const args = script ? [...passed, '--baseline', runReference()] : passed;
  for (const f of chosen) {
    console.log(`\n## ${f}`);
    const rssFile = join(rssDir, f);
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(here, 'lib', 'maxrss.mjs')).href, join(here, f), ...args], {
      stdio: ['inherit', 'pipe', 'inherit'],
      env: { ...process.env, SAL_BENCH_MAXRSS_FILE: rssFile },
      maxBuffer: 64 * 2 ** 20,
    });
    const text = r.stdout?.toString() ?? '';
    process.stdout.write(text);
    for (const [row, ratio] of ratiosOf(text)) {
      const key = `${f}: ${row}`;
      if (!ratios.has(key)) ratios.set(key, []);
      ratios.get(key)[round - 1] = ratio;
    }
    let peak = null;
    try {
      peak = Number(readFileSync(rssFile, 'utf8')) / 2 ** 20;
    } catch {
      /* the child died before its exit handler ran */
    }
    if (peak !== null) {
      peaks.set(f, Math.max(peaks.get(f) ?? 0, peak));
      console.log(`\npeak RSS of ${f}: ${peak.toFixed(0)} MiB`);
    } else if (!peaks.has(f)) peaks.set(f, null);
    if (r.status !== 0) {
      failed++;
      console.log(`(${f} exited with ${r.status})`);
    }
  }
}
rmSync(rssDir, { recursive: true, force: true });
if (rounds > 1 && ratios.size > 0) {
  const median = (xs) => {
    const v = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
    const m = v.length >> 1;
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  };
  console.log(`\n## ratios per round (each round against its own reference run)\n`);
  console.log(`| benchmark: row | ${Array.from({ length: rounds }, (_, i) => `round ${i + 1}`).join(' | ')} | median |`);
  console.log(`|---|${'---|'.repeat(rounds + 1)}`);
  for (const [key, rs] of ratios) {
    const cells = Array.from({ length: rounds }, (_, i) => (rs[i] === undefined ? '–' : `${rs[i].toFixed(2)}×`));
    console.log(`| ${key} | ${cells.join(' | ')} | ${median(rs).toFixed(2)}× |`);
  }
}
console.log(`\n## peak resident memory per benchmark process (getrusage maxRSS${rounds > 1 ? ', the largest over the rounds' : ''})\n`);
console.log('| benchmark | peak RSS |');
console.log('|---|---|');
for (const [f, peak] of peaks) console.log(`| ${f} | ${peak === null ? 'n/a' : `${peak.toFixed(0)} MiB`} |`);
process.exit(failed ? 1 : 0);
