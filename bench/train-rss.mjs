#!/usr/bin/env node
// Peak resident memory (RSS) of `sal train` on a simulated dataset written by `sal simulate`: the default size (the
// demo's, 96×160) and the original's (236×420, 2050 images, about 1 GB on disk). Each run is a child process
// (`node --import bench/lib/maxrss.mjs`) that reports its own getrusage peak at exit. Prints a markdown table.
// Build first (`npm run build`). Usage: node bench/train-rss.mjs [--sizes default,original] [--epochs 1] [--keep DIR]
// (--keep reuses/keeps the simulated datasets in DIR; without it they are written to a temp folder and deleted).
// `sal train` runs with SAL_NATIVE_THREADS=1, as each worker of `sal demo` does on its core, and its training
// throughput (the trainer's own count of images over the training batches' time, evaluation excluded; median over
// epochs) is reported as images/s per core.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const sal = join(here, '..', 'packages', 'cli', 'bin', 'sal.mjs');
const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'default,original' },
    epochs: { type: 'string', default: '1' },
    keep: { type: 'string' },
    baseline: { type: 'string' }, // accepted for bench/run.mjs; the reference has no such figure
  },
});

/** The datasets: simulation overrides (none: `sal simulate`'s defaults) and a crop that fits their images. */
const SIZES = {
  default: {
    sim: null,
    crop: [
      [24, 8],
      [48, 48],
    ],
    label: '96×160, 860 images (sal simulate default)',
  },
  original: {
    sim: { height: 236, width: 420, nTrainImages: 2000, nTestImages: 50, nSessions: 4, neuronsPerSession: 25 },
    crop: [
      [24, 8],
      [96, 96],
    ],
    label: "236×420, 2050 images (the original's size)",
  },
};

const root = args.keep ?? mkdtempSync(join(tmpdir(), 'sal-train-rss-'));
mkdirSync(root, { recursive: true });

function duBytes(dir) {
  let sum = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    sum += e.isDirectory() ? duBytes(p) : statSync(p).size;
  }
  return sum;
}

function run(argv, what, env = {}) {
  const rssFile = join(root, `maxrss-${process.pid}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(here, 'lib', 'maxrss.mjs')).href, sal, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    env: { ...process.env, ...env, SAL_BENCH_MAXRSS_FILE: rssFile },
  });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    console.error(`${what} exited with ${r.status}`);
    process.exit(1);
  }
  const rss = Number(readFileSync(rssFile, 'utf8'));
  rmSync(rssFile);
  // the epoch progress lines of `sal train`: "epoch N: done in X s (R images/s)"
  const rates = [...`${r.stdout}${r.stderr}`.matchAll(/epoch \d+: done in [\d.]+ s \(([\d.]+) images\/s\)/g)].map((m) => Number(m[1]));
  return { rss, seconds: (Date.now() - t0) / 1000, rates };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const rows = [];
for (const name of args.sizes.split(',')) {
  const size = SIZES[name];
  if (!size) {
    console.error(`--sizes: expected names of ${Object.keys(SIZES).join(', ')}, got ${name}`);
    process.exit(2);
  }
  const data = join(root, `data-${name}`);
  let simulated = null;
  if (!existsSync(join(data, 'meta.json'))) {
    const simArgs = ['simulate', '--out', data, '--quiet'];
    if (size.sim) {
      writeFileSync(join(root, `sim-${name}.json`), JSON.stringify(size.sim));
      simArgs.push('--config', join(root, `sim-${name}.json`));
    }
    simulated = run(simArgs, 'sal simulate');
  }
  const out = join(root, `ckpt-${name}`);
  rmSync(out, { recursive: true, force: true });
  const cfg = join(root, `train-${name}.json`);
  writeFileSync(
    cfg,
    JSON.stringify({
      data,
      out,
      variant: 'shifter-saliency',
      crop: size.crop,
      scale: 0.5,
      train: { maxEpochs: Number(args.epochs), patience: 1 },
    }),
  );
  const trained = run(['train', '--config', cfg], 'sal train', { SAL_NATIVE_THREADS: '1' });
  const perCore = trained.rates.length ? median(trained.rates) : null;
  rows.push({ name, label: size.label, bytes: duBytes(data), simulated, trained, perCore });
  console.log(
    `${name}: sal train peak RSS ${(trained.rss / 1e6).toFixed(0)} MB in ${trained.seconds.toFixed(1)} s, ${perCore === null ? 'n/a' : perCore.toFixed(1)} images/s per core`,
  );
}

const mb = (b) => `${(b / 1e6).toFixed(0)} MB`;
console.log(`\nsal train, variant shifter-saliency, scale 0.5, ${args.epochs} epoch(s) (node ${process.version})\n`);
console.log('| dataset | on disk | sal simulate: peak RSS, time | sal train: peak RSS | sal train: time (1 thread) | training images/s per core |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  const sim = r.simulated ? `${mb(r.simulated.rss)}, ${r.simulated.seconds.toFixed(1)} s` : '(reused)';
  const rate = r.perCore === null ? 'n/a' : r.perCore.toFixed(1);
  console.log(`| ${r.label} | ${mb(r.bytes)} | ${sim} | ${mb(r.trained.rss)} | ${r.trained.seconds.toFixed(1)} s | ${rate} |`);
}
if (!args.keep) rmSync(root, { recursive: true, force: true });
