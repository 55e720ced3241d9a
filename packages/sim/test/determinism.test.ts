import { describe, expect, it } from 'vitest';
import { createPopulation, renderStimulus, simulateDataset } from '../src/index.js';
import { TINY } from './helpers.js';

function bytesEqual(a: ArrayBufferView, b: ArrayBufferView): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
    y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

describe('determinism', () => {
  const a = simulateDataset({ ...TINY, seed: 7 });
  const b = simulateDataset({ ...TINY, seed: 7 });
  const c = simulateDataset({ ...TINY, seed: 8 });

  it('the same seed gives identical bytes and ground truth', () => {
    expect(bytesEqual(a.dataset.images, b.dataset.images)).toBe(true);
    a.dataset.sessions.forEach((s, i) => {
      const t = b.dataset.sessions[i]!;
      expect(t.key).toBe(s.key);
      for (const k of ['trainResponses', 'trainImageIds', 'testResponses', 'testImageIds'] as const) {
        expect(bytesEqual(s[k], t[k])).toBe(true);
      }
    });
    expect(JSON.stringify(a.dataset.meta)).toBe(JSON.stringify(b.dataset.meta));
  });

  it('a different seed gives different images, responses and neurons', () => {
    expect(bytesEqual(a.dataset.images, c.dataset.images)).toBe(false);
    expect(bytesEqual(a.dataset.sessions[0]!.trainResponses, c.dataset.sessions[0]!.trainResponses)).toBe(false);
    expect(a.truth.neurons[0]!.x).not.toBe(c.truth.neurons[0]!.x);
  });

  it('every image can be rendered alone, identical to the dataset', () => {
    const [, h, w] = a.dataset.imagesShape;
    for (const id of [0, 17, TINY.nTrainImages! + 1]) {
      const s = renderStimulus(id, { ...TINY, seed: 7 });
      expect(bytesEqual(s.image, a.dataset.images.subarray(id * h * w, (id + 1) * h * w))).toBe(true);
      expect(s.objects).toEqual(a.truth.images[id]!.objects);
    }
  });

  it("'shift' and 'noShift' share everything but the shifts", () => {
    const n = simulateDataset({ ...TINY, seed: 7, population: 'noShift' });
    expect(bytesEqual(a.dataset.images, n.dataset.images)).toBe(true);
    expect(n.truth.images).toEqual(a.truth.images);
    a.truth.neurons.forEach((p, k) => {
      const q = n.truth.neurons[k]!;
      const { shifts: _s1, shiftStrength: _t1, ...restP } = p;
      const { shifts: _s2, shiftStrength: _t2, ...restQ } = q;
      expect(restQ).toEqual(restP);
    });
    // neurons that do not shift have the same rates, hence (one spike stream per neuron) the same counts
    a.dataset.sessions.forEach((s, i) => {
      const t = n.dataset.sessions[i]!;
      expect(bytesEqual(s.trainImageIds, t.trainImageIds)).toBe(true);
      expect(bytesEqual(s.testImageIds, t.testImageIds)).toBe(true);
      for (let j = 0; j < s.nNeurons; j++) {
        const same = Array.from(
          { length: s.trainImageIds.length },
          (_, r) => s.trainResponses[r * s.nNeurons + j] === t.trainResponses[r * s.nNeurons + j],
        ).every(Boolean);
        expect(same).toBe(!a.truth.neuron(s.key, j).shifts);
      }
    });
  });

  it('createPopulation reproduces the dataset population before calibration', () => {
    const pop = createPopulation({ ...TINY, seed: 7 });
    pop.forEach((p, k) => {
      const q = a.truth.neurons[k]!;
      expect({ ...p, logEnergyMean: 0, logEnergyStd: 1 }).toEqual({ ...q, logEnergyMean: 0, logEnergyStd: 1 });
    });
  });
});
