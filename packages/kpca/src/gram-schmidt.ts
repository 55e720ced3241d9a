/** Modified Gram–Schmidt on the rows of a flat float64 matrix: the block Krylov solver's orthogonalisation, and the Chebyshev solver's fallback for dependent columns. */

/**
 * Orthonormalise the rows of `q` (`[l, n]` row-major) in place by modified Gram–Schmidt, run `passes`
 * times (twice by default, for stability). Rows whose norm falls below `dropTolerance` times their norm before the
 * projections are numerically dependent and are replaced by fresh random directions.
 */
export function orthonormalizeRows(q: Float64Array, l: number, n: number, rng: { normal(): number }, passes = 2, dropTolerance = 1e-10): void {
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < l; i++) {
      const oi = i * n;
      let before = 0;
      for (let t = 0; t < n; t++) before += (q[oi + t] as number) ** 2;
      for (let j = 0; j < i; j++) {
        const oj = j * n;
        let dot = 0;
        for (let t = 0; t < n; t++) dot += (q[oi + t] as number) * (q[oj + t] as number);
        for (let t = 0; t < n; t++) q[oi + t] = (q[oi + t] as number) - dot * (q[oj + t] as number);
      }
      let norm = 0;
      for (let t = 0; t < n; t++) norm += (q[oi + t] as number) ** 2;
      norm = Math.sqrt(norm);
      if (!(norm > dropTolerance * Math.sqrt(before)) || norm === 0) {
        for (let t = 0; t < n; t++) q[oi + t] = rng.normal();
        i--; // redo this row with the new direction
        continue;
      }
      for (let t = 0; t < n; t++) q[oi + t] = (q[oi + t] as number) / norm;
    }
  }
}
