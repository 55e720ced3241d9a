/** `sal demo`: the whole study on the embedded simulated data, writing the report. */
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { initBackend } from '@sal/backend';
import { writeFigure, writeReport } from '@sal/viz/node';
import { DEMO_STUDY, QUICK_STUDY, buildStudyReport, resolveStudyConfig, runStudy } from '@sal/study';
import { checkOutDir, checkSections, readConfigFile, intFlag } from '../config.js';
import { createReporter } from '../progress.js';
import { checkpointSaver, studyRunner } from '../train-pool.js';

export interface DemoFlags {
  out: string;
  seed?: string;
  quick?: boolean;
  config?: string;
  quiet?: boolean;
  backend?: string;
  verbose?: boolean;
  workers?: string;
}

export async function demoCommand(flags: DemoFlags): Promise<void> {
  const reporter = createReporter({ quiet: flags.quiet });
  await initBackend(flags.backend ? { prefer: flags.backend as never } : {});
  const base = flags.quick ? QUICK_STUDY : DEMO_STUDY;
  const override = flags.config ? readConfigFile(flags.config) : {};
  checkSections(base, override, 'sal demo --config');
  const config = resolveStudyConfig(base, override);
  if (flags.seed !== undefined) config.seed = intFlag('--seed', flags.seed, config.seed);
  const outDir = resolve(flags.out);
  checkOutDir(outDir, 'sal demo', '--out');
  const t0 = Date.now();
  const { results, artifacts } = await runStudy({
    config,
    outDir,
    reporter,
    trainLog: flags.verbose && !flags.quiet ? process.stderr : null,
    runner: studyRunner(intFlag('--workers', flags.workers, availableParallelism())),
    saveModels: checkpointSaver(outDir),
  });
  const report = await buildStudyReport(results, artifacts);
  await mkdir(join(outDir, 'figures'), { recursive: true });
  for (const f of report.figures) {
    const ext = f.figure.png ? 'png' : 'svg';
    await writeFigure(join(outDir, 'figures', `${f.name}.${ext}`), (f.figure.png ?? f.figure.svg)!);
  }
  await writeReport(join(outDir, 'report.html'), report.html);
  reporter.info('');
  reporter.info('| question | verdict | evidence |');
  reporter.info('|---|---|---|');
  for (const v of results.verdicts) reporter.info(`| ${v.question} | ${v.verdict} | ${v.evidence} |`);
  reporter.info('');
  reporter.info(
    `wrote ${join(outDir, 'report.html')}, ${join(outDir, 'results.json')} and ${report.figures.length} figures in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
}
