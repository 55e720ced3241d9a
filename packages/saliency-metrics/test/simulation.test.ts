/** Fixations sampled from the simulation's true saliency: the true maps must beat the image-free baselines. */
import { describe, expect, it } from 'vitest';
import { simulateDataset } from '@sal/sim';
import { fitCenterBias, fixationsFromLogDensities, imageSignature, scoreSaliency } from '../src/index.js';

describe('scoring on the simulation', () => {
  it('the oracle maps beat the learnt centre bias, which beats chance; the image signature beats the centre bias on sAUC', () => {
    const { dataset } = simulateDataset({
      seed: 1,
      height: 60,
      width: 100,
      nTrainImages: 16,
      nTestImages: 2,
      nSessions: 1,
      neuronsPerSession: 1,
      includeSaliency: true,
    });
    const [n, h, w] = dataset.imagesShape;
    const fx = fixationsFromLogDensities(dataset.saliency!, dataset.imagesShape, 30, 0);
    expect(fx).toHaveLength(n);
    expect(fixationsFromLogDensities(dataset.saliency!, dataset.imagesShape, 30, 0)).toEqual(fx);
    const cb = fitCenterBias(fx.slice(0, 8), h, w);
    const ids = Array.from({ length: n - 8 }, (_, k) => 8 + k);
    const truth = (i: number): Float64Array => Float64Array.from(dataset.saliency!.subarray(i * h * w, (i + 1) * h * w), Math.exp);
    const images = ids.map((i) => ({ fixations: fx[i]!, density: truth(i), baselineLog: cb.logDensity }));
    const oracle = scoreSaliency((k) => truth(ids[k]!), images, { borjiSplits: 20 });
    const centre = scoreSaliency(() => cb.density, images, { borjiSplits: 20 });
    const sig = scoreSaliency((k) => imageSignature(Float32Array.from(dataset.images.subarray(ids[k]! * h * w, (ids[k]! + 1) * h * w)), h, w), images, {
      borjiSplits: 20,
    });
    expect(oracle.aucJudd).toBeGreaterThan(centre.aucJudd);
    expect(oracle.ig).toBeGreaterThan(0);
    expect(centre.aucJudd).toBeGreaterThan(0.5);
    expect(sig.sAuc).toBeGreaterThan(centre.sAuc);
  });
});
