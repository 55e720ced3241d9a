/**
 * Reader of neuralpredictors' HDF5 static datasets (`StaticImageSet`), Node only, through the maintained
 * `h5wasm` reader (HDF5 compiled to WebAssembly; nothing in the file is executed):
 * ```
 * /images                   [trials, 1, h, w] (or [trials, h, w]) grey images
 * /responses                [trials, neurons]
 * /tiers                    [trials] strings: train / validation / test / …
 * /item_info/frame_image_id [trials] image id of each trial (optional; also /frame_image_id)
 * /behavior, /pupil_center  [trials, c] optional
 * /neurons/<name>           per-neuron metadata: unit_ids, area, layer, …
 * ```
 */
import { open } from 'node:fs/promises';
import { SalConfigError, SalDataError, SalShapeError, type JsonObject, type JsonValue } from '@sal/types';
import { dtypeOf, type NpyArray, type NpyData } from '@sal/saliency-loader';
import { assembleStaticDataset, type AssembleOptions, type StaticConversion } from './assemble.js';

type H5Module = typeof import('h5wasm/node');
let h5: Promise<H5Module> | undefined;

/** The h5wasm module, loaded once (its WebAssembly is compiled on first use). */
export async function loadH5wasm(): Promise<H5Module> {
  h5 ??= import('h5wasm/node').then(async (m) => {
    await m.ready;
    return m;
  });
  return h5;
}

type H5File = InstanceType<H5Module['File']>;
type H5Dataset = InstanceType<H5Module['Dataset']>;

function isTyped(v: unknown): v is NpyData {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof Uint8ClampedArray);
}

function getDataset(m: H5Module, f: H5File, path: string, required: boolean, file: string): H5Dataset | undefined {
  let e: ReturnType<H5File['get']> = null;
  // walk the groups' keys first: h5wasm prints HDF5 diagnostics when asked for a missing path
  const parts = path.split('/');
  let g: { keys(): string[]; get(p: string): ReturnType<H5File['get']> } | null = f;
  for (let i = 0; i < parts.length && g; i++) {
    if (!g.keys().includes(parts[i] as string)) {
      g = null;
      break;
    }
    if (i < parts.length - 1) {
      const next = g.get(parts[i] as string);
      g = next instanceof m.Group ? next : null;
    }
  }
  if (g) {
    try {
      e = f.get(path);
    } catch {
      e = null;
    }
  }
  if (e === null || e === undefined) {
    if (required) throw new SalDataError('readStaticH5', `a dataset /${path}`, 'none', file);
    return undefined;
  }
  if (e instanceof m.Dataset) return e;
  if (required) throw new SalDataError('readStaticH5', `/${path} to be a dataset`, 'a group or link', file);
  return undefined;
}

/** A numeric dataset as an {@link NpyArray}; strings, compounds and references are a {@link SalDataError}. */
function numeric(ds: H5Dataset, path: string, file: string): NpyArray {
  const v = ds.value;
  if (!isTyped(v)) throw new SalDataError('readStaticH5', `/${path} to be a numeric array`, Array.isArray(v) ? 'strings or a compound type' : typeof v, file);
  return { dtype: dtypeOf(v), shape: ds.shape ?? [], data: v };
}

function strings(ds: H5Dataset, path: string, file: string): string[] {
  const v = ds.value;
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  if (typeof v === 'string') return [v];
  throw new SalDataError('readStaticH5', `/${path} to be an array of strings`, isTyped(v) ? 'numbers' : typeof v, file);
}

function jsonOf(ds: H5Dataset): JsonValue | undefined {
  const v = ds.value;
  const shape = ds.shape ?? [];
  let vals: (number | string)[];
  if (isTyped(v)) vals = Array.from(v as ArrayLike<number | bigint>, Number);
  else if (Array.isArray(v) && v.every((s) => typeof s === 'string' || typeof s === 'number')) vals = v as (number | string)[];
  else return undefined;
  if (shape.length <= 1) return vals;
  const row = vals.length / (shape[0] as number);
  return Array.from({ length: shape[0] as number }, (_, i) => vals.slice(i * row, (i + 1) * row));
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Refuse a missing file or one without the HDF5 signature (at 0, 512, 1024, 2048, … as the format allows). */
async function checkSignature(file: string): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw new SalDataError('readStaticH5', 'a readable file', (e as NodeJS.ErrnoException).code ?? (e as Error).message, file);
  }
  try {
    const size = (await fh.stat()).size;
    const buf = new Uint8Array(8);
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      await fh.read(buf, 0, 8, at);
      if (SIGNATURE.every((b, i) => buf[i] === b)) return;
    }
    throw new SalDataError('readStaticH5', 'an HDF5 file (signature \\x89HDF)', 'another file', file);
  } finally {
    await fh.close();
  }
}

/** Options of {@link readStaticH5}. */
export interface ReadStaticH5Options extends AssembleOptions {
  /** Per-trial datasets to keep beside the dataset when present. @default ['behavior', 'pupil_center'] */
  trialChannels?: readonly string[];
}

/**
 * Read an HDF5 static dataset (layout above) into sal's dataset, with the same tier, image-id and
 * metadata rules as the FileTree reader (see {@link assembleStaticDataset}).
 * @throws SalDataError / SalShapeError naming the file on a missing, unreadable or malformed dataset.
 */
export async function readStaticH5(file: string, opts: ReadStaticH5Options = {}): Promise<StaticConversion> {
  const where = 'readStaticH5';
  await checkSignature(file);
  const m = await loadH5wasm();
  let f: H5File;
  try {
    f = new m.File(file, 'r');
  } catch (e) {
    throw new SalDataError(where, 'a readable HDF5 file', (e as Error).message, file);
  }
  try {
    const images = numeric(getDataset(m, f, 'images', true, file) as H5Dataset, 'images', file);
    const responses = numeric(getDataset(m, f, 'responses', true, file) as H5Dataset, 'responses', file);
    const tiers = strings(getDataset(m, f, 'tiers', true, file) as H5Dataset, 'tiers', file);
    if (responses.shape.length !== 2) throw new SalShapeError(`${where}(/responses)`, '[trials, neurons]', responses.shape);
    const [T, k] = responses.shape as [number, number];
    const is = images.shape;
    const plane = is.length === 4 && is[1] === 1 ? [1, is[2] as number, is[3] as number] : is.length === 3 ? [is[1] as number, is[2] as number] : undefined;
    if (!plane || is[0] !== T) throw new SalShapeError(`${where}(/images)`, `[${T}, 1, h, w] or [${T}, h, w]`, is);
    const px = plane.reduce((a, b) => a * b, 1);
    const idDs = getDataset(m, f, 'item_info/frame_image_id', false, file) ?? getDataset(m, f, 'frame_image_id', false, file);
    const imageIds = idDs ? numeric(idDs, 'item_info/frame_image_id', file) : undefined;
    const trialArrays: Record<string, { data: ArrayLike<number>; width: number }> = {};
    for (const key of opts.trialChannels ?? ['behavior', 'pupil_center']) {
      const ds = getDataset(m, f, key, false, file);
      if (!ds) continue;
      const a = numeric(ds, key, file);
      if (a.shape[0] !== T) throw new SalShapeError(`${where}(/${key})`, `[${T}, …]`, a.shape, 'one row per trial');
      if (a.dtype === 'i8' || a.dtype === 'u8') throw new SalDataError(`${where}(/${key})`, 'a float or small-integer dtype', a.dtype, file);
      trialArrays[key] = { data: a.data as ArrayLike<number>, width: a.data.length / T };
    }
    const neurons: Record<string, JsonValue> = {};
    const ng = (() => {
      try {
        return f.get('neurons');
      } catch {
        return null;
      }
    })();
    if (ng && 'keys' in ng && typeof ng.keys === 'function') {
      for (const name of ng.keys().sort()) {
        if (name === '__proto__' || name === 'constructor' || name === 'prototype') continue;
        const ds = getDataset(m, f, `neurons/${name}`, false, file);
        if (!ds || (ds.shape ?? [])[0] !== k) continue;
        const j = jsonOf(ds);
        if (j !== undefined) neurons[name] = j;
      }
    }
    const slice = (a: NpyArray, t: number, n: number, shape: number[]): NpyArray => ({
      dtype: a.dtype,
      shape,
      data: a.data.subarray(t * n, (t + 1) * n) as NpyData,
    });
    return await assembleStaticDataset(
      {
        format: 'neuralpredictors-hdf5',
        nTrials: T,
        nNeurons: k,
        image: (t) => slice(images, t, px, plane),
        responses: (t) => slice(responses, t, k, [k]),
        tiers,
        ...(imageIds ? { imageIds: imageIds.data as ArrayLike<number> } : {}),
        trialArrays,
        neurons: neurons as JsonObject,
      },
      opts,
    );
  } catch (e) {
    if (e instanceof SalDataError || e instanceof SalShapeError || e instanceof SalConfigError) throw e;
    throw new SalDataError(where, 'a readable HDF5 static dataset', (e as Error).message, file);
  } finally {
    f.close();
  }
}
