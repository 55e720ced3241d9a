import { describe, expect, it } from 'vitest';
import type { Matrix } from 'ml-matrix';
import { SalConfigError, SalDataError, SalShapeError } from '@sal/types';
import { fitPca, loadPca } from '../src/index.js';
import { expectNoLeaks } from '../../test-utils/src/index.js';
import { absCos, randn, randomOrthogonal } from './helpers.js';

/** Rows ±c_i q_i (n = 2d, mean 0) whose sample covariance (ddof 1) is exactly Q diag(λ) Qᵀ. */
function dataWithCovariance(lambda: number[], seed: number, shift: number[]): { x: number[][]; q: Matrix } {
  const d = lambda.length;
  const q = randomOrthogonal(d, seed);
  const n = 2 * d;
  const x: number[][] = [];
  for (let i = 0; i < d; i++) {
    const c = Math.sqrt(((lambda[i] as number) * (n - 1)) / 2);
    const qi = q.getColumn(i);
    x.push(qi.map((v, t) => c * v + (shift[t] as number)));
    x.push(qi.map((v, t) => -c * v + (shift[t] as number)));
  }
  return { x, q };
}

describe('fitPca', () => {
  const lambda = [9, 4, 2.5, 1, 0.5, 0.25];
  const shift = [1, -2, 3, 0.5, 0, 7];
  const { x, q } = dataWithCovariance(lambda, 5, shift);

  for (const method of ['float64', 'tensor'] as const) {
    it(`recovers a known covariance exactly (${method})`, () => {
      const tol = method === 'float64' ? 9 : 4;
      const m = fitPca(x, { method, form: 'primal' });
      expect(m.nComponents).toBe(6);
      lambda.forEach((l, i) => expect(m.explainedVariance[i]).toBeCloseTo(l, tol));
      Array.from(m.mean).forEach((v, i) => expect(v).toBeCloseTo(shift[i] as number, 10));
      for (let i = 0; i < 6; i++) {
        const comp = Array.from(m.components.data.subarray(i * 6, i * 6 + 6));
        expect(absCos(comp, q.getColumn(i))).toBeCloseTo(1, tol);
      }
      const total = lambda.reduce((a, b) => a + b, 0);
      expect(m.totalVariance).toBeCloseTo(total, 10);
      const sum = Array.from(m.explainedVarianceRatio).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, tol);
      expect(m.cumulativeVarianceRatio[5]).toBeCloseTo(1, tol);
      expect(m.cumulativeVarianceRatio[0]).toBeCloseTo(9 / total, tol);
    });
  }

  it('dual form equals primal form (n < d)', () => {
    const data = randn(30, 50, 2).map((r, i) => r.map((v, j) => v * (1 + (j % 7)) + i * 0.01));
    const p = fitPca(data, { form: 'primal', method: 'float64' });
    const dd = fitPca(data, { form: 'dual', method: 'float64' });
    expect(dd.nComponents).toBe(29);
    expect(p.nComponents).toBe(29);
    for (let i = 0; i < 29; i++) {
      expect(dd.explainedVariance[i]).toBeCloseTo(p.explainedVariance[i] as number, 8);
      const a = dd.components.data.subarray(i * 50, i * 50 + 50);
      const b = p.components.data.subarray(i * 50, i * 50 + 50);
      // same sign convention, so the components agree exactly, not only up to sign
      for (let t = 0; t < 50; t++) expect(a[t]).toBeCloseTo(b[t] as number, 6);
    }
    // the ratios of all components sum to 1 (rank n − 1 captures all variance)
    expect(dd.cumulativeVarianceRatio[28]).toBeCloseTo(1, 10);
  });

  it('scores equal (x − mean)·components and all components reconstruct exactly', () => {
    const data = randn(40, 12, 4);
    const m = fitPca(data, { method: 'float64' });
    const z = m.transform(data.slice(0, 3));
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < m.nComponents; c++) {
        let s = 0;
        for (let t = 0; t < 12; t++) s += (((data[r] as number[])[t] as number) - (m.mean[t] as number)) * (m.components.data[c * 12 + t] as number);
        expect(z.data[r * m.nComponents + c]).toBeCloseTo(s, 10);
      }
    }
    const rec = m.reconstruct(data);
    data.flat().forEach((v, i) => expect(rec.data[i]).toBeCloseTo(v, 9));
    // tensor products (float32): still reconstructs to float32 precision
    const mt = fitPca(data);
    const rt = mt.reconstruct(data);
    const err = Math.max(...data.flat().map((v, i) => Math.abs(v - (rt.data[i] as number))));
    expect(err).toBeLessThan(1e-4);
  });

  it('reconstruction with the smallest k reaching a variance fraction', () => {
    const m = fitPca(x, { method: 'float64' });
    // cumulative: 9/17.25 = .52, 13/17.25 = .754, 15.5/17.25 = .899, 16.5/17.25 = .957, 17/17.25 = .986
    expect(m.componentsForVariance(0.75)).toBe(2);
    expect(m.componentsForVariance(0.99)).toBe(6);
    expect(m.componentsForVariance(0.95)).toBe(4);
    const rec = m.reconstruct(x, { varianceFraction: 0.95 });
    const rec4 = m.reconstruct(x, { nComponents: 4 });
    expect(Array.from(rec.data)).toEqual(Array.from(rec4.data));
    // the residual of a k-component reconstruction carries exactly the dropped variance
    let sq = 0;
    x.flat().forEach((v, i) => (sq += (v - (rec4.data[i] as number)) ** 2));
    expect(sq / (x.length - 1)).toBeCloseTo(0.5 + 0.25, 9);
    expect(() => m.reconstruct(x, { nComponents: 2, varianceFraction: 0.5 })).toThrow(SalConfigError);
  });

  it('500 × 1024 with all components on the tensor backend matches float64 and leaks no tensors', () => {
    const data = randn(500, 1024, 8);
    const m = expectNoLeaks(() => fitPca(data), 'fitPca');
    const ref = fitPca(data.slice(0, 500), { method: 'float64', nComponents: 20 });
    for (let i = 0; i < 20; i++) {
      expect(Math.abs((m.explainedVariance[i] as number) - (ref.explainedVariance[i] as number)) / (ref.explainedVariance[i] as number)).toBeLessThan(1e-4);
    }
    expect(m.nComponents).toBe(499);
    expectNoLeaks(() => m.transform(data.slice(0, 5)), 'transform');
  });

  it('the tensor dual fit (float32 products) matches the float64 primal fit: components with signs, variances, with and without centring', () => {
    const data = randn(60, 200, 5).map((r, i) => r.map((v, j) => 3 + v * Math.exp(-j / 30) + 0.01 * i));
    for (const center of [true, false]) {
      const fast = expectNoLeaks(() => fitPca(data, { center }), 'fitPca');
      const ref = fitPca(data, { center, form: 'primal', method: 'float64', nComponents: 10 });
      expect(fast.nComponents).toBe(center ? 59 : 60);
      expect(Math.abs(fast.totalVariance / ref.totalVariance - 1)).toBeLessThan(1e-12);
      for (let i = 0; i < 10; i++) {
        const a = fast.components.data.subarray(i * 200, i * 200 + 200);
        const b = ref.components.data.subarray(i * 200, i * 200 + 200);
        let dot = 0;
        let norm = 0;
        for (let t = 0; t < 200; t++) {
          dot += (a[t] as number) * (b[t] as number);
          norm += (a[t] as number) ** 2;
        }
        expect(Math.abs(norm - 1)).toBeLessThan(1e-9);
        expect(dot).toBeGreaterThan(1 - 1e-4); // same sign convention, same direction
        expect(Math.abs((fast.explainedVariance[i] as number) / (ref.explainedVariance[i] as number) - 1)).toBeLessThan(1e-4);
      }
    }
    expect(() => fitPca(data.map((r, i) => (i === 7 ? r.map((v, j) => (j === 3 ? Number.NaN : v)) : r)))).toThrow(SalDataError);
  });

  it('randomized dual solver matches the full primal one on the top components', () => {
    const base = randn(900, 40, 3).map((r) => r.map((v, j) => v * Math.exp(-j / 4)));
    const full = fitPca(base, { nComponents: 5, solver: 'full', form: 'primal', method: 'float64' });
    const rnd = fitPca(base, { nComponents: 5, solver: 'randomized', form: 'dual', seed: 1 });
    for (let i = 0; i < 5; i++) {
      expect(Math.abs((rnd.explainedVariance[i] as number) / (full.explainedVariance[i] as number) - 1)).toBeLessThan(1e-4);
      expect(absCos(rnd.components.data.subarray(i * 40, i * 40 + 40), full.components.data.subarray(i * 40, i * 40 + 40))).toBeGreaterThan(1 - 1e-4);
    }
  });

  it('toJSON / loadPca round trip', () => {
    const m = fitPca(randn(20, 5, 1), { nComponents: 3 });
    const back = loadPca(JSON.parse(JSON.stringify(m.toJSON())));
    expect(back.nComponents).toBe(3);
    const probe = randn(4, 5, 9);
    expect(Array.from(back.transform(probe).data)).toEqual(Array.from(m.transform(probe).data));
    expect(Array.from(back.explainedVarianceRatio)).toEqual(Array.from(m.explainedVarianceRatio));
    expect(() => loadPca({ kind: 'sal.kernelPca' })).toThrow(SalDataError);
    m.dispose();
    expect(() => m.transform(probe)).toThrow(SalDataError);
  });

  it('validates input and options', () => {
    expect(() => fitPca([[1, 2]])).toThrow(SalShapeError);
    expect(() => fitPca(randn(5, 3, 1), { nComponents: 4 })).toThrow(SalConfigError);
    expect(() => fitPca(randn(5, 3, 1), { bogus: true } as never)).toThrow(SalConfigError);
    expect(() =>
      fitPca([
        [1, 2],
        [3, NaN],
      ]),
    ).toThrow(SalDataError);
    const m = fitPca(randn(5, 3, 1));
    expect(() => m.transform(randn(2, 4, 1))).toThrow(SalShapeError);
  });
});
