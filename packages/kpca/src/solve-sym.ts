/** Choose between the full and the randomized eigensolver for a symmetric PSD matrix. */
import { symmetricEigen, topEigen, type EigenResult } from './eigen.js';
import type { DenseMatrix, ProductMethod } from './dense.js';

/** Which eigensolver: `'full'` (all pairs, O(n³) JS), `'randomized'` (top k, tensor products) or `'auto'`. */
export type EigenSolver = 'auto' | 'full' | 'randomized';

export const EIGEN_SOLVERS: readonly EigenSolver[] = ['auto', 'full', 'randomized'];

/** Settings shared by the fitting functions for the randomized solver. */
export interface SolverSettings {
  solver: EigenSolver;
  method: ProductMethod;
  seed: number;
  tol: number;
  maxIterations: number;
}

/** `'auto'` picks the randomized solver when the matrix is large (n > 800) and k small (k ≤ n/8). */
export function pickSolver(n: number, k: number, solver: EigenSolver): 'full' | 'randomized' {
  if (solver !== 'auto') return solver;
  return n > 800 && k <= n / 8 ? 'randomized' : 'full';
}

/** Top-k eigenpairs of a symmetric PSD matrix with the chosen solver, descending. */
export function eigenTopK(a: DenseMatrix, k: number, s: SolverSettings): EigenResult & { solver: 'full' | 'randomized' } {
  const which = pickSolver(a.rows, k, s.solver);
  if (which === 'full') return { ...symmetricEigen(a, k), solver: which };
  const r = topEigen(a, k, { seed: s.seed, tol: s.tol, maxIterations: s.maxIterations, method: s.method });
  return { values: r.values, vectors: r.vectors, solver: which };
}
