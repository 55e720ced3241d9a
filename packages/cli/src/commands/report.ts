/**
 * `sal report --out dir`: redo the analyses of a finished `sal demo` or `sal study --data` run (its `data/`, `checkpoints/` and
 * `results.json`) and rewrite `report.html`, `results.json` and `figures/` without retraining, e.g. after changing
 * the analysis options with `--config`.
 */
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { initBackend } from '@sal/backend';
import { coreFromConfig } from '@sal/cores';
import { readoutFromConfig } from '@sal/readouts';
import { loadCheckpoint } from '@sal/train/node';
import { SalDataError, isJsonObject, type JsonObject } from '@sal/types';
import { writeFigure, writeReport } from '@sal/viz/node';
import {
  buildDataStudyReport,
  ensembleMemberItems,
  keptModelItems,
  loadStudyData,
  modelKey,
  readUserStudyData,
  resolveStudyConfig,
  analyseStudy,
  buildStudyReport,
  type KeptModel,
  type StudyConfig,
  type StudyData,
  type StudyResults,
} from '@sal/study';
import { checkSections, readConfigFile, readJsonObjectFile } from '../config.js';
import { createReporter } from '../progress.js';
import { checkpointDir } from '../train-pool.js';

export interface ReportFlags {
  out: string;
  config?: string;
  quiet?: boolean;
  backend?: string;
}

export async function reportCommand(flags: ReportFlags): Promise<void> {
  const reporter = createReporter({ quiet: flags.quiet });
  await initBackend(flags.backend ? { prefer: flags.backend as never } : {});
  const outDir = resolve(flags.out);
  const file = join(outDir, 'results.json');
  const doc = readJsonObjectFile(file, 'sal report', 'the results.json of a finished sal demo run');
  if (!isJsonObject(doc['config']) || !Array.isArray(doc['models']) || !doc['models'].every(isJsonObject) || !isJsonObject(doc['seconds'])) {
    throw new SalDataError('sal report', 'results.json with config, models and seconds', Object.keys(doc), file);
  }
  const previous = doc as unknown as StudyResults;
  // only the analysis section may change: the models were trained with the rest
  const override = flags.config ? readConfigFile(flags.config) : {};
  const extra = Object.keys(override).filter((k) => k !== 'analysis');
  if (extra.length) throw new SalDataError('sal report --config', "only an 'analysis' section (the models are already trained)", extra.join(', '));
  checkSections(previous.config, override, 'sal report --config');
  const config: StudyConfig = resolveStudyConfig(previous.config, override as JsonObject);
  // a study on a user's dataset (sal study --data) reads it from where results.json says, relative to outDir
  const onData = isJsonObject(doc['dataset']) && typeof doc['dataset']['dir'] === 'string' ? doc['dataset']['dir'] : null;
  const data: StudyData =
    onData !== null ? await readUserStudyData(config, resolve(outDir, onData), outDir) : await loadStudyData(config, outDir, previous.saliencyAgreement);
  const mainCrop = data.crops[0]!.name;
  const kept = new Map<string, KeptModel>();
  const items = onData !== null ? keptModelItems(config, mainCrop, ['data']) : [...keptModelItems(config, mainCrop), ...ensembleMemberItems(config, mainCrop)];
  for (const item of items) {
    if (!previous.models.some((m) => m.population === item.population && m.variant === item.variant && m.crop === item.crop && m.seed === item.seed)) continue;
    // runs from before the ensemble was kept have no checkpoints of its further seeds
    if (item.seed !== config.seed + 1 && !existsSync(checkpointDir(outDir, item))) continue;
    const { encoder } = await loadCheckpoint(checkpointDir(outDir, item), { core: coreFromConfig, readout: readoutFromConfig });
    kept.set(modelKey(item.population, item.variant, item.crop, item.seed), { item, encoder });
  }
  const { results, artifacts } = await analyseStudy({
    config,
    outDir,
    reporter,
    data,
    models: previous.models,
    kept,
    seconds: { ...previous.seconds },
    ...(previous.dataset ? { dataset: previous.dataset } : {}),
  });
  const report = onData !== null ? await buildDataStudyReport(results, artifacts) : await buildStudyReport(results, artifacts);
  await mkdir(join(outDir, 'figures'), { recursive: true });
  for (const f of report.figures) await writeFigure(join(outDir, 'figures', `${f.name}.${f.figure.png ? 'png' : 'svg'}`), (f.figure.png ?? f.figure.svg)!);
  await writeReport(join(outDir, 'report.html'), report.html);
  reporter.info(`rewrote ${join(outDir, 'report.html')} and ${report.figures.length} figures from ${kept.size} checkpoints`);
}
