/**
 * `.npy` stacks `[n, h, w]` read one plane at a time by offset (Node only): a reused buffer of one plane, so a 1 GB
 * `saliency.npy` costs one plane of memory, not the file. The header is checked as {@link parseNpy} checks it.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { SalDataError } from '@sal/types';
import { checkNpyDataBytes, parseNpyHeader, swapBytes, type NpyDtype } from './npy.js';
import type { PlaneSource } from './planes.js';

/** A {@link PlaneSource} over an open `.npy` file; `close()` releases the file. */
export interface NpyPlanes extends PlaneSource {
  readonly file: string;
  readonly dtype: NpyDtype;
  close(): void;
}

/** Options of {@link openNpyPlanes}. */
export interface OpenNpyPlanesOptions {
  /** Refuse any other dtype with a `SalDataError`. @default ['u1', 'i1', 'u2', 'i2', 'u4', 'i4', 'f4', 'f8'] */
  dtype?: readonly NpyDtype[];
  /** `[n, h, w]` of a 3-D array, or of a one-channel `[n, 1, h, w]` / `[n, h, w, 1]` stack (the same bytes). @default (shape) => 3-D or one channel */
  stackShape?: (shape: readonly number[]) => [number, number, number];
}

const NUMERIC: readonly NpyDtype[] = ['u1', 'i1', 'u2', 'i2', 'u4', 'i4', 'f4', 'f8'];
const CTORS = {
  u1: Uint8Array,
  i1: Int8Array,
  b1: Uint8Array,
  u2: Uint16Array,
  i2: Int16Array,
  u4: Uint32Array,
  i4: Int32Array,
  f4: Float32Array,
  f8: Float64Array,
} as const;

/** Header bytes read to parse it (numpy's largest header, 2^20, and the preamble). */
const HEADER_READ = (1 << 20) + 12;

function defaultStackShape(shape: readonly number[]): [number, number, number] | null {
  if (shape.length === 3) return [shape[0]!, shape[1]!, shape[2]!];
  if (shape.length === 4 && shape[1] === 1) return [shape[0]!, shape[2]!, shape[3]!];
  if (shape.length === 4 && shape[3] === 1) return [shape[0]!, shape[1]!, shape[2]!];
  return null;
}

/**
 * Open a `.npy` stack of planes for reading one plane at a time. Returns null when the file cannot be read by plane
 * (Fortran order with more than one plane): read it whole with `readNpyFile` then. Typed errors name the file: not a
 * regular file, a bad header, a dtype outside `opts.dtype`, a shape that is not a stack, truncated or trailing data.
 */
export function openNpyPlanes(path: string, opts: OpenNpyPlanesOptions = {}): NpyPlanes | null {
  const where = 'openNpyPlanes';
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new SalDataError(where, 'a readable file', (e as NodeJS.ErrnoException).code ?? (e as Error).message, path);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SalDataError(where, 'a regular file', st.isDirectory() ? 'a folder' : 'a special file (FIFO, device or socket)', path);
    const head = new Uint8Array(Math.min(st.size, HEADER_READ));
    readFully(fd, head, 0, path);
    const h = parseNpyHeader(head, { file: path, dtype: opts.dtype ?? NUMERIC });
    if (!(h.dtype in CTORS) || !NUMERIC.includes(h.dtype)) throw new SalDataError(where, `one of ${NUMERIC.join(', ')}`, h.dtype, path);
    const shape = opts.stackShape ? opts.stackShape(h.shape) : defaultStackShape(h.shape);
    if (!shape) throw new SalDataError(where, 'a stack [n, h, w] (or one channel [n, 1, h, w] / [n, h, w, 1])', `[${h.shape.join(', ')}]`, path);
    const [n, ph, pw] = shape;
    const planeBytes = ph * pw * h.itemSize;
    checkNpyDataBytes(st.size - h.dataOffset, n * planeBytes, h.shape, h.dtype, path, where);
    if (h.fortran && h.shape.filter((d) => d > 1).length > 1) {
      closeSync(fd);
      return null;
    }
    const bytes = new Uint8Array(planeBytes);
    const view = new CTORS[h.dtype as keyof typeof CTORS](bytes.buffer);
    let open = true;
    return {
      file: path,
      dtype: h.dtype,
      shape: [n, ph, pw],
      read(index: number, out: Float32Array): Float32Array {
        if (!open) throw new SalDataError(where, 'an open file (read before close())', 'closed', path);
        if (!Number.isInteger(index) || index < 0 || index >= n) throw new SalDataError(where, `a plane index in [0, ${n})`, index, path);
        if (out.length !== ph * pw) throw new SalDataError(where, `an output of ${ph * pw} values`, out.length, path);
        readFully(fd, bytes, h.dataOffset + index * planeBytes, path);
        if (!h.little && h.itemSize > 1) swapBytes(bytes, h.itemSize);
        out.set(view);
        return out;
      },
      close(): void {
        if (open) closeSync(fd);
        open = false;
      },
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Fill `buf` from `fd` at `position` (a short read is a truncated file). */
function readFully(fd: number, buf: Uint8Array, position: number, path: string): void {
  let off = 0;
  while (off < buf.length) {
    let n: number;
    try {
      n = readSync(fd, buf, off, buf.length - off, position + off);
    } catch (e) {
      throw new SalDataError('openNpyPlanes', 'a readable file', (e as NodeJS.ErrnoException).code ?? (e as Error).message, path);
    }
    if (n === 0) throw new SalDataError('openNpyPlanes', `${buf.length} bytes at offset ${position}`, `${off} (truncated)`, path);
    off += n;
  }
}
