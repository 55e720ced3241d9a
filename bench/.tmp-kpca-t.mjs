import { initBackend } from '@sal/backend';
import { createRng } from '@sal/types';
import { fitPca, symmetricEigen, gram } from '@sal/kpca';
await initBackend({ prefer: 'wasm' });
const rng = createRng(1);
const x = { rows: 500, cols: 4096, data: Float64Array.from({ length: 500 * 4096 }, () => rng.normal()) };
for (let i = 0; i < 3; i++) {
  let t0 = performance.now(); const g = gram(x); const t1 = performance.now(); symmetricEigen(g); const t2 = performance.now();
  fitPca(x); const t3 = performance.now();
  console.log('gram', (t1 - t0).toFixed(0), 'eig', (t2 - t1).toFixed(0), 'fitPca', (t3 - t2).toFixed(0));
}
