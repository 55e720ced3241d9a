/**
 * Writers of sal datasets in the field's formats (Node only): a FileTree folder and an HDF5 static file,
 * trial-wise as neuralpredictors lays them out. Useful to hand sal data to the field's tools, and to make
 * test fixtures without downloads. One session is written (the first, or the one named).
 */
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SalDataError, type RawDataset, type RawSession } from '@sal/types';
import { validateRawDataset } from '@sal/saliency-loader';
import { writeFileAtomic, writeNpyFile } from '@sal/saliency-loader/node';
import { encodeNpyStrings } from './npy-strings.js';
import { loadH5wasm } from './hdf5.js';

/** Options of {@link writeFileTree} and {@link writeStaticH5}. */
export interface WriteStaticOptions {
  /** The session to write. @default the first */
  sessionKey?: string;
  /** sal image ids whose training trials get the tier `validation` (the rest `train`). @default none */
  validationImageIds?: readonly number[];
  /** Per-trial channels `[trials, width]` in trial order (training trials, then test trials), e.g. `behavior`. */
  trialArrays?: Readonly<Record<string, { data: Float32Array; width: number }>>;
  /** Per-neuron numeric metadata `[neurons, …]`, e.g. `unit_ids`, `cell_motor_coordinates` (width 3). */
  neurons?: Readonly<Record<string, { data: Float32Array | Int32Array; width: number }>>;
  /** Image id written per trial = sal id + this offset (to test that ids are not assumed to be indices). @default 0 */
  imageIdOffset?: number;
}

interface Trials {
  s: RawSession;
  T: number;
  tiers: string[];
  ids: Int32Array;
  resp: Float32Array;
}

function trialsOf(raw: RawDataset, opts: WriteStaticOptions, where: string): Trials {
  validateRawDataset(raw, where);
  const s = opts.sessionKey === undefined ? raw.sessions[0] : raw.sessions.find((x) => x.key === opts.sessionKey);
  if (!s)
    throw new SalDataError(
      where,
      `a session ${JSON.stringify(opts.sessionKey)}`,
      raw.sessions.map((x) => x.key),
    );
  const nTr = s.trainImageIds.length,
    T = nTr + s.testImageIds.length;
  const val = new Set(opts.validationImageIds ?? []);
  const tiers = Array.from({ length: T }, (_, t) => (t >= nTr ? 'test' : val.has(s.trainImageIds[t] as number) ? 'validation' : 'train'));
  const ids = new Int32Array(T);
  ids.set(s.trainImageIds);
  ids.set(s.testImageIds, nTr);
  const resp = new Float32Array(T * s.nNeurons);
  resp.set(s.trainResponses);
  resp.set(s.testResponses, nTr * s.nNeurons);
  for (const [name, a] of Object.entries(opts.trialArrays ?? {})) {
    if (a.data.length !== T * a.width) throw new SalDataError(`${where}(trialArrays.${name})`, `${T}·${a.width} values (one row per trial)`, a.data.length);
  }
  return { s, T, tiers, ids, resp };
}

/** Write `raw`'s session as a FileTree folder (see `readFileTree` for the layout). */
export async function writeFileTree(dir: string, raw: RawDataset, opts: WriteStaticOptions = {}): Promise<void> {
  const { s, T, tiers, ids, resp } = trialsOf(raw, opts, 'writeFileTree');
  const [, h, w] = raw.imagesShape;
  const off = opts.imageIdOffset ?? 0;
  const k = s.nNeurons;
  for (let t = 0; t < T; t++) {
    const id = ids[t] as number;
    await writeNpyFile(join(dir, 'data', 'images', `${t}.npy`), { data: raw.images.slice(id * h * w, (id + 1) * h * w), shape: [1, h, w] });
    await writeNpyFile(join(dir, 'data', 'responses', `${t}.npy`), { data: resp.slice(t * k, (t + 1) * k), shape: [k] });
    for (const [name, a] of Object.entries(opts.trialArrays ?? {})) {
      await writeNpyFile(join(dir, 'data', name, `${t}.npy`), { data: a.data.slice(t * a.width, (t + 1) * a.width), shape: [a.width] });
    }
  }
  await writeFileAtomic(join(dir, 'meta', 'trials', 'tiers.npy'), encodeNpyStrings(tiers));
  await writeNpyFile(join(dir, 'meta', 'trials', 'frame_image_id.npy'), { data: Int32Array.from(ids, (v) => v + off), shape: [T] });
  for (const [name, a] of Object.entries(opts.neurons ?? {})) {
    await writeNpyFile(join(dir, 'meta', 'neurons', `${name}.npy`), { data: a.data, shape: a.width === 1 ? [k] : [k, a.width] });
  }
}

/** Write `raw`'s session as an HDF5 static dataset (see `readStaticH5` for the layout), through h5wasm (a temp file renamed into place). */
export async function writeStaticH5(file: string, raw: RawDataset, opts: WriteStaticOptions = {}): Promise<void> {
  const { s, T, tiers, ids, resp } = trialsOf(raw, opts, 'writeStaticH5');
  const [, h, w] = raw.imagesShape;
  const off = opts.imageIdOffset ?? 0;
  const images = new Uint8Array(T * h * w);
  for (let t = 0; t < T; t++) images.set(raw.images.subarray((ids[t] as number) * h * w, ((ids[t] as number) + 1) * h * w), t * h * w);
  const m = await loadH5wasm();
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const f = new m.File(tmp, 'w');
  let ok = false;
  try {
    f.create_dataset({ name: 'images', data: images, shape: [T, 1, h, w] });
    f.create_dataset({ name: 'responses', data: resp, shape: [T, s.nNeurons] });
    f.create_dataset({ name: 'tiers', data: tiers });
    f.create_group('item_info');
    f.create_dataset({ name: 'item_info/frame_image_id', data: Int32Array.from(ids, (v) => v + off) });
    for (const [name, a] of Object.entries(opts.trialArrays ?? {})) f.create_dataset({ name, data: a.data, shape: [T, a.width] });
    if (opts.neurons) {
      f.create_group('neurons');
      for (const [name, a] of Object.entries(opts.neurons))
        f.create_dataset({ name: `neurons/${name}`, data: a.data, shape: a.width === 1 ? [s.nNeurons] : [s.nNeurons, a.width] });
    }
    ok = true;
  } finally {
    f.close();
    if (ok) await rename(tmp, file);
    else await rm(tmp, { force: true });
  }
}
