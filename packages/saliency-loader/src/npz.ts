/**
 * NumPy `.npz` archives (a zip of `.npy` files, stored or deflated) in memory, through `fflate`.
 */
import { unzipSync, zipSync } from 'fflate';
import { SalDataError } from '@sal/types';
import { encodeNpy, parseNpy, type EncodeNpyOptions, type NpyArray, type NpyData, type NpyDtype } from './npy.js';

/**
 * Parse the bytes of a `.npz` archive into its arrays, keyed by name without `.npy`. Throws
 * {@link SalDataError} naming `file` (and the member) when the zip or a member is corrupt.
 */
export function parseNpz(bytes: Uint8Array, file?: string): Record<string, NpyArray> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    throw new SalDataError('parseNpz', 'a zip archive of .npy files', (e as Error).message, file);
  }
  const out: Record<string, NpyArray> = {};
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith('/')) continue;
    const key = name.endsWith('.npy') ? name.slice(0, -4) : name;
    out[key] = parseNpy(data, { file: `${file ?? '(npz)'}:${name}` });
  }
  return out;
}

/** Options of {@link encodeNpz}. */
export interface EncodeNpzOptions extends EncodeNpyOptions {
  /** Deflate the members (numpy's `savez_compressed`); false stores them (`savez`). @default true */
  compress?: boolean;
}

/** Encode arrays as a `.npz` archive (members `<name>.npy`). */
export function encodeNpz(arrays: Record<string, { data: NpyData; shape: readonly number[]; dtype?: NpyDtype }>, opts: EncodeNpzOptions = {}): Uint8Array {
  const { compress = true, ...npyOpts } = opts;
  const files: Record<string, Uint8Array> = {};
  for (const [name, arr] of Object.entries(arrays)) files[`${name}.npy`] = encodeNpy(arr, npyOpts);
  return zipSync(files, { level: compress ? 6 : 0, mtime: new Date('2020-01-01T00:00:00Z') });
}
