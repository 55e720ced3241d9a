/**
 * The study's oracle scores, as SENSORIUM reports them: each model's fraction of oracle (the slope through the
 * origin of its neurons' single-trial test correlations on their jackknife oracle correlations, `fractionOfOracle`
 * of `@sal/train`, over the repeated test images), and each population's neuron reliability on the same test
 * repeats (jackknife oracle correlation and signal-to-noise ratio, which depend on the data only).
 */
import { fractionOfOracle, oracleCorrelation, signalToNoise, type RepeatGroup } from '@sal/train';
import { mean, type RawDataset, type RawSession } from '@sal/types';

/** Which oracle the study's fraction of oracle is taken against. */
export const STUDY_ORACLE = 'jackknife' as const;

/**
 * A model's fraction of oracle from its per-neuron scores (concatenated over sessions): `fractionOfOracle(test,
 * oracle)` with the single-trial test correlation and the jackknife oracle correlation of the repeated test images.
 * Null when the test images have no repeats (no oracle).
 */
export function modelFractionOfOracle(scores: { test: ArrayLike<number>; oracle: ArrayLike<number> | null }): number | null {
  if (!scores.oracle) return null;
  const f = fractionOfOracle(scores.test, scores.oracle);
  return Number.isFinite(f) ? f : null;
}

/** One session's test responses grouped by image: `targets` `[repeats, N]` per image, in order of first appearance. */
export function testRepeatGroups(s: RawSession): RepeatGroup[] {
  const n = s.nNeurons;
  const rows = new Map<number, number[]>();
  s.testImageIds.forEach((id, r) => {
    const l = rows.get(id);
    if (l) l.push(r);
    else rows.set(id, [r]);
  });
  return [...rows.values()].map((rs) => {
    const t = new Float32Array(rs.length * n);
    rs.forEach((r, i) => t.set(s.testResponses.subarray(r * n, (r + 1) * n), i * n));
    return { targets: t };
  });
}

/** Neuron reliability of one population on its repeated test images (means over neurons with finite values). */
export interface NeuronReliability {
  /** Which oracle correlation: the leave-one-out (jackknife) one. */
  oracle: typeof STUDY_ORACLE;
  /** Mean jackknife oracle correlation over neurons. */
  meanOracle: number;
  /** Mean and median SNR over neurons (neuralpredictors' `snr`, Anscombe-transformed responses). */
  meanSnr: number;
  medianSnr: number;
  /** Neurons scored (every test image must have at least two repeats). */
  neurons: number;
}

/**
 * Jackknife oracle correlation and SNR of every neuron of `raw` on its test repeats, summarised; null when some
 * session has fewer than two test images or a test image with fewer than two repeats.
 */
export function neuronReliability(raw: RawDataset): NeuronReliability | null {
  const oracle: number[] = [],
    snr: number[] = [];
  for (const s of raw.sessions) {
    const groups = testRepeatGroups(s);
    if (groups.length < 2 || groups.some((g) => g.targets.length < 2 * s.nNeurons)) return null;
    oracle.push(...oracleCorrelation(groups, s.nNeurons));
    snr.push(...signalToNoise(groups, s.nNeurons));
  }
  const finite = (a: number[]) => a.filter((v) => Number.isFinite(v));
  const sorted = finite(snr).sort((a, b) => a - b);
  const k = sorted.length;
  const median = k === 0 ? Number.NaN : k % 2 ? sorted[(k - 1) / 2]! : (sorted[k / 2 - 1]! + sorted[k / 2]!) / 2;
  return { oracle: STUDY_ORACLE, meanOracle: mean(finite(oracle)), meanSnr: mean(finite(snr)), medianSnr: median, neurons: oracle.length };
}
