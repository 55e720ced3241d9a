/**
 * NumPy `.npy` (format 1.0–3.0) reading and writing, in memory. Reads little- or big-endian data in C or
 * Fortran order and always returns native little-endian data in C (row-major) order. Object arrays,
 * structured dtypes and pickles are refused, never executed.
 */
import { SalConfigError, SalDataError } from '@sal/types';

/** The dtypes we read and write (numpy's kind + item size). `b1` is numpy's bool. */
export type NpyDtype = 'u1' | 'i1' | 'b1' | 'u2' | 'i2' | 'u4' | 'i4' | 'f4' | 'f8' | 'i8' | 'u8';

/** The typed array each dtype is read into. */
export type NpyData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** An n-d array in C order. */
export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  readonly data: NpyData;
}

interface DtypeInfo {
  size: number;
  ctor: new (n: number) => NpyData;
}

const DTYPES: Record<NpyDtype, DtypeInfo> = {
  u1: { size: 1, ctor: Uint8Array },
  i1: { size: 1, ctor: Int8Array },
  b1: { size: 1, ctor: Uint8Array },
  u2: { size: 2, ctor: Uint16Array },
  i2: { size: 2, ctor: Int16Array },
  u4: { size: 4, ctor: Uint32Array },
  i4: { size: 4, ctor: Int32Array },
  f4: { size: 4, ctor: Float32Array },
  f8: { size: 8, ctor: Float64Array },
  i8: { size: 8, ctor: BigInt64Array },
  u8: { size: 8, ctor: BigUint64Array },
};

export const NPY_DTYPES: readonly NpyDtype[] = Object.freeze(Object.keys(DTYPES) as NpyDtype[]);

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Largest header read (numpy itself refuses headers over 10 000 bytes by default). */
const MAX_HEADER_BYTES = 1 << 20;

/** The dtype matching a typed array (Uint8Array → 'u1'). */
export function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Uint8Array) return 'u1';
  if (data instanceof Int8Array) return 'i1';
  if (data instanceof Uint16Array) return 'u2';
  if (data instanceof Int16Array) return 'i2';
  if (data instanceof Uint32Array) return 'u4';
  if (data instanceof Int32Array) return 'i4';
  if (data instanceof Float32Array) return 'f4';
  if (data instanceof Float64Array) return 'f8';
  if (data instanceof BigInt64Array) return 'i8';
  if (data instanceof BigUint64Array) return 'u8';
  throw new TypeError('npy.dtypeOf: expected a numeric typed array');
}

function parseHeader(text: string, file: string | undefined): { descr: string; fortran: boolean; shape: number[] } {
  const where = 'parseNpy(header)';
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  if (!descr) {
    if (/'descr'\s*:\s*\[/.test(text)) throw new SalDataError(where, 'a plain numeric dtype', 'a structured dtype', file);
    throw new SalDataError(where, "a header with 'descr'", text.trim().slice(0, 80), file);
  }
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  if (!fortran) throw new SalDataError(where, "a header with 'fortran_order'", text.trim().slice(0, 80), file);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shape) throw new SalDataError(where, "a header with 'shape'", text.trim().slice(0, 80), file);
  const dims = (shape[1] as string)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (/^\d+L?$/.test(s) ? Number.parseInt(s, 10) : Number.NaN));
  if (dims.some((d) => !Number.isSafeInteger(d))) throw new SalDataError(where, 'a shape of non-negative integers', shape[1], file);
  return { descr: descr[1] as string, fortran: fortran[1] === 'True', shape: dims };
}

function parseDescr(descr: string, file: string | undefined): { dtype: NpyDtype; little: boolean } {
  const where = 'parseNpy(dtype)';
  if (/^[<>|=]?O\d*$/.test(descr)) throw new SalDataError(where, 'a numeric dtype (object arrays are refused: they need pickle)', descr, file);
  const m = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) throw new SalDataError(where, `one of ${NPY_DTYPES.join(', ')}`, descr, file);
  const [, order, kind, size] = m as unknown as [string, string, string, string];
  if (kind === 'O') throw new SalDataError(where, 'a numeric dtype (object arrays are refused: they need pickle)', descr, file);
  const dtype = `${kind}${size}` as NpyDtype;
  if (!(dtype in DTYPES)) throw new SalDataError(where, `one of ${NPY_DTYPES.join(', ')}`, descr, file);
  return { dtype, little: order !== '>' };
}

/** Options of {@link parseNpy}. */
export interface ParseNpyOptions {
  /** File name used in error messages. @default undefined */
  file?: string;
  /** Refuse any other dtype with a {@link SalDataError}. @default undefined (any) */
  dtype?: NpyDtype | readonly NpyDtype[];
}

/**
 * Parse the bytes of a `.npy` file. Big-endian data is byte-swapped and Fortran-order data transposed,
 * so the result is always native and row-major. Throws {@link SalDataError} (naming `opts.file`) on a
 * pickle, an object or structured dtype, a bad header or truncated data.
 */
export function parseNpy(bytes: Uint8Array, opts: ParseNpyOptions = {}): NpyArray {
  const { file } = opts;
  const where = 'parseNpy';
  if (!(bytes instanceof Uint8Array)) throw new TypeError('parseNpy: bytes must be a Uint8Array');
  const { dtype, little, fortran, shape, dataOffset } = parseNpyHeader(bytes, opts);
  const info = DTYPES[dtype];
  const n = shape.reduce((a, b) => a * b, 1);
  checkNpyDataBytes(bytes.length - dataOffset, n * info.size, shape, dtype, file, where);
  const raw = new info.ctor(n);
  const dst = new Uint8Array(raw.buffer);
  dst.set(bytes.subarray(dataOffset, dataOffset + n * info.size));
  if (!little && info.size > 1) swapBytes(dst, info.size);
  const data = fortran && shape.length > 1 ? transposeFortran(raw, shape, info.ctor) : raw;
  return { dtype, shape, data };
}

/** The header of a `.npy` file: what {@link parseNpyHeader} returns. */
export interface NpyHeader {
  readonly dtype: NpyDtype;
  /** Little-endian (or single-byte) data. */
  readonly little: boolean;
  /** Fortran (column-major) order. */
  readonly fortran: boolean;
  readonly shape: readonly number[];
  /** Byte offset of the data in the file. */
  readonly dataOffset: number;
  /** Bytes per element. */
  readonly itemSize: number;
}

/**
 * Parse the header of a `.npy` file from its first bytes (at least the whole header; the data may be absent), with the
 * checks of {@link parseNpy}: magic, version, pickles and object or structured dtypes refused, `opts.dtype`.
 */
export function parseNpyHeader(bytes: Uint8Array, opts: ParseNpyOptions = {}): NpyHeader {
  const { file } = opts;
  const where = 'parseNpy';
  if (bytes.length > 0 && bytes[0] === 0x80) throw new SalDataError(where, 'a .npy file (pickles are refused, never executed)', 'a pickle stream', file);
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new SalDataError(where, 'the \\x93NUMPY magic string', bytes.length < 10 ? `${bytes.length} bytes` : 'other bytes', file);
  }
  const major = bytes[6] as number;
  if (major < 1 || major > 3) throw new SalDataError(where, 'format version 1, 2 or 3', `${major}.${bytes[7]}`, file);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart) throw new SalDataError(where, 'a complete header', `${bytes.length} bytes`, file);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const dataStart = headerStart + headerLen;
  if (bytes.length < dataStart) throw new SalDataError(where, `a header of ${headerLen} bytes`, `a file of ${bytes.length} bytes (truncated)`, file);
  if (headerLen > MAX_HEADER_BYTES) throw new SalDataError(where, `a header of at most ${MAX_HEADER_BYTES} bytes`, headerLen, file);
  const headerBytes = bytes.subarray(headerStart, dataStart);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const { descr, fortran, shape } = parseHeader(text, file);
  const { dtype, little } = parseDescr(descr, file);
  if (opts.dtype !== undefined) {
    const allowed = typeof opts.dtype === 'string' ? [opts.dtype] : opts.dtype;
    if (!allowed.includes(dtype)) throw new SalDataError(where, `dtype ${allowed.join(' or ')}`, dtype, file);
  }
  return { dtype, little, fortran, shape, dataOffset: dataStart, itemSize: DTYPES[dtype].size };
}

/** Throw unless a file holds exactly `need` data bytes after its header (truncated or trailing data). */
export function checkNpyDataBytes(have: number, need: number, shape: readonly number[], dtype: NpyDtype, file: string | undefined, where = 'parseNpy'): void {
  if (have < need) throw new SalDataError(where, `${need} data bytes for shape [${shape.join(',')}] ${dtype}`, `${have} bytes (truncated)`, file);
  if (have > need) throw new SalDataError(where, `${need} data bytes for shape [${shape.join(',')}] ${dtype}`, `${have} bytes (trailing data)`, file);
}

/** Reverse the byte order of every `size`-byte element of `b`, in place. */
export function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i < b.length; i += size) {
    for (let a = i, z = i + size - 1; a < z; a++, z--) {
      const t = b[a] as number;
      b[a] = b[z] as number;
      b[z] = t;
    }
  }
}

/** Reorder between Fortran (column-major) and C (row-major) order. `toC` true: F → C. */
function transposeFortran(src: NpyData, shape: readonly number[], ctor: DtypeInfo['ctor'], toC = true): NpyData {
  const n = src.length;
  const out = new ctor(n);
  const nd = shape.length;
  const cStrides = new Array<number>(nd);
  const fStrides = new Array<number>(nd);
  let c = 1;
  let f = 1;
  for (let d = nd - 1; d >= 0; d--) {
    cStrides[d] = c;
    c *= shape[d] as number;
  }
  for (let d = 0; d < nd; d++) {
    fStrides[d] = f;
    f *= shape[d] as number;
  }
  const idx = new Array<number>(nd).fill(0);
  const o = out as unknown as { [i: number]: number | bigint };
  const s = src as unknown as { [i: number]: number | bigint };
  for (let ci = 0; ci < n; ci++) {
    let fi = 0;
    for (let d = 0; d < nd; d++) fi += (idx[d] as number) * (fStrides[d] as number);
    if (toC) o[ci] = s[fi] as number;
    else o[fi] = s[ci] as number;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (shape[d] as number)) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Options of {@link encodeNpy}. */
export interface EncodeNpyOptions {
  /** Store in Fortran (column-major) order. @default false */
  fortranOrder?: boolean;
  /** Byte order of the stored data. @default 'little' */
  endian?: 'little' | 'big';
  /** Store as numpy bool (`|b1`); `data` must be a Uint8Array of 0/1. @default false */
  bool?: boolean;
}

/**
 * Encode a C-order array as `.npy` bytes (format 1.0, header padded to 64 bytes).
 * `shape` must multiply to `data.length`; `dtype: 'b1'` (or `opts.bool`) stores a Uint8Array as bool.
 */
export function encodeNpy(arr: { data: NpyData; shape: readonly number[]; dtype?: NpyDtype }, opts: EncodeNpyOptions = {}): Uint8Array {
  const where = 'encodeNpy';
  const { data, shape } = arr;
  let dtype = dtypeOf(data);
  if (arr.dtype !== undefined && arr.dtype !== dtype && !(arr.dtype === 'b1' && dtype === 'u1')) {
    throw new SalConfigError(where, 'dtype', `the dtype of the data (${dtype})`, arr.dtype);
  }
  if (arr.dtype === 'b1') dtype = 'b1';
  const n = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0) || n !== data.length) {
    throw new SalConfigError(where, 'shape', `non-negative integers multiplying to data.length ${data.length}`, shape);
  }
  if (opts.bool) {
    if (dtype !== 'u1' && dtype !== 'b1') throw new SalConfigError(where, 'bool', 'a Uint8Array of 0/1 when bool is set', dtype);
    dtype = 'b1';
  }
  const info = DTYPES[dtype];
  const big = opts.endian === 'big';
  const order = info.size === 1 ? '|' : big ? '>' : '<';
  const fortran = opts.fortranOrder === true;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${order}${dtype}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  if (header.length > 65535) throw new SalConfigError(where, 'shape', 'a header under 64 KiB', shape.length);
  const body = fortran && shape.length > 1 ? transposeFortran(data, shape, info.ctor, false) : data;
  const out = new Uint8Array(10 + header.length + n * info.size);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const bodyBytes = new Uint8Array(body.buffer, body.byteOffset, n * info.size).slice();
  if (big && info.size > 1) swapBytes(bodyBytes, info.size);
  out.set(bodyBytes, 10 + header.length);
  return out;
}
