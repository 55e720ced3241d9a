#!/usr/bin/env node
// PCA and kernel PCA timings on the active backend (random data from a fixed seed). Prints a markdown
// table of medians: PCA 500 × 4096 with all components; kernel PCA rbf 2000 × 4096, 50 components, with
// the inverse map (scikit-learn reference figures: 0.25 s and 1.39–1.48 s, shared/reference/baseline.md).
// Build first: `npx tsc -p tsconfig.build.json` in packages/types, packages/backend and packages/kpca.
// With --split it also times the stages of the kernel PCA fit separately (kernel matrix, centring,
// eigensolver, the pre-image ridge solve), each through the package's public functions.
// Usage: node bench/kpca.mjs [--backend wasm|cpu|auto] [--reps N] [--quick] [--split]
import { initBackend, describeBackend } from '@sal/backend';
import { createRng } from '@sal/types';
import { fitPca, fitKernelPca, kernelMatrix, resolveKernel, fitKernelCentering, centerKernel, topEigen, solveSpd } from '@sal/kpca';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    reps: { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    baseline: { type: 'string' },
    split: { type: 'boolean', default: false },
  },
});
// reference medians from baseline_torch.py's JSON (same machine, same run), when given
let ref = { pca: null, kpca: null };
if (args.baseline) {
  const j = JSON.parse(readFileSync(args.baseline, 'utf8'));
  const r = j.results?.sklearn ?? j.results ?? j;
  ref = { pca: r.pca_500x4096?.['full_PCA()_fit_seconds']?.median ?? null, kpca: r.kernel_pca_rbf_2000x4096?.fit_seconds?.median ?? null };
}
const info = await initBackend({ prefer: args.backend });
const reps = args.quick ? 1 : Number(args.reps);

function randomMatrix(rows, cols, seed) {
  const rng = createRng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { rows, cols, data };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function time(fn) {
  fn(); // warm-up
  const t = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push((performance.now() - t0) / 1000);
  }
  return { median: median(t), min: Math.min(...t), max: Math.max(...t) };
}

const rows = [];
if (!args.only || args.only === 'pca') {
  const x = randomMatrix(500, 4096, 1);
  let k = 0;
  const r = time(() => {
    const m = fitPca(x);
    k = m.nComponents;
    m.dispose();
  });
  rows.push([`PCA 500 × 4096, all components (${k})`, r, ref.pca ?? 0.25, ref.pca !== null]);
}
if (!args.only || args.only === 'kpca') {
  const x = randomMatrix(2000, 4096, 2);
  const r = time(() => {
    const m = fitKernelPca(x, { kernel: 'rbf', nComponents: 50, fitInverseTransform: true, seed: 0 });
    m.dispose();
  });
  rows.push(['kernel PCA rbf 2000 × 4096, 50 components, inverse map (fit)', r, ref.kpca ?? 1.44, ref.kpca !== null]);
}

let split = null;
if (args.split && (!args.only || args.only === 'kpca')) {
  // the stages of fitKernelPca(x, { kernel: 'rbf', nComponents: 50, fitInverseTransform: true }), medians
  const x = randomMatrix(2000, 4096, 2);
  const spec = resolveKernel('bench', 'rbf', {}, x.cols);
  let K, Kc, eig, Kz;
  const stage = {
    'kernel matrix (2000 × 2000 rbf)': time(() => {
      K = kernelMatrix(x, null, spec);
    }),
    centring: time(() => {
      Kc = centerKernel(K, fitKernelCentering(K));
    }),
    'eigensolver (top 50)': time(() => {
      eig = topEigen(Kc, 50, { seed: 0 });
    }),
  };
  const n = x.rows,
    k = 50;
  const z = { rows: n, cols: k, data: new Float64Array(n * k) };
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) z.data[i * k + j] = eig.vectors.data[i * k + j] * Math.sqrt(Math.max(eig.values[j], 0));
  stage['kernel of the scores (2000 × 2000)'] = time(() => {
    Kz = kernelMatrix(z, null, spec);
    for (let i = 0; i < n; i++) Kz.data[i * n + i] += 1;
  });
  stage['pre-image ridge solve (2000 × 2000, 4096 right-hand sides)'] = time(() => solveSpd(Kz, x));
  split = {
    stage,
    eig: { algorithm: eig.algorithm, products: eig.products, blocks: eig.productColumns / 60, rounds: eig.iterations, converged: eig.converged },
  };
}

console.log(`backend: ${describeBackend(info)}; ${reps} repetition(s) after one warm-up\n`);
console.log('| task | sal median | min–max | scikit-learn | time ratio (sal / sklearn) |');
console.log('|---|---|---|---|---|');
for (const [name, r, refS, measured] of rows) {
  console.log(
    `| ${name} | ${r.median.toFixed(3)} s | ${r.min.toFixed(3)}–${r.max.toFixed(3)} s | ${refS.toFixed(3)} s${measured ? '' : ' (baseline.md)'} | ${(r.median / refS).toFixed(2)}× |`,
  );
}
if (split) {
  console.log(
    `\nKernel PCA fit, stage by stage (eigensolver: ${split.eig.algorithm}, ${split.eig.rounds} rounds, ${split.eig.products} products with A, ${split.eig.blocks.toFixed(1)} blocks of 60 columns' worth, converged ${split.eig.converged})\n`,
  );
  console.log('| stage | median | min–max |');
  console.log('|---|---|---|');
  for (const [name, r] of Object.entries(split.stage)) console.log(`| ${name} | ${r.median.toFixed(3)} s | ${r.min.toFixed(3)}–${r.max.toFixed(3)} s |`);
}
