import { describe, expect, it } from 'vitest';
import { createRng } from '@sal/types';
import { analysePca, type GrfAnalysis } from '../src/analysis.js';
import { QUICK_STUDY, resolveStudyConfig } from '../src/index.js';

function fakeGrfs(nNeurons: number, m: number, h: number, w: number): GrfAnalysis {
  const rng = createRng(4);
  const data = Float32Array.from({ length: nNeurons * m * h * w }, () => rng.normal());
  return {
    imageIds: Array.from({ length: m }, (_, i) => i), images: Float32Array.from({ length: m * h * w }, () => rng.normal()), h, w,
    grfs: { s0: data }, neurons: [], test: { statistic: 0, pValue: 1, permutations: 0 },
    detection: { truePositives: 0, falsePositives: 0, shifters: 0, nonShifters: 0 },
  };
}

describe('analysePca', () => {
  it('caps projection counts at the gRFs computed and never reads another neuron’s gRFs', () => {
    const g = fakeGrfs(2, 10, 4, 5);
    const config = resolveStudyConfig(QUICK_STUDY, { analysis: { grfImages: 24, projectionCounts: [5, 20] } });
    // the last neuron: reading past its 10 gRFs would run off the array (NaN) or into another neuron
    const r = analysePca(g, [{ session: 's0', index: 1 }], config, 0);
    expect(r.projections.map((p) => p.count)).toEqual([5, 10]);
    for (const p of r.projections) for (const imgs of p.images) for (const img of imgs) expect(Array.from(img).every(Number.isFinite)).toBe(true);
    expect(r.eigenvalues[0]!.length).toBeGreaterThan(0);
  });
});
