/**
 * `sal report --db URL --sweep name --out dir`: the report of a study sweep (see jobs/study-job.ts) built from the job
 * database: every model's scores from its result, the analysed models from their stored checkpoints, the data
 * simulated again from the study's seed; then the same analyses, comparisons over seeds and verdicts as `sal demo`.
 */
import { join, resolve } from 'node:path';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { initBackend } from '@sal/backend';
import { coreFromConfig } from '@sal/cores';
import { readoutFromConfig } from '@sal/readouts';
import { loadCheckpoint } from '@sal/train/node';
import { SalConfigError, SalDataError, type JsonObject } from '@sal/types';
import { writeFigure, writeReport } from '@sal/viz/node';
import { JobDatabase } from '@sal/jobs';
import { createReporter } from '../progress.js';
import { DEMO_STUDY, resolveStudyConfig } from '@sal/study';
import { prepareStudyData } from '@sal/study';
import type { ModelSummary } from '@sal/study';
import { analyseStudy, ensembleMemberItems, keptModelItems, modelKey, type KeptModel, type StudyResults } from '@sal/study';
import { buildStudyReport } from '@sal/study';

export interface ReportDbFlags {
  db: string;
  sweep?: string;
  out: string;
  quiet?: boolean;
  backend?: string;
}

export async function reportDbCommand(flags: ReportDbFlags): Promise<StudyResults> {
  const reporter = createReporter({ quiet: flags.quiet });
  const db = await JobDatabase.open(flags.db);
  try {
    const sweep = flags.sweep ?? (await db.sweeps()).at(-1);
    if (!sweep) throw new SalDataError('sal report --db', 'a study sweep in the job database', 'none');
    const status = await db.status(sweep);
    const studyJobs = status.filter((s) => s.kind === 'study-model');
    if (studyJobs.length === 0) throw new SalConfigError('sal report --db', '--sweep', 'a sweep of study-model jobs (a plan with "study")', sweep);
    const notDone = studyJobs.filter((s) => s.state !== 'done');
    if (notDone.length > 0) throw new SalDataError('sal report --db', `every model of sweep '${sweep}' done`, `${notDone.length} not done (sal sweep status)`);
    await initBackend(flags.backend ? { prefer: flags.backend as never } : {});
    const results = await db.results(sweep, 'study-model');
    const config = resolveStudyConfig(DEMO_STUDY, results[0]!.config['study'] as JsonObject);
    const outDir = resolve(flags.out);
    await mkdir(outDir, { recursive: true });
    const data = await prepareStudyData(config, outDir, reporter);
    const mainCrop = data.crops[0]!.name;
    const models = results.map((r) => (r.result as unknown as { summary: ModelSummary }).summary);
    const kept = new Map<string, KeptModel>();
    const tmp = await mkdtemp(join(tmpdir(), 'sal-report-db-'));
    try {
      // the study's kept-models rule (the same models `sal demo` keeps and `sal report` reloads)
      for (const item of [...keptModelItems(config, mainCrop), ...ensembleMemberItems(config, mainCrop)]) {
        const { population, variant, crop, seed } = item;
        const r = results.find(
          (x) => x.config['population'] === population && x.config['variant'] === variant && x.config['crop'] === crop && x.config['seed'] === seed,
        );
        if (!r) continue;
        const dir = join(tmp, `${population}-${variant}-seed${seed}`);
        await mkdir(dir);
        for (const a of r.artefacts)
          if (a.name.startsWith('checkpoint-')) await writeFile(join(dir, a.name.slice('checkpoint-'.length)), await db.readArtefact(r.key, a.name));
        const { encoder } = await loadCheckpoint(dir, { core: coreFromConfig, readout: readoutFromConfig });
        kept.set(modelKey(population, variant, crop, seed), { item, encoder });
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    const { results: out, artifacts } = await analyseStudy({ config, outDir, reporter, data, models, kept, seconds: {} });
    const report = await buildStudyReport(out, artifacts);
    await mkdir(join(outDir, 'figures'), { recursive: true });
    for (const f of report.figures) await writeFigure(join(outDir, 'figures', `${f.name}.${f.figure.png ? 'png' : 'svg'}`), (f.figure.png ?? f.figure.svg)!);
    await writeReport(join(outDir, 'report.html'), report.html);
    reporter.info(`wrote ${join(outDir, 'report.html')} from ${models.length} models of sweep '${sweep}'`);
    return out;
  } finally {
    await db.close();
  }
}
