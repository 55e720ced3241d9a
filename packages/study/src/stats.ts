/** Small statistics for the study's verdicts. */
import { createRng } from '@sal/types';

/** Paired comparison over neurons: mean difference `a − b`, fraction improved, and a sign-flip permutation p-value (two-sided). */
export interface PairedComparison {
  meanDiff: number;
  fractionBetter: number;
  pValue: number;
  n: number;
}

export function pairedComparison(a: readonly number[], b: readonly number[], permutations = 9999, seed = 0): PairedComparison {
  const d = a.map((v, i) => v - b[i]!).filter(Number.isFinite);
  const n = d.length;
  if (n === 0) return { meanDiff: Number.NaN, fractionBetter: Number.NaN, pValue: Number.NaN, n };
  const obs = Math.abs(d.reduce((s, v) => s + v, 0));
  const rng = createRng(seed);
  let extreme = 0;
  for (let p = 0; p < permutations; p++) {
    let s = 0;
    for (const v of d) s += rng.next() < 0.5 ? -v : v;
    if (Math.abs(s) >= obs - 1e-12) extreme++;
  }
  return {
    meanDiff: obs === 0 ? 0 : d.reduce((s, v) => s + v, 0) / n,
    fractionBetter: d.filter((v) => v > 0).length / n,
    pValue: (1 + extreme) / (1 + permutations),
    n,
  };
}

/** `+0.012` / `-0.012`: a number with its sign always shown. */
export const signed = (v: number, digits = 3): string => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;
