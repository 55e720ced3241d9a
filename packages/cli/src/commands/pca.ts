/**
 * `sal pca --grf file.npy`: per-neuron PCA of gRFs `[neurons, images, h, w]` (as the original: each gRF's mean
 * removed, dual form, symmetric eigensolver sorted descending). Writes eigenvalues, cumulative explained variance
 * and eigen-RFs per neuron as `.npy`, and prints a summary.
 */
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { initBackend } from '@sal/backend';
import { grfPca } from '@sal/kpca';
import { readNpyFile, writeNpyFile } from '@sal/saliency-loader/node';
import { SalShapeError } from '@sal/types';
import { intFlag } from '../config.js';
import { createReporter } from '../progress.js';

export interface PcaFlags { grf: string; out: string; components?: string; quiet?: boolean }

export async function pcaCommand(flags: PcaFlags): Promise<void> {
  const reporter = createReporter({ quiet: flags.quiet });
  await initBackend();
  const arr = await readNpyFile(resolve(flags.grf));
  if (arr.shape.length !== 4) throw new SalShapeError(`sal pca: ${flags.grf}`, '[neurons, images, h, w]', arr.shape);
  const [n, m, h, w] = arr.shape as [number, number, number, number];
  const keep = Math.min(intFlag('--components', flags.components, 20, 1), m);
  const out = resolve(flags.out);
  await mkdir(out, { recursive: true });
  const P = h * w;
  for (let k = 0; k < n; k++) {
    const data = new Float64Array(m * P);
    for (let i = 0; i < m * P; i++) data[i] = Number(arr.data[k * m * P + i]);
    const r = grfPca({ rows: m, cols: P, data });
    await writeNpyFile(join(out, `neuron${k}.eigenvalues.npy`), { data: r.eigenvalues, shape: [r.eigenvalues.length], dtype: 'f8' });
    await writeNpyFile(join(out, `neuron${k}.cumulative.npy`), { data: r.cumulativeVarianceRatio, shape: [r.cumulativeVarianceRatio.length], dtype: 'f8' });
    const k2 = Math.min(keep, r.eigenRfs.rows);
    await writeNpyFile(join(out, `neuron${k}.eigen_rfs.npy`), { data: r.eigenRfs.data.subarray(0, k2 * P), shape: [k2, h, w], dtype: 'f8' });
    reporter.info(`neuron ${k}: λ1..3 = ${Array.from(r.eigenvalues.subarray(0, 3), (v) => v.toExponential(2)).join(', ')}; ${r.thresholdComponents} components reach 99% of the variance`);
  }
  reporter.info(`wrote eigenvalues, cumulative variance and the first ${keep} eigen-RFs of ${n} neurons to ${out}`);
}
