/**
 * The verdicts of the study on a user's data. The comparisons and the gRF centre test are asked as in the demo; what
 * needs the simulation's ground truth (true RF shifts, the control population without shifts, true saliency) is
 * listed as not available instead of being answered.
 */
import { pClause, type Verdict } from '@sal/types';
import { outcome, type SeedComparison } from './comparisons.js';
import type { LearnedShiftSummary } from './data-shifts.js';
import type { GrfSummary } from './results.js';
import { signed } from './stats.js';
import { comparisonEvidence } from './verdicts.js';

/** The demo's analyses that need ground truth a user's data does not have. */
export const NOT_AVAILABLE_ON_DATA: readonly Readonly<{ analysis: string; reason: string }>[] = Object.freeze([
  {
    analysis: 'recovery of the true RF shifts (learned vs true shift per neuron, detection of shifting neurons)',
    reason: 'the data has no ground-truth RF shifts',
  },
  {
    analysis: 'gRF centres against a control population, and the specificity of the gRF centre test',
    reason: 'there is no control population with the same neurons and images but fixed receptive fields',
  },
  { analysis: 'RF centres recovered from gRFs against the true RF centres', reason: 'the true RF centres are unknown' },
  { analysis: 'agreement of the saliency maps with the true saliency', reason: 'the true saliency is unknown; the maps used are reported as they are' },
  {
    analysis: 'MEIs shown to the true neurons (closed loop)',
    reason: 'the recorded neurons cannot be shown new images from here; use `sal mei` for the MEIs themselves',
  },
]);

const plain = { better: 'yes', 'seeds disagree': 'not settled: the seeds disagree', 'not better': 'no' } as const;

/** The verdicts on a user's data (`'data: …'` comparisons), in the report's order, then the not-available analyses. */
export function dataVerdicts(
  averaged: Record<string, SeedComparison>,
  single: Record<string, SeedComparison>,
  grf: GrfSummary,
  shifts: LearnedShiftSummary | null,
): Verdict[] {
  const out: Verdict[] = [];
  const add = (name: string, question: string) => {
    const x = averaged[`data: ${name}`];
    if (x) out.push({ question, verdict: plain[outcome(x)], evidence: comparisonEvidence(x, single[`data: ${name}`]) });
  };
  add('shifter-saliency − images', 'Does the saliency shifter predict these neurons better than the plain Gaussian readout?');
  add('images+saliency − images', 'Does feeding the saliency map to the core as an extra channel help?');
  add('all − images', 'Do saliency and its gradients as extra core channels help?');
  add('shifter-saliency − shifter-ones', 'Is the shifter’s difference due to the saliency input (vs a tensor of ones to the remapper)?');
  add('shifter-saliency − shifter-image', 'Does saliency beat the raw image as remapper input?');
  const g = grf['data / images'];
  if (g) {
    const moves = g.pValue < 0.05 && g.statistic > 0;
    out.push({
      question: 'Do the gRF centres of the image-only model move toward each image’s salient point?',
      verdict: moves ? 'yes, but this alone does not show RF shifts' : 'no',
      evidence: `mean projection ${signed(g.statistic)} input px toward the salient point, permutation ${pClause(g.pValue)}. Without a control population this test cannot tell a shifting RF from a fixed one whose gRF follows image contrast (in the demo's control population it can fire too).`,
    });
  }
  if (shifts) {
    const t = shifts.toward;
    out.push({
      question: 'Does the saliency shifter learn to move read points toward the salient point?',
      verdict: !Number.isFinite(t.pValue)
        ? 'cannot tell: no neuron has a defined projection'
        : t.pValue < 0.05
          ? t.meanDiff > 0
            ? 'yes'
            : 'no: away from it'
          : 'no',
      evidence: `mean learned shift toward the salient point ${signed(t.meanDiff)} image px over ${t.n} neurons (${(100 * t.fractionBetter).toFixed(0)}% positive, sign-flip ${pClause(t.pValue)}); mean shift length ${shifts.meanMagnitude.toFixed(2)} image px; ${shifts.images} images.`,
    });
  }
  for (const na of NOT_AVAILABLE_ON_DATA) out.push({ question: `Ground-truth analysis: ${na.analysis}`, verdict: 'not available', evidence: na.reason });
  return out;
}
