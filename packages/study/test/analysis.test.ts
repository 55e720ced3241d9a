import { describe, expect, it } from 'vitest';
import { createRng } from '@sal/types';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks } from '@sal/test-utils';
import { analyseExamples, analyseModelShifts, analysePca, type GrfAnalysis } from '../src/analysis.js';
import { QUICK_STUDY, resolveStudyConfig } from '../src/index.js';

function fakeGrfs(nNeurons: number, m: number, h: number, w: number): GrfAnalysis {
  const rng = createRng(4);
  const data = Float32Array.from({ length: nNeurons * m * h * w }, () => rng.normal());
  return {
    imageIds: Array.from({ length: m }, (_, i) => i),
    images: Float32Array.from({ length: m * h * w }, () => rng.normal()),
    h,
    w,
    grfs: { s0: data },
    neurons: [],
    test: { statistic: 0, pValue: 1, permutations: 0 },
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

describe('analyseModelShifts (through the Readout and Encoder contracts only)', () => {
  // crop without offset and scale 1: full-image pixels are input pixels (toInputCoords(x, y) = (x, y))
  const crop = {
    name: 'c',
    pixels: [
      [0, 0],
      [0, 0],
    ] as [[number, number], [number, number]],
    scale: 1,
  };
  const neurons = [
    { x: 10, y: 10, shifts: true },
    { x: 18, y: 10, shifts: false },
  ];
  const salient = [
    { x: 14, y: 13 },
    { x: 10, y: 16 },
  ];
  const truth = (shifted: (n: number, id: number) => { x: number; y: number }) => ({
    neuron: (_key: string, n: number) => ({ ...neurons[n]!, n }),
    salientCentre: (id: number) => salient[id]!,
    rfCentre: (nt: { n: number }, id: number) => shifted(nt.n, id),
  });
  const dataset = {
    inputShape: [4, 4, 1],
    split: { validation: Int32Array.from([0, 1]) },
    sessions: [{ key: 'a', nNeurons: 2 }],
    inputsOf: (ids: number[]) => new Float32Array(ids.length * 16),
  };
  // learned shifts [image, neuron, (x, y)] in input pixels
  const shifts = Float64Array.from([1, 0.5, 0.5, 1, 0.4, 2, -1, 0]);
  const seen: { batch: number; context: number[] | undefined }[] = [];
  const encoder = (learns: boolean) => ({
    readouts: {
      a: learns
        ? {
            learnedShifts: (batch: number, opts: { context?: tf.Tensor4D }) => {
              seen.push({ batch, context: opts.context?.shape });
              return shifts;
            },
          }
        : {},
    },
    context: (x: tf.Tensor4D) => tf.fill([x.shape[0], 4, 4, 3], 1) as tf.Tensor4D,
  });
  const config = resolveStudyConfig(QUICK_STUDY);

  it('projects the learned and true shifts on the direction to the salient object, per neuron', () => {
    // neuron 0 (at 10,10): image 0 salient at (14,13), unit direction (0.8, 0.6); image 1 at (10,16), direction (0, 1).
    // true RF centres (12, 11.5) and (10, 13): projections 2·0.8 + 1.5·0.6 = 2.5 and 3 → 2.75; learned (1, 0.5) → 1.1
    // and (0.4, 2) → 2 → 1.55. Neuron 1 (at 18,10, fixed): directions (−0.8, 0.6) and (−0.8, 0.6); learned
    // (0.5, 1) → 0.2 and (−1, 0) → 0.8 → 0.5; true 0.
    const t = truth((n, id) => (n === 1 ? { x: 18, y: 10 } : id === 0 ? { x: 12, y: 11.5 } : { x: 10, y: 13 }));
    const r = expectNoLeaks(() => analyseModelShifts(encoder(true) as never, dataset as never, t as never, crop, config), 'analyseModelShifts');
    expect(seen.at(-1)).toEqual({ batch: 2, context: [2, 4, 4, 3] });
    expect(r.neurons).toEqual([
      { session: 'a', index: 0, shifts: true },
      { session: 'a', index: 1, shifts: false },
    ]);
    expect(r.trueProjection[0]).toBeCloseTo(2.75, 12);
    expect(r.trueProjection[1]).toBeCloseTo(0, 12);
    expect(r.modelProjection[0]).toBeCloseTo(1.55, 12);
    expect(r.modelProjection[1]).toBeCloseTo(0.5, 12);
    // lengths of the learned shifts: neuron 0 (|(1, 0.5)| + |(0.4, 2)|) / 2, neuron 1 (|(0.5, 1)| + |(−1, 0)|) / 2
    expect(r.modelMagnitude[0]).toBeCloseTo((Math.sqrt(1.25) + Math.sqrt(4.16)) / 2, 12);
    expect(r.modelMagnitude[1]).toBeCloseTo((Math.sqrt(1.25) + 1) / 2, 12);
    // two neurons, both sides increasing together: r = 1
    expect(r.agreement).toBeCloseTo(1, 12);
  });

  it('the agreement is undefined (NaN) when no RF shifts, and a model without learned shifts gives nothing', () => {
    const fixed = truth((n) => neurons[n]!);
    const r = analyseModelShifts(encoder(true) as never, dataset as never, fixed as never, crop, config);
    expect(r.trueProjection).toEqual([0, 0]);
    expect(r.agreement).toBeNaN();
    const none = analyseModelShifts(encoder(false) as never, dataset as never, fixed as never, crop, config);
    expect(none.neurons).toEqual([]);
    expect(none.agreement).toBeNaN();
  });
});

describe('analyseExamples (through the Encoder contract only)', () => {
  it('gives the predicted response of each strongest and weakest image, in their order', () => {
    // 4 images of 2×2×1; neuron 1's responses 0.3, 0.9, 0.1, 0.5: strongest 2 are images 1, 3 (0.9, 0.5),
    // weakest 2 are images 2, 0 (0.1, 0.3)
    const resp = [
      [0, 0.3],
      [0, 0.9],
      [0, 0.1],
      [0, 0.5],
    ];
    const encoder = { predict: (x: tf.Tensor4D) => tf.tensor2d(resp.slice(0, x.shape[0])) };
    const grf: GrfAnalysis = { ...fakeGrfs(2, 4, 2, 2), grfs: { a: Float32Array.from({ length: 2 * 4 * 4 }, (_, i) => i) } };
    const dataset = { inputShape: [2, 2, 1], inputsOf: (ids: number[]) => new Float32Array(ids.length * 4) };
    const ex = expectNoLeaks(() => analyseExamples(encoder as never, grf, dataset as never, { session: 'a', index: 1 }, 2, [1]), 'analyseExamples');
    expect(ex.top).toEqual([1, 3]);
    expect(ex.bottom).toEqual([2, 0]);
    expect(ex.topResponses.map((v) => Number(v.toFixed(6)))).toEqual([0.9, 0.5]);
    expect(ex.bottomResponses.map((v) => Number(v.toFixed(6)))).toEqual([0.1, 0.3]);
  });
});
