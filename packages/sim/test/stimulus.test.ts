import { describe, expect, it } from 'vitest';
import { OBJECT_KINDS, featureStride, renderStimulus, simulateDataset, trueSaliency } from '../src/index.js';
import { TINY } from './helpers.js';

describe('stimuli', () => {
  it('grey uint8 images with 1–3 objects inside objectRegion; the most salient has the largest contrast × size', () => {
    const kinds = new Set<string>();
    for (let id = 0; id < 60; id++) {
      const s = renderStimulus(id, { seed: 9 });
      expect(s.image).toBeInstanceOf(Uint8Array);
      expect(s.image.length).toBe(236 * 420);
      expect(s.objects.length >= 1 && s.objects.length <= 3).toBe(true);
      for (const o of s.objects) {
        kinds.add(o.kind);
        expect(o.x >= 0.25 * 420 && o.x <= 0.75 * 420 && o.y >= 0.3 * 236 && o.y <= 0.95 * 236).toBe(true);
        expect(o.rx >= 0.07 * 236 - 1e-3 && o.rx <= 0.2 * 236 + 1e-3).toBe(true);
        expect(o.salience).toBeCloseTo(o.contrast * Math.sqrt(o.rx * o.ry), 2);
      }
      const best = Math.max(...s.objects.map((o) => o.salience));
      expect(s.objects[s.salient]!.salience).toBe(best);
    }
    expect([...kinds].sort()).toEqual([...OBJECT_KINDS].sort());
  });

  it('objects stand out: mean gradient magnitude inside textured objects is far above the background', () => {
    for (let id = 0; id < 10; id++) {
      const s = renderStimulus(id, { seed: 1, objectKinds: ['fence', 'dots', 'text', 'fur'] });
      const grad = (x: number, y: number): number =>
        Math.abs(s.image[y * 420 + x + 1]! - s.image[y * 420 + x]!) + Math.abs(s.image[(y + 1) * 420 + x]! - s.image[y * 420 + x]!);
      const o = s.objects[s.salient]!;
      let inside = 0,
        n = 0,
        outside = 0,
        m = 0;
      for (let y = 0; y < 235; y++) {
        for (let x = 0; x < 419; x++) {
          if (Math.hypot(x - o.x, y - o.y) < 0.6 * Math.min(o.rx, o.ry)) {
            inside += grad(x, y);
            n++;
          } else if (s.objects.every((p) => Math.hypot(x - p.x, y - p.y) > Math.max(p.rx, p.ry) + 3)) {
            outside += grad(x, y);
            m++;
          }
        }
      }
      expect(inside / n).toBeGreaterThan(3 * (outside / m));
    }
  });

  it('honours size, kinds and counts; texture scale follows the feature stride', () => {
    const s = renderStimulus(3, { height: 96, width: 160, objectKinds: ['fur'], objectsPerImage: [2, 2] });
    expect(s.image.length).toBe(96 * 160);
    expect(s.objects.map((o) => o.kind)).toEqual(['fur', 'fur']);
    expect(featureStride(96)).toBe(2);
    expect(featureStride(236)).toBe(4);
  });

  it('true saliency is a density peaking on the most salient object', () => {
    for (let id = 0; id < 8; id++) {
      const s = renderStimulus(id, { seed: 2 });
      const d = trueSaliency(s, 236, 420);
      let sum = 0,
        arg = 0;
      for (let i = 0; i < d.length; i++) {
        sum += d[i]!;
        if (d[i]! > d[arg]!) arg = i;
      }
      expect(sum).toBeCloseTo(1, 4);
      expect(d.every((v) => v > 0)).toBe(true);
      // the peak lies inside one of the objects, and the density is higher at the most salient's centre than far away
      const px = arg % 420,
        py = Math.floor(arg / 420);
      const inside = s.objects.some((o) => Math.hypot(px - o.x, py - o.y) <= Math.max(o.rx, o.ry) + 1);
      expect(inside).toBe(true);
      const o = s.objects[s.salient]!;
      expect(d[Math.round(o.y) * 420 + Math.round(o.x)]!).toBeGreaterThan(5 * d[3 * 420 + 3]!);
      const log = trueSaliency(s, 236, 420, { output: 'logDensity' });
      expect(log[1234]!).toBeCloseTo(Math.log(d[1234]!), 5);
    }
  });

  it('includeSaliency attaches the log-density of every image', () => {
    const { dataset, truth } = simulateDataset({ ...TINY, includeSaliency: true });
    const [n, h, w] = dataset.imagesShape;
    expect(dataset.saliency!.length).toBe(n * h * w);
    const want = trueSaliency(truth.images[3]!, h, w, { output: 'logDensity' });
    expect(Array.from(dataset.saliency!.subarray(3 * h * w, 4 * h * w))).toEqual(Array.from(want));
  });
});
