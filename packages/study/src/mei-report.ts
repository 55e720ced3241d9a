/**
 * The report's MEI section: the closed-loop table (the true response to each model's MEI against the best natural
 * image), the per-neuron numbers and the MEI figure (MEI, gRF and true RF side by side).
 */
import { meiFigure, type MeiFigureRow, type ReportBlock, type ReportFigure, type ReportSection } from '@sal/viz';
import type { GroundTruth } from '@sal/sim';
import type { GrfAnalysis } from './analysis.js';
import { toInputCoords, type CropGeometry } from './data.js';
import type { MeiArtifacts, MeiModelSummary, MeiSummary } from './mei-analysis.js';

/** Rows of the figure at most. */
const FIGURE_ROWS = 6;

const times = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a');
const px = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');

/** Root mean square over a neuron's gRFs `[M, h·w]` (where the model is sensitive, whatever the sign). */
export function grfRms(g: GrfAnalysis, session: string, index: number): Float32Array {
  const P = g.h * g.w,
    M = g.imageIds.length;
  const all = g.grfs[session]!;
  const out = new Float32Array(P);
  for (let m = 0; m < M; m++) {
    const off = (index * M + m) * P;
    for (let q = 0; q < P; q++) out[q] = out[q]! + all[off + q]! ** 2;
  }
  for (let q = 0; q < P; q++) out[q] = Math.sqrt(out[q]! / Math.max(1, M));
  return out;
}

/** The true RF's Gaussian pooling envelope on the model's input pixels `[h·w]` (centre and σ mapped through the crop). */
export function trueRfEnvelope(
  truth: GroundTruth,
  session: string,
  index: number,
  crop: CropGeometry,
  h: number,
  w: number,
): { map: Float32Array; centre: [number, number] } {
  const t = truth.neuron(session, index);
  const [cx, cy] = toInputCoords(t.x, t.y, crop);
  const s = Math.max(1e-6, t.sigma * crop.scale);
  const map = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) map[y * w + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s));
  return { map, centre: [cx, cy] };
}

function modelRow(m: MeiModelSummary): (string | number)[] {
  return [
    m.model,
    m.neurons,
    times(m.medianRatioNatural),
    `${(100 * m.fractionAboveNatural).toFixed(0)}%`,
    times(m.medianRatioPattern),
    px(m.medianCentreError),
    m.testR,
    m.testRAveraged,
  ];
}

/** What the closed loop says against the issue's targets, in words and numbers. */
export function meiTargetText(s: MeiSummary): string {
  const over =
    s.selected > 0 ? `the ${s.selected} analysed neurons with test r > ${s.minScore}` : `the ${s.analysed} best neurons (none has test r > ${s.minScore})`;
  const parts = [
    `Over ${over}, the true response to the main model's MEI is a median ${times(s.single.medianRatioNatural)} the true response to the best natural image of the dataset (target ≥ 1×: ${s.targets.singleAtLeastNatural ? 'met' : 'not met'}).`,
  ];
  if (s.ensemble) {
    parts.push(
      `The ensemble's MEIs reach ${times(s.ensemble.medianRatioNatural)} (target: at least the single model's: ${s.targets.ensembleAtLeastSingle ? 'met' : 'not met'}).`,
    );
  } else {
    parts.push('Only one seed of this model was kept, so there is no ensemble.');
  }
  parts.push(
    `Against the best of 512 full-contrast gratings and plaids (a brute-force lower bound of the true optimum), the main model's MEIs reach ${times(s.single.medianRatioPattern)}.`,
  );
  return parts.join(' ');
}

/** The report section (closed-loop table, per-neuron table, figure). */
export async function meiSection(
  s: MeiSummary,
  art: MeiArtifacts,
  grf: GrfAnalysis | undefined,
  truth: GroundTruth,
  crop: CropGeometry,
  fig: (name: string, f: ReportFigure) => ReportFigure,
): Promise<ReportSection> {
  const blocks: ReportBlock[] = [
    {
      kind: 'paragraph',
      text: `Most exciting inputs (MEIs): for the best neurons of the ${s.variant} model (population "${s.population}", ${s.crop}), an image synthesised by gradient ascent on the model's predicted response (Adam, ${s.steps} steps, gradient blurred with σ decaying from 1 to 0 px, pixels kept within the grey levels 0–255, ${s.path === 'windowed' ? "each MEI restricted to its neuron's window of the model's receptive field" : `${s.single.path === 'windowed' ? "the main model's MEIs restricted to each neuron's window" : "the main model's MEIs on whole images"}${s.ensemble ? `, the ensemble's ${s.ensemble.path === 'windowed' ? 'on windows' : 'on whole images (its members read some neurons too far apart for windows)'}` : ''}`}), then pasted on mean grey at the crop's place and shown to the TRUE simulated neuron, which only the simulation can do. Its true expected count is compared with the largest true expected count over every natural image of the dataset, and the MEI's centre (centre of mass of its squared deviation from grey) with the true RF centre.${s.ensemble ? ` The ensemble averages the predictions of the seeds ${s.ensemble.seeds.join(', ')}; its MEIs are synthesised on that mean (its windows are wider by the members' spread).` : ''}`,
    },
    {
      kind: 'table',
      columns: [
        'model',
        'neurons',
        'median true response to MEI / best natural image',
        'neurons ≥ 1×',
        'median / best grating or plaid',
        'median distance MEI – true RF centre (px)',
        'test r (single trial)',
        'test r (repeat-averaged)',
      ],
      rows: [modelRow(s.single), ...(s.ensemble ? [modelRow(s.ensemble)] : [])],
      caption: `Closed loop on the ${s.analysed} best simulated neurons by the main model's test r${s.selected > 0 ? `, of which the ${s.selected} with test r > ${s.minScore} are summarised (${s.aboveMinScore} in the whole population)` : ` (none has test r > ${s.minScore}; all ${s.analysed} summarised)`}; test r are means over all neurons.`,
    },
    { kind: 'paragraph', text: meiTargetText(s) },
    {
      kind: 'table',
      columns: [
        'neuron',
        'test r',
        'shifts',
        'MEI / best image (model)',
        ...(s.ensemble ? ['MEI / best image (ensemble)'] : []),
        'distance to true centre (px, model)',
        ...(s.ensemble ? ['distance (ensemble)'] : []),
      ],
      rows: s.neurons.map((n) => [
        `${n.session}/${n.index}`,
        n.testR,
        n.shifts ? 'yes' : 'no',
        times(n.single.ratioNatural),
        ...(n.ensemble ? [times(n.ensemble.ratioNatural)] : []),
        px(n.single.centreError),
        ...(n.ensemble ? [px(n.ensemble.centreError)] : []),
      ]),
      caption: "Per analysed neuron, best first by the main model's test correlation.",
    },
  ];
  if (grf) {
    const rows: MeiFigureRow[] = s.neurons.slice(0, FIGURE_ROWS).map((n, i) => {
      const env = trueRfEnvelope(truth, n.session, n.index, crop, art.h, art.w);
      return {
        neuron: `${n.session}/${n.index} r=${n.testR.toFixed(2)}`,
        meis: [
          { title: `seed ${s.single.seeds[0]}: ${times(n.single.ratioNatural)}`, image: art.single[i]! },
          ...(art.ensemble && n.ensemble ? [{ title: `ensemble: ${times(n.ensemble.ratioNatural)}`, image: art.ensemble[i]! }] : []),
        ],
        grf: grfRms(grf, n.session, n.index),
        trueRf: env.map,
        centre: env.centre,
      };
    });
    blocks.push(
      fig(
        'fig15-meis',
        await meiFigure(rows, art.h, art.w, {
          grfTitle: 'gRF (RMS)',
          trueRfTitle: 'true RF envelope',
          caption: `MEIs of the best neurons (rows) on the model's ${art.h}×${art.w} input: the main model's (seed ${s.single.seeds[0]})${art.ensemble ? " and the ensemble's" : ''} as the grey levels shown to the true neuron (panel titles: its true response as a multiple of its true response to the best natural image); the main model's gRF as the root mean square over ${grf.imageIds.length} validation images; the true RF as its Gaussian pooling envelope (σ of the simulation; the true neuron pools oriented or blob energy inside it, so it has no signed filter to draw). The red pixel marks the true RF centre.`,
        }),
      ),
    );
  }
  return { heading: 'Most exciting inputs, shown to the true neurons', blocks };
}
