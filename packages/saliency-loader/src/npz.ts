/**
 * NumPy `.npz` archives (a zip of `.npy` files, stored or deflated) in memory, through `fflate`.
 */
import { zipSync } from 'fflate';
import { SalDataError } from '@sal/types';
import { encodeNpy, parseNpy, type EncodeNpyOptions, type NpyArray, type NpyData, type NpyDtype } from './npy.js';
import { readZip, type ReadZipOptions } from './zip.js';

/** Options of {@link parseNpz}. */
export type ParseNpzOptions = ReadZipOptions;

/**
 * Parse the bytes of a `.npz` archive into its arrays, keyed by name without `.npy`, in a null-prototype object.
 * Every member's CRC-32 and size are checked and the total inflated size is capped (`maxInflatedBytes`, 1 GiB by
 * default). Throws {@link SalDataError} naming the file (and the member) when the zip or a member is corrupt, a
 * name is `__proto__`-like or two members share a key.
 */
export function parseNpz(bytes: Uint8Array, opts: string | ParseNpzOptions = {}): Record<string, NpyArray> {
  const o: ParseNpzOptions = typeof opts === 'string' ? { file: opts } : opts;
  const file = o.file;
  const entries = readZip(bytes, o);
  const out: Record<string, NpyArray> = Object.create(null) as Record<string, NpyArray>;
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith('/')) continue;
    const key = name.endsWith('.npy') ? name.slice(0, -4) : name;
    if (Object.hasOwn(out, key)) throw new SalDataError('parseNpz', 'one member per array name', `'${key}' twice`, file);
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
