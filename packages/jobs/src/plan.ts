/**
 * Sweep plans: a JSON file listing jobs, or grids of jobs (a base config and axes whose values are crossed).
 *
 * ```json
 * { "name": "shifter-seeds",
 *   "jobs":  [{ "kind": "train", "config": { "variant": "images", "seed": 1 } }],
 *   "grids": [{ "kind": "train", "base": { "population": "shift" },
 *               "axes": { "variant": ["images", "shifter-saliency"], "seed": [1, 2, 3], "train.maxEpochs": [20] } }] }
 * ```
 * An axis name with dots sets a nested field. Jobs with the same kind and config are one job (same key).
 */
import { SalConfigError, assertSafeKeys, isJsonObject, parseJson, type JsonValue } from '@sal/types';
import { jobKey } from './canonical.js';

/** One job of a plan. */
export interface PlannedJob {
  readonly kind: string;
  readonly config: { [k: string]: JsonValue };
  /** {@link jobKey} of kind and config. */
  readonly key: string;
}

/** A parsed, expanded plan. */
export interface Plan {
  readonly name: string;
  readonly jobs: readonly PlannedJob[];
}

/** Most jobs one plan may expand to (a typo in a grid should not enqueue millions). */
export const MAX_PLAN_JOBS = 100_000;

const W = 'parsePlan';
const KIND = /^[a-z][a-z0-9-]{0,62}$/;

function setPath(obj: { [k: string]: JsonValue }, path: string, value: JsonValue, where: string): void {
  const parts = path.split('.');
  let o = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i]!;
    const next = o[p];
    if (next === undefined) o = o[p] = {};
    else if (isJsonObject(next)) o = next;
    else throw new SalConfigError(W, `${where}.axes.${path}`, `an object at '${parts.slice(0, i + 1).join('.')}' in the base config`, next);
  }
  o[parts[parts.length - 1]!] = value;
}

function checkKind(kind: unknown, where: string, kinds?: readonly string[]): string {
  if (typeof kind !== 'string' || !KIND.test(kind)) throw new SalConfigError(W, `${where}.kind`, 'a job kind (lower-case letters, digits, dashes)', kind);
  if (kinds && !kinds.includes(kind)) throw new SalConfigError(W, `${where}.kind`, `one of ${kinds.join(', ')}`, kind);
  return kind;
}

function checkKeys(o: { [k: string]: JsonValue }, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new SalConfigError(W, `${where}.${k}`, `one of the keys ${allowed.join(', ')}`, k);
}

/**
 * Parse and expand a plan (JSON text or a parsed value). `kinds` restricts the job kinds. Throws
 * `SalConfigError` naming the offending field, `SalDataError` for text that is not JSON.
 */
export function parsePlan(input: string | unknown, options: { kinds?: readonly string[]; file?: string } = {}): Plan {
  const value: unknown = typeof input === 'string' ? parseJson(input, options.file ?? 'plan') : input;
  assertSafeKeys(value, options.file ?? 'plan');
  if (!isJsonObject(value)) throw new SalConfigError(W, 'plan', 'an object with "jobs" and/or "grids"', value);
  checkKeys(value, ['name', 'jobs', 'grids'], 'plan');
  const name = value['name'] ?? 'sweep';
  if (typeof name !== 'string' || name.length === 0 || name.length > 200)
    throw new SalConfigError(W, 'plan.name', 'a non-empty string of at most 200 characters', name);
  const jobs = new Map<string, PlannedJob>();
  const add = (kind: string, config: { [k: string]: JsonValue }) => {
    const key = jobKey(kind, config);
    if (!jobs.has(key)) jobs.set(key, { kind, config, key });
    if (jobs.size > MAX_PLAN_JOBS) throw new SalConfigError(W, 'plan', `at most ${MAX_PLAN_JOBS} jobs`, jobs.size);
  };
  const list = value['jobs'] ?? [];
  if (!Array.isArray(list)) throw new SalConfigError(W, 'plan.jobs', 'an array of {kind, config}', list);
  list.forEach((j, i) => {
    const where = `plan.jobs[${i}]`;
    if (!isJsonObject(j)) throw new SalConfigError(W, where, 'an object {kind, config}', j);
    checkKeys(j, ['kind', 'config'], where);
    const kind = checkKind(j['kind'], where, options.kinds);
    const config = j['config'] ?? {};
    if (!isJsonObject(config)) throw new SalConfigError(W, `${where}.config`, 'an object', config);
    add(kind, config);
  });
  const grids = value['grids'] ?? [];
  if (!Array.isArray(grids)) throw new SalConfigError(W, 'plan.grids', 'an array of {kind, base, axes}', grids);
  grids.forEach((g, i) => {
    const where = `plan.grids[${i}]`;
    if (!isJsonObject(g)) throw new SalConfigError(W, where, 'an object {kind, base, axes}', g);
    checkKeys(g, ['kind', 'base', 'axes'], where);
    const kind = checkKind(g['kind'], where, options.kinds);
    const base = g['base'] ?? {};
    if (!isJsonObject(base)) throw new SalConfigError(W, `${where}.base`, 'an object', base);
    const axes = g['axes'] ?? {};
    if (!isJsonObject(axes)) throw new SalConfigError(W, `${where}.axes`, 'an object of arrays', axes);
    const names = Object.keys(axes).sort();
    let total = 1;
    for (const n of names) {
      const vals = axes[n];
      if (!Array.isArray(vals) || vals.length === 0) throw new SalConfigError(W, `${where}.axes.${n}`, 'a non-empty array of values', vals);
      if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(n))
        throw new SalConfigError(W, `${where}.axes`, 'axis names such as "seed" or "train.maxEpochs"', n);
      total *= vals.length;
    }
    if (total > MAX_PLAN_JOBS) throw new SalConfigError(W, where, `at most ${MAX_PLAN_JOBS} jobs`, total);
    const idx = names.map(() => 0);
    for (let t = 0; t < total; t++) {
      const config = structuredClone(base);
      names.forEach((n, a) => setPath(config, n, (axes[n] as JsonValue[])[idx[a]!]!, where));
      add(kind, config);
      for (let a = names.length - 1; a >= 0; a--) {
        idx[a]!++;
        if (idx[a]! < (axes[names[a]!] as JsonValue[]).length) break;
        idx[a] = 0;
      }
    }
  });
  if (jobs.size === 0) throw new SalConfigError(W, 'plan', 'at least one job in "jobs" or "grids"', 0);
  return { name, jobs: [...jobs.values()] };
}
