import { describe, expect, it } from 'vitest';
import { createRng } from '@sal/types';
import { samplePoisson, simulateDataset, neuronRates } from '../src/index.js';
import { column, mean, variance } from './helpers.js';

/** Analytic Poisson pmf, by the recurrence p(k) = p(k-1)·λ/k. */
function pmf(lambda: number, kMax: number): number[] {
  const p = [Math.exp(-lambda)];
  for (let k = 1; k <= kMax; k++) p.push((p[k - 1]! * lambda) / k);
  return p;
}

describe('samplePoisson', () => {
  // both samplers: multiplication of uniforms (λ < 10) and transformed rejection (λ ≥ 10)
  for (const lambda of [0.2, 1.5, 4, 9.5, 10, 17, 60]) {
    it(`λ = ${lambda}: mean ≈ variance ≈ λ and the histogram matches the pmf`, () => {
      const n = 40_000;
      const rng = createRng(Math.round(lambda * 1000));
      const x = new Float64Array(n);
      for (let i = 0; i < n; i++) x[i] = samplePoisson(lambda, rng);
      expect(x.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
      // standard errors of the sample mean and variance of a Poisson variable
      expect(Math.abs(mean(x) - lambda)).toBeLessThan(5 * Math.sqrt(lambda / n));
      expect(Math.abs(variance(x) - lambda)).toBeLessThan(5 * Math.sqrt((2 * lambda * lambda + lambda) / n));
      const kMax = Math.ceil(lambda + 6 * Math.sqrt(lambda) + 5);
      const p = pmf(lambda, kMax);
      const counts = new Float64Array(kMax + 1);
      for (const v of x) if (v <= kMax) counts[v]!++;
      for (let k = 0; k <= kMax; k++) {
        const sd = Math.sqrt((p[k]! * (1 - p[k]!)) / n);
        expect(Math.abs(counts[k]! / n - p[k]!)).toBeLessThan(5 * sd + 1e-4);
      }
    });
  }

  it('λ = 0 gives 0; bad λ throws', () => {
    const rng = createRng(1);
    expect(samplePoisson(0, rng)).toBe(0);
    expect(() => samplePoisson(-1, rng)).toThrow(/lambda/);
    expect(() => samplePoisson(Number.NaN, rng)).toThrow(/lambda/);
  });
});

describe('responses', () => {
  it('for a fixed stimulus, counts over many repeats have mean ≈ variance ≈ the true rate', () => {
    const { dataset, truth } = simulateDataset({
      height: 64,
      width: 96,
      nTrainImages: 30,
      nTestImages: 1,
      testRepeats: 3000,
      nSessions: 1,
      neuronsPerSession: 10,
      calibrationImages: 30,
      seed: 3,
    });
    const s = dataset.sessions[0]!;
    const id = s.testImageIds[0]!;
    expect(s.testImageIds.every((v) => v === id)).toBe(true);
    const [, h, w] = dataset.imagesShape;
    const rates = neuronRates(truth, dataset.images.subarray(id * h * w, (id + 1) * h * w), id);
    const n = s.testImageIds.length;
    for (let j = 0; j < s.nNeurons; j++) {
      const x = column(s.testResponses, s.nNeurons, j);
      const lambda = rates[truth.neuron(s.key, j).id]!;
      expect(Math.abs(mean(x) - lambda)).toBeLessThan(5 * Math.sqrt(lambda / n));
      expect(Math.abs(variance(x) - lambda)).toBeLessThan(5 * Math.sqrt((2 * lambda * lambda + lambda) / n));
    }
  });
});
