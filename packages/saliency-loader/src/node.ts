/**
 * `@sal/saliency-loader/node`: filesystem readers and writers (Node only). Every write goes to a temp
 * file in the same folder and is renamed into place, so no half-written file is ever left.
 *
 * Dataset directory layout:
 * ```
 * <dir>/meta.json            {"format":"sal-dataset","version":1,"imagesShape":[n,h,w],"sessions":[{"key","file"}],"meta":{…}}
 * <dir>/images.npy           [n,h,w] uint8        — or —  <dir>/images/<id>.png|.jpg (grey, read in id order)
 * <dir>/saliency.npy         [n,h,w] float32 log-densities on the full images (optional)
 * <dir>/sessions/<key>.npz   train_responses [t,k] f4, train_image_ids [t] i4, test_responses [u,k] f4, test_image_ids [u] i4
 * ```
 */
import { mkdir, open, readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve, sep } from 'node:path';
import type { OutputInfo } from 'sharp';
import {
  checkOneOf,
  isJsonObject,
  parseJson,
  SalBackendError,
  SalDataError,
  SalShapeError,
  type JsonObject,
  type RawDataset,
  type RawSession,
} from '@sal/types';
import { writeFileAtomic as writeFileAtomicRaw } from '@sal/types/node';
import { encodeNpy, parseNpy, type EncodeNpyOptions, type NpyArray, type NpyData, type NpyDtype, type ParseNpyOptions } from './npy.js';
import { encodeNpz, parseNpz, type EncodeNpzOptions, type ParseNpzOptions } from './npz.js';
import { validateRawDataset } from './validate.js';
import { openNpyPlanes, type NpyPlanes } from './npy-planes.js';
import type { PlaneSource, StreamedRawDataset } from './planes.js';

export { openNpyPlanes } from './npy-planes.js';
export type { NpyPlanes, OpenNpyPlanesOptions } from './npy-planes.js';

/**
 * sharp, loaded on first use: only image folders need it (an optional peer dependency, so installs that read
 * and write `.npy` only stay without its native binaries). Missing: a `SalBackendError` saying what to install.
 */
async function loadSharp(where: string): Promise<typeof import('sharp')['default']> {
  try {
    return (await import('sharp')).default;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw e;
    throw new SalBackendError('sharp', `${where} reads and writes PNG/JPEG image folders with sharp, which is not installed`, 'npm install sharp');
  }
}

/**
 * Write `bytes` to `path` through a temp file and a rename (creates the parent folder); OS errors (a file where a
 * folder should be, no permission) become a `SalDataError` naming the path.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  try {
    await writeFileAtomicRaw(path, bytes);
  } catch (e) {
    throw new SalDataError('writeFileAtomic', 'a writable path', (e as NodeJS.ErrnoException).code ?? (e as Error).message, path);
  }
}

/** Largest file read whole (4 GiB: beyond it a typed array cannot hold it anyway). */
const MAX_FILE_BYTES = 2 ** 32;

/** Read a regular file whole; FIFOs, devices (also through a symlink), folders and missing files are typed errors. */
async function readBytes(path: string, where: string): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new SalDataError(where, 'a regular file', st.isDirectory() ? 'a folder' : 'a special file (FIFO, device or socket)', path);
    if (st.size > MAX_FILE_BYTES) throw new SalDataError(where, `a file of at most ${MAX_FILE_BYTES} bytes`, st.size, path);
    handle = await open(path, 'r');
    const bytes = new Uint8Array(st.size);
    let off = 0;
    while (off < st.size) {
      const { bytesRead } = await handle.read(bytes, off, st.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    if (off !== st.size) throw new SalDataError(where, `${st.size} bytes`, off, path);
    return bytes;
  } catch (e) {
    if (e instanceof SalDataError) throw e;
    throw new SalDataError(where, 'a readable file', (e as NodeJS.ErrnoException).code ?? (e as Error).message, path);
  } finally {
    await handle?.close();
  }
}

/** Read a `.npy` file (see {@link parseNpy}); errors name the file. */
export async function readNpyFile(path: string, opts: Omit<ParseNpyOptions, 'file'> = {}): Promise<NpyArray> {
  return parseNpy(await readBytes(path, 'readNpyFile'), { ...opts, file: path });
}

/** Write a C-order array as a `.npy` file (atomically). */
export async function writeNpyFile(path: string, arr: { data: NpyData; shape: readonly number[]; dtype?: NpyDtype }, opts?: EncodeNpyOptions): Promise<void> {
  await writeFileAtomic(path, encodeNpy(arr, opts));
}

/** Read a `.npz` archive into its arrays (keys without `.npy`; CRCs checked, inflated size capped, see {@link parseNpz}). */
export async function readNpzFile(path: string, opts: Omit<ParseNpzOptions, 'file'> = {}): Promise<Record<string, NpyArray>> {
  return parseNpz(await readBytes(path, 'readNpzFile'), { ...opts, file: path });
}

/** Write arrays as a `.npz` archive (atomically; deflated unless `compress: false`). */
export async function writeNpzFile(
  path: string,
  arrays: Record<string, { data: NpyData; shape: readonly number[]; dtype?: NpyDtype }>,
  opts?: EncodeNpzOptions,
): Promise<void> {
  await writeFileAtomic(path, encodeNpz(arrays, opts));
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.npy']);

/**
 * Read a folder of grey PNG/JPEG images, or 2-D uint8 `.npy` files (the original's layout, one file per
 * image), in id order (file names sorted numerically when they are numbers, e.g. `000123.npy`, otherwise by
 * name). Colour images are converted to grey (libvips b-w).
 * All images must have the same size ({@link SalShapeError} naming the first that differs).
 * @returns `{ images: [n, h, w] uint8, imagesShape, files }`
 */
export async function readImageFolder(dir: string): Promise<{ images: Uint8Array; imagesShape: [number, number, number]; files: string[] }> {
  const where = 'readImageFolder';
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()));
  } catch (e) {
    throw new SalDataError(where, 'a readable folder', (e as NodeJS.ErrnoException).code ?? (e as Error).message, dir);
  }
  if (names.length === 0) throw new SalDataError(where, 'PNG, JPEG or .npy images', 'none', dir);
  const numeric = names.every((f) => /^\d+$/.test(basename(f, extname(f))));
  names.sort(numeric ? (a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10) : undefined);
  let h = 0,
    w = 0;
  const planes: Uint8Array[] = [];
  for (const name of names) {
    const file = join(dir, name);
    if (extname(name).toLowerCase() === '.npy') {
      const a = await readNpyFile(file, { dtype: 'u1' });
      if (a.shape.length !== 2) throw new SalShapeError(`${where}(${file})`, '[h, w]', a.shape);
      const [ah, aw] = a.shape as [number, number];
      if (planes.length === 0) {
        h = ah;
        w = aw;
      } else if (ah !== h || aw !== w) {
        throw new SalShapeError(`${where}(${file})`, [h, w], [ah, aw], `images must all have the size of ${names[0]}`);
      }
      planes.push(a.data as Uint8Array);
      continue;
    }
    const { plane, width, height } = await decodeGrey(await readBytes(file, where), file, where);
    if (planes.length === 0) {
      h = height;
      w = width;
    } else if (height !== h || width !== w) {
      throw new SalShapeError(`${where}(${file})`, [h, w], [height, width], `images must all have the size of ${names[0]}`);
    }
    planes.push(plane);
  }
  const images = new Uint8Array(planes.length * h * w);
  planes.forEach((p, i) => images.set(p, i * h * w));
  return { images, imagesShape: [planes.length, h, w], files: names };
}

/**
 * Decode a PNG/JPEG to 8-bit grey (libvips b-w). 16-bit images are read at 16 bits and scaled to 0–255 with
 * `round(v / 257)` (so 65535 → 255, exactly); other depths are refused.
 */
async function decodeGrey(bytes: Uint8Array, file: string, where: string): Promise<{ plane: Uint8Array; width: number; height: number }> {
  let out: { data: Buffer; info: OutputInfo };
  let depth: string | undefined;
  const sharp = await loadSharp(where);
  try {
    depth = (await sharp(bytes).metadata()).depth;
    if (depth !== 'uchar' && depth !== 'ushort') throw new SalDataError(where, 'an 8- or 16-bit image', depth, file);
    out =
      depth === 'ushort'
        ? await sharp(bytes).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true })
        : await sharp(bytes).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    if (e instanceof SalDataError) throw e;
    throw new SalDataError(where, 'a decodable PNG/JPEG image', (e as Error).message, file);
  }
  const { width, height, channels } = out.info;
  const n = width * height;
  const plane = new Uint8Array(n);
  if (depth === 'ushort') {
    const v = new Uint16Array(out.data.buffer.slice(out.data.byteOffset, out.data.byteOffset + out.data.length));
    for (let i = 0; i < n; i++) plane[i] = Math.round((v[i * channels] as number) / 257);
  } else {
    for (let i = 0; i < n; i++) plane[i] = out.data[i * channels] as number;
  }
  return { plane, width, height };
}

/**
 * Read a folder of 2-D `.npy` maps (f4 or f8, e.g. the original's `saliency_cache_path` of DeepGaze
 * log-densities, named like the images) in the same order as {@link readImageFolder}. All maps must have
 * the same size.
 * @returns `{ maps: [n, h, w], shape, files }`
 */
export async function readMapFolder(dir: string): Promise<{ maps: Float32Array; shape: [number, number, number]; files: string[] }> {
  const where = 'readMapFolder';
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => extname(f).toLowerCase() === '.npy');
  } catch (e) {
    throw new SalDataError(where, 'a readable folder', (e as NodeJS.ErrnoException).code ?? (e as Error).message, dir);
  }
  if (names.length === 0) throw new SalDataError(where, '.npy maps', 'none', dir);
  const numeric = names.every((f) => /^\d+$/.test(basename(f, '.npy')));
  names.sort(numeric ? (a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10) : undefined);
  const planes: Float32Array[] = [];
  let h = 0,
    w = 0;
  for (const name of names) {
    const file = join(dir, name);
    const a = await readNpyFile(file, { dtype: ['f4', 'f8'] });
    if (a.shape.length !== 2) throw new SalShapeError(`${where}(${file})`, '[h, w]', a.shape);
    const [ah, aw] = a.shape as [number, number];
    if (planes.length === 0) {
      h = ah;
      w = aw;
    } else if (ah !== h || aw !== w) {
      throw new SalShapeError(`${where}(${file})`, [h, w], [ah, aw], `maps must all have the size of ${names[0]}`);
    }
    planes.push(toFloat32(a, where, file));
  }
  const maps = new Float32Array(planes.length * h * w);
  planes.forEach((p, i) => maps.set(p, i * h * w));
  return { maps, shape: [planes.length, h, w], files: names };
}

/** Options of {@link writeDatasetDir}. */
export interface WriteDatasetDirOptions {
  /** Images as one `images.npy` or as an `images/` folder of lossless grey PNGs. @default 'npy' */
  images?: 'npy' | 'png';
  /** Deflate the session archives. @default true */
  compress?: boolean;
  /** Called after each file is written with its path inside `dir`, the files written so far and their total. @default undefined */
  onProgress?: (file: string, done: number, total: number) => void;
}

interface MetaFile {
  format: 'sal-dataset';
  version: 1;
  imagesShape: [number, number, number];
  images: 'npy' | 'png';
  sessions: { key: string; file: string }[];
  meta?: JsonObject;
}

/** File name of a session's archive: the key, percent-encoded so any key is a safe file name. */
export function sessionFileName(key: string): string {
  return `sessions/${encodeURIComponent(key).replace(/\./g, '%2E')}.npz`;
}

/** Write a {@link RawDataset} to `dir` in the layout above (every file atomically, `meta.json` last). */
export async function writeDatasetDir(dir: string, raw: RawDataset, opts: WriteDatasetDirOptions = {}): Promise<void> {
  const where = 'writeDatasetDir';
  validateRawDataset(raw, where);
  const images = checkOneOf(where, 'images', opts.images ?? 'npy', ['npy', 'png'] as const);
  const [n, h, w] = raw.imagesShape;
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new SalDataError(where, 'a folder that can be created', (e as NodeJS.ErrnoException).code ?? (e as Error).message, dir);
  }
  const total = (images === 'npy' ? 1 : n) + (raw.saliency ? 1 : 0) + raw.sessions.length + 1;
  let done = 0;
  const wrote = (file: string): void => opts.onProgress?.(file, ++done, total);
  if (images === 'npy') {
    await writeNpyFile(join(dir, 'images.npy'), { data: raw.images, shape: [n, h, w] });
    wrote('images.npy');
  } else {
    const digits = Math.max(6, String(n - 1).length);
    const sharp = await loadSharp(where);
    for (let i = 0; i < n; i++) {
      const png = await sharp(Buffer.from(raw.images.subarray(i * h * w, (i + 1) * h * w)), { raw: { width: w, height: h, channels: 1 } })
        .png()
        .toBuffer();
      const name = `images/${String(i).padStart(digits, '0')}.png`;
      await writeFileAtomic(join(dir, name), png);
      wrote(name);
    }
  }
  if (raw.saliency) {
    await writeNpyFile(join(dir, 'saliency.npy'), { data: raw.saliency, shape: [n, h, w] });
    wrote('saliency.npy');
  }
  const sessions: MetaFile['sessions'] = [];
  for (const s of raw.sessions) {
    const file = sessionFileName(s.key);
    await writeNpzFile(
      join(dir, file),
      {
        train_responses: { data: s.trainResponses, shape: [s.trainImageIds.length, s.nNeurons] },
        train_image_ids: { data: s.trainImageIds, shape: [s.trainImageIds.length] },
        test_responses: { data: s.testResponses, shape: [s.testImageIds.length, s.nNeurons] },
        test_image_ids: { data: s.testImageIds, shape: [s.testImageIds.length] },
      },
      { compress: opts.compress ?? true },
    );
    sessions.push({ key: s.key, file });
    wrote(file);
  }
  const meta: MetaFile = { format: 'sal-dataset', version: 1, imagesShape: [n, h, w], images, sessions, ...(raw.meta ? { meta: raw.meta } : {}) };
  await writeFileAtomic(join(dir, 'meta.json'), `${JSON.stringify(meta, null, 1)}\n`);
  wrote('meta.json');
}

/**
 * `[n, h, w]` of a stack of grey planes stored as `[n, h, w]`, `[n, 1, h, w]` (NCHW, the original's image
 * cache) or `[n, h, w, 1]` (NHWC): with one channel the data are the same bytes, so no copy is needed.
 */
export function stackShape(shape: readonly number[], where = 'stackShape'): [number, number, number] {
  if (shape.length === 3) return [shape[0] as number, shape[1] as number, shape[2] as number];
  if (shape.length === 4 && shape[1] === 1) return [shape[0] as number, shape[2] as number, shape[3] as number];
  if (shape.length === 4 && shape[3] === 1) return [shape[0] as number, shape[1] as number, shape[2] as number];
  throw new SalShapeError(where, '[n, h, w], [n, 1, h, w] or [n, h, w, 1]', shape);
}

/** Whether `path` exists (through links); errors other than "not there" (permissions, ENOTDIR…) are typed. */
async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw new SalDataError('readDatasetDir', 'a readable path', code ?? (e as Error).message, path);
  }
}

function toFloat32(a: NpyArray, where: string, file: string): Float32Array {
  if (a.dtype === 'f4') return a.data as Float32Array;
  if (a.dtype === 'i8' || a.dtype === 'u8' || a.dtype === 'b1')
    throw new SalDataError(where, 'numeric responses (f4, f8 or an integer dtype up to 32 bits)', a.dtype, file);
  return Float32Array.from(a.data as ArrayLike<number>);
}

/** Image ids as int32: integer dtypes only, every id (checked before conversion, bigints too) in `[0, 2^31)`. */
function toInt32(a: NpyArray, where: string, file: string): Int32Array {
  if (!['u1', 'i1', 'u2', 'i2', 'i4', 'u4', 'i8', 'u8'].includes(a.dtype)) throw new SalDataError(where, 'integer image ids', a.dtype, file);
  const src = a.data as ArrayLike<number | bigint>;
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    const ok = typeof v === 'bigint' ? v >= 0n && v <= 2147483647n : v >= 0 && v <= 2147483647;
    if (!ok) throw new SalDataError(where, 'image ids in [0, 2^31)', `${String(v)} at index ${i}`, file);
    out[i] = Number(v);
  }
  return out;
}

/** The `meta.json` layout this reader understands. */
export const DATASET_META_VERSION = 1;

/** `file` from `meta.json` as a path inside `dir` (never `..`, absolute or through a NUL byte). */
function insideDir(dir: string, file: string, where: string, metaPath: string): string {
  const root = resolve(dir);
  const p = resolve(root, file);
  if (file.includes('\0') || !p.startsWith(root + sep)) throw new SalDataError(where, 'session files inside the dataset folder', file, metaPath);
  return p;
}

/** Parse and check `meta.json`: format, version and every field's type (typed errors naming the field). */
function checkMeta(text: string, metaPath: string, where: string): MetaFile {
  const doc = parseJson(text, metaPath);
  if (!isJsonObject(doc)) throw new SalDataError(where, 'meta.json as a JSON object', doc, metaPath);
  const field = (key: string, ok: boolean, what: string): void => {
    if (!ok) throw new SalDataError(where, `meta.json ${key} as ${what}`, doc[key] ?? null, metaPath);
  };
  field('format', doc['format'] === 'sal-dataset', "'sal-dataset'");
  field('version', doc['version'] === DATASET_META_VERSION, `${DATASET_META_VERSION} (this reader's layout)`);
  const shape = doc['imagesShape'];
  field(
    'imagesShape',
    Array.isArray(shape) && shape.length === 3 && shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 1),
    '[n, h, w] positive integers',
  );
  field('images', doc['images'] === undefined || doc['images'] === 'npy' || doc['images'] === 'png', "'npy' or 'png'");
  const sessions = doc['sessions'];
  field(
    'sessions',
    Array.isArray(sessions) &&
      sessions.length > 0 &&
      sessions.every((e) => isJsonObject(e) && typeof e['key'] === 'string' && e['key'].length > 0 && typeof e['file'] === 'string' && e['file'].length > 0),
    'a non-empty array of {key, file} strings',
  );
  field('meta', doc['meta'] === undefined || isJsonObject(doc['meta']), 'an object');
  return doc as unknown as MetaFile;
}

/**
 * Read a dataset directory (layout above) back into a {@link RawDataset}, checked with the same rules as
 * `createDataset`. `meta.json` is required: {@link writeDatasetDir} writes it last, so a folder without it is an
 * interrupted write and is refused. Its version and fields are checked, and every session file must lie inside `dir`.
 * Files must be regular files (no FIFO or device); npz members are CRC-checked.
 */
export async function readDatasetDir(dir: string): Promise<RawDataset> {
  // not streamed: every array is read whole, so `images` and `saliency` are typed arrays
  return (await loadDatasetDir(dir, 'readDatasetDir', false)) as RawDataset;
}

/**
 * One `.npy` stack of `dir` (`images.npy` or `saliency.npy`): opened as planes read by offset when `stream` and the
 * file allows it (C order), else read whole; its shape is checked as an `[n, h, w]` stack.
 */
async function readStack<T extends Uint8Array | Float32Array>(
  path: string,
  dtype: 'u1' | 'float',
  stream: boolean,
  opened: NpyPlanes[],
  where: string,
): Promise<{ data: T | PlaneSource; shape: [number, number, number] }> {
  const dtypes = dtype === 'u1' ? (['u1'] as const) : (['f4', 'f8'] as const);
  const planes = stream ? openNpyPlanes(path, { dtype: [...dtypes], stackShape: (s) => stackShape(s, `${where}(${path})`) }) : null;
  if (planes) {
    opened.push(planes);
    return { data: planes, shape: [...planes.shape] };
  }
  const a = await readNpyFile(path, { dtype: [...dtypes] });
  const shape = stackShape(a.shape, `${where}(${path})`);
  return { data: (dtype === 'u1' ? (a.data as Uint8Array) : toFloat32(a, where, path)) as T, shape };
}

/**
 * What {@link readDatasetDir} (`stream` false) and {@link openDatasetDir} (`stream` true) share: `meta.json`, the
 * images (`images.npy` or `images/`), the optional `saliency.npy`, the sessions, and every check. Planes opened for
 * streaming are closed here if a later check fails.
 */
async function loadDatasetDir(dir: string, where: string, stream: boolean): Promise<OpenedDataset> {
  const { meta, metaPath } = await readMeta(dir, where);
  const opened: NpyPlanes[] = [];
  try {
    let images: Uint8Array | PlaneSource;
    let imagesShape: [number, number, number];
    const npyPath = join(dir, 'images.npy');
    if (await exists(npyPath)) ({ data: images, shape: imagesShape } = await readStack<Uint8Array>(npyPath, 'u1', stream, opened, where));
    else if (await exists(join(dir, 'images'))) ({ images, imagesShape } = await readImageFolder(join(dir, 'images')));
    else throw new SalDataError(where, 'images.npy or an images/ folder', 'neither', dir);
    if (meta.imagesShape.join() !== imagesShape.join()) {
      throw new SalShapeError(`${where}(${metaPath} imagesShape)`, meta.imagesShape, imagesShape, 'meta.json and the images disagree');
    }
    let saliency: Float32Array | PlaneSource | undefined;
    const salPath = join(dir, 'saliency.npy');
    if (await exists(salPath)) {
      const s = await readStack<Float32Array>(salPath, 'float', stream, opened, where);
      if (s.shape.join() !== imagesShape.join())
        throw new SalShapeError(`${where}(${salPath})`, imagesShape, s.shape, "saliency maps must have the images' size");
      saliency = s.data;
    }
    const sessions = await readSessions(dir, meta, metaPath, where);
    const raw: OpenedDataset = {
      images,
      imagesShape,
      sessions,
      ...(saliency ? { saliency } : {}),
      ...(meta.meta ? { meta: meta.meta } : {}),
      close: () => {
        for (const p of opened) p.close();
      },
    };
    validateRawDataset(raw, `${where}(${dir})`);
    if (!stream) {
      // a plain RawDataset: no close()
      const { close: _close, ...plain } = raw;
      return plain as OpenedDataset;
    }
    return raw;
  } catch (e) {
    for (const p of opened) p.close();
    throw e;
  }
}

/** Every session archive listed in `meta.json` (each inside `dir`, every member checked). */
async function readSessions(dir: string, meta: MetaFile, metaPath: string, where: string): Promise<RawSession[]> {
  const sessions: RawSession[] = [];
  for (const { key, file } of meta.sessions) {
    const path = insideDir(dir, file, where, metaPath);
    const z = await readNpzFile(path);
    for (const name of ['train_responses', 'train_image_ids', 'test_responses', 'test_image_ids']) {
      if (!Object.hasOwn(z, name)) throw new SalDataError(where, `an array '${name}'`, Object.keys(z), path);
    }
    const tr = z['train_responses'] as NpyArray;
    const te = z['test_responses'] as NpyArray;
    if (tr.shape.length !== 2) throw new SalShapeError(`${where}(${path}:train_responses)`, '[trials, neurons]', tr.shape);
    if (te.shape.length !== 2) throw new SalShapeError(`${where}(${path}:test_responses)`, '[trials, neurons]', te.shape);
    if (te.shape[1] !== tr.shape[1])
      throw new SalShapeError(`${where}(${path}:test_responses)`, [null, tr.shape[1]], te.shape, 'as many neurons as train_responses');
    sessions.push({
      key,
      nNeurons: tr.shape[1] as number,
      trainResponses: toFloat32(tr, where, `${path}:train_responses`),
      trainImageIds: toInt32(z['train_image_ids'] as NpyArray, where, `${path}:train_image_ids`),
      testResponses: toFloat32(te, where, `${path}:test_responses`),
      testImageIds: toInt32(z['test_image_ids'] as NpyArray, where, `${path}:test_image_ids`),
    });
  }
  return sessions;
}

/** `meta.json` of a dataset folder, required and checked. */
async function readMeta(dir: string, where: string): Promise<{ meta: MetaFile; metaPath: string }> {
  const metaPath = join(dir, 'meta.json');
  if (!(await exists(metaPath))) {
    throw new SalDataError(where, 'a meta.json (written last; without it the dataset is incomplete, e.g. an interrupted write)', 'none', dir);
  }
  return { meta: checkMeta(new TextDecoder().decode(await readBytes(metaPath, where)), metaPath, where), metaPath };
}

/** A dataset folder opened by {@link openDatasetDir}: `close()` releases its `.npy` files. */
export interface OpenedDataset extends StreamedRawDataset {
  close(): void;
}

/**
 * Open a dataset directory like {@link readDatasetDir}, with the same checks, but leave `images.npy` and
 * `saliency.npy` on disk: they are {@link PlaneSource}s read one image at a time by offset (a reused one-image
 * buffer), so `createDataset` on a large dataset holds its transformed inputs but never the raw arrays. Streamed
 * saliency maps are checked finite as each is read. An image folder, or an `.npy` in Fortran order, is read whole.
 * `createDataset(opened)` gives the same batches, byte for byte, as `createDataset(await readDatasetDir(dir))`.
 * Call `close()` when the dataset is built.
 */
export async function openDatasetDir(dir: string): Promise<OpenedDataset> {
  return loadDatasetDir(dir, 'openDatasetDir', true);
}
