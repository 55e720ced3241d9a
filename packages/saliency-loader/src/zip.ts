/**
 * A strict zip reader for `.npz` archives (portable: no Node APIs). Every size and offset is checked against the
 * archive before anything is allocated, the declared inflated sizes are capped, each member is inflated (fflate)
 * into a buffer of exactly its declared size, and its CRC-32 is verified, as numpy's `zipfile` does.
 */
import { inflateSync } from 'fflate';
import { FORBIDDEN_KEYS, SalDataError } from '@sal/types';

/** Default cap on the total inflated size of an archive's members (1 GiB). */
export const DEFAULT_MAX_INFLATED_BYTES = 2 ** 30;

/** Deflate cannot expand more than about 1032:1; a larger declared ratio is a corrupt or hostile header. */
const MAX_DEFLATE_RATIO = 1032;

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, the zip and PNG one) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = (crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)) >>> 0;
  return (c ^ 0xffffffff) >>> 0;
}

/** Options of {@link readZip}. */
export interface ReadZipOptions {
  /** File name used in error messages. @default undefined */
  file?: string;
  /** Largest total inflated size of the members, in bytes. @default DEFAULT_MAX_INFLATED_BYTES (1 GiB) */
  maxInflatedBytes?: number;
}

interface Entry {
  name: string;
  method: number;
  crc: number;
  csize: number;
  usize: number;
  offset: number;
}

/**
 * The members of a zip archive (name → bytes) in a null-prototype object. Throws `SalDataError` naming the file
 * (and the member) for anything malformed: no end record, sizes or offsets outside the archive, encryption, a method
 * other than stored/deflate, names that are `__proto__`-like or repeated, a total over `maxInflatedBytes`, a member
 * whose inflated length or CRC-32 differs from its header.
 */
export function readZip(bytes: Uint8Array, opts: ReadZipOptions = {}): Record<string, Uint8Array> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('readZip: bytes must be a Uint8Array');
  try {
    return readZipUnchecked(bytes, opts);
  } catch (e) {
    // a read past the end that a check above missed is still a malformed archive, not a crash
    if (e instanceof RangeError && !(e instanceof SalDataError)) throw new SalDataError('readZip', 'a well-formed zip archive', e.message, opts.file);
    throw e;
  }
}

function readZipUnchecked(bytes: Uint8Array, opts: ReadZipOptions): Record<string, Uint8Array> {
  const file = opts.file;
  const cap = opts.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  const fail = (expected: string, actual: unknown): never => {
    throw new SalDataError('readZip', expected, actual, file);
  };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number): number => dv.getUint16(o, true);
  const u32 = (o: number): number => dv.getUint32(o, true);
  const u64 = (o: number): number => {
    const v = dv.getBigUint64(o, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(v);
  };
  // end of central directory: the last signature within the final 22 + 65535 bytes
  let eocd = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 0xffff); o--) {
    if (u32(o) === 0x06054b50) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) fail('a zip archive (end-of-central-directory record)', bytes.length < 22 ? `${bytes.length} bytes` : 'none found');
  let count = u16(eocd + 10),
    cdSize = u32(eocd + 12),
    cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(loc) !== 0x07064b50) fail('a zip64 end-of-central-directory locator', 'none');
    const rec = u64(loc + 8);
    if (!(rec + 56 <= bytes.length) || u32(rec) !== 0x06064b50) fail('a zip64 end-of-central-directory record inside the archive', rec);
    count = u64(rec + 32);
    cdSize = u64(rec + 40);
    cdOffset = u64(rec + 48);
  }
  if (!(cdOffset + cdSize <= bytes.length) || count > cdSize / 46)
    fail(`a central directory inside the archive (${bytes.length} bytes)`, { count, offset: cdOffset, size: cdSize });
  const entries: Entry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || u32(p) !== 0x02014b50) fail('a central directory entry', `other bytes at ${p}`);
    const flags = u16(p + 8),
      method = u16(p + 10),
      crc = u32(p + 16);
    let csize = u32(p + 20),
      usize = u32(p + 24),
      offset = u32(p + 42);
    const nameLen = u16(p + 28),
      extraLen = u16(p + 30),
      commentLen = u16(p + 32);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cdOffset + cdSize) fail('a central directory entry inside the directory', `an entry ending at ${end}`);
    const name = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field: the 64-bit values of those fields that are 0xffffffff, in this order
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = u16(e),
        len = u16(e + 2);
      if (e + 4 + len > p + 46 + nameLen + extraLen) fail(`an extra field inside member '${name}''s entry`, len);
      if (id === 0x0001) {
        let q = e + 4;
        const next = (): number => {
          if (q + 8 > e + 4 + len) fail(`a complete zip64 field of member '${name}'`, len);
          const v = u64(q);
          q += 8;
          return v;
        };
        if (usize === 0xffffffff) usize = next();
        if (csize === 0xffffffff) csize = next();
        if (offset === 0xffffffff) offset = next();
      }
      e += 4 + len;
    }
    if (flags & 1) fail(`member '${name}' unencrypted`, 'an encrypted member');
    if (method !== 0 && method !== 8) fail(`member '${name}' stored or deflated`, `compression method ${method}`);
    if (method === 0 && csize !== usize) fail(`stored member '${name}' with equal sizes`, { compressed: csize, inflated: usize });
    if (method === 8 && usize > csize * MAX_DEFLATE_RATIO + 1024)
      fail(`member '${name}' inflating at most ${MAX_DEFLATE_RATIO}:1`, { compressed: csize, inflated: usize });
    entries.push({ name, method, crc, csize, usize, offset });
    p = end;
  }
  const total = entries.reduce((s, e) => s + e.usize, 0);
  if (total > cap) fail(`members inflating to at most ${cap} bytes (maxInflatedBytes)`, total);
  const out: Record<string, Uint8Array> = Object.create(null) as Record<string, Uint8Array>;
  for (const e of entries) {
    const base = e.name.replace(/\.npy$/, '');
    if (FORBIDDEN_KEYS.has(base) || FORBIDDEN_KEYS.has(e.name)) fail('member names other than __proto__, constructor, prototype', e.name);
    if (Object.hasOwn(out, e.name)) fail('unique member names', `'${e.name}' twice`);
    const o = e.offset;
    if (!(o + 30 <= bytes.length) || u32(o) !== 0x04034b50) fail(`the local header of member '${e.name}'`, `other bytes at ${o}`);
    const localName = bytes.subarray(o + 30, o + 30 + u16(o + 26));
    if (new TextDecoder('utf-8', { fatal: false }).decode(localName) !== e.name)
      fail(`member '${e.name}' named the same in its local header`, new TextDecoder().decode(localName));
    const start = o + 30 + u16(o + 26) + u16(o + 28);
    if (!(start + e.csize <= bytes.length)) fail(`member '${e.name}' inside the archive`, `${e.csize} bytes at ${start} of ${bytes.length}`);
    const raw = bytes.subarray(start, start + e.csize);
    let data: Uint8Array;
    if (e.method === 0) data = raw.slice();
    else {
      try {
        data = inflateSync(raw, { out: new Uint8Array(e.usize) });
      } catch (err) {
        return fail(`member '${e.name}' of valid deflate data`, (err as Error).message);
      }
    }
    if (data.length !== e.usize) fail(`member '${e.name}' of ${e.usize} bytes`, data.length);
    const crc = crc32(data);
    if (crc !== e.crc) fail(`member '${e.name}' with CRC-32 ${e.crc.toString(16).padStart(8, '0')}`, `CRC-32 ${crc.toString(16).padStart(8, '0')} (corrupted)`);
    out[e.name] = data;
  }
  return out;
}
