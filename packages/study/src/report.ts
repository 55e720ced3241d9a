/**
 * The study's HTML report: every figure of the original post's checklist (figures.md rows 1–14) drawn
 * from this run's arrays, the ground truth beside what the models recovered, the RF-shift test and the
 * verdicts. Figures are also returned so the caller can save them as files. One function per section.
 */
import '@sal/viz/node'; // registers the sharp SVG rasterizer the PNG figures need
import {
  buildReport,
  eigenSpectrumFigure,
  exampleGridFigure,
  explainedVarianceFigure,
  grfDistributionFigure,
  grfSupportMask,
  grfOverlayFigure,
  grfPanelFigure,
  modelSchemaFigure,
  projectionGridFigure,
  rfRecoveryFigure,
  saliencyFigure,
  rfShiftFigure,
  shifterCurvesFigure,
  strongestWeakestFigure,
  testCorrelationFigure,
  trainingCurvesFigure,
  verdictTable,
  type ReportBlock,
  type ReportFigure,
  type ReportSection,
  type ReportTable,
} from '@sal/viz';
import { formatP } from '@sal/types';
import type { GrfAnalysis } from './analysis.js';
import type { StudyConfig } from './config.js';
import type { StudyArtifacts, StudyResults } from './results.js';
import { signed } from './stats.js';
import { meiSection } from './mei-report.js';
import { formatOverSeeds, formatStat } from './shift-recovery.js';
import { FRACTION_OF_ORACLE_NOTE, fractionOfOracleCell, reliabilityText, saliencyText } from './oracle-report.js';

export interface StudyReport {
  html: string;
  figures: { name: string; figure: ReportFigure }[];
}

/** Collects the report's figures (named for their files) as the sections add them. */
export type AddFigure = (name: string, f: ReportFigure) => ReportFigure;

function channelOf(inputs: Float32Array, c: number, channel: number): Float32Array {
  const out = new Float32Array(inputs.length / c);
  for (let i = 0; i < out.length; i++) out[i] = inputs[i * c + channel]!;
  return out;
}

/** A correlation for people: three decimals (as every correlation of the report), or "undefined" where r is (a constant side). */
export function formatR(r: number): string {
  return Number.isFinite(r) ? r.toFixed(3) : 'undefined (one side is constant)';
}

export async function buildStudyReport(results: StudyResults, art: StudyArtifacts): Promise<StudyReport> {
  const figures: { name: string; figure: ReportFigure }[] = [];
  const fig: AddFigure = (name, f) => {
    figures.push({ name, figure: f });
    return f;
  };
  const sections: ReportSection[] = [verdictSection(results), await dataSection(results, art, fig), await modelSection(results, art, fig)];
  const g = art.grf['shift / images'];
  if (g && art.examples) sections.push(await grfSection(g, art, art.examples, fig));
  sections.push(await shiftSection(results, art, fig));
  if (art.pca && g) sections.push(await pcaSection(g, art.pca, fig));
  if (results.mei && art.mei && art.data.truth.shift) sections.push(await meiSection(results.mei, art.mei, g, art.data.truth.shift, art.data.crops[0]!, fig));
  sections.push(methodsSection(results));
  const html = buildReport(sections, { title: 'Does saliency play a role in (simulated) V4 neurons?', subtitle: `sal demo, seed ${results.config.seed}` });
  return { html, figures };
}

function verdictSection(results: StudyResults): ReportSection {
  return {
    heading: 'Does saliency matter? The verdicts',
    blocks: [
      {
        kind: 'paragraph',
        text: 'Each question is answered on the simulated V4 population, whose ground truth is known: in the "shift" population half of the neurons move their receptive field toward the most salient object of each image; in the "noShift" control nobody does, with the same images, neurons and trials otherwise. Comparisons are paired over neurons with a two-sided sign-flip permutation test, on the repeat-averaged test correlation (the single-trial one, the original’s “test correlation”, is given beside it). Where both models were trained with several seeds, each neuron’s correlation is averaged over the seeds first, and the answer is “yes” only if every seed’s own difference agrees in sign; beside it, the verdict says on how many seeds the same test on that seed’s models alone is significant (“significant alone on k”). A p-value over neurons from one seed says nothing about how much training runs vary. Every verdict says on how many seeds it rests; a one-seed “yes” whose Δ is within ±2 sd of the per-seed Δ of the shifter − image-only comparison is “not settled”. The learned-shift verdict keeps apart which neurons shift (AUC) and by how much (correlation within the true shifters, recovered fraction of the magnitude).',
      },
      verdictTable(results.verdicts),
    ],
  };
}

/** Figure 2 for a run: the schema and its caption state the run's remapper amplitude and per-neuron gain. */
export function schemaFigureOf(config: StudyConfig): ReportFigure {
  return modelSchemaFigure({ maxRemapAmplitude: config.readout.maxRemapAmplitude, neuronShiftGain: config.readout.neuronShiftGain });
}

async function dataSection(results: StudyResults, art: StudyArtifacts, fig: AddFigure): Promise<ReportSection> {
  const cfg = results.config;
  const ds = art.data.datasets.shift![art.data.crops[0]!.name]!;
  const [h, w, c] = ds.inputShape;
  const ids = Array.from(ds.split.validation.subarray(0, 4));
  const inputs = ds.inputsOf(ids);
  const examples = ids.map((_, i) => {
    const one = inputs.subarray(i * h * w * c, (i + 1) * h * w * c);
    return { image: channelOf(one, c, 0), saliency: channelOf(one, c, 1), gradX: channelOf(one, c, 2), gradY: channelOf(one, c, 3) };
  });
  const sim = cfg.simulation;
  return {
    heading: 'Data: the simulated population and its saliency',
    blocks: [
      {
        kind: 'paragraph',
        text: `${sim.nTrainImages} training-pool images and ${sim.nTestImages} test images (${sim.testRepeats} repeats) of ${sim.height}×${sim.width} pixels, ${sim.nSessions} sessions × ${sim.neuronsPerSession} neurons with Poisson spike counts. Saliency maps are ${saliencyText(results)}; gradients are Sobel x/y of the map smoothed with σ = ${cfg.gradientSigma} px after the crop. Inputs are cropped (${art.data.crops.map((k) => `${k.name}: ${JSON.stringify(k.pixels)} px`).join('; ')}), rescaled by ${cfg.scale}, and z-scored per channel with statistics from the training split.`,
      },
      fig('fig01-saliency', await saliencyFigure(examples, h, w)),
      fig('fig02-schema', schemaFigureOf(cfg)),
    ],
  };
}

/** Validation-correlation curves of the given variants on the main crop (one per seed where there are several). */
function validationCurves(results: StudyResults, mainCrop: string, pop: string, variants: string[], panelOf?: (v: string) => string) {
  const ms = results.models.filter((m) => m.population === pop && m.crop === mainCrop && variants.includes(m.variant));
  // a variant trained with several seeds gets one curve per seed, named by its seed
  const several = (v: string) => ms.filter((m) => m.variant === v).length > 1;
  return ms.map((m) => ({
    name: several(m.variant) ? `${m.variant} (seed ${m.seed})` : m.variant,
    valCorrelation: m.history.map((r) => r.validation ?? Number.NaN),
    ...(panelOf ? { panel: panelOf(m.variant) } : {}),
  }));
}

/** One entry per (variant, crop) of the shift population, its test correlations over the model seeds. */
function testByCrop(results: StudyResults, pred: (v: string) => boolean) {
  const groups = new Map<string, { variant: string; cropSize: string; correlations: number[] }>();
  for (const m of results.models) {
    if (m.population !== 'shift' || !pred(m.variant)) continue;
    const k = `${m.variant}|${m.crop}`;
    if (!groups.has(k)) groups.set(k, { variant: m.variant, cropSize: m.crop, correlations: [] });
    groups.get(k)!.correlations.push(m.test);
  }
  return [...groups.values()];
}

/** `'1 seed'` or `'1–3 seeds per point'`: how many model seeds stand behind the points of a figure. */
function seedCounts(groups: readonly { correlations: readonly number[] }[]): string {
  const n = groups.map((g) => g.correlations.length);
  const lo = Math.min(...n),
    hi = Math.max(...n);
  return lo === hi ? `${lo} seed${lo === 1 ? '' : 's'} per point` : `${lo}–${hi} seeds per point`;
}

/** The table of paired comparisons (repeat-averaged and single-trial, and per seed when there are several). */
export function comparisonTable(results: StudyResults): ReportBlock {
  const nSeeds = Math.max(...Object.values(results.comparisonsAveraged).map((v) => v.seedDeltas?.length ?? 1), 1);
  return {
    kind: 'table',
    columns: [
      'comparison',
      'Δ repeat-averaged test r',
      'p',
      'Δ single-trial test r',
      'p',
      'neurons improved (averaged)',
      'neurons',
      ...(nSeeds > 1 ? ['Δ per seed (repeat-averaged; p of the seed alone)'] : []),
    ],
    rows: Object.entries(results.comparisonsAveraged).map(([k, v]) => {
      const s1 = results.comparisons[k];
      const ps = v.seedPValues?.length === v.seedDeltas?.length ? v.seedPValues : undefined;
      const perSeed = nSeeds > 1 ? [(v.seedDeltas ?? []).map((d, i) => (ps ? `${signed(d)} (${formatP(ps[i]!)})` : signed(d))).join(', ')] : [];
      return [
        k,
        signed(v.meanDiff),
        formatP(v.pValue),
        s1 ? signed(s1.meanDiff) : '',
        s1 ? formatP(s1.pValue) : '',
        `${(100 * v.fractionBetter).toFixed(0)}%`,
        v.n,
        ...perSeed,
      ];
    }),
    caption:
      nSeeds > 1
        ? "Paired comparisons over neurons on the main crop, each neuron's correlation averaged over the model seeds both variants were trained with (sign-flip permutation tests, two-sided), and each seed's own mean difference with the p-value of the same test on that seed's models alone."
        : 'Paired comparisons over neurons on the main crop (sign-flip permutation tests, two-sided); one model seed per variant.',
  };
}

/** The seed-stability check: the verdict of every 3-seed subset of each comparison's seeds (needs ≥ 5 seeds). */
export function seedStabilityTable(results: StudyResults): ReportTable | null {
  const entries = Object.entries(results.seedStability ?? {});
  if (!entries.length) return null;
  return {
    kind: 'table',
    columns: ['comparison', 'model seeds', 'subsets checked', 'yes', 'not settled (seeds disagree)', 'no'],
    rows: entries.map(([k, v]) =>
      v.subsets === undefined
        ? [k, v.seeds, v.note ?? `needs ≥ ${v.minSeeds} seeds`, '', '', '']
        : [k, v.seeds, `${v.subsets} (${v.subsetSize} seeds each)`, v.yes ?? 0, v.notSettled ?? 0, v.no ?? 0],
    ),
    caption:
      "Seed stability: the comparison's verdict (same rule as above) on every 3-seed subset of its model seeds, counted. A stable verdict gives the same answer on (nearly) every subset. Needs at least 5 seeds.",
  };
}

async function modelSection(results: StudyResults, art: StudyArtifacts, fig: AddFigure): Promise<ReportSection> {
  const mainCrop = art.data.crops[0]!.name;
  const rows = results.models.map((m) => [
    m.population,
    m.crop,
    m.variant,
    m.seed,
    formatStat(m.validation),
    formatStat(m.test),
    fractionOfOracleCell(m),
    formatStat(m.testAveraged),
    formatStat(m.feve),
    m.epochs,
    Math.round(m.seconds),
  ]);
  const blocks: ReportBlock[] = [
    {
      kind: 'table',
      columns: [
        'population',
        'crop',
        'variant',
        'seed',
        'validation r',
        'test r (single trial)',
        'fraction of oracle (jackknife)',
        'test r (repeat-averaged)',
        'FEVe',
        'epochs',
        'seconds',
      ],
      rows,
      caption: `Mean over neurons of every trained model's correlations (3 decimals) and FEVe. ${FRACTION_OF_ORACLE_NOTE}`,
    },
  ];
  const reliability = reliabilityText(results);
  if (reliability) blocks.push({ kind: 'paragraph', text: reliability });
  const tc = validationCurves(results, mainCrop, 'shift', ['images', 'images+saliency', 'images+gradients', 'all'], (v) =>
    v === 'images' ? 'images only' : '+ saliency',
  );
  if (tc.length) blocks.push(fig('fig03-training-curves', await trainingCurvesFigure(tc)));
  const sc = validationCurves(results, mainCrop, 'shift', ['shifter-saliency', 'shifter-ones', 'shifter-image']);
  if (sc.length) blocks.push(fig('fig04-shifter-curves', await shifterCurvesFigure(sc)));
  const t5 = testByCrop(results, (v) => v !== 'attention');
  blocks.push(
    fig(
      'fig05-test-correlation',
      await testCorrelationFigure(t5, {
        caption: `Test correlation (single trial; mean over neurons) of the CNN models by input variant and crop, population with shifts. Points: mean over model seeds; error bars: ± 1 sd over model seeds (ddof 0), none where a point has one seed (${seedCounts(t5)}).`,
      }),
    ),
  );
  const att = testByCrop(results, (v) => v === 'attention' || v === 'images');
  if (att.some((r) => r.variant === 'attention')) {
    blocks.push(
      fig(
        'fig06-attention-test-correlation',
        await testCorrelationFigure(att, {
          title: 'Test correlation: attention readout',
          caption: 'Test correlation (single trial) of the multiple-attention readout beside the Gaussian readout, by crop, image input.',
        }),
      ),
    );
  }
  blocks.push(comparisonTable(results));
  const stability = seedStabilityTable(results);
  if (stability) blocks.push(stability);
  return { heading: 'Model comparison', blocks };
}

export async function grfSection(g: GrfAnalysis, art: StudyArtifacts, ex: NonNullable<StudyArtifacts['examples']>, fig: AddFigure): Promise<ReportSection> {
  const P = g.h * g.w;
  const m = g.imageIds.length;
  const grfOf = (session: string, index: number, img: number) => g.grfs[session]!.subarray((index * m + img) * P, (index * m + img + 1) * P);
  const imageOf = (img: number) => g.images.subarray(img * P, (img + 1) * P);
  const b0 = art.best[0]!;
  const four = art.best.filter((b) => b.session === b0.session).slice(0, 4);
  const grfRows = [0, 1, 2, 3].filter((i) => i < m).map((i) => ({ image: imageOf(i), grfs: four.map((b) => grfOf(b.session, b.index, i)) }));
  const cols = Math.min(10, ex.top.length);
  const gridRows = Math.max(1, Math.floor(Math.min(40, ex.top.length) / cols));
  const top = ex.top.slice(0, gridRows * cols);
  const k = Math.min(5, ex.top.length);
  // fig11: only the pixels inside the neuron's gRF (outside it the gRF is ~0 and the histogram a spike at zero)
  const support = grfSupportMask(
    Array.from({ length: m }, (_, i) => grfOf(b0.session, b0.index, i)),
    0.1,
  );
  const supportCount = support.reduce((a, v) => a + v, 0);
  const inside = (values: Float32Array) => values.filter((_, i) => support[i % P] === 1);
  return {
    heading: 'Gradient receptive fields of the image-only model',
    blocks: [
      {
        kind: 'paragraph',
        text: `gRF = d predicted response / d input image, in evaluation mode, no smoothing, on ${m} validation images. Neurons are the best by test correlation (${art.best.map((b) => `${b.session}/${b.index}`).join(', ')}).`,
      },
      fig(
        'fig07-example-grid',
        await exampleGridFigure(top.map(imageOf), g.h, g.w, {
          rows: gridRows,
          cols,
          neuron: `${b0.session}/${b0.index}`,
          title: `Images that drive ${b0.session}/${b0.index} most`,
          labels: top.map((i, r) => `${r + 1}. #${g.imageIds[i]}`),
        }),
      ),
      fig('fig08-grf-panels', await grfPanelFigure(grfRows, g.h, g.w, { neurons: four.map((b) => `${b.session}/${b.index}`) })),
      fig(
        'fig09-grf-overlay',
        await grfOverlayFigure(
          four.map((b) => ({ image: imageOf(0), grf: grfOf(b.session, b.index, 0), title: `${b.session}/${b.index}` })),
          g.h,
          g.w,
        ),
      ),
      fig(
        'fig10-strongest-weakest',
        await strongestWeakestFigure(
          [
            {
              neuron: `${b0.session}/${b0.index}`,
              strongest: ex.top
                .slice(0, k)
                .map((i, r) => ({ image: imageOf(i), grf: grfOf(b0.session, b0.index, i), title: responseTitle(g.imageIds[i]!, ex.topResponses?.[r]) })),
              weakest: ex.bottom
                .slice(0, k)
                .map((i, r) => ({ image: imageOf(i), grf: grfOf(b0.session, b0.index, i), title: responseTitle(g.imageIds[i]!, ex.bottomResponses?.[r]) })),
            },
          ],
          g.h,
          g.w,
          { titles: ex.topResponses ? "the validation image id and the model's predicted response" : 'the validation image id' },
        ),
      ),
      fig(
        'fig11-grf-distributions',
        await grfDistributionFigure(ex.topValues, ex.bottomValues, {
          range: symmetricRange(inside(ex.topValues), inside(ex.bottomValues)),
          pixels: {
            mask: support,
            description: `the ${supportCount} pixels inside the gRF of ${b0.session}/${b0.index} (mean |gRF| over the ${m} images ≥ 10 % of its maximum)`,
          },
        }),
      ),
    ],
  };
}

/** The shift-recovery statistics of the shifter models per population (mean ± sd over the analysed seeds). */
export function shiftRecoveryTable(results: StudyResults): ReportTable | null {
  const rows = Object.entries(results.modelShifts).flatMap(([pop, s]) => {
    if (!s?.overSeeds || !s.recovery?.length) return [];
    const o = s.overSeeds;
    return [
      [
        pop,
        s.recovery.length,
        s.recovery[0]!.shifters,
        s.recovery[0]!.fixed,
        formatOverSeeds(o.auc),
        o.aucMagnitude ? formatOverSeeds(o.aucMagnitude) : 'undefined',
        formatOverSeeds(o.withinShiftersR),
        formatOverSeeds(o.withinShiftersSlope),
        formatOverSeeds(o.recoveredFraction, 0, 100, ' %'),
        formatStat(s.agreement),
      ],
    ];
  });
  if (!rows.length) return null;
  return {
    kind: 'table',
    columns: [
      'population',
      'model seeds',
      'true shifters',
      'fixed neurons',
      'AUC shifters vs fixed',
      'AUC by |learned shift|',
      'r within shifters',
      'slope within shifters (px/px)',
      'recovered fraction of the magnitude',
      'r over all neurons (two groups; not used)',
    ],
    rows,
    caption:
      'How well the saliency shifter’s learned shift recovers the true one. AUC: probability that a true shifter has a larger learned shift toward the salient object than a fixed neuron (Mann–Whitney; 0.5 = chance); by |learned shift|: the same for the length of the learned shift in any direction. r and slope: learned against true shift over the true shifters only. Recovered fraction: mean learned / mean true shift over the true shifters. “undefined” where a statistic is (e.g. no true shifters in the control). With several model seeds: mean ± sd over seeds.',
  };
}

/** Tables of the gRF centre-of-mass test and of the gRF centres against the control population. */
function grfTestTables(results: StudyResults): ReportBlock[] {
  return [
    {
      kind: 'table',
      columns: ['model', 'mean projection (px)', 'p (permutation)', 'true shifters significant', 'fixed neurons significant'],
      rows: Object.entries(results.grf).map(([name, r]) => [
        name,
        formatStat(r!.statistic),
        formatP(r!.pValue),
        r!.detection ? `${r!.detection.truePositives}/${r!.detection.shifters}` : 'no ground truth',
        r!.detection ? `${r!.detection.falsePositives}/${r!.detection.nonShifters}` : 'no ground truth',
      ]),
      caption: 'The gRF centre-of-mass test in each population.',
    },
    {
      kind: 'table',
      columns: ['model', 'neurons', 'Δ projection vs control (px)', 'p (sign flip)', 'n'],
      rows: Object.entries(results.grfVsControl).flatMap(([v, r]) => [
        [v, 'true shifters', signed(r!.shifters.meanDiff), formatP(r!.shifters.pValue), r!.shifters.n],
        [v, 'fixed neurons', signed(r!.others.meanDiff), formatP(r!.others.pValue), r!.others.n],
      ]),
      caption:
        "Each neuron's mean projection in the population with shifts minus the same neuron's in the control population (same images): the image-content part cancels.",
    },
  ];
}

async function shiftSection(results: StudyResults, art: StudyArtifacts, fig: AddFigure): Promise<ReportSection> {
  const blocks: ReportBlock[] = [
    {
      kind: 'paragraph',
      text: "For every neuron and image, the centre of mass of gRF² gives the RF centre on that image. Its displacement from the neuron's mean centre is projected on the direction of the image's most salient object (from the simulation's ground truth); the statistic is the mean projection, tested against permutations of the salient points across images. Because the control population has no RF shifts at all, it shows what the test reports for fixed receptive fields.",
    },
    ...grfTestTables(results),
  ];
  for (const [pop, ms] of Object.entries(art.modelShifts)) {
    if (!ms) continue;
    blocks.push(
      fig(
        `extra-model-shifts-${pop.toLowerCase()}`,
        await rfShiftFigure(
          { trueShift: ms.trueProjection, measuredShift: ms.modelProjection, shifts: ms.neurons.map((n) => n.shifts) },
          {
            measured: 'learned readout shift',
            title: `Shifter model: learned vs true shift (${pop})`,
            caption: `${pop} population, per neuron: the saliency shifter's learned readout shift (shifted readout position minus μ) toward the most salient object against the simulation's true RF shift toward it, both in input pixels and averaged over ${art.grf[`${pop} / shifter-saliency`]?.imageIds.length ?? results.config.analysis.grfImages} validation images; colour: whether the neuron shifts in the simulation; dashed: y = x.`,
          },
        ),
      ),
    );
    blocks.push({
      kind: 'paragraph',
      text: `${pop} population: the shifter model's learned shift of each neuron (its shifted readout position minus μ, in input pixels, projected on the direction to the most salient object, averaged over images) against the simulation's true shift.`,
    });
  }
  const recovery = shiftRecoveryTable(results);
  if (recovery) blocks.push(recovery);
  for (const [name, ga] of Object.entries(art.grf)) {
    if (ga.neurons.some((n) => !n.trueCentre)) continue; // no ground truth to recover
    blocks.push(
      fig(
        `extra-rf-recovery-${slug(name)}`,
        await rfRecoveryFigure({
          trueX: ga.neurons.map((n) => n.trueCentre![0]),
          trueY: ga.neurons.map((n) => n.trueCentre![1]),
          recoveredX: ga.neurons.map((n) => n.meanCentre[0]),
          recoveredY: ga.neurons.map((n) => n.meanCentre[1]),
        }),
      ),
    );
    blocks.push({ kind: 'paragraph', text: `${name}: RF centres recovered from the gRFs against the simulation's true RF centres (input pixels).` });
  }
  return { heading: 'Do receptive fields move toward salient objects?', blocks };
}

export async function pcaSection(g: GrfAnalysis, p: NonNullable<StudyArtifacts['pca']>, fig: AddFigure): Promise<ReportSection> {
  const spectra = p.neurons.map((n, i) => ({ neuron: n.label, eigenvalues: p.eigenvalues[i]! }));
  const blocksPca: ReportBlock[] = [
    {
      kind: 'paragraph',
      text: `PCA of each neuron's ${g.imageIds.length} gRFs in the dual (Gram) form, each gRF's own mean removed, solved with a symmetric eigensolver and sorted descending (the original's unsorted general eig is not repeated). Components reaching 99% of the variance: ${p.thresholdComponents.join(', ')}.`,
    },
    fig('fig12-eigenvalues', await eigenSpectrumFigure(spectra, { components: 10 })),
    fig('fig13-explained-variance', await explainedVarianceFigure(spectra)),
  ];
  for (const proj of p.projections) {
    const rowsP = p.projectedImageIndices.map((imgIdx, r) => ({
      image: g.images.subarray(imgIdx * g.h * g.w, (imgIdx + 1) * g.h * g.w),
      projections: proj.images.map((perNeuron) => perNeuron[r]!),
    }));
    blocksPca.push(
      fig(`fig14-projection-${proj.count}`, await projectionGridFigure(rowsP, g.h, g.w, { neurons: p.neurons.map((n) => n.label), nGrfs: proj.count })),
    );
  }
  return { heading: 'PCA of gRFs and projections into their eigenspace', blocks: blocksPca };
}

/** The configuration as a table: one row per setting (dotted path), lists and crops written compactly. */
export function configTable(config: StudyConfig): ReportTable {
  const rows: [string, string][] = [];
  const walk = (v: unknown, path: string) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && path !== 'crops') {
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    } else if (path === 'crops') {
      for (const [name, c] of Object.entries(v as StudyConfig['crops']))
        rows.push([`crops.${name}`, `top ${c[0][0]}, bottom ${c[0][1]}, left ${c[1][0]}, right ${c[1][1]} (fractions)`]);
    } else {
      rows.push([path, Array.isArray(v) ? v.join(', ') : String(v)]);
    }
  };
  walk(config, '');
  return {
    kind: 'table',
    columns: ['setting', 'value'],
    rows,
    caption: 'The configuration of this run (every field can be overridden from a JSON config file).',
  };
}

/**
 * The methods section of a study report: backend, stage times, models, training and the configuration table. A
 * study on a user's data leaves out the simulation's saliency sentence (`saliency: false`) and may add lines.
 */
export function methodsSection(results: StudyResults, opts: { saliency?: boolean; extraItems?: readonly string[] } = {}): ReportSection {
  const cfg = results.config;
  return {
    heading: 'How this report was made',
    blocks: [
      {
        kind: 'list',
        items: [
          `backend: ${results.backend}`,
          `time per stage (s): ${Object.entries(results.seconds)
            .map(([k, v]) => `${k} ${v.toFixed(1)}`)
            .join(', ')}`,
          `core: stacked conv core, ${cfg.core.layers} layers, ${cfg.core.hiddenChannels} channels, input kernel ${cfg.core.inputKern}; readout: Gaussian (isotropic), or saliency shifter with remapper amplitude ${cfg.readout.maxRemapAmplitude}${cfg.readout.neuronShiftGain ? ' and a learned per-neuron shift gain (not in the original: without it every neuron at a location gets the same shift)' : ''}`,
          ...(opts.saliency === false ? [] : [`saliency maps (every model of this report): ${saliencyText(results)}`]),
          `training: Adam lr ${cfg.train.lr}, batch ${cfg.train.batchSize}, early stopping on validation correlation (patience ${cfg.train.patience}, ${cfg.train.lrDecaySteps} LR decays ×0.3, at most ${cfg.train.maxEpochs} epochs), restore best`,
          ...(opts.extraItems ?? []),
        ],
      },
      configTable(cfg),
    ],
  };
}

/** A strongest/weakest panel title: the image id and, when known, the model's predicted response. */
function responseTitle(id: number, response: number | undefined): string {
  return response === undefined ? `#${id}` : `#${id}: ${response.toFixed(2)}`;
}

function symmetricRange(a: ArrayLike<number>, b: ArrayLike<number>): [number, number] {
  let m = 1e-12;
  for (const v of [a, b]) for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return [-m, m];
}

const slug = (s: string): string =>
  s
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
