/**
 * `sal study --data DIR [--out OUT] [--config FILE]`: the whole study on a dataset in sal's directory layout (as
 * `sal train` reads it): every variant with its seeds, paired comparisons and verdicts, gRFs of every session, the
 * RF-shift analysis toward the salient points of the saliency maps, the shifter's learned shifts in image pixels,
 * PCA, and the report (`report.html`, `results.json`, `figures/`, `checkpoints/`, `dataset.json`).
 */
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { initBackend } from '@sal/backend';
import { writeFigure, writeReport } from '@sal/viz/node';
import { DATA_STUDY, buildDataStudyReport, resolveStudyConfig, runStudyOnData } from '@sal/study';
import { SalConfigError } from '@sal/types';
import { checkOutDir, checkSections, readConfigFile, intFlag } from '../config.js';
import { createReporter } from '../progress.js';
import { checkpointSaver, studyRunner } from '../train-pool.js';

export interface StudyFlags {
  data: string;
  out: string;
  config?: string;
  seed?: string;
  workers?: string;
  pixelsPerDegree?: string;
  quiet?: boolean;
  verbose?: boolean;
  backend?: string;
}

export async function studyCommand(flags: StudyFlags): Promise<void> {
  const reporter = createReporter({ quiet: flags.quiet });
  await initBackend(flags.backend ? { prefer: flags.backend as never } : {});
  const override = flags.config ? readConfigFile(flags.config) : {};
  checkSections(DATA_STUDY, override, 'sal study --config');
  const config = resolveStudyConfig(DATA_STUDY, override);
  if (flags.seed !== undefined) config.seed = intFlag('--seed', flags.seed, config.seed);
  let saliencyModel = {};
  if (flags.pixelsPerDegree !== undefined) {
    const ppd = Number(flags.pixelsPerDegree);
    if (!(ppd > 0) || !Number.isFinite(ppd)) throw new SalConfigError('sal study', '--pixels-per-degree', 'a positive number', flags.pixelsPerDegree);
    saliencyModel = { pixelsPerDegree: ppd };
  }
  const outDir = resolve(flags.out);
  checkOutDir(outDir, 'sal study', '--out');
  const t0 = Date.now();
  reporter.info(`training: ${JSON.stringify(config.train)}; core: ${JSON.stringify(config.core)}; readout: ${JSON.stringify(config.readout)}`);
  const { results, artifacts } = await runStudyOnData({
    dataDir: flags.data,
    config,
    outDir,
    reporter,
    saliencyModel,
    trainLog: flags.verbose && !flags.quiet ? process.stderr : null,
    runner: studyRunner(intFlag('--workers', flags.workers, availableParallelism())),
    saveModels: checkpointSaver(outDir),
  });
  const report = await buildDataStudyReport(results, artifacts);
  await mkdir(join(outDir, 'figures'), { recursive: true });
  for (const f of report.figures) await writeFigure(join(outDir, 'figures', `${f.name}.${f.figure.png ? 'png' : 'svg'}`), (f.figure.png ?? f.figure.svg)!);
  await writeReport(join(outDir, 'report.html'), report.html);
  reporter.info('');
  reporter.info('| question | verdict | evidence |');
  reporter.info('|---|---|---|');
  for (const v of results.verdicts) reporter.info(`| ${v.question} | ${v.verdict} | ${v.evidence ?? ''} |`);
  reporter.info('');
  reporter.info(
    `wrote ${join(outDir, 'report.html')}, ${join(outDir, 'results.json')} and ${report.figures.length} figures in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
}
