/**
 * The HTML report of the study on a user's data (`runStudyOnData`): the same model comparison, gRF, RF-shift and
 * PCA sections as the demo's report where they apply, the shifter's learned shifts in image pixels, and, instead
 * of the demo's ground-truth analyses, a list of what is not available and why.
 */
import '@sal/viz/node'; // registers the sharp SVG rasterizer the PNG figures need
import {
  buildReport,
  saliencyFigure,
  shifterCurvesFigure,
  testCorrelationFigure,
  trainingCurvesFigure,
  verdictTable,
  type ReportBlock,
  type ReportFigure,
  type ReportSection,
} from '@sal/viz';
import { formatP } from '@sal/types';
import { comparisonTable, grfSection, methodsSection, pcaSection, type AddFigure, type StudyReport } from './report.js';
import type { StudyArtifacts, StudyResults } from './results.js';
import { signed } from './stats.js';

const channelOf = (inputs: Float32Array, c: number, channel: number): Float32Array => {
  const out = new Float32Array(inputs.length / c);
  for (let i = 0; i < out.length; i++) out[i] = inputs[i * c + channel]!;
  return out;
};

/** The report of a study on a user's data (`results.dataset` set). */
export async function buildDataStudyReport(results: StudyResults, art: StudyArtifacts): Promise<StudyReport> {
  const figures: { name: string; figure: ReportFigure }[] = [];
  const fig: AddFigure = (name, f) => {
    figures.push({ name, figure: f });
    return f;
  };
  const sections: ReportSection[] = [verdictSection(results), await dataSection(results, art, fig), await modelSection(results, art, fig)];
  const g = art.grf['data / images'];
  if (g && art.examples) sections.push(await grfSection(g, art, art.examples, fig));
  sections.push(shiftSection(results, art));
  if (art.pca && g) sections.push(await pcaSection(g, art.pca, fig));
  sections.push(
    methodsSection(results, {
      saliency: false,
      extraItems: [`model seeds: ${results.config.seeds} per variant, ${results.config.comparisonSeeds} for the image-only and saliency-shifter models`],
    }),
  );
  const html = buildReport(sections, {
    title: 'Does saliency play a role in these neurons?',
    subtitle: `sal study --data ${results.dataset?.dir ?? ''}, seed ${results.config.seed}`,
  });
  return { html, figures };
}

function verdictSection(results: StudyResults): ReportSection {
  return {
    heading: 'Does saliency matter? The verdicts',
    blocks: [
      {
        kind: 'paragraph',
        text: 'Each question is answered on this dataset. Comparisons are paired over neurons with a two-sided sign-flip permutation test, on the repeat-averaged test correlation (the single-trial one beside it); where both models were trained with several seeds, each neuron’s correlation is averaged over the seeds first and the answer is “yes” only if every seed’s own difference agrees. The data has no ground truth: questions that need it (true RF shifts, a control population, true saliency) are marked “not available” rather than answered.',
      },
      verdictTable(results.verdicts),
    ],
  };
}

async function dataSection(results: StudyResults, art: StudyArtifacts, fig: AddFigure): Promise<ReportSection> {
  const info = results.dataset;
  const crop = art.data.crops[0]!;
  const ds = art.data.datasets.data![crop.name]!;
  const [h, w, c] = ds.inputShape;
  const ids = Array.from(ds.split.validation.subarray(0, 4));
  const inputs = ds.inputsOf(ids);
  const examples = ids.map((_, i) => {
    const one = inputs.subarray(i * h * w * c, (i + 1) * h * w * c);
    return { image: channelOf(one, c, 0), saliency: channelOf(one, c, 1), gradX: channelOf(one, c, 2), gradY: channelOf(one, c, 3) };
  });
  const sessions = info ? info.sessions.map((s) => `${s.key}: ${s.neurons} neurons, ${s.trainTrials} training and ${s.testTrials} test trials`).join('; ') : '';
  const shape = info ? `${info.imagesShape[0]} images of ${info.imagesShape[1]}×${info.imagesShape[2]} pixels` : '';
  const sal =
    info?.saliency === 'dataset'
      ? 'the dataset’s own saliency.npy (read as log-densities)'
      : `the built-in centre–surround model (the dataset has no saliency.npy; settings ${JSON.stringify(info?.saliencyModel ?? {})}, the rest its defaults)`;
  return {
    heading: 'Data',
    blocks: [
      {
        kind: 'paragraph',
        text: `${shape} from ${info?.dir ?? '?'} (relative to this folder); ${sessions}. Saliency maps: ${sal}; gradients are Sobel x/y of the map smoothed with σ = ${results.config.gradientSigma} px after the crop. Inputs are cropped (${art.data.crops.map((k) => `${k.name}: ${JSON.stringify(k.pixels)} px`).join('; ')}), rescaled by ${results.config.scale}, and z-scored per channel with statistics from the training split. Salient point of each image: ${info?.salientPoints ?? ''}.`,
      },
      fig('fig01-saliency', await saliencyFigure(examples, h, w)),
    ],
  };
}

async function modelSection(results: StudyResults, art: StudyArtifacts, fig: AddFigure): Promise<ReportSection> {
  const mainCrop = art.data.crops[0]!.name;
  const rows = results.models.map((m) => [
    m.crop,
    m.variant,
    m.seed,
    m.validation,
    m.test,
    m.testAveraged,
    m.feve,
    m.epochs,
    m.stopReason,
    Math.round(m.seconds),
  ]);
  const blocks: ReportBlock[] = [
    {
      kind: 'table',
      columns: ['crop', 'variant', 'seed', 'validation r', 'test r (single trial)', 'test r (repeat-averaged)', 'FEVe', 'epochs', 'stopped by', 'seconds'],
      rows,
      caption: 'Mean per-neuron correlations of every trained model.',
    },
  ];
  const curves = (variants: string[], panelOf?: (v: string) => string) => {
    const ms = results.models.filter((m) => m.crop === mainCrop && variants.includes(m.variant));
    const several = (v: string) => ms.filter((m) => m.variant === v).length > 1;
    return ms.map((m) => ({
      name: several(m.variant) ? `${m.variant} (seed ${m.seed})` : m.variant,
      valCorrelation: m.history.map((r) => r.validation ?? Number.NaN),
      ...(panelOf ? { panel: panelOf(m.variant) } : {}),
    }));
  };
  const tc = curves(['images', 'images+saliency', 'images+gradients', 'all'], (v) => (v === 'images' ? 'images only' : '+ saliency'));
  if (tc.length) blocks.push(fig('fig03-training-curves', await trainingCurvesFigure(tc)));
  const sc = curves(['shifter-saliency', 'shifter-ones', 'shifter-image']);
  if (sc.length) blocks.push(fig('fig04-shifter-curves', await shifterCurvesFigure(sc)));
  const groups = new Map<string, { variant: string; cropSize: string; correlations: number[] }>();
  for (const m of results.models) {
    const k = `${m.variant}|${m.crop}`;
    if (!groups.has(k)) groups.set(k, { variant: m.variant, cropSize: m.crop, correlations: [] });
    groups.get(k)!.correlations.push(m.test);
  }
  blocks.push(
    fig(
      'fig05-test-correlation',
      await testCorrelationFigure([...groups.values()], {
        caption: 'Test correlation (single trial) by input variant and crop; bars are the mean over model seeds.',
      }),
    ),
  );
  blocks.push(comparisonTable(results));
  return { heading: 'Model comparison', blocks };
}

function shiftSection(results: StudyResults, art: StudyArtifacts): ReportSection {
  const blocks: ReportBlock[] = [
    {
      kind: 'paragraph',
      text: 'For every neuron and image, the centre of mass of gRF² gives the RF centre on that image. Its displacement from the neuron’s mean centre is projected on the direction of the image’s salient point (taken from the saliency maps, see Data); the statistic is the mean projection in input pixels, tested against permutations of the salient points across images. Without a control population this test cannot separate an RF that shifts from a fixed RF whose gRF follows image contrast.',
    },
    {
      kind: 'table',
      columns: ['model', 'mean projection (input px)', 'p (permutation)'],
      rows: Object.entries(results.grf).map(([name, r]) => [name, r!.statistic, formatP(r!.pValue)]),
      caption: 'The gRF centre-of-mass test toward the salient points.',
    },
  ];
  const ls = results.learnedShifts;
  const a = art.learnedShifts;
  if (ls && a) {
    blocks.push({
      kind: 'paragraph',
      text: `The saliency shifter’s learned shifts, in image pixels: mean ${signed(ls.toward.meanDiff)} px toward the salient point over ${ls.toward.n} neurons (${(100 * ls.toward.fractionBetter).toFixed(0)}% positive, sign-flip ${formatP(ls.toward.pValue)}), mean shift length ${ls.meanMagnitude.toFixed(2)} px, on ${ls.images} images. Method: ${ls.method}.`,
    });
    blocks.push({
      kind: 'table',
      columns: ['neuron', 'RF centre x (image px)', 'RF centre y (image px)', 'learned shift toward salient point (image px)', 'mean shift length (image px)'],
      rows: a.neurons.map((n, i) => [`${n.session}/${n.index}`, a.centres[i]![0], a.centres[i]![1], a.projection[i]!, a.magnitude[i]!]),
      caption: 'Per neuron: the shifter model’s mean gRF centre and its learned shift, averaged over images.',
    });
  } else {
    blocks.push({ kind: 'paragraph', text: 'No saliency-shifter model was trained (config variants), so there are no learned shifts.' });
  }
  blocks.push({ kind: 'list', items: (results.notAvailable ?? []).map((x) => `Not available: ${x.analysis} (${x.reason}).`) });
  return { heading: 'Do receptive fields move toward salient points?', blocks };
}
