import { describe, expect, it } from 'vitest';
import { computeFeatureMaps, neuronRate, neuronRates, simulateDataset } from '../src/index.js';
import { SMALL, TINY, column, mean, pearson } from './helpers.js';

describe('shift rule', () => {
  const { truth, dataset } = simulateDataset({ ...TINY, nTrainImages: 60, seed: 11 });
  const json = dataset.meta!.simulation as Record<string, Record<string, unknown[]>>;

  it('shifting neurons move toward the most salient object by min(strength·distance, maxShift); others stay', () => {
    const maxShift = 0.1 * TINY.height!; // the default maxShift fraction × image height
    expect(truth.maxShiftPx).toBeCloseTo(maxShift, 12);
    let moved = 0,
      capped = 0;
    for (const n of truth.neurons) {
      for (let i = 0; i < truth.images.length; i++) {
        const c = truth.rfCentre(n, i);
        const im = truth.images[i]!;
        const o = im.objects[im.salient]!;
        if (!n.shifts) {
          expect(c).toEqual({ x: n.x, y: n.y });
          continue;
        }
        const dx = o.x - n.x,
          dy = o.y - n.y,
          dist = Math.hypot(dx, dy);
        const want = Math.min(n.shiftStrength * dist, maxShift);
        const sx = c.x - n.x,
          sy = c.y - n.y;
        expect(Math.hypot(sx, sy)).toBeCloseTo(want, 9);
        // along the vector to the object: parallel (zero cross product) and pointing at it
        expect(Math.abs(sx * dy - sy * dx)).toBeLessThan(1e-9 * (1 + dist * dist));
        expect(sx * dx + sy * dy).toBeGreaterThan(0);
        moved++;
        if (n.shiftStrength * dist > maxShift) capped++;
      }
    }
    expect(moved).toBeGreaterThan(0);
    expect(capped).toBeGreaterThan(0);
  });

  it('the stated subset shifts: round(shiftFraction · neurons) per session, with strengths in range, as in the JSON', () => {
    for (const key of truth.sessionKeys) {
      const ns = truth.neurons.filter((n) => n.session === key);
      expect(ns.filter((n) => n.shifts).length).toBe(Math.round(0.5 * TINY.neuronsPerSession!));
      for (const n of ns) {
        if (n.shifts) expect(n.shiftStrength >= 0.4 && n.shiftStrength <= 0.8).toBe(true);
        else expect(n.shiftStrength).toBe(0);
      }
    }
    expect(json.neurons!.shifts).toEqual(truth.neurons.map((n) => n.shifts));
    expect(json.neurons!.shiftStrength).toEqual(truth.neurons.map((n) => n.shiftStrength));
  });

  it("'noShift' has no shifts at all", () => {
    const n = simulateDataset({ ...TINY, nTrainImages: 60, seed: 11, population: 'noShift' }).truth;
    expect(n.population).toBe('noShift');
    for (const neuron of n.neurons) {
      expect(neuron.shifts).toBe(false);
      expect(neuron.shiftStrength).toBe(0);
      for (let i = 0; i < n.images.length; i++) expect(n.rfCentre(neuron, i)).toEqual({ x: neuron.x, y: neuron.y });
    }
  });

  it('the shifts are exploitable: true centres predict shifting neurons better than unshifted ones, and only they', () => {
    const run = (population: 'shift' | 'noShift') => {
      const { dataset: d, truth: t } = simulateDataset({ ...SMALL, seed: 5, population });
      const [, h, w] = d.imagesShape;
      const nImg = d.imagesShape[0];
      const N = t.neurons.length;
      const trueRates = new Float64Array(nImg * N),
        fixedRates = new Float64Array(nImg * N);
      for (let i = 0; i < nImg; i++) {
        const img = d.images.subarray(i * h * w, (i + 1) * h * w);
        trueRates.set(neuronRates(t, img, i), i * N);
        const maps = computeFeatureMaps(img, h, w);
        t.neurons.forEach((n, k) => {
          fixedRates[i * N + k] = neuronRate(n, maps);
        });
      }
      const withTrue: number[] = [],
        withFixed: number[] = [],
        shiftRatio: number[] = [];
      for (const s of d.sessions) {
        for (let j = 0; j < s.nNeurons; j++) {
          const n = t.neuron(s.key, j);
          if (population === 'shift' && !n.shifts) continue;
          if (population === 'noShift' && j >= SMALL.neuronsPerSession! / 2) continue;
          const y = column(s.trainResponses, s.nNeurons, j);
          const ids = Array.from(s.trainImageIds);
          withTrue.push(
            pearson(
              ids.map((i) => trueRates[i * N + n.id]!),
              y,
            ),
          );
          withFixed.push(
            pearson(
              ids.map((i) => fixedRates[i * N + n.id]!),
              y,
            ),
          );
          if (n.shifts)
            shiftRatio.push(
              mean(
                ids.map((i) => {
                  const c = t.rfCentre(n, i);
                  return Math.hypot(c.x - n.x, c.y - n.y);
                }),
              ) / n.sigma,
            );
        }
      }
      return { withTrue: mean(withTrue), withFixed: mean(withFixed), shiftRatio: shiftRatio.length ? mean(shiftRatio) : 0 };
    };
    const shift = run('shift');
    expect(shift.withTrue).toBeGreaterThan(0.5); // a perfect model is far above chance
    expect(shift.withTrue - shift.withFixed).toBeGreaterThan(0.1);
    expect(shift.shiftRatio).toBeGreaterThan(1); // shifts larger than one RF σ on average
    const none = run('noShift');
    expect(none.withTrue).toBeGreaterThan(0.5);
    expect(none.withTrue).toBe(none.withFixed);
  });
});
