import { describe, expect, it } from 'vitest';
import { simulateDataset } from '../src/index.js';
import { TINY } from './helpers.js';

describe('progress', () => {
  it('reports every image of each stage in order, and changes no byte of the result', () => {
    const calls: [string, number, number][] = [];
    const withHooks = simulateDataset({ ...TINY, includeSaliency: true }, { onProgress: (stage, done, total) => calls.push([stage, done, total]) });
    const plain = simulateDataset({ ...TINY, includeSaliency: true });
    const n = withHooks.dataset.imagesShape[0];
    const expected = [...Array.from({ length: n }, (_, i) => ['images', i + 1, n]), ...Array.from({ length: n }, (_, i) => ['saliency', i + 1, n])];
    expect(calls).toEqual(expected);
    expect(Buffer.from(withHooks.dataset.images).equals(Buffer.from(plain.dataset.images))).toBe(true);
    expect(Buffer.from(withHooks.dataset.saliency!.buffer).equals(Buffer.from(plain.dataset.saliency!.buffer))).toBe(true);
  });

  it('without saliency there is no saliency stage', () => {
    const stages = new Set<string>();
    simulateDataset({ ...TINY, includeSaliency: false }, { onProgress: (stage) => stages.add(stage) });
    expect([...stages]).toEqual(['images']);
  });
});
