/**
 * The scalar statistics every package shares: one mean, one Pearson correlation, one p-value formatter.
 * Plain numbers in float64 on the host; no tensors.
 */

/** Mean of `values`; NaN for an empty array (an average of nothing is undefined, not 0). */
export function mean(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i]!;
  return s / n;
}

/** Options of {@link pearson}. */
export interface PearsonOptions {
  /**
   * Leave out the pairs where either value is NaN or infinite (else any such value makes the result NaN).
   * @default false
   */
  readonly skipNonFinite?: boolean;
}

/**
 * Pearson correlation of two equally long arrays. NaN where it is undefined: fewer than two pairs, or either
 * side constant (zero variance). Never a made-up 0.
 */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>, options: PearsonOptions = {}): number {
  if (a.length !== b.length) throw new RangeError(`pearson(b): expected ${a.length} values as in a, got ${b.length}`);
  const skip = options.skipNonFinite === true;
  let n = 0,
    ma = 0,
    mb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!,
      y = b[i]!;
    if (skip && !(Number.isFinite(x) && Number.isFinite(y))) continue;
    ma += x;
    mb += y;
    n++;
  }
  if (n < 2) return Number.NaN;
  ma /= n;
  mb /= n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!,
      y = b[i]!;
    if (skip && !(Number.isFinite(x) && Number.isFinite(y))) continue;
    const da = x - ma,
      db = y - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return Number.NaN;
  return sab / Math.sqrt(saa * sbb);
}

/** A p-value for people: `'< 0.001'`, else three decimals (`'0.042'`); `'n/a'` when it is not a finite number. */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return 'n/a';
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** A p-value as a clause: `'p < 0.001'`, `'p = 0.042'`, or `'p n/a'`. */
export function pClause(p: number): string {
  const s = formatP(p);
  return s.startsWith('<') || s === 'n/a' ? `p ${s}` : `p = ${s}`;
}
