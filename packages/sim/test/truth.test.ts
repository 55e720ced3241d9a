import { describe, expect, it } from 'vitest';
import { SalDataError } from '@sal/types';
import { GROUND_TRUTH_KIND, groundTruthFromJson, groundTruthToJson, neuronRates, simulateDataset } from '../src/index.js';
import { TINY } from './helpers.js';

describe('ground truth JSON', () => {
  const { dataset, truth } = simulateDataset({ ...TINY, seed: 4 });
  const json = dataset.meta!.simulation!;

  it('is in dataset.meta, plain JSON, and round-trips exactly', () => {
    expect((json as { kind: string }).kind).toBe(GROUND_TRUTH_KIND);
    const text = JSON.stringify(json);
    const back = groundTruthFromJson(JSON.parse(text));
    expect(back.neurons).toEqual(truth.neurons);
    expect(back.images).toEqual(truth.images);
    expect(back.options).toEqual(truth.options);
    expect(back.population).toBe(truth.population);
    expect(back.imageShape).toEqual(truth.imageShape);
    expect(back.maxShiftPx).toBe(truth.maxShiftPx);
    expect(back.sessionKeys).toEqual(truth.sessionKeys);
    expect(JSON.stringify(groundTruthToJson(back))).toBe(text);
  });

  it('is compact: no per-image × neuron arrays', () => {
    const nImages = dataset.imagesShape[0],
      nNeurons = truth.neurons.length;
    const walk = (v: unknown): number => (Array.isArray(v) ? v.length : v && typeof v === 'object' ? Math.max(0, ...Object.values(v).map(walk)) : 0);
    expect(walk(json)).toBeLessThan(nImages * 3 + 1);
    expect(walk(json)).toBeLessThan(nImages * nNeurons);
  });

  it('the reloaded truth recomputes the same centres and rates', () => {
    const back = groundTruthFromJson(JSON.parse(JSON.stringify(json)));
    const [, h, w] = dataset.imagesShape;
    for (const id of [0, 5, TINY.nTrainImages!]) {
      const img = dataset.images.subarray(id * h * w, (id + 1) * h * w);
      expect(Array.from(neuronRates(back, img, id))).toEqual(Array.from(neuronRates(truth, img, id)));
      for (const n of truth.neurons) expect(back.rfCentre(n.id, id)).toEqual(truth.rfCentre(n, id));
      expect(back.salientCentre(id)).toEqual(truth.salientCentre(id));
    }
    expect(back.neuron('sim1', 2)).toEqual(truth.neurons[TINY.neuronsPerSession! + 2]);
  });

  it('rejects malformed JSON with SalDataError', () => {
    const good = JSON.parse(JSON.stringify(json)) as Record<string, unknown>;
    const cases: unknown[] = [
      null,
      { ...good, kind: 'other' },
      { ...good, version: 99 },
      { ...good, options: { ...(good.options as object), height: -3 } },
      { ...good, neurons: { ...(good.neurons as object), x: [1, 2] } },
      { ...good, images: { ...(good.images as object), kind: [] } },
    ];
    for (const c of cases) expect(() => groundTruthFromJson(c)).toThrow(SalDataError);
  });

  it('lookups check their arguments', () => {
    expect(() => truth.neuron('nope', 0)).toThrow(SalDataError);
    expect(() => truth.neuron('sim0', 99)).toThrow(SalDataError);
    expect(() => truth.rfCentre(0, 10_000)).toThrow(SalDataError);
    expect(() => truth.rfCentre(1e6, 0)).toThrow(SalDataError);
  });
});
