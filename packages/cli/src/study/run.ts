/**
 * The whole study on the embedded simulated data: simulate both populations, train every input variant,
 * score them, open the models up (gRFs, RF-shift test against the ground truth, PCA, projections), draw
 * every figure and write a self-contained HTML report plus the results as JSON.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeBackend, backendInfo } from '@sal/backend';
import type { TextSink } from '@sal/train';
import { saveCheckpoint, writeFileAtomic } from '@sal/train/node';
import type { StudyConfig, VariantName } from './config.js';
import { POPULATIONS, prepareStudyData, type Population, type StudyData } from './data.js';
import { VARIANT_SPECS } from './variants.js';
import { mean, type ModelSummary } from './models.js';
import { checkpointDir, trainPlan, type PlanItem } from './train-pool.js';
import type { Encoder } from '@sal/train';
import { analyseExamples, analyseGrfs, analyseModelShifts, analysePca, liveTensors, type ExampleAnalysis, type GrfAnalysis, type ModelShiftAnalysis, type PcaAnalysis } from './analysis.js';
import { pairedComparison, type PairedComparison } from './stats.js';
import { compareOverSeeds, comparisonVerdicts, modelKey, type SeedComparison, type Verdict } from './verdicts.js';
import type { Reporter } from '../progress.js';

export type { Verdict } from './verdicts.js';

export interface StudyResults {
  config: StudyConfig;
  backend: string;
  seconds: Record<string, number>;
  saliencyAgreement: number;
  models: ModelSummary[];
  /**
   * Paired over neurons on the single-trial test correlation (the original's "test correlation"), main crop; with
   * several model seeds each neuron's correlation is averaged over them, and `seedDeltas` gives each seed's mean Δ.
   */
  comparisons: Record<string, SeedComparison>;
  /** The same on the repeat-averaged test correlation (less dominated by trial-to-trial noise). */
  comparisonsAveraged: Record<string, SeedComparison>;
  grf: Partial<Record<string, { population: Population; variant: VariantName; statistic: number; pValue: number; detection: GrfAnalysis['detection'] }>>;
  /**
   * Per model variant: per-neuron gRF-centre projection in the population with shifts minus the same neuron's in
   * the control population (same images), for the true shifters and for the others (sign-flip test over neurons).
   */
  grfVsControl: Partial<Record<string, { shifters: PairedComparison; others: PairedComparison }>>;
  /** The shifter model's learned shifts against the true shifts (per-neuron projections on the salient direction, px). */
  modelShifts: Partial<Record<Population, { agreement: number; shiftersMean: number; othersMean: number; trueShiftersMean: number }>>;
  verdicts: Verdict[];
}

/** Everything the report needs beyond the JSON summary (arrays for figures). */
export interface StudyArtifacts {
  data: StudyData;
  grf: Record<string, GrfAnalysis>;
  modelShifts: Partial<Record<Population, ModelShiftAnalysis>>;
  pca: PcaAnalysis | null;
  examples: ExampleAnalysis | null;
  best: { session: string; index: number }[];
}

export interface RunStudyOptions {
  config: StudyConfig;
  outDir: string;
  reporter: Reporter;
  /** Per-epoch training lines (null: none). */
  trainLog: TextSink | null;
  /** Save the analysed models' checkpoints under `outDir/checkpoints`. @default true */
  checkpoints?: boolean;
  /** Worker processes for training (0: train in this process; > 0 needs the built CLI). @default 0 */
  workers?: number;
}

export { modelKey };
const key = modelKey;
/** The variants behind the first two verdicts: trained with `comparisonSeeds` seeds on the main crop. */
const COMPARED: readonly VariantName[] = ['images', 'shifter-saliency'];

export async function runStudy(opts: RunStudyOptions): Promise<{ results: StudyResults; artifacts: StudyArtifacts }> {
  const { config, outDir, reporter } = opts;
  const seconds: Record<string, number> = {};
  let t = Date.now();
  const lap = (name: string) => { seconds[name] = (Date.now() - t) / 1000; t = Date.now(); };
  await mkdir(outDir, { recursive: true });
  reporter.info(`backend: ${describeBackend(backendInfo())}`);

  const data = await prepareStudyData(config, outDir, reporter);
  lap('data');

  // ---- training: every variant on the main crop; the Gaussian variants on every crop (crop comparison)
  const mainCrop = data.crops[0]!.name;
  const plan: { population: Population; variant: VariantName; crop: string; seed: number }[] = [];
  for (const population of POPULATIONS) {
    for (const variant of config.variants[population]) {
      const crops = population === 'shift' && VARIANT_SPECS[variant].readout !== 'shifter' ? data.crops.map((c) => c.name) : [mainCrop];
      for (const crop of crops) {
        const n = crop === mainCrop && COMPARED.includes(variant) ? Math.max(config.seeds, config.comparisonSeeds) : config.seeds;
        for (let s = 1; s <= n; s++) plan.push({ population, variant, crop, seed: config.seed + s });
      }
    }
  }
  const keepKeys = new Set<string>();
  for (const p of POPULATIONS) for (const v of ['images', 'shifter-saliency'] as const) keepKeys.add(key(p, v, mainCrop, config.seed + 1));
  const items: PlanItem[] = plan.map((p) => ({ ...p, keep: keepKeys.has(key(p.population, p.variant, p.crop, p.seed)) }));
  const workers = opts.workers ?? 0;
  const task = reporter.task(`training ${items.length} models${workers > 0 ? ` in ${workers} worker processes` : ''}`, items.length);
  const done = await trainPlan(items, {
    config, outDir, data, workers, trainLog: opts.trainLog,
    onDone: (r) => task.tick(1, `${r.item.population} ${r.item.variant} ${r.item.crop}: test r = ${r.summary.test.toFixed(3)} (${r.summary.seconds.toFixed(0)} s)`),
  });
  task.done();
  const trained = new Map<string, KeptModel>();
  const models: ModelSummary[] = done.map((r) => r.summary);
  for (const r of done) {
    const k = key(r.item.population, r.item.variant, r.item.crop, r.item.seed);
    if (r.encoder) trained.set(k, { variant: r.item.variant, encoder: r.encoder });
  }
  lap('training');
  return analyseStudy({ config, outDir, reporter, data, models, kept: trained, seconds, items, workers, checkpoints: opts.checkpoints ?? true });
}

/** A trained model kept for the analyses. */
export interface KeptModel { variant: VariantName; encoder: Encoder }

/** Inputs of {@link analyseStudy}: the data, every model's summary, and the encoders kept for the analyses. */
export interface AnalyseStudyOptions {
  config: StudyConfig;
  outDir: string;
  reporter: Reporter;
  data: StudyData;
  models: ModelSummary[];
  /** Keyed `population|variant|crop|seed`; the caller's encoders are disposed here. */
  kept: Map<string, KeptModel>;
  seconds: Record<string, number>;
  /** The training plan (for checkpoint names); empty when the checkpoints exist already. */
  items: PlanItem[];
  workers: number;
  checkpoints: boolean;
}

/** The second half of the study: comparisons, gRF / RF-shift / PCA analyses, verdicts, results.json. */
export async function analyseStudy(a: AnalyseStudyOptions): Promise<{ results: StudyResults; artifacts: StudyArtifacts }> {
  const { config, outDir, reporter, data, models, seconds, items, workers } = a;
  const trained = a.kept;
  let t = Date.now();
  const lap = (name: string) => { seconds[name] = (Date.now() - t) / 1000; t = Date.now(); };
  const mainCrop = data.crops[0]!.name;
  const perNeuron = new Map<string, number[]>();
  const perNeuronAvg = new Map<string, number[]>();
  for (const m of models) {
    perNeuron.set(key(m.population, m.variant, m.crop, m.seed), m.perNeuronTest);
    perNeuronAvg.set(key(m.population, m.variant, m.crop, m.seed), m.perNeuronTestAveraged);
  }
  const neuronsOf = (p: Population): [string, number][] => data.datasets[p][mainCrop]!.sessions.flatMap((s) => Array.from({ length: s.nNeurons }, (_, n) => [s.key, n] as [string, number]));
  // ---- paired comparisons over neurons (main crop; each neuron's correlation averaged over the model seeds), and
  // per seed. The analyses below (gRFs, learned shifts, PCA) use the first seed's models.
  const s1 = config.seed + 1;
  const allSeeds = Array.from({ length: Math.max(config.seeds, config.comparisonSeeds) }, (_, i) => config.seed + 1 + i);
  const comparisons: Record<string, SeedComparison> = {};
  const comparisonsAveraged: Record<string, SeedComparison> = {};
  const compare = (name: string, p: Population, a: VariantName, b: VariantName) => {
    // the seeds both variants were trained with
    const seeds = allSeeds.filter((s) => perNeuron.has(key(p, a, mainCrop, s)) && perNeuron.has(key(p, b, mainCrop, s)));
    const x = compareOverSeeds(perNeuron, p, a, b, mainCrop, seeds, config.seed);
    if (x) comparisons[name] = x;
    const xa = compareOverSeeds(perNeuronAvg, p, a, b, mainCrop, seeds, config.seed);
    if (xa) comparisonsAveraged[name] = xa;
  };
  for (const p of POPULATIONS) {
    compare(`${p}: shifter-saliency − images`, p, 'shifter-saliency', 'images');
    compare(`${p}: images+saliency − images`, p, 'images+saliency', 'images');
    compare(`${p}: all − images`, p, 'all', 'images');
    compare(`${p}: shifter-saliency − shifter-ones`, p, 'shifter-saliency', 'shifter-ones');
    compare(`${p}: shifter-saliency − shifter-image`, p, 'shifter-saliency', 'shifter-image');
  }

  // ---- analysis: gRFs of the shifter (both populations) and of the image-only model
  const crop = data.crops[0]!;
  const grf: Record<string, GrfAnalysis> = {};
  const grfSummary: StudyResults['grf'] = {};
  const grfTask = reporter.task('gradient receptive fields', trained.size);
  for (const [k, m] of trained) {
    const [population] = k.split('|') as [Population];
    const name = `${population} / ${m.variant}`;
    grf[name] = analyseGrfs(m.encoder, data.datasets[population][mainCrop]!, data.truth[population], crop, config, config.seed);
    const g = grf[name]!;
    grfSummary[name] = { population, variant: m.variant, statistic: g.test.statistic, pValue: g.test.pValue, detection: g.detection };
    grfTask.tick(1, `${name}: RF-shift p = ${g.test.pValue.toFixed(3)}`);
  }
  grfTask.done();

  // gRF centres against the control population: same neurons, same images, with and without RF shifts
  const grfVsControl: StudyResults['grfVsControl'] = {};
  for (const v of ['images', 'shifter-saliency'] as const) {
    const a = grf[`shift / ${v}`], b = grf[`noShift / ${v}`];
    if (!a || !b) continue;
    const sh = a.neurons.map((n, i) => [n.shifts, n.meanProjection, b.neurons[i]!.meanProjection] as const);
    const pick = (want: boolean) => sh.filter(([s]) => s === want);
    grfVsControl[v] = {
      shifters: pairedComparison(pick(true).map((x) => x[1]), pick(true).map((x) => x[2]), 9999, config.seed),
      others: pairedComparison(pick(false).map((x) => x[1]), pick(false).map((x) => x[2]), 9999, config.seed),
    };
  }
  // the shifter's own learned shifts against the truth
  const modelShifts: StudyArtifacts['modelShifts'] = {};
  const modelShiftSummary: StudyResults['modelShifts'] = {};
  for (const p of POPULATIONS) {
    const m = trained.get(key(p, 'shifter-saliency', mainCrop, s1));
    if (!m) continue;
    const r = analyseModelShifts(m.encoder, data.datasets[p][mainCrop]!, data.truth[p], crop, config);
    if (!r.neurons.length) continue;
    modelShifts[p] = r;
    const avg = (want: boolean, arr: number[]) => mean(arr.filter((_, i) => r.neurons[i]!.shifts === want));
    modelShiftSummary[p] = { agreement: r.agreement, shiftersMean: avg(true, r.modelProjection), othersMean: avg(false, r.modelProjection), trueShiftersMean: avg(true, r.trueProjection) };
  }
  lap('grf');

  // best neurons of the image-only model on the shift population (by test correlation), as the original
  const imagesModel = trained.get(key('shift', 'images', mainCrop, s1))!;
  const imagesTest = perNeuron.get(key('shift', 'images', mainCrop, s1))!;
  const imagesNeurons = neuronsOf('shift');
  const order = imagesTest.map((v, i) => [v, i] as const).sort((x, y) => y[0] - x[0]);
  const best = order.slice(0, config.analysis.topNeurons).map(([, i]) => {
    const [session, index] = imagesNeurons[i]!;
    return { session, index };
  });
  const imagesGrf = grf['shift / images'];
  let pca: PcaAnalysis | null = null;
  let examples: ExampleAnalysis | null = null;
  if (imagesGrf) {
    pca = analysePca(imagesGrf, best, config, config.seed);
    const b0 = best[0]!;
    const sameSession = best.filter((b) => b.session === b0.session).map((b) => b.index);
    examples = analyseExamples(imagesModel.encoder, imagesGrf, data.datasets.shift[mainCrop]!, b0, 40, sameSession);
  }
  lap('pca');

  if (a.checkpoints && workers <= 0) {
    for (const it of items) if (it.keep) await saveCheckpoint(checkpointDir(outDir, it), trained.get(key(it.population, it.variant, it.crop, it.seed))!.encoder);
  }
  for (const m of trained.values()) m.encoder.dispose();
  lap('checkpoints');

  const results: StudyResults = {
    config, backend: describeBackend(backendInfo()), seconds, saliencyAgreement: data.saliencyAgreement, models, comparisons, comparisonsAveraged,
    grf: grfSummary, grfVsControl, modelShifts: modelShiftSummary, verdicts: verdicts(comparisonsAveraged, comparisons, grfSummary, grfVsControl, modelShiftSummary),
  };
  await writeFileAtomic(join(outDir, 'results.json'), JSON.stringify(results, null, 2));
  reporter.info(`tensors alive after the study: ${liveTensors()}`);
  return { results, artifacts: { data, grf, modelShifts, pca, examples, best } };
}

function verdicts(c: Record<string, SeedComparison>, single: Record<string, SeedComparison>, g: StudyResults['grf'], gc: StudyResults['grfVsControl'], mshift: StudyResults['modelShifts']): Verdict[] {
  const out: Verdict[] = comparisonVerdicts(c, single);
  const ctl = g['noShift / images'] ?? g['noShift / shifter-saliency'];
  if (ctl) {
    out.push({
      question: 'Is the gRF centre-of-mass test for RF shifts specific (silent in the control population, where no RF shifts)?',
      verdict: ctl.pValue < 0.05 ? 'no: it fires in the control population too' : 'yes',
      evidence: `control population, ${ctl.variant} model: mean projection ${ctl.statistic.toFixed(3)} px toward the salient object, permutation p ${ctl.pValue < 0.001 ? '< 0.001' : `= ${ctl.pValue.toFixed(3)}`}, ${ctl.detection.falsePositives}/${ctl.detection.nonShifters} neurons significant.${ctl.pValue < 0.05 ? ' The centre of mass of gRF² follows image contrast, which salient objects carry, so the test alone cannot tell a shifting RF from a fixed one.' : ''}`,
    });
  }
  for (const [v, r] of Object.entries(gc)) {
    if (!r) continue;
    out.push({
      question: `Measured against the control population, do the gRF centres of shifting neurons (${v} model) move further toward salient objects?`,
      verdict: r.shifters.pValue < 0.05 && r.shifters.meanDiff > 0 ? 'yes' : 'no',
      evidence: `true shifters: ${r.shifters.meanDiff >= 0 ? '+' : ''}${r.shifters.meanDiff.toFixed(3)} px (p ${r.shifters.pValue < 0.001 ? '< 0.001' : `= ${r.shifters.pValue.toFixed(3)}`}, ${r.shifters.n} neurons); other neurons: ${r.others.meanDiff >= 0 ? '+' : ''}${r.others.meanDiff.toFixed(3)} px (p ${r.others.pValue < 0.001 ? '< 0.001' : `= ${r.others.pValue.toFixed(3)}`})`,
    });
  }
  const ms = mshift['shift'];
  if (ms) {
    out.push({
      question: 'Does the shifter model’s learned shift recover which neurons shift, and by how much?',
      verdict: ms.agreement > 0.5 ? 'yes' : ms.agreement > 0.2 ? 'partly' : 'no',
      evidence: `per-neuron correlation of learned and true shift toward the salient object r = ${ms.agreement.toFixed(2)}; learned ${ms.shiftersMean.toFixed(2)} px for true shifters (true ${ms.trueShiftersMean.toFixed(2)} px) vs ${ms.othersMean.toFixed(2)} px for the others${mshift['noShift'] ? `; in the control population ${mshift['noShift'].othersMean.toFixed(2)} px` : ''}`,
    });
  }
  return out;
}
