import { describe, expect, it } from 'vitest';
import { EigenvalueDecomposition, Matrix, pseudoInverse } from 'ml-matrix';
import { SalConfigError, SalDataError, SalShapeError } from '@sal/types';
import { fitEigenspaceProjector, grfPca, loadEigenspaceProjector, reconstructGrfs } from '../src/index.js';
import { expectNoLeaks } from '../../test-utils/src/index.js';
import { absCos, randn } from './helpers.js';

/** n "gRFs" of P pixels: a rank-r signal with decaying weights plus small noise and a per-row offset. */
function fakeGrfs(n: number, P: number, r: number, noise: number, seed: number): number[][] {
  const basis = randn(r, P, seed);
  const w = randn(n, r, seed + 1);
  const e = randn(n, P, seed + 2);
  return w.map((wi, i) =>
    Array.from(
      { length: P },
      (_, t) => wi.reduce((s, c, j) => s + c * (3 / (j + 1)) * ((basis[j] as number[])[t] as number), 0) + noise * ((e[i] as number[])[t] as number) + 0.1 * i,
    ),
  );
}

/** Eigenpairs with ml-matrix, sorted descending. */
function refEig(m: Matrix): { values: number[]; vectors: number[][] } {
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const idx = evd.realEigenvalues.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  return { values: idx.map(([v]) => v), vectors: idx.map(([, i]) => evd.eigenvectorMatrix.getColumn(i)) };
}

describe('grfPca (dual form, per-gRF mean, K = XXᵀ/n)', () => {
  const n = 40,
    P = 120;
  const X = fakeGrfs(n, P, 3, 0.01, 1);
  const Xc = new Matrix(
    X.map((r) => {
      const m = r.reduce((a, b) => a + b, 0) / P;
      return r.map((v) => v - m);
    }),
  );
  const ref = refEig(Xc.mmul(Xc.transpose()).div(n));

  it('eigenvalues, eigen-RFs and cumulative variance equal an independent ml-matrix computation', () => {
    const r = expectNoLeaks(() => grfPca(X, { method: 'float64' }));
    ref.values.slice(0, 10).forEach((v, i) => expect(r.eigenvalues[i]).toBeCloseTo(v, 9));
    const total = ref.values.reduce((a, b) => a + b, 0);
    expect(r.totalVariance).toBeCloseTo(total, 9);
    expect(r.cumulativeVarianceRatio[2]).toBeCloseTo(((ref.values[0] as number) + (ref.values[1] as number) + (ref.values[2] as number)) / total, 9);
    for (let j = 0; j < 3; j++) {
      const v = Xc.transpose()
        .mmul(Matrix.columnVector(ref.vectors[j] as number[]))
        .getColumn(0);
      expect(absCos(r.eigenRfs.data.subarray(j * P, (j + 1) * P), v)).toBeCloseTo(1, 9);
      let norm = 0;
      for (let t = 0; t < P; t++) norm += (r.eigenRfs.data[j * P + t] as number) ** 2;
      expect(norm).toBeCloseTo(1, 12);
    }
    // rank 3 + small noise: 3 components pass 0.99
    expect(r.thresholdComponents).toBe(3);
  });

  it('reconstruction: P = A_k A_kᵀ, X̂ = P X + rowmean; exact with all components', () => {
    const r = grfPca(X, { method: 'float64' });
    const A = new Matrix(ref.vectors.slice(0, 3)).transpose(); // [n,3]
    const want = A.mmul(A.transpose()).mmul(Xc);
    const means = X.map((row) => row.reduce((a, b) => a + b, 0) / P);
    const got = r.reconstruction;
    for (let i = 0; i < n; i++) for (let t = 0; t < P; t++) expect(got.data[i * P + t]).toBeCloseTo(want.get(i, t) + (means[i] as number), 8);
    const all = reconstructGrfs(X, r, n, 'float64');
    X.flat().forEach((v, i) => expect(all.data[i]).toBeCloseTo(v, 9));
    // tensor backend: same to float32 precision
    const rt = grfPca(X);
    const err = Math.max(...Array.from(rt.reconstruction.data).map((v, i) => Math.abs(v - (got.data[i] as number))));
    expect(err).toBeLessThan(1e-3);
  });

  it('validates', () => {
    expect(() => grfPca([[1, 2, 3]])).toThrow(SalShapeError);
    expect(() => grfPca(X, { varianceThreshold: 2 })).toThrow(SalConfigError);
    expect(() => reconstructGrfs(X, grfPca(X, { nComponents: 4 }), 5)).toThrow(SalConfigError);
  });
});

describe('fitEigenspaceProjector', () => {
  const N = 30,
    P = 80;
  const X = fakeGrfs(N, P, 5, 0.2, 7);
  const images = randn(4, P, 9);

  it('orthogonal mode: basis orthonormal, projector idempotent, fixes the centred gRFs, kills the orthogonal complement', () => {
    const pr = expectNoLeaks(() => fitEigenspaceProjector(X));
    const B = new Matrix(Array.from({ length: pr.basis.rows }, (_, i) => Array.from(pr.basis.data.subarray(i * P, (i + 1) * P))));
    expect(pr.basis.rows).toBe(N - 1); // centring removes one dimension
    const I = B.mmul(B.transpose());
    for (let i = 0; i < B.rows; i++) for (let j = 0; j < B.rows; j++) expect(Math.abs(I.get(i, j) - (i === j ? 1 : 0))).toBeLessThan(1e-4);
    const once = expectNoLeaks(() => pr.project(images));
    const twice = pr.project(once);
    Array.from(once.data).forEach((v, i) => expect(twice.data[i]).toBeCloseTo(v, 3));
    // a centred gRF lies in the span: projected onto itself
    const mean = Array.from({ length: P }, (_, t) => X.reduce((s, r) => s + (r[t] as number), 0) / N);
    const xc0 = (X[0] as number[]).map((v, t) => v - (mean[t] as number));
    const p0 = pr.project([xc0]);
    xc0.forEach((v, t) => expect(p0.data[t]).toBeCloseTo(v, 3));
    // a vector orthogonal to every centred gRF projects to 0 (residual of an image after the exact projector)
    const Xcm = new Matrix(X.map((r) => r.map((v, t) => v - (mean[t] as number))));
    const img = Matrix.rowVector(images[0] as number[]);
    const coef = img
      .mmul(Xcm.transpose())
      .mmul(pseudoInverse(Xcm.mmul(Xcm.transpose())))
      .mmul(Xcm);
    const resid = img.sub(coef).to1DArray(); // the part of the image orthogonal to every centred gRF
    const pr0 = pr.project([resid]);
    const scale = Math.max(...resid.map(Math.abs));
    Array.from(pr0.data).forEach((v) => expect(Math.abs(v) / scale).toBeLessThan(1e-3));
  });

  it("original mode equals the original's steps written with ml-matrix (V = U_kᵀX rows normalised, P = VᵀV)", () => {
    const k = 4;
    const pr = fitEigenspaceProjector(X, { mode: 'original', nComponents: k, method: 'float64' });
    const mean = Array.from({ length: P }, (_, t) => X.reduce((s, r) => s + (r[t] as number), 0) / N);
    const Xc = new Matrix(X.map((r) => r.map((v, t) => v - (mean[t] as number))));
    const ref = refEig(Xc.mmul(Xc.transpose()).div(N - 1));
    const Uk = new Matrix(ref.vectors.slice(0, k)); // [k,N]
    const V = Uk.mmul(Xc);
    for (let i = 0; i < k; i++) V.setRow(i, V.getRowVector(i).div(V.getRowVector(i).norm()).to1DArray());
    const Pm = V.transpose().mmul(V);
    const want = new Matrix(images).mmul(Pm);
    const got = pr.project(images);
    want.to1DArray().forEach((v, i) => expect(got.data[i]).toBeCloseTo(v, 8));
    ref.values.slice(0, k).forEach((v, i) => expect(pr.eigenvalues[i]).toBeCloseTo(v, 9));
    const Pexp = pr.projectorMatrix();
    Pm.to1DArray().forEach((v, i) => expect(Pexp.data[i]).toBeCloseTo(v, 9));
    // 'all' in original mode keeps the null direction (N rows), orthogonal mode drops it
    expect(fitEigenspaceProjector(X, { mode: 'original' }).basis.rows).toBe(N);
  });

  it('the projected part grows with the number of gRFs', () => {
    const big = fakeGrfs(60, P, 40, 0.5, 3);
    const energy = (m: { data: Float64Array }): number => Array.from(m.data).reduce((s, v) => s + v * v, 0);
    const e = [15, 30, 60].map((n) => energy(fitEigenspaceProjector(big.slice(0, n)).project(images)));
    expect(e[0]).toBeLessThan(e[1] as number);
    expect(e[1]).toBeLessThan(e[2] as number);
  });

  it('toJSON / load round trip, same seed same result with the randomized solver', () => {
    const pr = fitEigenspaceProjector(X, { nComponents: 3, solver: 'randomized', seed: 4 });
    const again = fitEigenspaceProjector(X, { nComponents: 3, solver: 'randomized', seed: 4 });
    expect(Array.from(again.basis.data)).toEqual(Array.from(pr.basis.data));
    const back = loadEigenspaceProjector(JSON.parse(JSON.stringify(pr.toJSON())));
    expect(Array.from(back.project(images).data)).toEqual(Array.from(pr.project(images).data));
    expect(() => loadEigenspaceProjector({ kind: 'x' })).toThrow(SalDataError);
    expect(() => pr.project(randn(2, P + 1, 1))).toThrow(SalShapeError);
  });
});
