/** Scoring a saliency model on images with fixations (and, where known, their true density). */
import { SalDataError } from '@sal/types';
import { aucBorji, aucJudd, aucShuffled, cc, informationGain, kld, nss, sim } from './metrics.js';
import { logOf } from './density.js';

/** Mean metrics of a model over images (see each metric's definition). */
export interface SaliencyScores {
  aucJudd: number;
  aucBorji: number;
  sAuc: number;
  nss: number;
  /** CC, KLD and SIM against the reference density (NaN when none is given). */
  cc: number;
  kld: number;
  sim: number;
  /** Information gain over the baseline, bits per fixation. */
  ig: number;
}

/** One evaluation image: fixations (pixel indices), optional reference density, baseline log-density. */
export interface EvalImage {
  readonly fixations: Int32Array;
  /** The true (or empirical) fixation density, for CC, KLD and SIM. */
  readonly density?: ArrayLike<number>;
  /** Log-density of the baseline (e.g. the learnt centre bias) for the information gain. */
  readonly baselineLog: ArrayLike<number>;
}

/**
 * Score a model's densities (`predict(i)` → density of image i summing to 1) on `images`: each metric per
 * image, then the mean over images. Shuffled AUC uses the fixations of every other image as non-fixations.
 */
export function scoreSaliency(
  predict: (i: number) => ArrayLike<number>,
  images: readonly EvalImage[],
  opts: { borjiSplits?: number; seed?: number } = {},
): SaliencyScores {
  if (images.length < 2) throw new SalDataError('scoreSaliency', 'at least two images (shuffled AUC needs other images)', images.length);
  const acc: SaliencyScores = { aucJudd: 0, aucBorji: 0, sAuc: 0, nss: 0, cc: 0, kld: 0, sim: 0, ig: 0 };
  for (let i = 0; i < images.length; i++) {
    const im = images[i]!;
    const p = predict(i);
    const others = images.flatMap((o, j) => (j === i ? [] : Array.from(o.fixations)));
    acc.aucJudd += aucJudd(p, im.fixations);
    acc.aucBorji += aucBorji(p, im.fixations, { splits: opts.borjiSplits ?? 100, seed: (opts.seed ?? 0) + i });
    acc.sAuc += aucShuffled(p, im.fixations, others);
    acc.nss += nss(p, im.fixations);
    acc.cc += im.density ? cc(p, im.density) : Number.NaN;
    acc.kld += im.density ? kld(im.density, p) : Number.NaN;
    acc.sim += im.density ? sim(im.density, p) : Number.NaN;
    acc.ig += informationGain(logOf(p), im.baselineLog, im.fixations);
  }
  for (const k of Object.keys(acc) as (keyof SaliencyScores)[]) acc[k] /= images.length;
  return acc;
}
