/**
 * Reading NumPy `.npy` arrays of fixed-width strings (`<U…` UTF-32 or `|S…` bytes), e.g. the FileTree's
 * `meta/trials/tiers.npy`. The numeric reader of `@sal/saliency-loader` refuses these dtypes; this reader
 * accepts only them. Object arrays and pickles are refused, never executed.
 */
import { SalDataError } from '@sal/types';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** True when `bytes` is an `.npy` whose dtype is a fixed-width string (`U` or `S`). */
export function isNpyStringArray(bytes: Uint8Array): boolean {
  try {
    return /^[<>|=]?[US]\d+$/.test(readHeader(bytes, undefined).descr);
  } catch {
    return false;
  }
}

function readHeader(bytes: Uint8Array, file: string | undefined): { descr: string; shape: number[]; fortran: boolean; offset: number } {
  const where = 'parseNpyStrings';
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new SalDataError(where, 'an .npy file (\\x93NUMPY magic)', 'other bytes', file);
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let len: number, start: number;
  if (major === 1) {
    len = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new SalDataError(where, 'a complete header', 'a truncated file', file);
    len = view.getUint32(8, true);
    start = 12;
  } else throw new SalDataError(where, 'npy format version 1, 2 or 3', major, file);
  if (start + len > bytes.length) throw new SalDataError(where, 'a complete header', 'a truncated file', file);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + len));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) throw new SalDataError(where, "a header with 'descr', 'fortran_order' and 'shape'", text.trim().slice(0, 80), file);
  const dims = (shape[1] as string)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (/^\d+$/.test(s) ? Number.parseInt(s, 10) : Number.NaN));
  if (dims.some((d) => !Number.isSafeInteger(d))) throw new SalDataError(where, 'a shape of non-negative integers', shape[1], file);
  return { descr: descr[1] as string, shape: dims, fortran: fortran[1] === 'True', offset: start + len };
}

/**
 * Parse an `.npy` of fixed-width strings into a flat array of strings (C order; 1-D arrays are the usual
 * case). Trailing NULs are removed, as numpy does. Any other dtype is a {@link SalDataError}.
 * @returns `{ shape, data }`
 */
export function parseNpyStrings(bytes: Uint8Array, file?: string): { shape: number[]; data: string[] } {
  const where = 'parseNpyStrings';
  const { descr, shape, fortran, offset } = readHeader(bytes, file);
  const m = /^([<>|=]?)([US])(\d+)$/.exec(descr);
  if (!m) throw new SalDataError(where, "a fixed-width string dtype ('<U…' or '|S…')", descr, file);
  if (fortran && shape.length > 1) throw new SalDataError(where, 'a C-order string array (or 1-D)', 'fortran_order True', file);
  const kind = m[2] as 'U' | 'S';
  const chars = Number.parseInt(m[3] as string, 10);
  const item = kind === 'U' ? 4 * chars : chars;
  const n = shape.reduce((a, b) => a * b, 1);
  if (offset + n * item !== bytes.length)
    throw new SalDataError(where, `${n * item} data bytes for shape (${shape.join(', ')}) of ${descr}`, bytes.length - offset, file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = m[1] !== '>';
  const data: string[] = new Array<string>(n);
  const latin1 = new TextDecoder('latin1');
  for (let i = 0; i < n; i++) {
    const at = offset + i * item;
    if (kind === 'S') {
      let end = at + item;
      while (end > at && bytes[end - 1] === 0) end--;
      data[i] = latin1.decode(bytes.subarray(at, end));
    } else {
      let s = '';
      for (let c = 0; c < chars; c++) {
        const cp = view.getUint32(at + 4 * c, little);
        if (cp === 0) break;
        if (cp > 0x10ffff) throw new SalDataError(where, 'valid UTF-32 code points', cp, file);
        s += String.fromCodePoint(cp);
      }
      data[i] = s;
    }
  }
  return { shape, data };
}

/** Encode strings as a 1-D `<U…` `.npy` (numpy's layout; for fixtures and round trips). */
export function encodeNpyStrings(data: readonly string[]): Uint8Array {
  const chars = Math.max(1, ...data.map((s) => [...s].length));
  const header0 = `{'descr': '<U${chars}', 'fortran_order': False, 'shape': (${data.length},), }`;
  const pad = 64 - ((10 + header0.length + 1) % 64);
  const header = `${header0}${' '.repeat(pad % 64)}\n`;
  const out = new Uint8Array(10 + header.length + data.length * 4 * chars);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  let at = 10 + header.length;
  for (const s of data) {
    const cps = [...s].map((c) => c.codePointAt(0) as number);
    for (let c = 0; c < chars; c++) view.setUint32(at + 4 * c, cps[c] ?? 0, true);
    at += 4 * chars;
  }
  return out;
}
