import { SalDataError, SalShapeError } from '@sal/types';
import { correlation } from './correlation.js';

/**
 * All repeats of one test image: `targets` `[repeats, N]` row-major and, when a model is scored, its
 * predictions for the same rows `[repeats, N]`.
 */
export interface RepeatGroup {
  readonly targets: ArrayLike<number>;
  readonly predictions?: ArrayLike<number>;
}

function check(where: string, groups: readonly RepeatGroup[], n: number, needPred: boolean, minRepeats: number): void {
  if (groups.length === 0) throw new SalDataError(where, 'at least one image', 0);
  groups.forEach((g, i) => {
    if (g.targets.length === 0 || g.targets.length % n !== 0) throw new SalShapeError(`${where}(groups[${i}].targets)`, `a multiple of ${n}`, g.targets.length);
    if (g.targets.length / n < minRepeats) throw new SalDataError(where, `at least ${minRepeats} repeats per image`, g.targets.length / n);
    if (needPred) {
      if (!g.predictions) throw new SalDataError(where, `predictions for image ${i}`, 'none');
      if (g.predictions.length !== g.targets.length) throw new SalShapeError(`${where}(groups[${i}].predictions)`, [g.targets.length], [g.predictions.length]);
    }
  });
}

/** Fraction of explainable variance (FEV) and of it explained by a model (FEVe), per neuron. */
export interface FevResult {
  /** `(TotalVar − NoiseVar) / TotalVar` `[N]`. */
  readonly fev: Float64Array;
  /** `1 − (MSE − NoiseVar) / (TotalVar − NoiseVar)` `[N]`; null when no group carries predictions. */
  readonly feve: Float64Array | null;
  readonly totalVar: Float64Array;
  readonly noiseVar: Float64Array;
}

/**
 * FEV and FEVe as the original's `compute_FEV`, with ddof-1 variances: TotalVar is the variance over all
 * trials, NoiseVar the mean over images of the within-image variance, MSE the mean squared error of the
 * predictions over all trials. Needs at least two repeats of every image.
 */
export function fev(groups: readonly RepeatGroup[], nNeurons: number): FevResult {
  const withPred = groups.length > 0 && groups.every((g) => g.predictions !== undefined);
  check('train.fev', groups, nNeurons, withPred, 2);
  const n = nNeurons;
  const totalVar = new Float64Array(n),
    noiseVar = new Float64Array(n),
    mse = new Float64Array(n);
  const fevOut = new Float64Array(n);
  let rows = 0;
  for (const g of groups) rows += g.targets.length / n;
  for (let j = 0; j < n; j++) {
    let m = 0;
    for (const g of groups) for (let r = 0; r < g.targets.length / n; r++) m += g.targets[r * n + j]!;
    m /= rows;
    let ss = 0,
      noise = 0,
      err = 0;
    for (const g of groups) {
      const R = g.targets.length / n;
      let gm = 0;
      for (let r = 0; r < R; r++) gm += g.targets[r * n + j]!;
      gm /= R;
      let gss = 0;
      for (let r = 0; r < R; r++) {
        const y = g.targets[r * n + j]!;
        ss += (y - m) ** 2;
        gss += (y - gm) ** 2;
        if (withPred) err += (y - g.predictions![r * n + j]!) ** 2;
      }
      noise += gss / (R - 1);
    }
    totalVar[j] = ss / (rows - 1);
    noiseVar[j] = noise / groups.length;
    mse[j] = err / rows;
    fevOut[j] = (totalVar[j]! - noiseVar[j]!) / totalVar[j]!;
  }
  let feve: Float64Array | null = null;
  if (withPred) {
    feve = new Float64Array(n);
    for (let j = 0; j < n; j++) feve[j] = 1 - (mse[j]! - noiseVar[j]!) / (totalVar[j]! - noiseVar[j]!);
  }
  return { fev: fevOut, feve, totalVar, noiseVar };
}

/**
 * Oracle correlation per neuron (the original's `compute_oracle_corr`): each trial's response is
 * correlated with the mean of the other repeats of its image (leave-one-out), over all trials.
 * Needs at least two repeats of every image.
 */
export function oracleCorrelation(groups: readonly RepeatGroup[], nNeurons: number): Float64Array {
  check('train.oracleCorrelation', groups, nNeurons, false, 2);
  const n = nNeurons;
  const ys: number[] = [],
    loo: number[] = [];
  for (const g of groups) {
    const R = g.targets.length / n;
    const sums = new Float64Array(n);
    for (let r = 0; r < R; r++) for (let j = 0; j < n; j++) sums[j] = sums[j]! + g.targets[r * n + j]!;
    for (let r = 0; r < R; r++) {
      for (let j = 0; j < n; j++) {
        const y = g.targets[r * n + j]!;
        ys.push(y);
        loo.push((sums[j]! - y) / (R - 1));
      }
    }
  }
  return correlation(ys, loo, n);
}

/**
 * Single-trial test correlation (what the original reports as "test correlation"): every trial's
 * response against the model's prediction for its image, over all trials, per neuron.
 */
export function singleTrialCorrelation(groups: readonly RepeatGroup[], nNeurons: number): Float64Array {
  check('train.singleTrialCorrelation', groups, nNeurons, true, 1);
  const ys: number[] = [],
    ps: number[] = [];
  for (const g of groups)
    for (let i = 0; i < g.targets.length; i++) {
      ys.push(g.targets[i]!);
      ps.push(g.predictions![i]!);
    }
  return correlation(ys, ps, nNeurons);
}

/**
 * Repeat-averaged test correlation (the original's `get_avg_correlations`): per image, the mean
 * response over repeats against the mean prediction over repeats, over images, per neuron.
 */
export function averagedCorrelation(groups: readonly RepeatGroup[], nNeurons: number): Float64Array {
  check('train.averagedCorrelation', groups, nNeurons, true, 1);
  const n = nNeurons;
  const ys = new Float64Array(groups.length * n),
    ps = new Float64Array(groups.length * n);
  groups.forEach((g, i) => {
    const R = g.targets.length / n;
    for (let r = 0; r < R; r++) {
      for (let j = 0; j < n; j++) {
        ys[i * n + j] = ys[i * n + j]! + g.targets[r * n + j]! / R;
        ps[i * n + j] = ps[i * n + j]! + g.predictions![r * n + j]! / R;
      }
    }
  });
  return correlation(ys, ps, n);
}
