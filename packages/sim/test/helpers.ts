/** Small configurations and independent statistics for the tests. */
import type { SimulationOptions } from '../src/index.js';

/** A tiny dataset: fast, but with every feature of the full one. */
export const TINY: SimulationOptions = Object.freeze({
  height: 64,
  width: 96,
  nTrainImages: 40,
  nTestImages: 4,
  testRepeats: 5,
  nSessions: 2,
  neuronsPerSession: 6,
  calibrationImages: 40,
});

/** A small dataset of the demo's image size, for statistics. */
export const SMALL: SimulationOptions = Object.freeze({
  height: 96,
  width: 160,
  nTrainImages: 400,
  nTestImages: 10,
  testRepeats: 10,
  nSessions: 2,
  neuronsPerSession: 12,
  calibrationImages: 400,
});

export function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}

/** Unbiased sample variance. */
export function variance(a: ArrayLike<number>): number {
  const m = mean(a);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - m) ** 2;
  return s / (a.length - 1);
}

/** Pearson correlation. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a),
    mb = mean(b);
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! - ma,
      y = b[i]! - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Column `j` of a row-major `[rows, cols]` matrix. */
export function column(m: Float32Array, cols: number, j: number): Float64Array {
  const out = new Float64Array(m.length / cols);
  for (let t = 0; t < out.length; t++) out[t] = m[t * cols + j]!;
  return out;
}
