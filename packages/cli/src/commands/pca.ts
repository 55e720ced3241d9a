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
import { SalDataError, SalShapeError } from '@sal/types';
import { intFlag } from '../config.js';
import { createReporter } from '../progress.js';

export interface PcaFlags {
  grf: string;
  out: string;
  components?: string;
  quiet?: boolean;
}

export async function pcaCommand(flags: PcaFlags): Promise<void> {
  const reporter = createReporter({ quiet: flags.quiet });
  await initBackend();
  const arr = await readNpyFile(resolve(flags.grf));
  if (arr.shape.length !== 4) throw new SalShapeError(`sal pca: ${flags.grf}`, '[neurons, images, h, w]', arr.shape);
  const [n, m, h, w] = arr.shape as [number, number, number, number];
  const keep = Math.min(intFlag('--components', flags.components, 20, 1), m);
  const out = resolve(flags.out);
  try {
    await mkdir(out, { recursive: true });
  } catch (e) {
    throw new SalDataError('sal pca', 'an output folder that can be created', (e as NodeJS.ErrnoException).code ?? (e as Error).message, out);
  }
  const P = h * w;
  if (arr.dtype !== 'f4' && arr.dtype !== 'f8') throw new SalDataError('sal pca', 'gRFs as float32 or float64', arr.dtype, flags.grf);
  const skipped: number[] = [];
  for (let k = 0; k < n; k++) {
    const data = new Float64Array(m * P);
    for (let i = 0; i < m * P; i++) {
      const v = Number(arr.data[k * m * P + i]);
      if (!Number.isFinite(v)) throw new SalDataError('sal pca', 'finite gRF values', `${v} in neuron ${k}, image ${Math.floor(i / P)}`, flags.grf);
      data[i] = v;
    }
    // each gRF's own mean is removed: gRFs that are all constant (e.g. all zero) leave nothing to decompose
    if (isConstantPerRow(data, m, P)) {
      skipped.push(k);
      reporter.info(`neuron ${k}: every gRF is constant (e.g. all zero): no variance to decompose, nothing written`);
      continue;
    }
    const r = grfPca({ rows: m, cols: P, data });
    if (!r.eigenvalues.every(Number.isFinite))
      throw new SalDataError('sal pca', `finite eigenvalues for neuron ${k}`, Array.from(r.eigenvalues.subarray(0, 3)), flags.grf);
    await writeNpyFile(join(out, `neuron${k}.eigenvalues.npy`), { data: r.eigenvalues, shape: [r.eigenvalues.length], dtype: 'f8' });
    await writeNpyFile(join(out, `neuron${k}.cumulative.npy`), { data: r.cumulativeVarianceRatio, shape: [r.cumulativeVarianceRatio.length], dtype: 'f8' });
    const k2 = Math.min(keep, r.eigenRfs.rows);
    await writeNpyFile(join(out, `neuron${k}.eigen_rfs.npy`), { data: r.eigenRfs.data.subarray(0, k2 * P), shape: [k2, h, w], dtype: 'f8' });
    reporter.info(
      `neuron ${k}: λ1..3 = ${Array.from(r.eigenvalues.subarray(0, 3), (v) => v.toExponential(2)).join(', ')}; ${r.thresholdComponents} components reach 99% of the variance`,
    );
  }
  if (skipped.length === n) throw new SalDataError('sal pca', 'gRFs that vary within at least one neuron', `all ${n} neurons' gRFs constant`, flags.grf);
  reporter.info(
    `wrote eigenvalues, cumulative variance and the first ${keep} eigen-RFs of ${n - skipped.length} neurons to ${out}${skipped.length ? ` (skipped constant neurons ${skipped.join(', ')})` : ''}`,
  );
}

/** True when every row of the `[rows, cols]` matrix is constant (zero variance after removing its mean). */
function isConstantPerRow(data: Float64Array, rows: number, cols: number): boolean {
  for (let r = 0; r < rows; r++) {
    const first = data[r * cols]!;
    for (let c = 1; c < cols; c++) if (data[r * cols + c] !== first) return false;
  }
  return true;
}
