import { describe, expect, it } from 'vitest';
import { SalShapeError, createRng } from '@sal/types';
import { gradientReceptiveFields, grfCentres, rfShiftPermutationTest, rfShifts } from '../src/index.js';
import { saliencyShiftModel } from './models.js';

describe('grfCentres', () => {
  it('finds the centre of a Gaussian blob at a sub-pixel position, and its spread', () => {
    const h = 32,
      w = 30,
      cx = 11.3,
      cy = 17.6,
      s = 2;
    const data = new Float32Array(h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = -3 * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s));
    const sq = grfCentres({ data, shape: [1, 1, h, w] });
    expect(sq.centres[0]).toBeCloseTo(cx, 4);
    expect(sq.centres[1]).toBeCloseTo(cy, 4);
    // gRF² is a Gaussian with σ/√2 per axis: spread = √(2·σ²/2) = σ.
    expect(sq.spreads[0]).toBeCloseTo(s, 3);
    const ab = grfCentres({ data, shape: [1, 1, h, w] }, { weight: 'abs' });
    expect(ab.centres[0]).toBeCloseTo(cx, 4);
    expect(ab.spreads[0]).toBeCloseTo(s * Math.SQRT2, 3);
  });

  it('hand-computed two-pixel case, channels summed, zero gRF gives NaN', () => {
    // 1 neuron, 2 images, 1×3 pixels, 2 channels. Image 0: pixel 0 = (1, 0), pixel 2 = (0, −2).
    const data = new Float32Array(2 * 3 * 2);
    data[0] = 1;
    data[2 * 2 + 1] = -2;
    const sq = grfCentres({ data, shape: [1, 2, 1, 3, 2] });
    // weights 1 at x=0 and 4 at x=2: centre 8/5, spread √((1·1.6² + 4·0.4²)/5) = 0.8
    expect(sq.centres[0]).toBeCloseTo(1.6, 12);
    expect(sq.centres[1]).toBe(0);
    expect(sq.spreads[0]).toBeCloseTo(0.8, 6);
    expect(sq.mass[0]).toBeCloseTo(5, 12);
    const ab = grfCentres({ data, shape: [1, 2, 1, 3, 2] }, { weight: 'abs' });
    expect(ab.centres[0]).toBeCloseTo(4 / 3, 12);
    expect(Number.isNaN(sq.centres[2]!)).toBe(true);
    expect(Number.isNaN(sq.spreads[1]!)).toBe(true);
  });
});

describe('rfShifts', () => {
  it('hand-computed shifts and projections', () => {
    // 1 neuron, 2 images: centres (1,0) and (−1,0) → mean (0,0). Salient points (3,0) and (0,5).
    const r = rfShifts([1, 0, -1, 0], [1, 2], [3, 0, 0, 5]);
    expect(Array.from(r.meanCentres)).toEqual([0, 0]);
    expect(Array.from(r.shifts)).toEqual([1, 0, -1, 0]);
    expect(Array.from(r.projections)).toEqual([1, 0]);
    expect(Array.from(r.perNeuron)).toEqual([0.5]);
    // A salient point on the mean centre gives no direction.
    const z = rfShifts([1, 0, -1, 0], [1, 2], [0, 0, 0, 5]);
    expect(Number.isNaN(z.projections[0]!)).toBe(true);
    expect(z.perNeuron[0]).toBe(0);
    expect(() => rfShifts([1, 0], [1, 2], [0, 0, 0, 0])).toThrow(SalShapeError);
  });
});

describe('rfShiftPermutationTest on synthetic models', () => {
  const S = 24,
    M = 40;
  const neurons: [number, number][] = [
    [8, 8],
    [16, 8],
    [8, 15],
    [15, 16],
    [12, 12],
  ];
  function dataset(seed: number): { data: Float32Array; salient: Float64Array } {
    const rng = createRng(seed);
    const data = new Float32Array(M * S * S * 2);
    const salient = new Float64Array(M * 2);
    for (let i = 0; i < M; i++) {
      for (let q = 0; q < S * S; q++) data[(i * S * S + q) * 2] = rng.normal();
      const sx = 4 + rng.int(S - 8),
        sy = 4 + rng.int(S - 8);
      salient[2 * i] = sx;
      salient[2 * i + 1] = sy;
      data[(i * S * S + sy * S + sx) * 2 + 1] = 1;
    }
    return { data, salient };
  }
  function centresOf(alpha: number, seed: number) {
    const { data, salient } = dataset(seed);
    const { model, dispose } = saliencyShiftModel(S, neurons, alpha);
    try {
      const grf = gradientReceptiveFields(model, { data, shape: [M, S, S, 2] }, { batchSize: 20 });
      return { c: grfCentres(grf), salient };
    } finally {
      dispose();
    }
  }

  it('is significant when RF centres move toward the salient point', () => {
    const { c, salient } = centresOf(0.25, 1);
    const t = rfShiftPermutationTest(c.centres, c.shape, salient, { permutations: 999, seed: 7 });
    expect(t.statistic).toBeGreaterThan(0.5);
    expect(t.pValue).toBeLessThan(0.01);
    expect(t.perNeuron.length).toBe(neurons.length);
    for (const v of t.perNeuron) expect(v).toBeGreaterThan(0);
    for (const p of t.perNeuronPValues) expect(p).toBeLessThan(0.05);
  });

  it('is not significant when RF centres do not move (the centres still jitter with the image)', () => {
    const { c, salient } = centresOf(0, 1);
    // The gRF centres do vary across images (the model's second term), so the test is not trivial.
    const r = rfShifts(c.centres, c.shape, salient);
    let spread = 0;
    for (const v of r.shifts) spread += v * v;
    expect(Math.sqrt(spread / r.shifts.length)).toBeGreaterThan(0.2);
    const t = rfShiftPermutationTest(c.centres, c.shape, salient, { permutations: 999, seed: 7 });
    expect(t.pValue).toBeGreaterThan(0.05);
  });

  it('same seed, same null distribution; another seed, another one', () => {
    const rng = createRng(5);
    const centres = Float64Array.from({ length: 3 * 10 * 2 }, () => 10 + rng.normal());
    const salient = Float64Array.from({ length: 10 * 2 }, () => 20 * rng.next());
    const a = rfShiftPermutationTest(centres, [3, 10], salient, { permutations: 50, seed: 1 });
    const b = rfShiftPermutationTest(centres, [3, 10], salient, { permutations: 50, seed: 1 });
    const c = rfShiftPermutationTest(centres, [3, 10], salient, { permutations: 50, seed: 2 });
    expect(Array.from(b.null)).toEqual(Array.from(a.null));
    expect(b.pValue).toBe(a.pValue);
    expect(Array.from(c.null)).not.toEqual(Array.from(a.null));
    // The p-value counts the null values at or above the statistic.
    const count = Array.from(a.null).filter((v) => v >= a.statistic).length;
    expect(a.pValue).toBeCloseTo((1 + count) / 51, 12);
  });
});
