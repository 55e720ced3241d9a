import { describe, expect, it } from 'vitest';
import { SalConfigError } from '@sal/types';
import { closeness, expectNoLeaks } from '../../test-utils/src/index.js';
import { estimateSupports, gradientReceptiveFields } from '../src/index.js';
import { pointReadoutModel, randn, windowMasks } from './models.js';

const H = 16,
  W = 15,
  C = 2;
// Neurons 0–3 have disjoint 5×5 windows; neuron 4 overlaps neuron 0.
const POS: [number, number][] = [
  [2, 2],
  [10, 3],
  [3, 11],
  [12, 12],
  [4, 4],
];

describe('shared backward passes (supports)', () => {
  it('estimateSupports finds the receptive-field window of a point readout', () => {
    const { model, dispose } = pointReadoutModel(H, W, C, 3, POS, 1);
    const probes = { data: randn(4 * H * W * C, 2), shape: [4, H, W, C] as const };
    const s0 = estimateSupports(model, probes, { margin: 0 });
    expect(s0.shape).toEqual([5, H, W]);
    expect(Array.from(s0.masks)).toEqual(Array.from(windowMasks(H, W, POS, 2)));
    const s1 = estimateSupports(model, probes, { margin: 1, neurons: [3, 1] });
    expect(s1.neurons).toEqual([3, 1]);
    expect(Array.from(s1.masks)).toEqual(Array.from(windowMasks(H, W, [POS[3]!, POS[1]!], 3)));
    expect(() => estimateSupports(model, { data: new Float32Array(0), shape: [0, H, W, C] })).toThrow(SalConfigError);
    expectNoLeaks(() => estimateSupports(model, probes, { batchSize: 3 }), 'estimateSupports');
    dispose();
  });

  it('grouping neurons with disjoint supports gives the same gRFs in fewer passes', () => {
    const { model, dispose } = pointReadoutModel(H, W, C, 3, POS, 3);
    const imgs = { data: randn(6 * H * W * C, 4), shape: [6, H, W, C] as const };
    const plain = gradientReceptiveFields(model, imgs, { channels: [0, 1], batchSize: 4 });
    const shared = expectNoLeaks(() => gradientReceptiveFields(model, imgs, { channels: [0, 1], batchSize: 4, supports: windowMasks(H, W, POS, 2) }));
    expect(plain.groups).toEqual([[0], [1], [2], [3], [4]]);
    expect(shared.groups).toEqual([[0, 1, 2, 3], [4]]);
    expect(closeness(shared.data, plain.data, 1e-5, 1e-7)).toBeLessThan(1);
    // Integrated gradients through the same path.
    const igPlain = gradientReceptiveFields(model, imgs, { method: 'integrated', steps: 4, neurons: [4, 1, 0] });
    const sup = windowMasks(H, W, [POS[4]!, POS[1]!, POS[0]!], 2);
    const igShared = gradientReceptiveFields(model, imgs, { method: 'integrated', steps: 4, neurons: [4, 1, 0], supports: sup });
    expect(igShared.groups).toEqual([[4, 1], [0]]);
    expect(closeness(igShared.data, igPlain.data, 1e-5, 1e-7)).toBeLessThan(1);
    expect(() => gradientReceptiveFields(model, imgs, { supports: new Uint8Array(3) })).toThrow(SalConfigError);
    dispose();
  });
});
