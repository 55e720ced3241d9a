/**
 * The whole study on the embedded simulated data: simulate both populations, train every input variant (through a
 * {@link StudyRunner}), score them, open the models up (gRFs, RF-shift test against the ground truth, PCA,
 * projections), draw the verdicts and write the results as JSON (`outDir/results.json`, beside the data under
 * `outDir/data`). The report is assembled from the results by `buildStudyReport`.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeBackend, backendInfo } from '@sal/backend';
import { mean } from '@sal/types';
import { writeFileAtomic } from '@sal/types/node';
import type { Encoder, TextSink } from '@sal/train';
import type { StudyConfig } from './config.js';
import { POPULATIONS, prepareStudyData, type Population, type StudyData } from './data.js';
import type { ModelSummary } from './models.js';
import { inProcessRunner, modelKey, trainingPlan, type PlanItem, type StudyRunner } from './plan.js';
import {
  analyseExamples,
  analyseGrfs,
  analyseModelShifts,
  analysePca,
  liveTensors,
  type ExampleAnalysis,
  type GrfAnalysis,
  type PcaAnalysis,
} from './analysis.js';
import { pairedComparison } from './stats.js';
import { studyComparisons } from './comparisons.js';
import { recoveryOverSeeds, shiftRecovery, type ShiftRecovery } from './shift-recovery.js';
import { studyVerdicts } from './verdicts.js';
import { neuronReliability } from './oracle-scores.js';
import { silentReporter, type Reporter } from './reporter.js';
import { salientPointsFromMaps } from './salient.js';
import { analyseLearnedShiftsOnData, summariseLearnedShifts, type LearnedShiftAnalysis, type LearnedShiftSummary } from './data-shifts.js';
import { NOT_AVAILABLE_ON_DATA, dataVerdicts } from './data-verdicts.js';
import { meiStage } from './mei-stage.js';
import type { GrfSummary, GrfVsControl, ModelShiftSummary, StudyArtifacts, StudyResults } from './results.js';

export type { StudyArtifacts, StudyResults } from './results.js';

/** A trained model kept for the analyses (see `isKeptModel`). */
export interface KeptModel {
  item: PlanItem;
  encoder: Encoder;
}

/** Saves the kept models (e.g. as checkpoints); called after the analyses, before their encoders are disposed. */
export type SaveModels = (models: readonly KeptModel[]) => Promise<void>;

export interface RunStudyOptions {
  config: StudyConfig;
  /** Output directory: the study writes `data/` and `results.json` here. */
  outDir: string;
  /** Progress and information lines. @default silentReporter */
  reporter?: Reporter;
  /** Per-epoch training lines (null: none). @default null */
  trainLog?: TextSink | null;
  /** Trains the plan. @default inProcessRunner() */
  runner?: StudyRunner;
  /** Saves the kept models, unless the runner saved them already (`runner.savesCheckpoints`). @default none */
  saveModels?: SaveModels;
}

/** Wall-clock seconds per stage, recorded as each stage ends. */
function stageClock(seconds: Record<string, number>): (name: string) => void {
  let t = Date.now();
  return (name) => {
    seconds[name] = (Date.now() - t) / 1000;
    t = Date.now();
  };
}

export async function runStudy(opts: RunStudyOptions): Promise<{ results: StudyResults; artifacts: StudyArtifacts }> {
  const { config, outDir } = opts;
  const reporter = opts.reporter ?? silentReporter;
  const runner = opts.runner ?? inProcessRunner();
  const seconds: Record<string, number> = {};
  const lap = stageClock(seconds);
  await mkdir(outDir, { recursive: true });
  reporter.info(`backend: ${describeBackend(backendInfo())}`);

  const data = await prepareStudyData(config, outDir, reporter);
  lap('data');
  return trainAndAnalyse({ ...opts, reporter, runner, data, populations: POPULATIONS, seconds });
}

/** Inputs of {@link trainAndAnalyse}: a study's options, its prepared data and the populations to train on. */
export interface TrainAndAnalyseOptions extends RunStudyOptions {
  data: StudyData;
  /** The populations of `data` to train on: the demo's two, or `['data']` for a user's dataset. */
  populations: readonly Population[];
  /** Seconds per stage so far (training and the analyses add theirs). */
  seconds: Record<string, number>;
  /** A user's dataset directory, for runners in other processes (see `RunnerContext.dataDir`). @default none */
  dataDir?: string;
  /** What `results.json` records about a user's dataset. @default none */
  dataset?: StudyResults['dataset'];
}

/**
 * The study on prepared data (the part the demo and a user's data share): train the plan of `populations`, then
 * {@link analyseStudy}. `sal demo` = simulate ({@link prepareStudyData}) + this; `runStudyOnData` = read the
 * user's dataset + this.
 */
export async function trainAndAnalyse(opts: TrainAndAnalyseOptions): Promise<{ results: StudyResults; artifacts: StudyArtifacts }> {
  const { config, outDir, data, seconds } = opts;
  const reporter = opts.reporter ?? silentReporter;
  const runner = opts.runner ?? inProcessRunner();
  const lap = stageClock(seconds);
  const items = trainingPlan(
    config,
    data.crops.map((c) => c.name),
    opts.populations,
  );
  const task = reporter.task(`training ${items.length} models${runner.description ? ` ${runner.description}` : ''}`, items.length);
  const done = await runner.trainAll(items, {
    config,
    outDir,
    data,
    trainLog: opts.trainLog ?? null,
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    onDone: (r) =>
      task.tick(1, `${r.item.population} ${r.item.variant} ${r.item.crop}: test r = ${r.summary.test.toFixed(3)} (${r.summary.seconds.toFixed(0)} s)`),
  });
  task.done();
  const kept = new Map<string, KeptModel>();
  for (const r of done) if (r.encoder) kept.set(modelKey(r.item.population, r.item.variant, r.item.crop, r.item.seed), { item: r.item, encoder: r.encoder });
  lap('training');
  const saveModels = runner.savesCheckpoints ? undefined : opts.saveModels;
  return analyseStudy({
    config,
    outDir,
    reporter,
    data,
    models: done.map((r) => r.summary),
    kept,
    seconds,
    ...(saveModels ? { saveModels } : {}),
    ...(opts.dataset ? { dataset: opts.dataset } : {}),
  });
}

/** Inputs of {@link analyseStudy}: the data, every model's summary, and the encoders kept for the analyses. */
export interface AnalyseStudyOptions {
  config: StudyConfig;
  outDir: string;
  reporter?: Reporter;
  data: StudyData;
  models: ModelSummary[];
  /** Keyed `population|variant|crop|seed`; the encoders are disposed here. */
  kept: Map<string, KeptModel>;
  /** Seconds per stage so far (the analyses add theirs). */
  seconds: Record<string, number>;
  /** Called with the kept models before their encoders are disposed. @default none */
  saveModels?: SaveModels;
  /** What `results.json` records about a user's dataset (present when `data` holds the `data` population). @default none */
  dataset?: StudyResults['dataset'];
}

/** The population the analyses open up: a user's `data`, else the demo's population with shifts. */
export function mainPopulation(data: Pick<StudyData, 'datasets'>): Population {
  return data.datasets.data ? 'data' : 'shift';
}

/**
 * The salient point of each image (full-image pixels) of a population: the simulation's most salient object where
 * there is ground truth, else the argmax of the image's saliency map inside the crop window (`salientPointsFromMaps`).
 */
function salientOf(data: StudyData, p: Population, crop: StudyData['crops'][number]): (id: number) => { x: number; y: number } {
  const truth = data.truth[p];
  if (truth) return (id) => truth.salientCentre(id);
  return salientPointsFromMaps(data.saliency, data.raw[p]!.imagesShape, crop);
}

/** gRFs of every kept model and each one's centre-of-mass test. */
function grfStage(a: AnalyseStudyOptions, reporter: Reporter): { grf: Record<string, GrfAnalysis>; summary: GrfSummary } {
  const { config, data } = a;
  const crop = data.crops[0]!;
  const grf: Record<string, GrfAnalysis> = {};
  const summary: GrfSummary = {};
  // the ensemble's further seeds are kept for the MEIs only
  const first = [...a.kept.values()].filter((k) => k.item.seed === config.seed + 1);
  const task = reporter.task('gradient receptive fields', first.length);
  const salient = new Map<Population, (id: number) => { x: number; y: number }>();
  for (const { item, encoder } of first) {
    const name = `${item.population} / ${item.variant}`;
    if (!salient.has(item.population)) salient.set(item.population, salientOf(data, item.population, crop));
    const g = analyseGrfs(
      encoder,
      data.datasets[item.population]![crop.name]!,
      data.truth[item.population] ?? null,
      crop,
      config,
      config.seed,
      salient.get(item.population),
    );
    grf[name] = g;
    summary[name] = { population: item.population, variant: item.variant, statistic: g.test.statistic, pValue: g.test.pValue, detection: g.detection };
    task.tick(1, `${name}: RF-shift p = ${g.test.pValue.toFixed(3)}`);
  }
  task.done();
  return { grf, summary };
}

/** gRF centres against the control population: same neurons, same images, with and without RF shifts. */
export function grfAgainstControl(grf: Record<string, GrfAnalysis>, permutationSeed: number): GrfVsControl {
  const out: GrfVsControl = {};
  for (const v of ['images', 'shifter-saliency'] as const) {
    const a = grf[`shift / ${v}`],
      b = grf[`noShift / ${v}`];
    if (!a || !b) continue;
    const sh = a.neurons.map((n, i) => [n.shifts, n.meanProjection, b.neurons[i]!.meanProjection] as const);
    const pick = (want: boolean) => sh.filter(([s]) => s === want);
    out[v] = {
      shifters: pairedComparison(
        pick(true).map((x) => x[1]),
        pick(true).map((x) => x[2]),
        9999,
        permutationSeed,
      ),
      others: pairedComparison(
        pick(false).map((x) => x[1]),
        pick(false).map((x) => x[2]),
        9999,
        permutationSeed,
      ),
    };
  }
  return out;
}

/**
 * The shifter's own learned shifts against the truth, per population: every kept saliency-shifter model of the
 * main crop (one per model seed), its {@link shiftRecovery} statistics and their mean ± sd over the seeds.
 */
function modelShiftStage(a: AnalyseStudyOptions): { artifacts: StudyArtifacts['modelShifts']; summary: ModelShiftSummary } {
  const { config, data } = a;
  const crop = data.crops[0]!;
  const artifacts: StudyArtifacts['modelShifts'] = {};
  const summary: ModelShiftSummary = {};
  for (const p of POPULATIONS) {
    const truth = data.truth[p];
    const dataset = data.datasets[p]?.[crop.name];
    if (!truth || !dataset) continue;
    const models = [...a.kept.values()]
      .filter((m) => m.item.population === p && m.item.variant === 'shifter-saliency' && m.item.crop === crop.name)
      .sort((x, y) => x.item.seed - y.item.seed);
    const seeds: number[] = [];
    const recovery: ShiftRecovery[] = [];
    for (const m of models) {
      const r = analyseModelShifts(m.encoder, dataset, truth, crop, config);
      if (!r.neurons.length) continue;
      const shifts = r.neurons.map((n) => n.shifts);
      recovery.push(shiftRecovery(r.trueProjection, r.modelProjection, shifts, r.modelMagnitude));
      seeds.push(m.item.seed);
      if (artifacts[p]) continue;
      // the first seed's model: the figure and the per-population means
      artifacts[p] = r;
      const avg = (want: boolean, arr: number[]) => mean(arr.filter((_, i) => shifts[i] === want));
      summary[p] = {
        agreement: r.agreement,
        shiftersMean: avg(true, r.modelProjection),
        othersMean: avg(false, r.modelProjection),
        trueShiftersMean: avg(true, r.trueProjection),
      };
    }
    if (summary[p]) Object.assign(summary[p], { seeds, recovery, overSeeds: recoveryOverSeeds(recovery) });
  }
  return { artifacts, summary };
}

/** On a user's data: the shifter's learned shifts toward each image's salient point (image pixels). */
function dataShiftStage(
  a: AnalyseStudyOptions,
  grf: Record<string, GrfAnalysis>,
): { summary: LearnedShiftSummary | null; artifacts: LearnedShiftAnalysis | null } {
  const crop = a.data.crops[0]!;
  const m = a.kept.get(modelKey('data', 'shifter-saliency', crop.name, a.config.seed + 1));
  const g = grf['data / shifter-saliency'];
  if (!m || !g) return { summary: null, artifacts: null };
  const r = analyseLearnedShiftsOnData(m.encoder, a.data.datasets.data![crop.name]!, g, crop, salientOf(a.data, 'data', crop));
  if (!r) return { summary: null, artifacts: null };
  return { summary: summariseLearnedShifts(r, a.config.seed), artifacts: r };
}

/** The `topNeurons` best neurons of the image-only model on the shift population by test correlation, as the original. */
function bestNeurons(a: AnalyseStudyOptions): { session: string; index: number }[] {
  const mainCrop = a.data.crops[0]!.name;
  const pop = mainPopulation(a.data);
  const test = a.models.find((m) => m.population === pop && m.variant === 'images' && m.crop === mainCrop && m.seed === a.config.seed + 1)!.perNeuronTest;
  const neurons = a.data.datasets[pop]![mainCrop]!.sessions.flatMap((s) => Array.from({ length: s.nNeurons }, (_, n) => [s.key, n] as [string, number]));
  const order = test.map((v, i) => [v, i] as const).sort((x, y) => y[0] - x[0]);
  return order.slice(0, a.config.analysis.topNeurons).map(([, i]) => {
    const [session, index] = neurons[i]!;
    return { session, index };
  });
}

/** PCA of the best neurons' gRFs and their driving images (image-only model, shift population). */
function pcaStage(
  a: AnalyseStudyOptions,
  grf: Record<string, GrfAnalysis>,
  best: { session: string; index: number }[],
): { pca: PcaAnalysis | null; examples: ExampleAnalysis | null } {
  const pop = mainPopulation(a.data);
  const imagesGrf = grf[`${pop} / images`];
  if (!imagesGrf) return { pca: null, examples: null };
  const mainCrop = a.data.crops[0]!.name;
  const imagesModel = a.kept.get(modelKey(pop, 'images', mainCrop, a.config.seed + 1))!;
  const pca = analysePca(imagesGrf, best, a.config, a.config.seed);
  const b0 = best[0]!;
  const sameSession = best.filter((b) => b.session === b0.session).map((b) => b.index);
  const examples = analyseExamples(imagesModel.encoder, imagesGrf, a.data.datasets[pop]![mainCrop]!, b0, 40, sameSession);
  return { pca, examples };
}

/** The second half of the study: comparisons, gRF / RF-shift / PCA analyses, verdicts, results.json. */
export async function analyseStudy(a: AnalyseStudyOptions): Promise<{ results: StudyResults; artifacts: StudyArtifacts }> {
  const { config, outDir, data, models, seconds } = a;
  const reporter = a.reporter ?? silentReporter;
  const lap = stageClock(seconds);
  const comparisons = studyComparisons(models, config, data.crops[0]!.name);
  const grf = grfStage(a, reporter);
  const grfVsControl = grfAgainstControl(grf.grf, config.seed);
  const shifts = modelShiftStage(a);
  const onData = mainPopulation(data) === 'data' ? dataShiftStage(a, grf.grf) : null;
  lap('grf');
  const best = bestNeurons(a);
  const { pca, examples } = pcaStage(a, grf.grf, best);
  lap('pca');
  const mei = meiStage(a, reporter);
  lap('mei');
  try {
    if (a.saveModels) await a.saveModels([...a.kept.values()]);
  } finally {
    for (const m of a.kept.values()) m.encoder.dispose();
  }
  lap('checkpoints');

  const results: StudyResults = {
    config,
    backend: describeBackend(backendInfo()),
    seconds,
    saliencyAgreement: data.saliencyAgreement,
    models,
    ...(data.saliencyAgreements ? { saliencyAgreements: data.saliencyAgreements } : {}),
    reliability: Object.fromEntries(Object.entries(data.raw).flatMap(([p, raw]) => (raw ? [[p, neuronReliability(raw)]] : []))),
    comparisons: comparisons.single,
    comparisonsAveraged: comparisons.averaged,
    seedStability: comparisons.stability,
    grf: grf.summary,
    grfVsControl,
    modelShifts: shifts.summary,
    verdicts: onData
      ? dataVerdicts(comparisons.averaged, comparisons.single, grf.summary, onData.summary)
      : studyVerdicts(comparisons.averaged, comparisons.single, grf.summary, grfVsControl, shifts.summary),
    ...(a.dataset ? { dataset: a.dataset } : {}),
    ...(onData ? { learnedShifts: onData.summary, notAvailable: NOT_AVAILABLE_ON_DATA.map((x) => ({ ...x })) } : {}),
  };
  if (mei) {
    // the ensemble of the seeds as extra comparison rows (after the verdicts, which it does not change)
    Object.assign(results.comparisons, mei.comparisons.single);
    Object.assign(results.comparisonsAveraged, mei.comparisons.averaged);
    results.mei = mei.summary;
  }
  await writeFileAtomic(join(outDir, 'results.json'), JSON.stringify(results, null, 2));
  reporter.info(`tensors alive after the study: ${liveTensors()}`);
  return {
    results,
    artifacts: {
      data,
      grf: grf.grf,
      modelShifts: shifts.artifacts,
      pca,
      examples,
      best,
      mei: mei?.artifacts ?? null,
      ...(onData?.artifacts ? { learnedShifts: onData.artifacts } : {}),
    },
  };
}

export type { Population };
