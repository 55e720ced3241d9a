/** Converting a FileTree or HDF5 static dataset to sal's dataset directory layout (Node only). */
import { join } from 'node:path';
import { checkOneOf } from '@sal/types';
import { writeDatasetDir, writeNpzFile, sessionFileName } from '@sal/saliency-loader/node';
import type { StaticConversion } from './assemble.js';
import { readFileTree, type ReadFileTreeOptions } from './filetree.js';
import { readStaticH5, type ReadStaticH5Options } from './hdf5.js';

/** Source formats {@link convertDataset} reads. */
export const CONVERT_FORMATS = ['filetree', 'hdf5'] as const;
export type ConvertFormat = (typeof CONVERT_FORMATS)[number];

/** Options of {@link convertDataset}. */
export type ConvertOptions = ReadFileTreeOptions & ReadStaticH5Options;

/** Where the per-trial arrays of a session go: `trials/<key>.npz` (same file name rule as the sessions). */
export function trialArraysFileName(key: string): string {
  return sessionFileName(key).replace(/^sessions\//, 'trials/');
}

/** Read a dataset in `format` (a FileTree folder or an HDF5 file). */
export async function readStaticDataset(format: ConvertFormat, input: string, opts: ConvertOptions = {}): Promise<StaticConversion> {
  const f = checkOneOf('readStaticDataset', 'format', format, CONVERT_FORMATS);
  return f === 'filetree' ? readFileTree(input, opts) : readStaticH5(input, opts);
}

/**
 * Convert `input` to sal's dataset layout in `outDir` (written with the loader's `writeDatasetDir`, every
 * file atomically, `meta.json` last), plus `trials/<session>.npz` holding the per-trial arrays
 * (`train_trial_index`, `train_behavior`, `train_pupil_center`, `test_…`) in the order of the session's rows.
 * @returns the conversion (dataset and per-trial arrays)
 */
export async function convertDataset(format: ConvertFormat, input: string, outDir: string, opts: ConvertOptions = {}): Promise<StaticConversion> {
  const conv = await readStaticDataset(format, input, opts);
  const key = conv.dataset.sessions[0]?.key as string;
  const arrays: Record<string, { data: Float32Array | Int32Array; shape: readonly number[] }> = {};
  for (const part of ['train', 'test'] as const) {
    for (const [name, a] of Object.entries(conv.trials[part])) arrays[`${part}_${name}`] = a;
  }
  await writeNpzFile(join(outDir, trialArraysFileName(key)), arrays);
  await writeDatasetDir(outDir, conv.dataset);
  return conv;
}
