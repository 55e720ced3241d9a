import { describe, expect, it } from 'vitest';
import { logOf, sampleFixations, scoreSaliency, toDensity } from '../src/index.js';

describe('scoreSaliency', () => {
  it('the true density beats a uniform one on every metric, and scores CC 1, KLD 0, SIM 1 against itself', () => {
    const n = 400;
    const dens = Array.from({ length: 6 }, (_, k) =>
      toDensity(
        Float64Array.from({ length: n }, (_, i) => Math.exp(-(((i % 20) - 3 * k) ** 2 + (((i / 20) | 0) - 10) ** 2) / 8)),
        0.01,
      ),
    );
    const uni = new Float64Array(n).fill(1 / n);
    const images = dens.map((d, k) => ({ fixations: sampleFixations(d, 30, k), density: d, baselineLog: logOf(uni) }));
    const truth = scoreSaliency((i) => dens[i]!, images);
    const flat = scoreSaliency(() => uni, images);
    expect(truth.cc).toBeCloseTo(1, 12);
    expect(truth.kld).toBeCloseTo(0, 12);
    expect(truth.sim).toBeCloseTo(1, 12);
    expect(truth.aucJudd).toBeGreaterThan(flat.aucJudd);
    expect(truth.nss).toBeGreaterThan(1);
    expect(truth.ig).toBeGreaterThan(0.5);
    expect(flat.ig).toBeCloseTo(0, 12);
    expect(flat.kld).toBeGreaterThan(truth.kld);
  });
});
