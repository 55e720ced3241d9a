/**
 * Reader of neuralpredictors' FileTree layout for static images (the SENSORIUM 2022 datasets), Node only:
 * ```
 * <dir>/data/images/<t>.npy          [1, h, w] (or [h, w]) grey image of trial t
 * <dir>/data/responses/<t>.npy       [neurons] responses of trial t
 * <dir>/data/behavior/<t>.npy        [c] optional (e.g. pupil dilation, its derivative, running speed)
 * <dir>/data/pupil_center/<t>.npy    [2] optional
 * <dir>/meta/trials/tiers.npy        [trials] strings: train / validation / test / final_test / none
 * <dir>/meta/trials/frame_image_id.npy  [trials] image id of each trial (repeats share it; optional)
 * <dir>/meta/neurons/<name>.npy      per-neuron metadata: unit_ids, cell_motor_coordinates [neurons, 3], area, layer, …
 * <dir>/meta/statistics/…            normalisation statistics (not needed: sal computes its own)
 * ```
 * Arrays are read with the numeric `.npy` reader of `@sal/saliency-loader` (strings with
 * {@link parseNpyStrings}); nothing in the data is executed.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { SalDataError, SalShapeError, type JsonObject, type JsonValue } from '@sal/types';
import type { NpyArray } from '@sal/saliency-loader';
import { readNpyFile } from '@sal/saliency-loader/node';
import { assembleStaticDataset, type AssembleOptions, type StaticConversion } from './assemble.js';
import { isNpyStringArray, parseNpyStrings } from './npy-strings.js';

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function readBytes(path: string, where: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new SalDataError(where, 'a readable file', (e as NodeJS.ErrnoException).code ?? (e as Error).message, path);
  }
}

/** A numeric or string `.npy` as a JSON value (1-D: a list; n-D: nested lists by the first axis). */
function npyToJson(a: { shape: readonly number[]; data: ArrayLike<unknown> }): JsonValue {
  const vals = Array.from(a.data as ArrayLike<number | bigint | string>, (v) => (typeof v === 'bigint' ? Number(v) : v)) as (number | string)[];
  if (a.shape.length <= 1) return vals;
  const row = vals.length / (a.shape[0] as number);
  return Array.from({ length: a.shape[0] as number }, (_, i) => vals.slice(i * row, (i + 1) * row));
}

/** Read `meta/neurons/*.npy` whose first axis has `k` entries into a JSON object keyed by file name. */
async function readNeurons(dir: string, k: number): Promise<{ neurons: JsonObject; skipped: string[] }> {
  const neurons: Record<string, JsonValue> = {};
  const skipped: string[] = [];
  if (!(await isDir(dir))) return { neurons, skipped };
  for (const name of (await readdir(dir)).filter((f) => extname(f) === '.npy').sort()) {
    const file = join(dir, name);
    const bytes = await readBytes(file, 'readFileTree(meta/neurons)');
    const key = name.slice(0, -4);
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      skipped.push(name);
      continue;
    }
    const arr = isNpyStringArray(bytes) ? parseNpyStrings(bytes, file) : await readNpyFile(file);
    if (arr.shape[0] !== k) {
      if (key === 'unit_ids' || key === 'cell_motor_coordinates') throw new SalShapeError(`readFileTree(${file})`, `[${k}, …] (one row per neuron)`, arr.shape);
      skipped.push(name);
      continue;
    }
    neurons[key] = npyToJson(arr);
  }
  return { neurons, skipped };
}

/** Options of {@link readFileTree}. */
export interface ReadFileTreeOptions extends AssembleOptions {
  /** Per-trial channels under `data/` to keep beside the dataset when present. @default ['behavior', 'pupil_center'] */
  trialChannels?: readonly string[];
}

/**
 * Read a FileTree static dataset (layout above) into sal's dataset: tiers `train`+`validation` → training
 * trials, `test` → test trials (see {@link assembleStaticDataset}), images once per `frame_image_id`,
 * `meta.neurons` from `meta/neurons`, behaviour and pupil centre as per-trial arrays in `trials`.
 * @throws SalDataError / SalShapeError naming the file on a missing or malformed array.
 */
export async function readFileTree(dir: string, opts: ReadFileTreeOptions = {}): Promise<StaticConversion> {
  const where = 'readFileTree';
  if (!(await isDir(join(dir, 'data', 'responses'))) || !(await isDir(join(dir, 'data', 'images')))) {
    throw new SalDataError(where, 'a FileTree dataset folder with data/images and data/responses', 'no such folders', dir);
  }
  const tiersFile = join(dir, 'meta', 'trials', 'tiers.npy');
  const tiers = parseNpyStrings(await readBytes(tiersFile, where), tiersFile).data;
  const T = tiers.length;
  const idFile = join(dir, 'meta', 'trials', 'frame_image_id.npy');
  const imageIds = (await stat(idFile).then(
    () => true,
    () => false,
  ))
    ? await readNpyFile(idFile)
    : undefined;
  if (imageIds && imageIds.data.length !== T) throw new SalShapeError(`${where}(${idFile})`, [T], imageIds.shape, 'one image id per trial (tiers.npy)');
  const trialFile = (key: string, t: number): string => join(dir, 'data', key, `${t}.npy`);
  const first = await readNpyFile(trialFile('responses', 0));
  const k = first.data.length;
  const trialArrays: Record<string, { data: Float32Array; width: number }> = {};
  for (const key of opts.trialChannels ?? ['behavior', 'pupil_center']) {
    if (!(await isDir(join(dir, 'data', key)))) continue;
    let data = new Float32Array(0),
      width = 0;
    for (let t = 0; t < T; t++) {
      const a = await readNpyFile(trialFile(key, t));
      if (a.dtype === 'i8' || a.dtype === 'u8') throw new SalDataError(`${where}(${key})`, 'a float or small-integer dtype', a.dtype, trialFile(key, t));
      if (t === 0) {
        width = a.data.length;
        data = new Float32Array(T * width);
      } else if (a.data.length !== width) {
        throw new SalShapeError(`${where}(${trialFile(key, t)})`, [width], a.shape, `every trial's ${key} must have the size of trial 0's`);
      }
      data.set(a.data as ArrayLike<number>, t * width);
    }
    trialArrays[key] = { data, width };
  }
  const { neurons, skipped } = await readNeurons(join(dir, 'meta', 'neurons'), k);
  const conv = await assembleStaticDataset(
    {
      format: 'neuralpredictors-filetree',
      nTrials: T,
      nNeurons: k,
      image: (t) => readNpyFile(trialFile('images', t)),
      responses: (t): Promise<NpyArray> | NpyArray => (t === 0 ? first : readNpyFile(trialFile('responses', t))),
      tiers,
      ...(imageIds ? { imageIds: imageIds.data as ArrayLike<number> } : {}),
      trialArrays,
      neurons: skipped.length ? { ...neurons } : neurons,
    },
    opts,
  );
  return conv;
}
