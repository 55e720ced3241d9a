import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { EigenvalueDecomposition, Matrix, solve } from 'ml-matrix';
import { SalConfigError, SalDataError } from '@sal/types';
import { centerKernel, fitKernelCentering, fitKernelPca, fitPca, kernelMatrix, loadKernelPca, resolveKernel, solveSpd } from '../src/index.js';
import { expectNoLeaks } from '../../test-utils/src/index.js';
import { col, randn } from './helpers.js';

const rbf = (a: number[], b: number[], gamma: number): number => Math.exp(-gamma * a.reduce((s, v, i) => s + (v - (b[i] as number)) ** 2, 0));

/** Brute-force centred kernel between test rows and training rows (explicit double loops). */
function bruteCentred(test: number[][], train: number[][], k: (a: number[], b: number[]) => number): number[][] {
  const n = train.length;
  const Ktr = train.map((a) => train.map((b) => k(a, b)));
  let all = 0;
  const colMean = Array.from({ length: n }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (Ktr[i] as number[])[j] as number;
    all += s;
    return s / n;
  });
  all /= n * n;
  return test.map((x) => {
    const row = train.map((b) => k(x, b));
    const rowMean = row.reduce((a, b) => a + b, 0) / n;
    return row.map((v, j) => v - (colMean[j] as number) - rowMean + all);
  });
}

/** Column j of a result equals ±column j of a reference (one sign for the whole column). */
function expectColumnsEqualUpToSign(a: Float64Array, b: ArrayLike<number>, rows: number, cols: number, digits: number): void {
  for (let j = 0; j < cols; j++) {
    const x = col(a, rows, cols, j);
    const y = col(b, rows, cols, j);
    const dot = x.reduce((s, v, i) => s + v * (y[i] as number), 0);
    const sign = dot < 0 ? -1 : 1;
    x.forEach((v, i) => expect(v).toBeCloseTo(sign * (y[i] as number), digits));
  }
}

describe('kernel matrices', () => {
  const x = randn(12, 5, 1);
  const y = randn(7, 5, 2);
  for (const name of ['linear', 'rbf', 'polynomial', 'sigmoid'] as const) {
    it(`${name}: tensor fast path equals ml-kernel`, () => {
      const spec = resolveKernel('test', name, { gamma: 0.3, degree: 2, coef0: 0.5 }, 5);
      const fast = expectNoLeaks(() => kernelMatrix(x, y, spec, 'tensor'));
      const ref = kernelMatrix(x, y, spec, 'ml-kernel');
      Array.from(ref.data).forEach((v, i) => expect(fast.data[i]).toBeCloseTo(v, 4));
      // the training kernel (y = x): symmetric, and for rbf an exact unit diagonal
      const own = expectNoLeaks(() => kernelMatrix(x, null, spec, 'tensor'));
      const ownRef = kernelMatrix(x, null, spec, 'ml-kernel');
      Array.from(ownRef.data).forEach((v, i) => expect(own.data[i]).toBeCloseTo(v, 4));
      for (let i = 0; i < 12; i++) {
        if (name === 'rbf') expect(own.data[i * 12 + i]).toBe(1);
        for (let j = 0; j < i; j++) expect(own.data[i * 12 + j]).toBe(own.data[j * 12 + i]);
      }
    });
  }
  it('rbf matches exp(−γ‖x−y‖²) with the default γ = 1/d', () => {
    const spec = resolveKernel('test', 'rbf', undefined, 5);
    expect(spec.params['gamma']).toBeCloseTo(0.2, 15);
    const K = kernelMatrix(x, y, spec, 'ml-kernel');
    expect(K.data[3 * 7 + 4]).toBeCloseTo(rbf(x[3] as number[], y[4] as number[], 0.2), 12);
  });
  it('centring with the training statistics equals the brute-force double loop', () => {
    const spec = resolveKernel('test', 'rbf', { gamma: 0.1 }, 5);
    const stats = fitKernelCentering(kernelMatrix(x, null, spec, 'ml-kernel'));
    const got = centerKernel(kernelMatrix(y, x, spec, 'ml-kernel'), stats);
    const want = bruteCentred(y, x, (a, b) => rbf(a, b, 0.1));
    want.flat().forEach((v, i) => expect(got.data[i]).toBeCloseTo(v, 12));
    // linear kernel: centring = inner products after subtracting the training mean
    const lin = resolveKernel('test', 'linear', {}, 5);
    const ls = fitKernelCentering(kernelMatrix(x, null, lin, 'ml-kernel'));
    const lc = centerKernel(kernelMatrix(y, x, lin, 'ml-kernel'), ls);
    const mu = [0, 1, 2, 3, 4].map((t) => x.reduce((s, r) => s + (r[t] as number), 0) / x.length);
    const dot = (a: number[], b: number[]): number => a.reduce((s, v, t) => s + (v - (mu[t] as number)) * ((b[t] as number) - (mu[t] as number)), 0);
    y.forEach((a, i) => x.forEach((b, j) => expect(lc.data[i * 12 + j]).toBeCloseTo(dot(a, b), 12)));
  });
});

describe('solveSpd', () => {
  const n = 150;
  const r = new Matrix(randn(n, n, 4));
  const A = r.mmul(r.transpose()).add(Matrix.eye(n).mul(n));
  const B = new Matrix(randn(n, 9, 5));
  const want = solve(A, B);
  it('float64 Cholesky equals ml-matrix solve', () => {
    const got = solveSpd(A.to2DArray(), B.to2DArray(), { method: 'float64' });
    want.to1DArray().forEach((v, i) => expect(got.data[i]).toBeCloseTo(v, 10));
  });
  it('blocked tensor Cholesky (several blocks) equals ml-matrix solve to float32 precision', () => {
    const got = expectNoLeaks(() => solveSpd(A.to2DArray(), B.to2DArray(), { blockSize: 32 }));
    const w = want.to1DArray();
    const scale = Math.max(...w.map(Math.abs));
    w.forEach((v, i) => expect(Math.abs((got.data[i] as number) - v) / scale).toBeLessThan(1e-4));
  });
  it('rejects a matrix that is not positive definite', () => {
    expect(() =>
      solveSpd(
        [
          [1, 2],
          [2, 1],
        ],
        [[1], [1]],
        { method: 'float64' },
      ),
    ).toThrow(SalDataError);
    expect(() =>
      solveSpd(
        [
          [1, 2],
          [2, 1],
        ],
        [[1], [1]],
      ),
    ).toThrow(SalDataError);
  });
  // wasm: the backend's fused solve when registered (@sal/native); cpu: the blocked composite path
  it.each(['wasm', 'cpu'])('the tensor path on %s equals ml-matrix solve to float32 precision', async (backend) => {
    await tf.setBackend(backend);
    try {
      const got = expectNoLeaks(() => solveSpd(A.to2DArray(), B.to2DArray(), { blockSize: 40 }));
      const w = want.to1DArray();
      const scale = Math.max(...w.map(Math.abs));
      w.forEach((v, i) => expect(Math.abs((got.data[i] as number) - v) / scale).toBeLessThan(1e-4));
      // only the lower triangle is read: garbage above the diagonal changes nothing
      const lowerOnly = A.to2DArray().map((row, i) => row.map((v, j) => (j > i ? 1e6 * (1 + i + j) : v)));
      const same = expectNoLeaks(() => solveSpd(lowerOnly, B.to2DArray(), { blockSize: 40 }));
      expect(Array.from(same.data)).toEqual(Array.from(got.data));
    } finally {
      await tf.setBackend('wasm');
    }
  });
});

describe('fitKernelPca', () => {
  const x = randn(30, 8, 7).map((r) => r.map((v, j) => v * (1 + j)));
  const xNew = randn(5, 8, 8);

  it('linear kernel PCA equals PCA up to sign (scores and eigenvalues)', () => {
    const kp = fitKernelPca(x, { kernel: 'linear', kernelMethod: 'ml-kernel', method: 'float64' });
    const p = fitPca(x, { method: 'float64' });
    expect(kp.nComponents).toBe(8);
    for (let i = 0; i < 8; i++) expect(kp.eigenvalues[i]).toBeCloseTo((p.explainedVariance[i] as number) * 29, 8);
    expectColumnsEqualUpToSign(kp.trainingScores().data, p.transform(x).data, 30, 8, 8);
    expectColumnsEqualUpToSign(kp.transform(xNew).data, p.transform(xNew).data, 5, 8, 8);
    // on the tensor backend (float32)
    const kt = fitKernelPca(x, { kernel: 'linear', nComponents: 8 });
    expectColumnsEqualUpToSign(kt.transform(xNew).data, p.transform(xNew).data, 5, 8, 3);
  });

  it('rbf: eigenvalues and transform equal an independent computation (brute-force kernel, ml-matrix EVD)', () => {
    const gamma = 0.02;
    const kp = fitKernelPca(x, { kernel: 'rbf', kernelOptions: { gamma }, nComponents: 6, kernelMethod: 'ml-kernel', method: 'float64' });
    const Kc = new Matrix(bruteCentred(x, x, (a, b) => rbf(a, b, gamma)));
    const evd = new EigenvalueDecomposition(Kc, { assumeSymmetric: true });
    const order = evd.realEigenvalues
      .map((v, i) => [v, i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, 6);
    order.forEach(([v], i) => expect(kp.eigenvalues[i]).toBeCloseTo(v, 9));
    const Kt = new Matrix(bruteCentred(xNew, x, (a, b) => rbf(a, b, gamma)));
    const proj = new Matrix(5, 6);
    order.forEach(([v, src], j) => {
      const a = evd.eigenvectorMatrix.getColumnVector(src).div(Math.sqrt(v));
      proj.setColumn(j, Kt.mmul(a).getColumn(0));
    });
    expectColumnsEqualUpToSign(kp.transform(xNew).data, proj.to1DArray(), 5, 6, 9);
    // the tensor paths agree with the float64 reference
    const kt = fitKernelPca(x, { kernel: 'rbf', kernelOptions: { gamma }, nComponents: 6 });
    expectColumnsEqualUpToSign(kt.transform(xNew).data, proj.to1DArray(), 5, 6, 3);
  });

  it('pre-image equals a direct kernel ridge solve written with ml-matrix', () => {
    const gamma = 0.05;
    const alpha = 0.3;
    const kp = fitKernelPca(x, {
      kernel: 'rbf',
      kernelOptions: { gamma },
      nComponents: 5,
      fitInverseTransform: true,
      alpha,
      kernelMethod: 'ml-kernel',
      method: 'float64',
    });
    const Z = kp.trainingScores();
    const zRows = Array.from({ length: 30 }, (_, i) => Array.from(Z.data.subarray(i * 5, i * 5 + 5)));
    const Kz = new Matrix(zRows.map((a) => zRows.map((b) => rbf(a, b, gamma)))).add(Matrix.eye(30).mul(alpha));
    const dual = solve(Kz, new Matrix(x));
    const zq = kp.transform(xNew);
    const zqRows = Array.from({ length: 5 }, (_, i) => Array.from(zq.data.subarray(i * 5, i * 5 + 5)));
    const want = new Matrix(zqRows.map((a) => zRows.map((b) => rbf(a, b, gamma)))).mmul(dual);
    const got = kp.inverseTransform(zq);
    want.to1DArray().forEach((v, i) => expect(got.data[i]).toBeCloseTo(v, 9));
    // tensor paths (float32 kernels, blocked solve) agree to float32 precision
    const kt = fitKernelPca(x, { kernel: 'rbf', kernelOptions: { gamma }, nComponents: 5, fitInverseTransform: true, alpha });
    const gt = expectNoLeaks(() => kt.inverseTransform(kt.transform(xNew)));
    kt.dispose();
    const scale = Math.max(...want.to1DArray().map(Math.abs));
    want.to1DArray().forEach((v, i) => expect(Math.abs((gt.data[i] as number) - v) / scale).toBeLessThan(2e-3));
    expect(() => fitKernelPca(x, { nComponents: 3 }).inverseTransform([[1, 2, 3]])).toThrow(SalConfigError);
  });

  // the fit's tensor path (kernels, centring, eigensolver and the pre-image solve kept on the backend) on the
  // wasm backend (with the fused kernels when registered) and on cpu (composite paths), against float64
  it.each(['wasm', 'cpu'])('the tensor path on %s equals the float64 path to float32 precision', async (backend) => {
    const data = randn(900, 6, 11).map((r) => r.map((v, j) => v * (1 + 0.3 * j)));
    const opts = { kernel: 'rbf', kernelOptions: { gamma: 0.1 }, nComponents: 5, fitInverseTransform: true, alpha: 0.5 } as const;
    const ref = fitKernelPca(data, { ...opts, kernelMethod: 'ml-kernel', method: 'float64' });
    await tf.setBackend(backend);
    try {
      const before = tf.memory().numTensors;
      const kt = fitKernelPca(data, opts);
      // the model holds x and the dual coefficients, nothing else
      expect(tf.memory().numTensors).toBe(before + 2);
      for (let i = 0; i < 5; i++) expect(Math.abs((kt.eigenvalues[i] as number) / (ref.eigenvalues[i] as number) - 1)).toBeLessThan(1e-4);
      expect(Array.from(kt.centering.columnMeans).every((v, i) => Math.abs(v - (ref.centering.columnMeans[i] as number)) < 1e-5)).toBe(true);
      const zq = ref.transform(xNew.map((r) => r.slice(0, 6)));
      const want = ref.inverseTransform(zq).data;
      const got = kt.inverseTransform(zq).data;
      const scale = Math.max(...Array.from(want, Math.abs));
      want.forEach((v, i) => expect(Math.abs((got[i] as number) - v) / scale).toBeLessThan(2e-3));
      kt.dispose();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('transform of the training rows equals the training scores (fit_transform), and eigenvectors are unit', () => {
    const kp = fitKernelPca(x, { kernel: 'sigmoid', kernelOptions: { gamma: 0.01, coef0: 0.2 }, nComponents: 4, kernelMethod: 'ml-kernel', method: 'float64' });
    const a = kp.transform(x);
    const b = kp.trainingScores();
    Array.from(b.data).forEach((v, i) => expect(a.data[i]).toBeCloseTo(v, 9));
    for (let j = 0; j < 4; j++) expect(col(kp.eigenvectors.data, 30, 4, j).reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 12);
  });

  it('randomized solver: same seed, same result, and it matches the full solver', () => {
    const data = randn(120, 6, 3);
    const opts = { kernel: 'rbf', nComponents: 4, solver: 'randomized', seed: 5 } as const;
    const a = fitKernelPca(data, opts);
    const b = fitKernelPca(data, opts);
    expect(Array.from(a.eigenvalues)).toEqual(Array.from(b.eigenvalues));
    expect(Array.from(a.eigenvectors.data)).toEqual(Array.from(b.eigenvectors.data));
    const full = fitKernelPca(data, { kernel: 'rbf', nComponents: 4, solver: 'full' });
    for (let i = 0; i < 4; i++) expect(Math.abs((a.eigenvalues[i] as number) / (full.eigenvalues[i] as number) - 1)).toBeLessThan(1e-4);
    for (const m of [a, b, full]) m.dispose();
  });

  it('toJSON / loadKernelPca round trip', () => {
    const kp = fitKernelPca(x, { kernel: 'polynomial', kernelOptions: { degree: 2 }, nComponents: 4, fitInverseTransform: true });
    const back = loadKernelPca(JSON.parse(JSON.stringify(kp.toJSON())));
    expect(Array.from(back.transform(xNew).data)).toEqual(Array.from(kp.transform(xNew).data));
    const z = kp.transform(xNew);
    expect(Array.from(back.inverseTransform(z).data)).toEqual(Array.from(kp.inverseTransform(z).data));
    expect(() => loadKernelPca({ kind: 'sal.pca' })).toThrow(SalDataError);
    kp.dispose();
    expect(() => kp.transform(xNew)).toThrow(SalDataError);
    expect(() => kp.toJSON()).toThrow(SalDataError);
    back.dispose();
  });

  it('on the tensor path the model owns two tensors (x and the dual coefficients), released by dispose; no leaks', () => {
    for (const fitInverseTransform of [false, true]) {
      const before = tf.memory().numTensors;
      const kp = fitKernelPca(x, { kernel: 'rbf', nComponents: 3, fitInverseTransform });
      expect(tf.memory().numTensors).toBe(before + (fitInverseTransform ? 2 : 1));
      expectNoLeaks(() => kp.transform(xNew));
      kp.dispose();
      kp.dispose(); // twice is harmless
      expect(tf.memory().numTensors).toBe(before);
    }
    // the float64 path holds none
    const before = tf.memory().numTensors;
    const kf = fitKernelPca(x, { kernel: 'rbf', nComponents: 3, fitInverseTransform: true, method: 'float64' });
    expect(tf.memory().numTensors).toBe(before);
    kf.dispose();
    // a fit that throws after the upload keeps nothing (all-zero rows: the linear kernel, and so its centred form, is
    // exactly zero on every backend, while identical non-zero rows leave float32 round-off)
    const zeros = x.map((r) => r.map(() => 0));
    expect(() => fitKernelPca(zeros, { kernel: 'linear', nComponents: 'all' })).toThrow(/all eigenvalues zero/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('uploads x in chunks of rows: a matrix of several chunks keeps every value (wasm and cpu)', async () => {
    // 1 MiB chunks: 2^18 / 700 = 374 rows per chunk, so 800 rows make three chunks, the last one short
    const big = randn(800, 700, 21);
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      try {
        const kp = fitKernelPca(big, { kernel: 'linear', nComponents: 2 });
        const back = kp.toJSON().xFit;
        let worst = 0;
        big.forEach((r, i) => r.forEach((v, j) => (worst = Math.max(worst, Math.abs(((back[i] as number[])[j] as number) - Math.fround(v))))));
        expect(worst).toBe(0);
        kp.dispose();
        // a bad value in the last chunk: the chunks uploaded before it are released
        const before = tf.memory().numTensors;
        const bad = big.map((r) => r.slice());
        (bad[799] as number[])[5] = Number.POSITIVE_INFINITY;
        expect(() => fitKernelPca(bad, { kernel: 'linear', nComponents: 2 })).toThrow(SalDataError);
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        await tf.setBackend('wasm');
      }
    }
  });

  it('validates options', () => {
    expect(() => fitKernelPca(x, { kernel: 'nope' as never })).toThrow(SalConfigError);
    expect(() => fitKernelPca(x, { alpha: 0 })).toThrow(SalConfigError);
    expect(() => fitKernelPca(x, { kernel: 'rbf', kernelOptions: { sigma: 1 } })).toThrow(SalConfigError);
    expect(() => fitKernelPca(x, { nComponents: 31 })).toThrow(SalConfigError);
  });

  it('rejects non-finite values (beyond float32 range on the tensor path) and keeps its own copy of x', () => {
    const bad = x.map((r) => r.slice());
    (bad[3] as number[])[2] = Number.NaN;
    expect(() => fitKernelPca(bad, { kernel: 'rbf', nComponents: 2 })).toThrow(SalDataError);
    expect(() => fitKernelPca(bad, { kernel: 'rbf', nComponents: 2, kernelMethod: 'ml-kernel', method: 'float64' })).toThrow(SalDataError);
    (bad[3] as number[])[2] = 1e39; // finite in float64, Infinity in float32
    expect(() => fitKernelPca(bad, { kernel: 'rbf', nComponents: 2 })).toThrow(/float32/);
    for (const opts of [{}, { kernelMethod: 'ml-kernel', method: 'float64' }] as const) {
      const data = { rows: 30, cols: 8, data: Float64Array.from(x.flat()) };
      const kp = fitKernelPca(data, { kernel: 'rbf', nComponents: 3, fitInverseTransform: true, ...opts });
      const before = kp.transform(xNew);
      data.data.fill(7);
      expect(Array.from(kp.transform(xNew).data)).toEqual(Array.from(before.data));
    }
  });

  it('other ml-kernel kernels run through ml-kernel with their own options', () => {
    const kp = fitKernelPca(x, { kernel: 'laplacian', kernelOptions: { sigma: 3 }, nComponents: 3 });
    expect(kp.nComponents).toBe(3);
    expect(kp.eigenvalues[0]).toBeGreaterThan(kp.eigenvalues[2] as number);
  });
});
