import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalDataError, SalShapeError, float64Routines, registerFloat64Routines, type Float64Routines } from '@sal/types';
import { symmetricEigen, topEigen } from '../src/index.js';
import { columnDegrees } from '../src/chebyshev.js';
import { expectNoLeaks } from '../../test-utils/src/index.js';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { absCos, col, randn, withSpectrum } from './helpers.js';

describe('symmetricEigen', () => {
  it('recovers a known spectrum QΛQᵀ, sorted descending, with the known eigenvectors', () => {
    const lambda = [0.5, 7, -2, 3, 11, 1];
    const { a, q } = withSpectrum(lambda, 3);
    const r = symmetricEigen(a);
    const sorted = [...lambda].sort((x, y) => y - x);
    sorted.forEach((v, i) => expect(r.values[i]).toBeCloseTo(v, 10));
    for (let j = 0; j < 6; j++) {
      const src = lambda.indexOf(sorted[j] as number);
      expect(absCos(col(r.vectors.data, 6, 6, j), q.getColumn(src))).toBeCloseTo(1, 10);
      // sign convention: largest-magnitude entry positive
      const v = col(r.vectors.data, 6, 6, j);
      const big = v.reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0);
      expect(big).toBeGreaterThan(0);
    }
  });

  it('equals ml-matrix EigenvalueDecomposition on a random symmetric matrix, and handles zero and diagonal blocks', () => {
    const r = new Matrix(randn(60, 60, 21));
    const a = r.add(r.transpose());
    const ref = new EigenvalueDecomposition(a, { assumeSymmetric: true });
    const refVals = [...ref.realEigenvalues].sort((x, y) => y - x);
    const got = symmetricEigen(a.to2DArray());
    refVals.forEach((v, i) => expect(got.values[i]).toBeCloseTo(v, 10));
    // A V = V Λ for every pair
    const V = new Matrix(Array.from({ length: 60 }, (_, i) => Array.from(got.vectors.data.subarray(i * 60, i * 60 + 60))));
    const AV = a.mmul(V);
    for (let j = 0; j < 60; j++) for (let i = 0; i < 60; i++) expect(AV.get(i, j)).toBeCloseTo(V.get(i, j) * (got.values[j] as number), 9);
    const z = symmetricEigen([
      [0, 0, 0],
      [0, 2, 0],
      [0, 0, 0],
    ]);
    expect(Array.from(z.values)).toEqual([2, 0, 0]);
    expect(Array.from(symmetricEigen([[5]]).values)).toEqual([5]);
  });

  it('keeps the top k and rejects non-square input', () => {
    const { a } = withSpectrum([1, 2, 3, 4], 1);
    const r = symmetricEigen(a, 2);
    expect(Array.from(r.values).map((x) => +x.toFixed(8))).toEqual([4, 3]);
    expect([r.vectors.rows, r.vectors.cols]).toEqual([4, 2]);
    expect(() =>
      symmetricEigen([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    ).toThrow(SalShapeError);
  });

  it('refuses NaN and infinite entries (on either path)', () => {
    for (const bad of [NaN, Infinity]) {
      const { a } = withSpectrum(
        Array.from({ length: 20 }, (_, i) => i),
        2,
      );
      (a[4] as number[])[7] = bad;
      expect(() => symmetricEigen(a)).toThrow(SalDataError);
    }
  });
});

describe('symmetricEigen with a registered float64 symEig (e.g. @sal/native)', () => {
  /** Run `fn` with `routines` registered in place of the current ones. */
  function withRoutines<T>(routines: Float64Routines | null, fn: () => T): T {
    const saved = registerFloat64Routines(routines);
    try {
      return fn();
    } finally {
      registerFloat64Routines(saved);
    }
  }

  it('hands matrices from n = 16 on to it, smaller ones to the JavaScript code', () => {
    const sizes: number[] = [];
    const spy: Float64Routines = {
      symEig: (a, n) => {
        sizes.push(n);
        return withRoutines(null, () => {
          const r = symmetricEigen({ rows: n, cols: n, data: a.slice() });
          // back to symEig's contract: unsorted is allowed, rows of vt are the eigenvectors
          const vt = new Float64Array(n * n);
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vt[j * n + i] = r.vectors.data[i * n + j] as number;
          return { d: r.values.slice(), vt };
        });
      },
    };
    const small = withSpectrum(
      Array.from({ length: 15 }, (_, i) => i + 1),
      4,
    ).a;
    const big = withSpectrum(
      Array.from({ length: 16 }, (_, i) => i + 1),
      4,
    ).a;
    const viaSpy = withRoutines(spy, () => [symmetricEigen(small), symmetricEigen(big)]);
    expect(sizes).toEqual([16]);
    const viaJs = withRoutines(null, () => [symmetricEigen(small), symmetricEigen(big)]);
    viaSpy.forEach((r, i) => {
      expect(Array.from(r.values)).toEqual(Array.from(viaJs[i]!.values));
      expect(r.vectors.data).toEqual(viaJs[i]!.vectors.data);
    });
  });

  it("gives the JavaScript path's eigenpairs with whatever routine the backend registered (native when built)", () => {
    // the test setup starts the wasm backend, which registers @sal/native's symEig unless SAL_NATIVE=0
    const registered = float64Routines();
    const n = 150;
    const lambda = Array.from({ length: n }, (_, i) => (i < 10 ? 50 - i : Math.exp(-i / 30)));
    const { a } = withSpectrum(lambda, 17);
    const got = symmetricEigen(a);
    const ref = withRoutines(null, () => symmetricEigen(a));
    for (let i = 0; i < n; i++) expect(Math.abs((got.values[i] as number) - (ref.values[i] as number))).toBeLessThan(1e-12 * 50);
    // eigenvectors of the separated top 10, same sign convention
    for (let j = 0; j < 10; j++) {
      const u = col(got.vectors.data, n, n, j),
        v = col(ref.vectors.data, n, n, j);
      expect(Math.max(...u.map((x, i) => Math.abs(x - (v[i] as number))))).toBeLessThan(1e-10);
    }
    if (process.env['SAL_NATIVE'] === '0') expect(registered).toBeNull();
    else if (tf.getBackend() === 'wasm') expect(registered?.symEig).toBeTypeOf('function');
  });
});

describe('topEigen (Chebyshev-filtered subspace iteration, randomized block Krylov)', () => {
  const n = 300;
  // decaying spectrum with a gap after the top 8, like a kernel matrix
  const lambda = Array.from({ length: n }, (_, i) => (i < 8 ? 100 / (i + 1) : 4 * Math.exp(-i / 20)));
  const { a } = withSpectrum(lambda, 11);
  const full = symmetricEigen(a, 8);

  it('matches the full solver on the top components to 1e-4 (tensor products)', () => {
    const r = expectNoLeaks(() => topEigen(a, 8, { seed: 1 }));
    expect(r.converged).toBe(true);
    for (let j = 0; j < 8; j++) {
      expect(Math.abs((r.values[j] as number) - (full.values[j] as number)) / (full.values[j] as number)).toBeLessThan(1e-4);
      expect(1 - absCos(col(r.vectors.data, n, 8, j), col(full.vectors.data, n, 8, j))).toBeLessThan(1e-4);
    }
  });

  it('reaches tight residuals with float64 products', () => {
    const r = topEigen(a, 8, { seed: 2, method: 'float64', tol: 1e-10, maxIterations: 200 });
    expect(r.converged).toBe(true);
    for (let j = 0; j < 8; j++) expect(r.values[j]).toBeCloseTo(full.values[j] as number, 8);
  });

  it('same seed, same result; accepts a tensor without disposing it; maxIterations caps the work', () => {
    const t = tf.tensor2d(a);
    for (const algorithm of ['krylov', 'chebyshev'] as const) {
      const r1 = topEigen(t, 4, { seed: 9, maxIterations: 1, algorithm });
      const r2 = topEigen(t, 4, { seed: 9, maxIterations: 1, algorithm });
      expect(t.isDisposed).toBe(false);
      expect(r1.algorithm).toBe(algorithm);
      expect(Array.from(r1.values)).toEqual(Array.from(r2.values));
      expect(Array.from(r1.vectors.data)).toEqual(Array.from(r2.vectors.data));
      expect(r1.iterations).toBe(1);
    }
    // Chebyshev: one round = degree products, plus the first Rayleigh–Ritz product
    const c = topEigen(t, 4, { seed: 9, maxIterations: 2, degree: 5, tol: 0 });
    expect([c.algorithm, c.iterations, c.products, c.converged]).toEqual(['chebyshev', 2, 2 * (5 + 1) + 1, false]);
    t.dispose();
  });

  it('chebyshev: matches the full solver on a flat kernel-like spectrum (eigenvalues and vectors)', () => {
    const m = 400;
    // a bulk in [0.6, 1.3] with the top 30 close together (gaps of 0.2 %), and one zero (a centred kernel)
    const spec = Array.from({ length: m }, (_, i) => (i === m - 1 ? 0 : 1.37 * (1 - 0.002 * i) - (i >= 30 ? 0.001 * (i - 30) : 0)));
    const { a: fa } = withSpectrum(spec, 12);
    const ref = symmetricEigen(fa, 20);
    const r = expectNoLeaks(() => topEigen(fa, 20, { seed: 4 }));
    expect(r.algorithm).toBe('chebyshev');
    expect(r.converged).toBe(true);
    // the Rayleigh quotients are float32 inner products of length m: their rounding error is of order √m·2⁻²⁴·λ₁
    // (1.2e-6 here; measured 1.1e-6 on plain wasm, below 1e-6 with the native kernels), far above the error left
    // by the iteration at its residual tolerance (~res²/gap ≈ 1e-8)
    const roundoff = 4 * Math.sqrt(m) * 2 ** -24;
    // per-column degrees: the top pairs converge first and stop being filtered, so the products multiply fewer
    // columns than products × block
    expect(r.productColumns).toBeLessThan(r.products * 30);
    for (let j = 0; j < 20; j++) {
      expect(Math.abs((r.values[j] as number) - (ref.values[j] as number)) / (ref.values[0] as number)).toBeLessThan(roundoff);
      expect(1 - absCos(col(r.vectors.data, m, 20, j), col(ref.vectors.data, m, 20, j))).toBeLessThan(1e-6);
    }
  });

  it('chebyshev: each column is filtered to the degree its residual and rate call for', () => {
    // damped interval [0, 2] (c = 1, e = 1): θ = 3 gives t = 2 and a growth of 2 + √3 per degree, θ = 1.5 gives
    // t = 0.5, inside the interval (no growth: the cap)
    const theta = Float64Array.from([3, 3, 3, 1.5, 1.2, 1.1]);
    const residuals = Float64Array.from([1e-3, 1e-6, 1e-1, 1e-3]);
    const d = columnDegrees(theta, residuals, 4, 1, 1, 1e-5, 12);
    // ⌈ln(1e-3 / 1e-5) / ln(2 + √3)⌉ = ⌈3.50⌉ = 4, plus the margin of 2; converged: 0; ⌈ln(1e4) / ln(3.732)⌉ = 7 (+2);
    // no growth: the cap; the oversampled columns take the largest wanted degree
    expect(Array.from(d)).toEqual([6, 0, 9, 12, 12, 12]);
    expect(Array.from(columnDegrees(theta, residuals, 3, 1, 1, 1e-5, 8))).toEqual([6, 0, 8, 8, 8, 8]);
    // tol 0: nothing converges, every column gets the cap
    expect(Array.from(columnDegrees(theta, residuals, 4, 1, 1, 0, 5))).toEqual([5, 5, 5, 5, 5, 5]);
  });

  it('chebyshev: a tensor with a NaN or an infinite entry is refused, and no tensor is left behind', () => {
    for (const bad of [NaN, Infinity]) {
      const { a } = withSpectrum(
        Array.from({ length: 40 }, (_, i) => 40 - i),
        5,
      );
      (a[3] as number[])[9] = bad;
      const t = tf.tensor2d(a);
      const before = tf.memory().numTensors;
      expect(() => topEigen(t, 4, { seed: 2 })).toThrow(SalDataError);
      expect(tf.memory().numTensors).toBe(before);
      t.dispose();
    }
  });

  it('chebyshev: an indefinite matrix still gives the largest (algebraic) eigenvalues', () => {
    // large negative eigenvalues: the damped interval must move below them
    const spec = [6, 5, 4, ...Array.from({ length: 97 }, (_, i) => 1 - i / 50), -30, -25];
    const { a: ia } = withSpectrum(spec, 13);
    const r = topEigen(ia, 3, { seed: 5 });
    expect(r.converged).toBe(true);
    [6, 5, 4].forEach((v, i) => expect(Math.abs((r.values[i] as number) - v) / 30).toBeLessThan(1e-5));
  });

  it('handles a low-rank matrix (rank below the block size) and a flat spectrum', () => {
    const lowRank = [5, 3, 1, ...new Array(197).fill(0)];
    const { a: lr } = withSpectrum(lowRank, 4);
    const r = topEigen(lr, 3, { seed: 3 });
    expect(r.converged).toBe(true);
    [5, 3, 1].forEach((v, i) => expect(Math.abs((r.values[i] as number) - v) / 5).toBeLessThan(1e-5));
    const flat = Array.from({ length: 200 }, (_, i) => 2 - i / 400); // gaps of 0.25 %
    const { a: fa } = withSpectrum(flat, 5);
    const f = topEigen(fa, 10, { seed: 3, maxIterations: 200 });
    expect(f.converged).toBe(true);
    flat.slice(0, 10).forEach((v, i) => expect(Math.abs((f.values[i] as number) - v) / 2).toBeLessThan(1e-5));
  });

  it('rejects bad options', () => {
    expect(() => topEigen(a, 0)).toThrow(SalConfigError);
    expect(() => topEigen(a, 4, { tol: -1 })).toThrow(SalConfigError);
    expect(() => topEigen(a, 4, { nope: 1 } as never)).toThrow(SalConfigError);
    expect(() => topEigen(a, 4, { algorithm: 'chebyshev', method: 'float64' })).toThrow(SalConfigError);
    expect(() => topEigen(a, 4, { degree: 0 })).toThrow(SalConfigError);
  });
});
