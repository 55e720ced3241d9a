#!/usr/bin/env node
// PCA and kernel PCA timings on the active backend (random data from a fixed seed). Prints a markdown
// table of medians: PCA 500 × 4096 with all components; kernel PCA rbf 2000 × 4096, 50 components, with
// the inverse map (scikit-learn reference figures: 0.25 s and 1.39–1.48 s, shared/reference/baseline.md).
// Build first: `npx tsc -p tsconfig.build.json` in packages/types, packages/backend and packages/kpca.
// Usage: node bench/kpca.mjs [--backend wasm|cpu|auto] [--reps N] [--quick]
import { initBackend, describeBackend } from '@sal/backend';
import { createRng } from '@sal/types';
import { fitPca, fitKernelPca } from '@sal/kpca';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    reps: { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
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
  const r = time(() => { const m = fitPca(x); k = m.nComponents; m.dispose(); });
  rows.push([`PCA 500 × 4096, all components (${k})`, r, '0.25 s']);
}
if (!args.only || args.only === 'kpca') {
  const x = randomMatrix(2000, 4096, 2);
  const r = time(() => { const m = fitKernelPca(x, { kernel: 'rbf', nComponents: 50, fitInverseTransform: true, seed: 0 }); m.dispose(); });
  rows.push(['kernel PCA rbf 2000 × 4096, 50 components, inverse map', r, '1.39–1.48 s']);
}

console.log(`backend: ${describeBackend(info)}; ${reps} repetition(s) after one warm-up\n`);
console.log('| task | median | min–max | scikit-learn 1.2 |');
console.log('|---|---|---|---|');
for (const [name, r, ref] of rows) console.log(`| ${name} | ${r.median.toFixed(3)} s | ${r.min.toFixed(3)}–${r.max.toFixed(3)} s | ${ref} |`);
