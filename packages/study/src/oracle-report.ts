/** The report's sentences on the oracle scores and on which saliency maps the models saw. */
import type { StudyResults } from './results.js';
import { SALIENCY_LABELS } from './saliency-source.js';

const r2 = (r: number): string => (Number.isFinite(r) ? r.toFixed(2) : 'undefined');

/** A model row's fraction of oracle for the table: a number, or '—' where there is none (no repeats, older results). */
export function fractionOfOracleCell(m: { fractionOfOracle?: number | null }): number | string {
  return typeof m.fractionOfOracle === 'number' && Number.isFinite(m.fractionOfOracle) ? m.fractionOfOracle : '—';
}

/** The caption sentence of the model table that says what the fraction of oracle is. */
export const FRACTION_OF_ORACLE_NOTE =
  "Fraction of oracle: the slope through the origin of the neurons' single-trial test correlations on their jackknife (leave-one-out) oracle correlations over the repeated test images, as SENSORIUM scores models (fractionOfOracle of @sal/train); 1 means as good as predicting each trial by the mean of the other repeats.";

/** One sentence per population on the neurons' reliability (jackknife oracle, SNR), or '' for older results. */
export function reliabilityText(results: Pick<StudyResults, 'reliability'>): string {
  const parts = Object.entries(results.reliability ?? {}).flatMap(([pop, r]) =>
    r ? [`${pop}: mean jackknife oracle correlation ${r2(r.meanOracle)}, SNR mean ${r2(r.meanSnr)} (median ${r2(r.medianSnr)}) over ${r.neurons} neurons`] : [],
  );
  return parts.length ? `Neuron reliability on the repeated test images (the data's ceiling, the same for every model): ${parts.join('; ')}.` : '';
}

/** Which saliency maps the models saw, and how each built-in model agrees with the true maps. */
export function saliencyText(results: Pick<StudyResults, 'config' | 'saliencyAgreement' | 'saliencyAgreements'>): string {
  const a = results.saliencyAgreements;
  const agree = a
    ? `agreement of the log-density maps with the true saliency over all pixels: centre–surround r = ${r2(a.builtin)}, image signature r = ${r2(a['image-signature'])}`
    : `the built-in centre–surround model agrees with the true saliency at r = ${r2(results.saliencyAgreement)}`;
  return `${SALIENCY_LABELS[results.config.saliency]}, computed on the full image before the crop (${agree})`;
}
