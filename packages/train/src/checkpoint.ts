import * as tf from '@tensorflow/tfjs-core';
import { lstat, open, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { SalConfigError, SalDataError, isJsonObject, parseJson, type Core, type JsonObject, type JsonValue, type Readout } from '@sal/types';
import { createEncoder, type ContextRouting, type Encoder } from './encoder.js';
import { pauseAt, replaceDirAtomic } from './atomic.js';
import type { TrainerState, TrainerStateJson } from './state.js';

/** Checkpoint layout version. */
export const CHECKPOINT_FORMAT = 'sal.encoder-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** One entry of a tfjs weights manifest. */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
}
/** A tfjs weights-manifest group. */
export interface WeightsGroup {
  paths: string[];
  weights: WeightEntry[];
}

/** Factories that rebuild the modules from their `getConfig()` output (e.g. `coreFromConfig` of `@sal/cores`). */
export interface ModuleFactories {
  core: (config: JsonObject, kind: string) => Core;
  readout: (config: JsonObject, kind: string) => Readout;
}

/** What {@link loadCheckpoint} returns. The caller owns the encoder and the trainer state's tensors. */
export interface LoadedCheckpoint {
  encoder: Encoder;
  /** The trainer state to resume from, or null when the checkpoint holds a model only. */
  trainer: TrainerState | null;
  /** The encoder's config as saved. */
  config: JsonObject;
  /** The folder read: `dir`, or the previous checkpoint left beside it by a save killed between its renames. */
  dir: string;
}

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

async function encodeTensors(tensors: Record<string, tf.Tensor>): Promise<{ entries: WeightEntry[]; bytes: Uint8Array }> {
  const entries: WeightEntry[] = [];
  const parts: Float32Array[] = [];
  let total = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const data = Float32Array.from(await t.data());
    entries.push({ name, shape: [...t.shape], dtype: 'float32' });
    parts.push(data);
    total += data.byteLength;
  }
  const bytes = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    bytes.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), off);
    off += p.byteLength;
  }
  return { entries, bytes };
}

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /**
   * More files written inside the same atomic unit (name → content), e.g. scores or the dataset's options;
   * plain names (`[A-Za-z0-9_][A-Za-z0-9_.-]*`) other than the checkpoint's own files. @default {}
   */
  files?: Record<string, string | Uint8Array>;
}

const OWN_FILES = new Set(['model.json', 'weights.bin', 'trainer.json', 'trainer.bin']);
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** True when `dir` holds a checkpoint's `model.json` (the format tag is checked, nothing else). */
export async function isCheckpointDir(dir: string): Promise<boolean> {
  try {
    const st = await lstat(join(dir, 'model.json'));
    if (!st.isFile() || st.size > 64 * 1024 * 1024) return false;
    const doc = parseJson(await readFile(join(dir, 'model.json'), 'utf8'), join(dir, 'model.json'));
    return isJsonObject(doc) && doc['format'] === CHECKPOINT_FORMAT;
  } catch {
    return false;
  }
}

/**
 * Save an encoder (config + weights) and optionally the trainer state into `dir`, atomically: the files
 * are written into a temporary directory that replaces `dir` only when everything was written, so the
 * previous checkpoint survives any failure (a kill -9 included). Layout: `model.json` (format, encoder config,
 * tfjs weights manifest for `weights.bin`), `weights.bin` (float32, little endian), with a trainer state
 * `trainer.json` (state + manifest for `trainer.bin`) and `trainer.bin` (Adam moments, best weights), and
 * `opts.files`. An existing `dir` that is neither empty nor a checkpoint is never replaced (`SalConfigError`).
 */
export async function saveCheckpoint(dir: string, encoder: Encoder, state?: TrainerState | null, opts: SaveCheckpointOptions = {}): Promise<void> {
  const files = opts.files ?? {};
  for (const name of Object.keys(files)) {
    if (!PLAIN_NAME.test(name) || OWN_FILES.has(name)) {
      throw new SalConfigError('train.saveCheckpoint', 'files', `plain file names other than ${[...OWN_FILES].join(', ')}`, name);
    }
  }
  const model = await encodeTensors(encoder.getWeights());
  const modelJson = JSON.stringify(
    {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      generatedBy: '@sal/train',
      config: encoder.getConfig(),
      weightsManifest: [{ paths: ['weights.bin'], weights: model.entries }],
      byteLength: model.bytes.length,
      checksum: fnv1a(model.bytes),
    },
    null,
    1,
  );
  let trainer: { json: string; bytes: Uint8Array } | null = null;
  if (state) {
    const t = await encodeTensors(state.tensors);
    trainer = {
      json: JSON.stringify({
        format: CHECKPOINT_FORMAT,
        version: CHECKPOINT_VERSION,
        state: state.json,
        weightsManifest: [{ paths: ['trainer.bin'], weights: t.entries }],
        byteLength: t.bytes.length,
        checksum: fnv1a(t.bytes),
      }),
      bytes: t.bytes,
    };
  }
  await replaceDirAtomic(
    dir,
    async (tmp) => {
      await writeFile(join(tmp, 'weights.bin'), model.bytes, { flush: true });
      await pauseAt('checkpoint-fill');
      if (trainer) {
        await writeFile(join(tmp, 'trainer.bin'), trainer.bytes, { flush: true });
        await writeFile(join(tmp, 'trainer.json'), trainer.json, { flush: true });
      }
      for (const [name, content] of Object.entries(files)) await writeFile(join(tmp, name), content, { flush: true });
      await writeFile(join(tmp, 'model.json'), modelJson, { flush: true });
    },
    {
      isOurs: isCheckpointDir,
      refuse: (d) =>
        new SalConfigError(
          'train.saveCheckpoint',
          'dir',
          'a new or empty folder, or a checkpoint to replace',
          `${d} (exists and is not a sal checkpoint; nothing was changed)`,
        ),
    },
  );
}

const W = 'train.loadCheckpoint';

/**
 * A save interrupted between its two renames leaves no `dir` but the previous checkpoint beside it as
 * `.<name>.old-*`: read that one (the newest if several). Files are not moved.
 */
async function recoverDir(dir: string): Promise<string> {
  try {
    await stat(dir);
    return dir;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new SalDataError(W, 'a checkpoint directory', code ?? (e as Error).message, dir);
  }
  const prefix = `.${basename(dir)}.old-`;
  let names: string[] = [];
  try {
    names = (await readdir(dirname(dir))).filter((n) => n.startsWith(prefix));
  } catch {
    return dir;
  }
  if (names.length === 0) return dir;
  const withTimes = await Promise.all(names.map(async (n) => ({ p: join(dirname(dir), n), t: (await stat(join(dirname(dir), n))).mtimeMs })));
  withTimes.sort((a, b) => b.t - a.t);
  return withTimes[0]!.p;
}

const MAX_JSON_BYTES = 64 * 1024 * 1024;

/** Read a regular file of at most `maxBytes` (never a FIFO, device or a link to one), with typed errors naming it. */
async function readRegularFile(file: string, maxBytes: number, what: string): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new SalDataError(W, `${what} (a regular file)`, 'a special file or a folder', file);
    if (st.size > maxBytes) throw new SalDataError(W, `${what} of at most ${maxBytes} bytes`, st.size, file);
    handle = await open(file, 'r');
    const bytes = new Uint8Array(st.size);
    const { bytesRead } = await handle.read(bytes, 0, st.size, 0);
    if (bytesRead !== st.size) throw new SalDataError(W, `${st.size} bytes`, bytesRead, file);
    return bytes;
  } catch (e) {
    if (e instanceof SalDataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new SalDataError(W, what, code === 'ENOENT' ? 'missing (no checkpoint here)' : (code ?? (e as Error).message), file);
  } finally {
    await handle?.close();
  }
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  const text = new TextDecoder().decode(await readRegularFile(file, MAX_JSON_BYTES, 'a readable JSON file'));
  const v = parseJson(text, file);
  if (!isJsonObject(v)) throw new SalDataError(W, 'a JSON object', Array.isArray(v) ? 'an array' : v, file);
  return v;
}

/** `name` from a manifest as a path inside `dir`: a plain file name, never `..`, an absolute path or a subfolder. */
function insideDir(dir: string, name: unknown, file: string): string {
  if (typeof name !== 'string' || !PLAIN_NAME.test(name))
    throw new SalDataError(W, 'a weights path that is a plain file name inside the checkpoint', name, file);
  const p = resolve(dir, name);
  if (!p.startsWith(resolve(dir) + sep)) throw new SalDataError(W, 'a weights path inside the checkpoint', name, file);
  return p;
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new SalDataError(W, 'a readable file', (e as NodeJS.ErrnoException).code ?? (e as Error).message, file);
  }
}

/** The trainer state's fields, each of its type (a wrong one is a `SalDataError` naming the field). */
function checkTrainerState(v: unknown, file: string): TrainerStateJson {
  if (!isJsonObject(v)) throw new SalDataError(W, 'a trainer state object', v ?? null, file);
  const need = (key: string, ok: (x: unknown) => boolean, what: string): void => {
    if (!ok(v[key])) throw new SalDataError(W, `state.${key} as ${what}`, v[key] ?? null, file);
  };
  const num = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);
  need('lr', (x) => num(x) && (x as number) > 0, 'a positive number');
  need('decays', (x) => Number.isSafeInteger(x) && (x as number) >= 0, 'a count');
  need('adamStep', (x) => Number.isSafeInteger(x) && (x as number) >= 0, 'a count');
  need('seed', Number.isSafeInteger, 'an integer');
  need('hasBest', (x) => typeof x === 'boolean', 'a boolean');
  need('adamNames', (x) => Array.isArray(x) && x.every((n) => typeof n === 'string'), 'an array of names');
  need(
    'history',
    (x) => Array.isArray(x) && x.every((r) => isJsonObject(r) && Number.isSafeInteger(r['epoch']) && Array.isArray(r['events'])),
    'an array of epoch records',
  );
  need('earlyStopping', (x) => isJsonObject(x) && Number.isSafeInteger(x['epoch']) && Array.isArray(x['pending']), 'an early-stopping state');
  need('lastScore', (x) => x === undefined || x === null || num(x), 'a number or null');
  need('stopReason', (x) => x === undefined || x === null || ['patience', 'max-epochs', 'not-finite', 'min-lr'].includes(x as string), 'a stop reason or null');
  return v as unknown as TrainerStateJson;
}

interface DecodedGroup {
  entries: WeightEntry[];
  bytes: Uint8Array;
}

async function readGroup(dir: string, doc: Record<string, unknown>, file: string): Promise<DecodedGroup> {
  const manifest = doc['weightsManifest'];
  if (!Array.isArray(manifest) || manifest.length !== 1) throw new SalDataError(W, 'a weightsManifest with one group', manifest, file);
  const group = manifest[0] as WeightsGroup;
  if (!Array.isArray(group.paths) || group.paths.length !== 1 || !Array.isArray(group.weights))
    throw new SalDataError(W, 'a group with one path and weights', group, file);
  for (const e of group.weights) {
    if (typeof e?.name !== 'string' || !Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0) || e.dtype !== 'float32') {
      throw new SalDataError(W, 'weight entries {name, shape, dtype: float32}', e, file);
    }
  }
  const binFile = insideDir(dir, group.paths[0], file);
  const expected = group.weights.reduce((s, e) => s + 4 * e.shape.reduce((a, b) => a * b, 1), 0);
  if (!Number.isSafeInteger(expected) || doc['byteLength'] !== expected)
    throw new SalDataError(W, `byteLength ${expected} (the manifest's shapes)`, doc['byteLength'], file);
  const bytes = await readRegularFile(binFile, expected, 'a readable weights file');
  if (bytes.length !== expected) throw new SalDataError(W, `${expected} bytes`, bytes.length, binFile);
  if (doc['checksum'] !== fnv1a(bytes)) throw new SalDataError(W, `checksum ${String(doc['checksum'])}`, fnv1a(bytes), binFile);
  return { entries: group.weights, bytes };
}

function slices(g: DecodedGroup): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  const aligned = new Uint8Array(g.bytes); // own buffer, offset 0
  let off = 0;
  for (const e of g.entries) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    out.set(e.name, { shape: e.shape, data: new Float32Array(aligned.buffer, off, n).slice() });
    off += 4 * n;
  }
  return out;
}

function moduleConfig(v: JsonValue | undefined, what: string, file: string): { kind: string; config: JsonObject } {
  const o = v as { kind?: unknown; config?: unknown } | undefined;
  if (!o || typeof o !== 'object' || typeof o.kind !== 'string' || o.config === null || typeof o.config !== 'object') {
    throw new SalDataError(W, `${what} as {kind, config}`, v ?? null, file);
  }
  return { kind: o.kind, config: o.config as JsonObject };
}

/**
 * Rebuild an encoder (and the trainer state, when saved) from a checkpoint directory written by
 * {@link saveCheckpoint}. Module factories come from the caller. Any malformed content (unparsable or
 * wrong config, truncated or corrupted binary, missing weights, wrong shapes) throws a `SalDataError`
 * naming the file; the files are never modified.
 */
export async function loadCheckpoint(dir: string, factories: ModuleFactories): Promise<LoadedCheckpoint> {
  dir = await recoverDir(dir);
  const modelFile = join(dir, 'model.json');
  const doc = await readJson(modelFile);
  if (doc['format'] !== CHECKPOINT_FORMAT || doc['version'] !== CHECKPOINT_VERSION) {
    throw new SalDataError(W, `format '${CHECKPOINT_FORMAT}' version ${CHECKPOINT_VERSION}`, { format: doc['format'], version: doc['version'] }, modelFile);
  }
  const cfg = doc['config'] as JsonObject | undefined;
  if (!cfg || typeof cfg !== 'object' || cfg['kind'] !== 'train.encoder')
    throw new SalDataError(W, "an encoder config of kind 'train.encoder'", cfg ?? null, modelFile);
  const model = await readGroup(dir, doc, modelFile);
  const coreCfg = moduleConfig(cfg['core'], 'config.core', modelFile);
  const readoutCfgs = cfg['readouts'] as JsonObject | undefined;
  if (!readoutCfgs || typeof readoutCfgs !== 'object' || Object.keys(readoutCfgs).length === 0)
    throw new SalDataError(W, 'config.readouts with at least one session', readoutCfgs ?? null, modelFile);

  const built: { dispose(): void }[] = [];
  let encoder: Encoder | null = null;
  try {
    let core: Core,
      readouts: Record<string, Readout> = {};
    try {
      core = factories.core(coreCfg.config, coreCfg.kind);
      built.push(core);
      if (core.kind !== coreCfg.kind) throw new Error(`factory built kind '${core.kind}', expected '${coreCfg.kind}'`);
      for (const [k, v] of Object.entries(readoutCfgs)) {
        const rc = moduleConfig(v, `config.readouts['${k}']`, modelFile);
        const r = factories.readout(rc.config, rc.kind);
        built.push(r);
        if (r.kind !== rc.kind) throw new Error(`factory built kind '${r.kind}', expected '${rc.kind}'`);
        readouts[k] = r;
      }
      const routing = cfg['routing'] as { core?: number[]; context?: ContextRouting; imageChannel?: number } | undefined;
      encoder = createEncoder({ core, readouts, eluOffset: cfg['eluOffset'] as number, routing: routing ?? {} });
    } catch (e) {
      if (e instanceof SalDataError) throw e;
      throw new SalDataError(W, 'a config the module factories accept', (e as Error).message, modelFile);
    }
    const weights = encoder.getWeights();
    const data = slices(model);
    const names = Object.keys(weights);
    const missing = names.filter((n) => !data.has(n)),
      extra = [...data.keys()].filter((n) => !Object.hasOwn(weights, n));
    if (missing.length || extra.length) throw new SalDataError(W, `weights ${JSON.stringify(names)}`, { missing, extra }, modelFile);
    for (const n of names) {
      const d = data.get(n)!,
        v = weights[n]!;
      if (d.shape.length !== v.shape.length || d.shape.some((s, i) => s !== v.shape[i])) {
        throw new SalDataError(W, `weight '${n}' of shape [${v.shape.join(',')}]`, d.shape, modelFile);
      }
    }
    for (const n of names) {
      const d = data.get(n)!;
      tf.tidy(() => weights[n]!.assign(tf.tensor(d.data, d.shape, 'float32')));
    }

    let trainer: TrainerState | null = null;
    const trainerFile = join(dir, 'trainer.json');
    const tdoc = (await exists(trainerFile)) ? await readJson(trainerFile) : null;
    if (tdoc) {
      const state = checkTrainerState(tdoc['state'], trainerFile);
      const g = await readGroup(dir, tdoc, trainerFile);
      const tensors: Record<string, tf.Tensor> = {};
      for (const [n, d] of slices(g)) {
        const base = n.replace(/^(adam\/[mv]|best)\//, '');
        const v = Object.hasOwn(weights, base) ? weights[base] : undefined;
        if (!v || d.shape.length !== v.shape.length || d.shape.some((s, i) => s !== v.shape[i])) {
          tf.dispose(Object.values(tensors));
          throw new SalDataError(W, `'${n}' matching a weight's shape`, d.shape, trainerFile);
        }
        tensors[n] = tf.tensor(d.data, d.shape, 'float32');
      }
      trainer = { json: state, tensors };
    }
    return { encoder, trainer, config: cfg, dir };
  } catch (e) {
    if (encoder) encoder.dispose();
    else for (const m of built) m.dispose();
    throw e;
  }
}
