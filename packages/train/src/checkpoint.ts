import * as tf from '@tensorflow/tfjs-core';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SalDataError, type Core, type JsonObject, type JsonValue, type Readout } from '@sal/types';
import { createEncoder, type ContextRouting, type Encoder } from './encoder.js';
import { replaceDirAtomic } from './atomic.js';
import type { TrainerState, TrainerStateJson } from './trainer.js';

/** Checkpoint layout version. */
export const CHECKPOINT_FORMAT = 'sal.encoder-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** One entry of a tfjs weights manifest. */
export interface WeightEntry { name: string; shape: number[]; dtype: 'float32' }
/** A tfjs weights-manifest group. */
export interface WeightsGroup { paths: string[]; weights: WeightEntry[] }

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
}

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) { h ^= bytes[i]!; h = Math.imul(h, 0x01000193) >>> 0; }
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
  for (const p of parts) { bytes.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), off); off += p.byteLength; }
  return { entries, bytes };
}

/**
 * Save an encoder (config + weights) and optionally the trainer state into `dir`, atomically: the files
 * are written into a temporary directory that replaces `dir` only when everything was written, so the
 * previous checkpoint survives any failure. Layout: `model.json` (format, encoder config, tfjs weights
 * manifest for `weights.bin`), `weights.bin` (float32, little endian), and with a trainer state
 * `trainer.json` (state + manifest for `trainer.bin`) and `trainer.bin` (Adam moments, best weights).
 */
export async function saveCheckpoint(dir: string, encoder: Encoder, state?: TrainerState | null): Promise<void> {
  const model = await encodeTensors(encoder.getWeights());
  const modelJson = JSON.stringify({
    format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, generatedBy: '@sal/train',
    config: encoder.getConfig(),
    weightsManifest: [{ paths: ['weights.bin'], weights: model.entries }],
    byteLength: model.bytes.length, checksum: fnv1a(model.bytes),
  }, null, 1);
  let trainer: { json: string; bytes: Uint8Array } | null = null;
  if (state) {
    const t = await encodeTensors(state.tensors);
    trainer = {
      json: JSON.stringify({
        format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, state: state.json,
        weightsManifest: [{ paths: ['trainer.bin'], weights: t.entries }],
        byteLength: t.bytes.length, checksum: fnv1a(t.bytes),
      }),
      bytes: t.bytes,
    };
  }
  await replaceDirAtomic(dir, async (tmp) => {
    await writeFile(join(tmp, 'weights.bin'), model.bytes, { flush: true });
    if (trainer) {
      await writeFile(join(tmp, 'trainer.bin'), trainer.bytes, { flush: true });
      await writeFile(join(tmp, 'trainer.json'), trainer.json, { flush: true });
    }
    await writeFile(join(tmp, 'model.json'), modelJson, { flush: true });
  });
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
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
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

async function readJson(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SalDataError(W, 'a readable file', (e as Error).message, file);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new SalDataError(W, 'a JSON object', (e as Error).message, file);
  }
}

interface DecodedGroup { entries: WeightEntry[]; bytes: Uint8Array }

async function readGroup(dir: string, doc: Record<string, unknown>, file: string): Promise<DecodedGroup> {
  const manifest = doc['weightsManifest'];
  if (!Array.isArray(manifest) || manifest.length !== 1) throw new SalDataError(W, 'a weightsManifest with one group', manifest, file);
  const group = manifest[0] as WeightsGroup;
  if (!Array.isArray(group.paths) || group.paths.length !== 1 || !Array.isArray(group.weights)) throw new SalDataError(W, 'a group with one path and weights', group, file);
  for (const e of group.weights) {
    if (typeof e?.name !== 'string' || !Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0) || e.dtype !== 'float32') {
      throw new SalDataError(W, 'weight entries {name, shape, dtype: float32}', e, file);
    }
  }
  const binFile = join(dir, String(group.paths[0]));
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(binFile));
  } catch (e) {
    throw new SalDataError(W, 'a readable weights file', (e as Error).message, binFile);
  }
  const expected = group.weights.reduce((s, e) => s + 4 * e.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.length !== expected || doc['byteLength'] !== expected) throw new SalDataError(W, `${expected} bytes`, bytes.length, binFile);
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
  if (!cfg || typeof cfg !== 'object' || cfg['kind'] !== 'train.encoder') throw new SalDataError(W, "an encoder config of kind 'train.encoder'", cfg ?? null, modelFile);
  const model = await readGroup(dir, doc, modelFile);
  const coreCfg = moduleConfig(cfg['core'], 'config.core', modelFile);
  const readoutCfgs = cfg['readouts'] as JsonObject | undefined;
  if (!readoutCfgs || typeof readoutCfgs !== 'object' || Object.keys(readoutCfgs).length === 0) throw new SalDataError(W, 'config.readouts with at least one session', readoutCfgs ?? null, modelFile);

  const built: { dispose(): void }[] = [];
  let encoder: Encoder | null = null;
  try {
    let core: Core, readouts: Record<string, Readout> = {};
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
    const missing = names.filter((n) => !data.has(n)), extra = [...data.keys()].filter((n) => !(n in weights));
    if (missing.length || extra.length) throw new SalDataError(W, `weights ${JSON.stringify(names)}`, { missing, extra }, modelFile);
    for (const n of names) {
      const d = data.get(n)!, v = weights[n]!;
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
    let tdoc: Record<string, unknown> | null = null;
    try {
      tdoc = JSON.parse(await readFile(trainerFile, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new SalDataError(W, 'a JSON trainer state', (e as Error).message, trainerFile);
    }
    if (tdoc) {
      const state = tdoc['state'] as TrainerStateJson | undefined;
      if (!state || typeof state !== 'object' || typeof state.lr !== 'number' || !state.earlyStopping) throw new SalDataError(W, 'a trainer state', state ?? null, trainerFile);
      const g = await readGroup(dir, tdoc, trainerFile);
      const tensors: Record<string, tf.Tensor> = {};
      for (const [n, d] of slices(g)) {
        const base = n.replace(/^(adam\/[mv]|best)\//, '');
        const v = weights[base];
        if (!v || d.shape.length !== v.shape.length || d.shape.some((s, i) => s !== v.shape[i])) {
          tf.dispose(Object.values(tensors));
          throw new SalDataError(W, `'${n}' matching a weight's shape`, d.shape, trainerFile);
        }
        tensors[n] = tf.tensor(d.data, d.shape, 'float32');
      }
      trainer = { json: state, tensors };
    }
    return { encoder, trainer, config: cfg };
  } catch (e) {
    if (encoder) encoder.dispose();
    else for (const m of built) m.dispose();
    throw e;
  }
}
