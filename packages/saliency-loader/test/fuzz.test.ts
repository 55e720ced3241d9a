/**
 * Fuzz suite of generated bad inputs for the loader (seeded, deterministic): npy, npz and zip bytes, meta.json,
 * dataset folders, image folders, dataset options and writers. Every case must end in a typed error naming the
 * input, or in a load its oracle accepts (an npz either loads exactly its original arrays or is refused: no silent
 * corruption); no case may hang, leave a temporary file or change Object.prototype.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { zipSync } from 'fflate';
import sharp from 'sharp';
import { createRng, type RawDataset } from '@sal/types';
import { formatReports, runFuzz, type FuzzCase } from '@sal/test-utils/fuzz';
import { crc32, createDataset, encodeNpy, encodeNpz, parseNpy, parseNpz, readZip, type NpyArray, type NpyData } from '../src/index.js';
import { readDatasetDir, readImageFolder, readNpyFile, writeDatasetDir, writeNpyFile, writeNpzFile } from '../src/node.js';
import { makeRaw } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'sal-loader-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const rng = createRng(20261204);

const dataOf = (d: NpyData): unknown[] => Array.from(d as ArrayLike<number | bigint>);
const sameArray = (a: NpyArray, b: { data: NpyData; shape: readonly number[]; dtype: string }): boolean =>
  a.dtype === b.dtype &&
  a.shape.join() === b.shape.join() &&
  JSON.stringify(dataOf(a.data), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ===
    JSON.stringify(dataOf(b.data), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
/** A parsed npy is self-consistent: its data has the length its shape says and re-encodes to the same array. */
const consistent = (v: unknown): boolean => {
  const a = v as NpyArray;
  if (a.data.length !== a.shape.reduce((x, y) => x * y, 1)) throw new Error(`data length ${a.data.length} ≠ shape ${a.shape}`);
  return sameArray(parseNpy(encodeNpy({ data: a.data, shape: a.shape, dtype: a.dtype })), a);
};
const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const b = bytes.slice();
  b[at] = (b[at]! ^ (1 + rng.int(255))) & 0xff;
  return b;
};

const cases: FuzzCase[] = [];

// ---------------------------------------------------------------- npy
const NPY_BASES: { data: NpyData; shape: number[]; dtype: string; opts?: object }[] = [
  { data: Uint8Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3], dtype: 'u1' },
  { data: Int16Array.from([-3, 7, 9, 11]), shape: [4], dtype: 'i2', opts: { endian: 'big' } },
  { data: Float32Array.from([0.5, -1.25, 3, 4, 5, 6]), shape: [3, 2], dtype: 'f4', opts: { fortranOrder: true } },
  { data: Float64Array.from([Math.PI, -2, 1e300]), shape: [3], dtype: 'f8' },
  { data: BigInt64Array.from([1n, -(2n ** 40n), 7n, 9n]), shape: [2, 2], dtype: 'i8' },
  { data: Int32Array.from({ length: 24 }, (_, i) => i * 1000 - 7), shape: [2, 3, 4], dtype: 'i4' },
];
for (const [bi, base] of NPY_BASES.entries()) {
  const bytes = encodeNpy({ data: base.data, shape: base.shape, dtype: base.dtype as never }, base.opts);
  const headerEnd = 10 + new DataView(bytes.buffer).getUint16(8, true);
  for (let k = 0; k < 5; k++) {
    const file = `npy${bi}-cut${k}.npy`;
    const cut = bytes.subarray(0, rng.int(bytes.length));
    cases.push({ category: 'npy', name: `${file} truncated to ${cut.length}`, names: file, run: () => parseNpy(cut, { file }) });
  }
  for (let k = 0; k < 6; k++) {
    const file = `npy${bi}-hdr${k}.npy`;
    const b = flip(bytes, rng.int(headerEnd));
    cases.push({ category: 'npy', name: `${file} header byte flipped`, names: file, run: () => parseNpy(b, { file }), oracle: consistent });
  }
  for (let k = 0; k < 3; k++) {
    const file = `npy${bi}-data${k}.npy`;
    const b = flip(bytes, headerEnd + rng.int(bytes.length - headerEnd));
    // npy has no checksum: a changed data byte loads as the stored bytes, in the original dtype and shape
    cases.push({
      category: 'npy',
      name: `${file} data byte flipped`,
      names: file,
      run: () => parseNpy(b, { file }),
      oracle: (v) => (v as NpyArray).dtype === base.dtype && consistent(v),
    });
  }
  const file = `npy${bi}-trailing.npy`;
  const trailing = Uint8Array.from([...bytes, 1, 2, 3]);
  cases.push({ category: 'npy', name: `${file} trailing bytes`, names: file, run: () => parseNpy(trailing, { file }) });
}
const npyWithHeader = (header: string, major = 1, body = new Uint8Array(0)): Uint8Array => {
  const h = new TextEncoder().encode(header);
  const pre = major === 1 ? 10 : 12;
  const out = new Uint8Array(pre + h.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, h.length, true);
  else dv.setUint32(8, h.length, true);
  out.set(h, pre);
  out.set(body, pre + h.length);
  return out;
};
const HEADERS = [
  "{'descr': '<O8', 'fortran_order': False, 'shape': (2,), }",
  "{'descr': '|V8', 'fortran_order': False, 'shape': (2,), }",
  "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }",
  "{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }",
  "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }",
  "{'descr': 'foo', 'fortran_order': False, 'shape': (2,), }",
  "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
  "{'descr': '<f4', 'fortran_order': False, 'shape': (1e3,), }",
  "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
  "{'descr': '<f4', 'fortran_order': False, 'shape': (3,4, }",
  "{'descr': '<f4', 'shape': (2,), }",
  "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }",
  "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }",
  "{'fortran_order': False, 'shape': (2,), }",
  '',
  '\0\0\0\0',
  "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': __import__('os'), }",
  "{'descr': '<u8', 'fortran_order': False, 'shape': (4294967296,), }",
  "{'descr': '>i4', 'fortran_order': True, 'shape': (2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2), }",
];
for (const [i, h] of HEADERS.entries()) {
  for (const major of [1, 2]) {
    const file = `hdr${i}-v${major}.npy`;
    const b = npyWithHeader(h, major, new Uint8Array(8));
    cases.push({ category: 'npy', name: `${file}: ${h.slice(0, 40)}`, names: file, run: () => parseNpy(b, { file }), oracle: consistent });
  }
}
{
  // a valid array with a 300 KB header (padding spaces): loads, without overflowing the stack
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }${' '.repeat(300_000)}\n`;
  const b = npyWithHeader(header, 2, new Uint8Array(Float32Array.from([1.5, -2]).buffer));
  cases.push({
    category: 'npy',
    name: '300 KB header',
    names: 'big-header.npy',
    run: () => parseNpy(b, { file: 'big-header.npy' }),
    oracle: (v) => sameArray(v as NpyArray, { data: Float32Array.from([1.5, -2]), shape: [2], dtype: 'f4' }),
  });
  const huge = npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }${' '.repeat(2_000_000)}\n`, 2, new Uint8Array(8));
  cases.push({ category: 'npy', name: '2 MB header', names: 'huge-header.npy', run: () => parseNpy(huge, { file: 'huge-header.npy' }) });
}
for (const [name, b] of [
  ['version 0', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", 0)],
  ['version 4', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", 4)],
  ['pickle', Uint8Array.from([0x80, 4, 0x95, 1, 2, 3])],
  [
    'header length past the end',
    (() => {
      const b = encodeNpy({ data: Float32Array.from([1]), shape: [1] });
      new DataView(b.buffer).setUint16(8, 60000, true);
      return b;
    })(),
  ],
  ['empty', new Uint8Array(0)],
] as const) {
  const file = `${name.replace(/ /g, '-')}.npy`;
  cases.push({ category: 'npy', name, names: file, run: () => parseNpy(b, { file }) });
}
for (let k = 0; k < 10; k++) {
  const b = Uint8Array.from({ length: rng.int(200) }, () => rng.int(256));
  if (k % 2 === 0 && b.length >= 6) b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
  cases.push({ category: 'npy', name: `random bytes ${k}`, names: `random${k}.npy`, run: () => parseNpy(b, { file: `random${k}.npy` }), oracle: consistent });
}

// ---------------------------------------------------------------- npz
const NPZ_ARRAYS = {
  a: { data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3], dtype: 'f4' },
  ids: { data: Int32Array.from([0, 3, 1, 2]), shape: [4], dtype: 'i4' },
} as const;
const sameNpz = (v: unknown, expected: Record<string, { data: NpyData; shape: readonly number[]; dtype: string }>): boolean => {
  const z = v as Record<string, NpyArray>;
  if (Object.getPrototypeOf(z) !== null) throw new Error('the result has a prototype');
  if (Object.keys(z).sort().join() !== Object.keys(expected).sort().join()) throw new Error(`members ${Object.keys(z)}`);
  for (const [k, e] of Object.entries(expected)) if (!sameArray(z[k]!, e)) throw new Error(`member ${k} differs from the original (silent corruption)`);
  return true;
};
const numpyA = { a: { data: Float32Array.from({ length: 56 }, (_, i) => i), shape: [7, 8], dtype: 'f4' } };
const NPZ_BASES: { name: string; bytes: Uint8Array; expected: Record<string, { data: NpyData; shape: readonly number[]; dtype: string }> | null }[] = [
  { name: 'deflated', bytes: encodeNpz(NPZ_ARRAYS), expected: NPZ_ARRAYS },
  { name: 'stored', bytes: encodeNpz(NPZ_ARRAYS, { compress: false }), expected: NPZ_ARRAYS },
  { name: 'numpy-deflated', bytes: new Uint8Array(readFileSync(new URL('./fixtures/deflated.npz', import.meta.url))), expected: null },
  { name: 'numpy-stored', bytes: new Uint8Array(readFileSync(new URL('./fixtures/stored.npz', import.meta.url))), expected: null },
];
for (const base of NPZ_BASES) {
  const expected =
    base.expected ?? Object.fromEntries(Object.entries(parseNpz(base.bytes)).map(([k, v]) => [k, { data: v.data, shape: v.shape, dtype: v.dtype }]));
  void numpyA;
  for (let k = 0; k < 22; k++) {
    const file = `${base.name}-flip${k}.npz`;
    const b = flip(base.bytes, rng.int(base.bytes.length));
    cases.push({ category: 'npz', name: `${file}`, names: file, run: () => parseNpz(b, { file }), oracle: (v) => sameNpz(v, expected) });
  }
  for (let k = 0; k < 3; k++) {
    const file = `${base.name}-cut${k}.npz`;
    const b = base.bytes.subarray(0, rng.int(base.bytes.length));
    cases.push({ category: 'npz', name: file, names: file, run: () => parseNpz(b, { file }), oracle: (v) => sameNpz(v, expected) });
  }
  const file = `${base.name}-capped.npz`;
  cases.push({
    category: 'npz',
    name: `${file} (maxInflatedBytes 100)`,
    names: 'maxInflatedBytes',
    run: () => parseNpz(base.bytes, { file, maxInflatedBytes: 100 }),
  });
}
const npy1 = encodeNpy({ data: Float32Array.from([1, 2]), shape: [2] });
for (const names of [['__proto__.npy'], ['constructor.npy'], ['prototype.npy'], ['__proto__'], ['a.npy', 'a']]) {
  const file = `names-${names.join('+')}.npz`;
  // fflate's writer is not safe for such names itself: write placeholders of the same length, then patch the bytes
  const placeholders = names.map((n, i) => String.fromCharCode(97 + i).repeat(n.length));
  const b = zipSync(Object.fromEntries(placeholders.map((n) => [n, npy1])));
  names.forEach((n, i) => {
    const from = new TextEncoder().encode(placeholders[i]!),
      to = new TextEncoder().encode(n);
    for (let o = 0; o + from.length <= b.length; o++) if (from.every((x, j) => b[o + j] === x)) b.set(to, o);
  });
  cases.push({ category: 'npz', name: file, names: file, run: () => parseNpz(b, { file }) });
}
{
  // a real bomb: 32 MiB of zeros in a few KB, refused by the cap before inflating
  const bomb = zipSync({ 'z.npy': new Uint8Array(32 * 2 ** 20) }, { level: 9 });
  cases.push({
    category: 'npz',
    name: `bomb of ${bomb.length} bytes`,
    names: 'maxInflatedBytes',
    run: () => parseNpz(bomb, { file: 'bomb.npz', maxInflatedBytes: 2 ** 20 }),
  });
  // central-directory fields patched: sizes, method, encryption, offsets
  const good = encodeNpz(NPZ_ARRAYS);
  const dv = new DataView(good.buffer);
  let cd = -1;
  for (let o = good.length - 22; o >= 0; o--)
    if (dv.getUint32(o, true) === 0x06054b50) {
      cd = dv.getUint32(o + 16, true);
      break;
    }
  const patches: [string, number, number, 16 | 32][] = [
    ['usize 2^31', 24, 2 ** 31, 32],
    ['usize 1', 24, 1, 32],
    ['csize huge', 20, 0xfffffff0, 32],
    ['method 99', 10, 99, 16],
    ['encrypted', 8, 1, 16],
    ['offset past the end', 42, 0x7ffffff0, 32],
    ['crc 0', 16, 0, 32],
    ['name length huge', 28, 0xffff, 16],
    ['extra length huge', 30, 0xffff, 16],
    ['zip64 usize', 24, 0xffffffff, 32],
  ];
  for (const [name, off, value, bits] of patches) {
    const b = good.slice();
    const v = new DataView(b.buffer);
    if (bits === 16) v.setUint16(cd + off, value, true);
    else v.setUint32(cd + off, value, true);
    const file = `patched-${name.replace(/ /g, '-')}.npz`;
    cases.push({ category: 'npz', name: file, names: file, run: () => parseNpz(b, { file }), oracle: (x) => sameNpz(x, NPZ_ARRAYS) });
  }
}

// ---------------------------------------------------------------- zip (the reader itself)
for (let k = 0; k < 30; k++) {
  const len = [0, 1, 21, 22, 46, 100, 1000][k % 7]!;
  const b = Uint8Array.from({ length: len }, () => rng.int(256));
  if (k % 3 === 0 && len >= 22) {
    const dv = new DataView(b.buffer);
    dv.setUint32(len - 22, 0x06054b50, true);
    dv.setUint16(len - 22 + 20, 0, true);
    if (k % 2 === 0 && len >= 42) dv.setUint32(len - 42, 0x07064b50, true);
  }
  cases.push({
    category: 'zip',
    name: `random ${len} bytes #${k}`,
    names: `r${k}.zip`,
    run: () => readZip(b, { file: `r${k}.zip` }),
    oracle: (v) => Object.keys(v as object).length === 0,
  });
}
for (let k = 0; k < 10; k++) {
  const b = zipSync({ [`m${k}.npy`]: Uint8Array.from({ length: 50 + k }, (_, i) => i) }, { level: k % 2 ? 0 : 6 });
  const at = rng.int(b.length);
  const bad = flip(b, at);
  const file = `z${k}.zip`;
  cases.push({
    category: 'zip',
    name: `${file} flipped at ${at}`,
    names: file,
    run: () => readZip(bad, { file }),
    oracle: (v) => {
      const m = (v as Record<string, Uint8Array>)[`m${k}.npy`];
      if (!m || m.length !== 50 + k || m.some((x, i) => x !== i)) throw new Error('member differs (silent corruption)');
    },
  });
}

// ---------------------------------------------------------------- dataset folders and meta.json
const raw: RawDataset = makeRaw({ n: 8, h: 6, w: 7, sessions: 2, nTest: 2 });
const baseDir = join(root, 'base');
await writeDatasetDir(baseDir, raw);
const baseMeta = JSON.parse(readFileSync(join(baseDir, 'meta.json'), 'utf8')) as Record<string, unknown>;
const sameRaw = (v: unknown): boolean => {
  const r = v as RawDataset;
  if (r.imagesShape.join() !== raw.imagesShape.join() || !r.images.every((x, i) => x === raw.images[i])) throw new Error('images differ');
  if (r.sessions.length !== raw.sessions.length) throw new Error('sessions differ');
  r.sessions.forEach((s, i) => {
    const e = raw.sessions[i]!;
    if (s.key !== e.key || s.trainImageIds.join() !== e.trainImageIds.join() || s.trainResponses.join() !== e.trainResponses.join())
      throw new Error(`session ${s.key} differs`);
  });
  return true;
};
let caseNo = 0;
const caseDir = (): string => {
  const d = join(root, `case-${caseNo++}`);
  cpSync(baseDir, d, { recursive: true });
  return d;
};
const BAD_VALUES: unknown[] = [null, 5, 'x', [], {}, [null], true, -1, 99, [5, 6], { key: 'k' }];
for (const field of ['format', 'version', 'imagesShape', 'images', 'sessions', 'meta']) {
  for (const value of BAD_VALUES) {
    const d = caseDir();
    writeFileSync(join(d, 'meta.json'), JSON.stringify({ ...baseMeta, [field]: value }));
    cases.push({
      category: 'meta.json',
      name: `${field}: ${JSON.stringify(value)}`,
      names: /meta\.json|imagesShape|images/,
      dir: d,
      run: () => readDatasetDir(d),
      oracle: sameRaw,
    });
  }
}
const sessionsOf = baseMeta['sessions'] as { key: string; file: string }[];
for (const entry of [
  { key: 7, file: sessionsOf[0]!.file },
  { key: 'k', file: 7 },
  { key: 'k', file: '%zz.npz' },
  { key: 'k', file: '../outside/m1.npz' },
  { key: 'k', file: '/etc/hostname' },
  { key: 'k', file: 'sessions/../../x.npz' },
  { key: 'k', file: '' },
  { key: '', file: sessionsOf[0]!.file },
  { key: sessionsOf[1]!.key, file: sessionsOf[0]!.file },
  { key: 'k', file: 'meta.json' },
  { key: 'k', file: 'images.npy' },
  { key: 'k', file: 'sessions' },
  { key: 'k', file: 'a\u0000b.npz' },
  { key: '__proto__', file: sessionsOf[0]!.file },
]) {
  const d = caseDir();
  writeFileSync(join(d, 'meta.json'), JSON.stringify({ ...baseMeta, sessions: [sessionsOf[0], entry] }));
  // two keys may share one archive (a legitimate, if odd, dataset): then both sessions hold its arrays
  const shared = entry.key === sessionsOf[1]!.key && entry.file === sessionsOf[0]!.file;
  cases.push({
    category: 'meta.json',
    name: `session entry ${JSON.stringify(entry)}`,
    names: /meta\.json|session|\.npz|images\.npy|sessions/,
    dir: d,
    run: () => readDatasetDir(d),
    oracle: shared
      ? (v) =>
          (v as RawDataset).sessions.map((x) => x.key).join() === `${sessionsOf[0]!.key},${sessionsOf[1]!.key}` &&
          (v as RawDataset).sessions[1]!.trainResponses.join() === raw.sessions[0]!.trainResponses.join()
      : undefined,
  });
}
const metaText = JSON.stringify(baseMeta);
for (const text of [
  '',
  'null',
  '[]',
  '"x"',
  '{',
  metaText.slice(0, 30),
  metaText.slice(0, metaText.length - 1),
  `\uFEFF${metaText}`,
  `{"__proto__": {"polluted": 1}, ${metaText.slice(1)}`,
  metaText.replace('"meta":', '"meta": {"constructor": {"prototype": {"polluted": 1}}}, "x":'),
  metaText.replace('"version":1', '"version":"1"'),
  metaText.replace('"version":1', '"version":99'),
  metaText.replace('"version":1', '"version":1.0000001'),
  `{"prototype": 1, ${metaText.slice(1)}`,
]) {
  const d = caseDir();
  writeFileSync(join(d, 'meta.json'), text);
  // a UTF-8 byte-order mark is dropped by the decoder: the same meta.json
  cases.push({
    category: 'meta.json',
    name: `text ${JSON.stringify(text.slice(0, 40))}`,
    names: 'meta.json',
    dir: d,
    run: () => readDatasetDir(d),
    oracle: text.startsWith('\uFEFF') ? sameRaw : undefined,
  });
}

const sessionFile = (d: string, i = 0): string => join(d, sessionsOf[i]!.file);
const writeSession = async (d: string, over: Record<string, { data: NpyData; shape: number[] }>, drop: string[] = []): Promise<void> => {
  const s = raw.sessions[0]!;
  const arrays: Record<string, { data: NpyData; shape: number[] }> = {
    train_responses: { data: s.trainResponses, shape: [s.trainImageIds.length, s.nNeurons] },
    train_image_ids: { data: s.trainImageIds, shape: [s.trainImageIds.length] },
    test_responses: { data: s.testResponses, shape: [s.testImageIds.length, s.nNeurons] },
    test_image_ids: { data: s.testImageIds, shape: [s.testImageIds.length] },
    ...over,
  };
  for (const k of drop) delete arrays[k];
  await writeNpzFile(sessionFile(d), arrays);
};
const nTrain = raw.sessions[0]!.trainImageIds.length;
const ids64 = (bad: bigint): BigInt64Array => BigInt64Array.from(raw.sessions[0]!.trainImageIds, (v, i) => (i === 1 ? bad : BigInt(v)));
const folderCases: [string, (d: string) => Promise<void> | void, string | RegExp][] = [
  ['no meta.json (an interrupted write)', (d) => rmSync(join(d, 'meta.json')), 'meta.json'],
  ['no images', (d) => rmSync(join(d, 'images.npy')), 'images.npy'],
  [
    'images.npy is a FIFO',
    (d) => {
      rmSync(join(d, 'images.npy'));
      execFileSync('mkfifo', [join(d, 'images.npy')]);
    },
    'images.npy',
  ],
  [
    'images.npy links to /dev/zero',
    (d) => {
      rmSync(join(d, 'images.npy'));
      symlinkSync('/dev/zero', join(d, 'images.npy'));
    },
    'images.npy',
  ],
  [
    'images.npy is a folder',
    (d) => {
      rmSync(join(d, 'images.npy'));
      mkdirSync(join(d, 'images.npy'));
    },
    'images.npy',
  ],
  ['images.npy is empty', (d) => writeFileSync(join(d, 'images.npy'), ''), 'images.npy'],
  [
    'images.npy of float32',
    async (d) => {
      await writeNpyFile(join(d, 'images.npy'), { data: Float32Array.from(raw.images), shape: raw.imagesShape });
    },
    'images.npy',
  ],
  [
    'images.npy of another shape',
    async (d) => {
      await writeNpyFile(join(d, 'images.npy'), { data: raw.images.subarray(0, 7 * 6 * 7), shape: [7, 6, 7] });
    },
    /imagesShape|images/,
  ],
  [
    'saliency.npy is a FIFO',
    (d) => {
      execFileSync('mkfifo', [join(d, 'saliency.npy')]);
    },
    'saliency.npy',
  ],
  [
    'saliency.npy of another shape',
    async (d) => {
      await writeNpyFile(join(d, 'saliency.npy'), { data: new Float32Array(6), shape: [1, 2, 3] });
    },
    'saliency.npy',
  ],
  [
    'saliency.npy with NaN',
    async (d) => {
      const m = new Float32Array(8 * 6 * 7);
      m[5] = Number.NaN;
      await writeNpyFile(join(d, 'saliency.npy'), { data: m, shape: [8, 6, 7] });
    },
    'saliency',
  ],
  ['a session file is missing', (d) => rmSync(sessionFile(d, 1)), '.npz'],
  [
    'a session file is a FIFO',
    (d) => {
      rmSync(sessionFile(d));
      execFileSync('mkfifo', [sessionFile(d)]);
    },
    '.npz',
  ],
  [
    'a session file links to /dev/zero',
    (d) => {
      rmSync(sessionFile(d));
      symlinkSync('/dev/zero', sessionFile(d));
    },
    '.npz',
  ],
  [
    'a session file links outside (not a zip)',
    (d) => {
      rmSync(sessionFile(d));
      symlinkSync('/etc/hostname', sessionFile(d));
    },
    '.npz',
  ],
  ['train_image_ids missing', (d) => writeSession(d, {}, ['train_image_ids']), 'train_image_ids'],
  ['ids -4294967295 (int64)', (d) => writeSession(d, { train_image_ids: { data: ids64(-4294967295n), shape: [nTrain] } }), 'train_image_ids'],
  ['ids 2^53 + 1 (int64)', (d) => writeSession(d, { train_image_ids: { data: ids64(2n ** 53n + 1n), shape: [nTrain] } }), 'train_image_ids'],
  ['ids 2^31 (int64)', (d) => writeSession(d, { train_image_ids: { data: ids64(2n ** 31n), shape: [nTrain] } }), 'train_image_ids'],
  [
    'ids 2^64 - 1 (uint64)',
    (d) =>
      writeSession(d, {
        train_image_ids: { data: BigUint64Array.from(raw.sessions[0]!.trainImageIds, (v, i) => (i === 2 ? 2n ** 64n - 1n : BigInt(v))), shape: [nTrain] },
      }),
    'train_image_ids',
  ],
  [
    'ids 4294967295 (uint32)',
    (d) =>
      writeSession(d, { train_image_ids: { data: Uint32Array.from(raw.sessions[0]!.trainImageIds, (v, i) => (i === 0 ? 4294967295 : v)), shape: [nTrain] } }),
    'train_image_ids',
  ],
  [
    'id 8 of 8 images',
    (d) => writeSession(d, { train_image_ids: { data: Int32Array.from(raw.sessions[0]!.trainImageIds, (v, i) => (i === 0 ? 8 : v)), shape: [nTrain] } }),
    /ImageIds|image ids/,
  ],
  [
    'id -1 (int32)',
    (d) => writeSession(d, { train_image_ids: { data: Int32Array.from(raw.sessions[0]!.trainImageIds, (v, i) => (i === 0 ? -1 : v)), shape: [nTrain] } }),
    'train_image_ids',
  ],
  [
    'ids as float32',
    (d) => writeSession(d, { train_image_ids: { data: Float32Array.from(raw.sessions[0]!.trainImageIds), shape: [nTrain] } }),
    'train_image_ids',
  ],
  [
    'responses with NaN',
    (d) =>
      writeSession(d, {
        train_responses: { data: Float32Array.from(raw.sessions[0]!.trainResponses, (v, i) => (i === 3 ? Number.NaN : v)), shape: [nTrain, 3] },
      }),
    /Responses/,
  ],
  [
    'responses with Infinity',
    (d) =>
      writeSession(d, {
        train_responses: { data: Float32Array.from(raw.sessions[0]!.trainResponses, (v, i) => (i === 3 ? Infinity : v)), shape: [nTrain, 3] },
      }),
    /Responses/,
  ],
  [
    'responses negative',
    (d) => writeSession(d, { train_responses: { data: Float32Array.from(raw.sessions[0]!.trainResponses, (v, i) => (i === 0 ? -1 : v)), shape: [nTrain, 3] } }),
    /Responses/,
  ],
  ['responses as int64', (d) => writeSession(d, { train_responses: { data: new BigInt64Array(nTrain * 3), shape: [nTrain, 3] } }), 'train_responses'],
  ['responses 1-D', (d) => writeSession(d, { train_responses: { data: raw.sessions[0]!.trainResponses, shape: [nTrain * 3] } }), 'train_responses'],
  [
    'responses of the wrong width',
    (d) =>
      writeSession(d, {
        test_responses: { data: new Float32Array(raw.sessions[0]!.testImageIds.length * 2), shape: [raw.sessions[0]!.testImageIds.length, 2] },
      }),
    'test_responses',
  ],
];
for (const [name, mutate, names] of folderCases) {
  const d = caseDir();
  cases.push({
    category: 'dataset folders',
    name,
    names,
    dir: d,
    run: async () => {
      await mutate(d);
      return readDatasetDir(d);
    },
  });
}
for (let k = 0; k < 20; k++) {
  const d = caseDir();
  cases.push({
    category: 'dataset folders',
    name: `session archive byte flip #${k}`,
    names: '.npz',
    dir: d,
    oracle: sameRaw,
    run: async () => {
      const f = sessionFile(d, k % 2);
      const b = new Uint8Array(readFileSync(f));
      writeFileSync(f, flip(b, rng.int(b.length)));
      return readDatasetDir(d);
    },
  });
}

// ---------------------------------------------------------------- image folders
const png8 = (w: number, h: number, seed: number): Promise<Buffer> =>
  sharp(Buffer.from(Uint8Array.from({ length: w * h }, (_, i) => (i * 37 + seed * 11) % 256)), { raw: { width: w, height: h, channels: 1 } })
    .png()
    .toBuffer();
const png16 = (w: number, h: number, values: readonly number[]): Buffer => {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 16;
  ihdr[9] = 0;
  const rows = Buffer.alloc(h * (1 + 2 * w));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rows.writeUInt16BE(values[y * w + x]!, y * (1 + 2 * w) + 1 + 2 * x);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', new Uint8Array(0)),
  ]);
};
const imageCases: [string, (d: string) => Promise<void> | void, string | RegExp, ((v: unknown) => boolean | void)?][] = [
  [
    '8-bit PNGs',
    async (d) => {
      for (let i = 0; i < 3; i++) writeFileSync(join(d, `${i}.png`), await png8(5, 4, i));
    },
    'x',
    (v) => (v as { imagesShape: number[] }).imagesShape.join() === '3,4,5',
  ],
  [
    'a 16-bit PNG is scaled by round(v / 257)',
    (d) => {
      writeFileSync(join(d, '0.png'), png16(4, 2, [0, 1000, 30000, 65535, 256, 511, 12345, 40000]));
    },
    'x',
    (v) => {
      const got = Array.from((v as { images: Uint8Array }).images);
      const want = [0, 1000, 30000, 65535, 256, 511, 12345, 40000].map((x) => Math.round(x / 257));
      if (got.join() !== want.join()) throw new Error(`${got} ≠ ${want}`);
    },
  ],
  [
    'sizes differ',
    async (d) => {
      writeFileSync(join(d, '0.png'), await png8(5, 4, 0));
      writeFileSync(join(d, '1.png'), await png8(4, 5, 1));
    },
    '1.png',
  ],
  [
    'a truncated PNG',
    async (d) => {
      writeFileSync(join(d, '0.png'), (await png8(5, 4, 0)).subarray(0, 40));
    },
    '0.png',
  ],
  [
    'random bytes as .png',
    (d) => {
      writeFileSync(
        join(d, '0.png'),
        Uint8Array.from({ length: 64 }, () => rng.int(256)),
      );
    },
    '0.png',
  ],
  [
    'random bytes as .jpg',
    (d) => {
      writeFileSync(
        join(d, '0.jpg'),
        Uint8Array.from({ length: 64 }, () => rng.int(256)),
      );
    },
    '0.jpg',
  ],
  [
    'a FIFO named .png',
    (d) => {
      execFileSync('mkfifo', [join(d, '0.png')]);
    },
    '0.png',
  ],
  [
    'a link to /dev/zero named .png',
    (d) => {
      symlinkSync('/dev/zero', join(d, '0.png'));
    },
    '0.png',
  ],
  [
    'a folder named .png',
    (d) => {
      mkdirSync(join(d, '0.png'));
    },
    '0.png',
  ],
  [
    'no images',
    (d) => {
      writeFileSync(join(d, 'notes.txt'), 'x');
    },
    'images',
  ],
  [
    'a 3-D .npy image',
    async (d) => {
      await writeNpyFile(join(d, '0.npy'), { data: new Uint8Array(8), shape: [2, 2, 2] });
    },
    '0.npy',
  ],
  [
    'a float .npy image',
    async (d) => {
      await writeNpyFile(join(d, '0.npy'), { data: new Float32Array(4), shape: [2, 2] });
    },
    '0.npy',
  ],
  [
    'npy images of two sizes',
    async (d) => {
      await writeNpyFile(join(d, '0.npy'), { data: new Uint8Array(4), shape: [2, 2] });
      await writeNpyFile(join(d, '1.npy'), { data: new Uint8Array(6), shape: [2, 3] });
    },
    '1.npy',
  ],
];
for (const [name, fill, names, oracle] of imageCases) {
  const d = join(root, `img-${caseNo++}`);
  mkdirSync(d);
  cases.push({
    category: 'image folders',
    name,
    names,
    dir: d,
    oracle,
    run: async () => {
      await fill(d);
      return readImageFolder(d);
    },
  });
}
for (let k = 0; k < 12; k++) {
  const d = join(root, `img-${caseNo++}`);
  mkdirSync(d);
  cases.push({
    category: 'image folders',
    name: `PNG byte flip #${k}`,
    names: '.png',
    dir: d,
    oracle: (v) => (v as { imagesShape: number[] }).imagesShape.join() === '1,4,5',
    run: async () => {
      const b = new Uint8Array(await png8(5, 4, k));
      writeFileSync(join(d, '0.png'), flip(b, 8 + rng.int(b.length - 8)));
      return readImageFolder(d);
    },
  });
}
cases.push({ category: 'image folders', name: 'a missing folder', names: 'nowhere', run: () => readImageFolder(join(root, 'nowhere')) });
cases.push({ category: 'image folders', name: 'a file instead of a folder', names: 'meta.json', run: () => readImageFolder(join(baseDir, 'meta.json')) });

// ---------------------------------------------------------------- dataset options
const small = makeRaw({ n: 6, h: 8, w: 10, sessions: 1, nTest: 1 });
const optionCases: [string, () => unknown, string | RegExp][] = [
  ['scale 1e9', () => createDataset(small, { scale: 1e9 }), 'scale'],
  ['scale 1000 (a 15 GB cache)', () => createDataset(makeRaw({ n: 40, h: 20, w: 20, sessions: 1, nTest: 2 }), { scale: 1000, channels: 'all' }), 'scale'],
  ['scale 0', () => createDataset(small, { scale: 0 }), 'scale'],
  ['scale NaN', () => createDataset(small, { scale: Number.NaN }), 'scale'],
  ['scale -1', () => createDataset(small, { scale: -1 }), 'scale'],
  ['scale "2"', () => createDataset(small, { scale: '2' as never }), 'scale'],
  ['maxCacheBytes 100', () => createDataset(small, { maxCacheBytes: 100 }), 'maxCacheBytes'],
  ['gradientSigma 1e6', () => createDataset(small, { channels: 'all', gradientSigma: 1e6 }), 'gradientSigma'],
  ['gradientSigma 1e300', () => createDataset(small, { channels: 'images+gradients', gradientSigma: 1e300 }), 'gradientSigma'],
  ['gradientSigma Infinity', () => createDataset(small, { channels: 'all', gradientSigma: Infinity }), 'gradientSigma'],
  ['gradientSigma -1', () => createDataset(small, { channels: 'all', gradientSigma: -1 }), 'gradientSigma'],
  [
    'saliency function returns NaN',
    () => createDataset(small, { channels: 'all', saliency: (_i, h, w) => new Float32Array(h * w).fill(Number.NaN) }),
    'saliency function',
  ],
  [
    'saliency function returns one Infinity',
    () =>
      createDataset(small, {
        channels: 'all',
        saliency: (_i, h, w) => {
          const m = new Float32Array(h * w);
          m[3] = Infinity;
          return m;
        },
      }),
    'saliency function',
  ],
  [
    'saliency function returns -Infinity',
    () => createDataset(small, { channels: 'images+saliency', saliency: (_i, h, w) => new Float32Array(h * w).fill(-Infinity) }),
    'saliency function',
  ],
  ['saliency function returns a short map', () => createDataset(small, { channels: 'all', saliency: () => new Float32Array(3) }), 'saliency function'],
  ['saliency function returns an array', () => createDataset(small, { channels: 'all', saliency: (() => [1, 2]) as never }), 'saliency function'],
  [
    'saliency function returns a constant map',
    () => createDataset(small, { channels: 'images+saliency', saliency: (_i, h, w) => new Float32Array(h * w).fill(2) }),
    "'saliency'",
  ],
  ['stats with std 0', () => createDataset(small, { stats: { channels: ['image'], mean: [0], std: [0], count: 1 } }), 'stats'],
  ['stats with NaN mean', () => createDataset(small, { stats: { channels: ['image'], mean: [Number.NaN], std: [1], count: 1 } }), 'stats'],
  ['stats of other channels', () => createDataset(small, { stats: { channels: ['saliency'], mean: [0], std: [1], count: 1 } }), 'stats'],
  ['stats null-ish object', () => createDataset(small, { stats: {} as never }), 'stats'],
  [
    'crop larger than the image',
    () =>
      createDataset(small, {
        crop: [
          [5, 5],
          [0, 0],
        ],
      }),
    'crop',
  ],
  [
    'crop negative',
    () =>
      createDataset(small, {
        crop: [
          [-1, 0],
          [0, 0],
        ],
      }),
    'crop',
  ],
  ['subsample 0', () => createDataset(small, { subsample: 0 }), 'subsample'],
  ['trainFraction 2', () => createDataset(small, { trainFraction: 2 }), 'trainFraction'],
  ['channels "rgb"', () => createDataset(small, { channels: 'rgb' as never }), 'channels'],
  ['unknown option', () => createDataset(small, { scael: 2 } as never), 'scael'],
  ['constant images', () => createDataset({ ...small, images: new Uint8Array(small.images.length).fill(9) }), "'image'"],
  ['raw null', () => createDataset(null as never), 'raw'],
  ['imagesShape 5', () => createDataset({ ...small, imagesShape: 5 as never }), 'imagesShape'],
];
for (const [name, run, names] of optionCases) cases.push({ category: 'dataset options', name, names, run });

// ---------------------------------------------------------------- writers
const wroot = join(root, 'writers');
mkdirSync(wroot);
writeFileSync(join(wroot, 'a-file'), 'x');
const writerCases: [string, () => Promise<unknown>, string][] = [
  ['writeDatasetDir onto a file', () => writeDatasetDir(join(wroot, 'a-file'), small), 'a-file'],
  ['writeDatasetDir under a file', () => writeDatasetDir(join(wroot, 'a-file', 'sub'), small), 'a-file'],
  ['writeNpyFile onto a folder', () => writeNpyFile(wroot, { data: new Float32Array(2), shape: [2] }), 'writers'],
  ['writeNpyFile under a file', () => writeNpyFile(join(wroot, 'a-file', 'x.npy'), { data: new Float32Array(2), shape: [2] }), 'a-file'],
  ['writeNpzFile under a file', () => writeNpzFile(join(wroot, 'a-file', 'x.npz'), { a: { data: new Float32Array(2), shape: [2] } }), 'a-file'],
  ['writeNpyFile with a wrong shape', () => writeNpyFile(join(wroot, 'x.npy'), { data: new Float32Array(2), shape: [3] }), 'shape'],
  ['writeDatasetDir of an invalid dataset', () => writeDatasetDir(join(wroot, 'bad'), { ...small, sessions: [] }), 'sessions'],
  ['readNpyFile of a missing file', () => readNpyFile(join(wroot, 'missing.npy')), 'missing.npy'],
  ['readNpyFile of a folder', () => readNpyFile(wroot), 'writers'],
  ['readDatasetDir of a file', () => readDatasetDir(join(wroot, 'a-file')), 'a-file'],
  ['readDatasetDir of a missing folder', () => readDatasetDir(join(wroot, 'nothing')), 'nothing'],
];
for (const [name, run, names] of writerCases) cases.push({ category: 'writers', name, names, run, dir: wroot });

describe('loader fuzz suite (seeded)', () => {
  it(`${cases.length} generated bad inputs: typed errors naming the input or correct loads; no hang, no temp file, no prototype change`, async () => {
    const t0 = performance.now();
    const reports = await runFuzz(cases, 5000);
    console.log(`loader fuzz: ${cases.length} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s\n${formatReports(reports)}`);
    expect(cases.length).toBeGreaterThanOrEqual(400);
    expect(reports.flatMap((r) => r.failures)).toEqual([]);
    expect(new Set(reports.map((r) => r.category))).toEqual(
      new Set(['npy', 'npz', 'zip', 'meta.json', 'dataset folders', 'image folders', 'dataset options', 'writers']),
    );
  });
});
