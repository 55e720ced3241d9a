/**
 * The study on the job queue: `studyPlan` turns a study config into the jobs `sal demo` trains (every variant on the
 * main crop, the Gaussian variants on every crop, `comparisonSeeds` seeds of the compared variants), one
 * `study-model` job each; the `study-model` handler simulates the study's data (seeded: the same on every worker,
 * cached per process) and trains one model as `sal demo` does, storing its summary as the result and its checkpoint
 * as artefacts. `sal report --db` (report-db.ts) then runs the demo's analyses on them.
 * Kept apart from the CLI commands so it can move to the study package's runner.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@sal/backend';
import { saveCheckpoint } from '@sal/train/node';
import { SalConfigError, type JsonObject, type JsonValue } from '@sal/types';
import { jobKey, type JobHandler, type Plan, type PlannedJob } from '@sal/jobs';
import { createReporter } from '../progress.js';
import { DEMO_STUDY, QUICK_STUDY, VARIANTS, resolveStudyConfig, type StudyConfig, type VariantName } from '@sal/study';
import { POPULATIONS, prepareStudyData, type Population, type StudyData } from '@sal/study';
import { trainItem, trainingPlan } from '@sal/study';

/** The variants behind the first two verdicts (as in run.ts). */

/** A study plan file: `{"name", "study": {overrides of the demo config}, "base": "demo" | "quick"}`. */
export function studyPlan(value: JsonObject): Plan {
  for (const k of Object.keys(value))
    if (!['name', 'study', 'base'].includes(k)) throw new SalConfigError('parsePlan', `plan.${k}`, 'one of the keys name, study, base', k);
  const base = value['base'] ?? 'demo';
  if (base !== 'demo' && base !== 'quick') throw new SalConfigError('parsePlan', 'plan.base', "'demo' or 'quick'", base);
  const name = value['name'] ?? 'study';
  if (typeof name !== 'string' || name.length === 0) throw new SalConfigError('parsePlan', 'plan.name', 'a non-empty string', name);
  const config = resolveStudyConfig(base === 'quick' ? QUICK_STUDY : DEMO_STUDY, (value['study'] ?? {}) as JsonObject);
  // the study's own plan (the same models `sal demo` trains), one job per model
  const jobs: PlannedJob[] = trainingPlan(config, Object.keys(config.crops)).map(({ population, variant, crop, seed }) => {
    const cfg = { study: config as unknown as JsonValue, population, variant, crop, seed };
    return { kind: 'study-model', config: cfg, key: jobKey('study-model', cfg) };
  });
  return { name, jobs };
}

// the study's data, simulated once per process and study config
const cache = new Map<string, Promise<StudyData>>();
const dirs: string[] = [];
process.once('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The study's data for `config`, simulated in a temp folder of this process (seeded: the same on every machine). */
export function studyData(config: StudyConfig): Promise<StudyData> {
  const key = jobKey('study-data', config);
  let p = cache.get(key);
  if (!p) {
    const dir = mkdtempSync(join(tmpdir(), 'sal-study-data-'));
    dirs.push(dir);
    p = prepareStudyData(config, dir, createReporter({ quiet: true }));
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

export const studyModelJob: JobHandler = async ({ config }) => {
  const study = resolveStudyConfig(DEMO_STUDY, config['study'] as JsonObject);
  const population = config['population'] as Population;
  if (!POPULATIONS.includes(population)) throw new SalConfigError('study-model job', 'population', POPULATIONS.join(' | '), population);
  const variant = config['variant'] as VariantName;
  if (!VARIANTS.includes(variant)) throw new SalConfigError('study-model job', 'variant', VARIANTS.join(' | '), variant);
  const crop = config['crop'] as string;
  if (!(crop in study.crops)) throw new SalConfigError('study-model job', 'crop', Object.keys(study.crops).join(' | '), crop);
  const seed = config['seed'] as number;
  await initBackend();
  const data = await studyData(study);
  const r = await trainItem({ population, variant, crop, seed, keep: true }, data, study, null);
  const dir = mkdtempSync(join(tmpdir(), 'sal-study-job-'));
  try {
    const ckpt = join(dir, 'checkpoint');
    await saveCheckpoint(ckpt, r.encoder!);
    const artefacts = readdirSync(ckpt)
      .sort()
      .map((f) => ({ name: `checkpoint-${f}`, data: new Uint8Array(readFileSync(join(ckpt, f))) }));
    return { result: { summary: r.summary, test: r.test, neurons: r.neurons } as unknown as JsonValue, artefacts };
  } finally {
    r.encoder!.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
};
