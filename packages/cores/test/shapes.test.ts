import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { resnetCore, stacked2dCore, STUDY_CORE_PRESET, type Stacked2dCoreOptions } from '../src/index.js';
import { randn } from './helpers.js';

const cases: [string, Stacked2dCoreOptions, [number, number, number], [number, number, number]][] = [
  ['the study preset, 83×83 → 69×69', { ...STUDY_CORE_PRESET }, [83, 83, 1], [69, 69, 32]],
  ['defaults (13×13 unpadded, 3 layers stacked)', {}, [30, 30, 1], [18, 18, 96]],
  ['padded input keeps the size', { padInput: true, inputKern: 5, hiddenChannels: 4, layers: 2, stack: -1, nSeBlocks: 0 }, [9, 11, 1], [9, 11, 4]],
  ['even padded input kernel grows by one (PyTorch padding k//2)', { padInput: true, inputKern: 4, hiddenChannels: 3, layers: 1 }, [7, 7, 1], [8, 8, 3]],
  [
    'stack as indices, skip and SE',
    { inChannels: 2, inputKern: 3, hiddenChannels: 4, layers: 4, skip: 2, stack: [0, -1], seReduction: 2, nSeBlocks: 2 },
    [10, 12, 2],
    [8, 10, 8],
  ],
  ['stack from layer 1', { inputKern: 3, hiddenChannels: 2, layers: 3, stack: 1, nSeBlocks: 0 }, [6, 6, 1], [4, 4, 4]],
  ['attention conv hidden layers', { inputKern: 3, hiddenKern: 3, hiddenChannels: 4, layers: 2, attentionConv: true, nSeBlocks: 0 }, [7, 7, 1], [5, 5, 8]],
];

describe('stacked2dCore output shapes', () => {
  for (const [name, opts, input, expected] of cases) {
    it(name, () => {
      const core = stacked2dCore(opts);
      expect(core.computeOutputShape(input)).toEqual(expected);
      const x = randn([2, ...input], 3);
      for (const training of [false, true]) {
        const y = core.apply(x as tf.Tensor4D, { training });
        expect(y.shape).toEqual([2, ...expected]);
        expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
        y.dispose();
      }
      x.dispose();
      core.dispose();
    });
  }
  it('one input row gives 1×1 outputs with an unpadded kernel as large as the input', () => {
    const core = stacked2dCore({ inputKern: 5, hiddenChannels: 2, layers: 2, nSeBlocks: 0, stack: -1 });
    expect(core.computeOutputShape([5, 5, 1])).toEqual([1, 1, 2]);
    core.dispose();
  });
});

describe('resnetCore output shapes', () => {
  it('defaults (ResNet-18 to layer2): 83×83 → 11×11×128', () => {
    const core = resnetCore({ seed: 2 });
    expect(core.computeOutputShape([83, 83, 1])).toEqual([11, 11, 128]);
    const x = randn([1, 83, 83, 1], 1);
    const y = core.apply(x as tf.Tensor4D);
    expect(y.shape).toEqual([1, 11, 11, 128]);
    // ReLU after the final batch-norm
    expect(Math.min(...y.dataSync())).toBeGreaterThanOrEqual(0);
    tf.dispose([x, y]);
    core.dispose();
  });
  it('small config without pooling, three stages, odd sizes', () => {
    const core = resnetCore({
      inChannels: 2,
      stemChannels: 4,
      stemKern: 3,
      stemStride: 1,
      maxPool: false,
      stageChannels: [4, 6, 8],
      blocksPerStage: 1,
      activation: 'elu',
      finalBatchNorm: false,
    });
    // 13 → 13 (stem) → 13 → 7 → 4
    expect(core.computeOutputShape([13, 9, 2])).toEqual([4, 3, 8]);
    const x = randn([2, 13, 9, 2], 5);
    const y = core.apply(x as tf.Tensor4D, { training: true });
    expect(y.shape).toEqual([2, 4, 3, 8]);
    tf.dispose([x, y]);
    core.dispose();
  });
});

afterAll(() => {
  expect(tf.memory().numTensors).toBe(0);
});
