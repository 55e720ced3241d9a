import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectArraysClose } from '@sal/test-utils';
import { coreFromConfig, resnetCore, stacked2dCore, STUDY_CORE_PRESET, type Stacked2dCoreOptions } from '../src/index.js';
import type { Core, JsonObject } from '@sal/types';
import { randn, randValues } from './helpers.js';

const small: Stacked2dCoreOptions = { hiddenChannels: 4, inputKern: 3, hiddenKern: 3, layers: 3, seReduction: 2, nSeBlocks: 1, bias: true };

const values = (core: Core): Record<string, number[]> => Object.fromEntries(Object.entries(core.getWeights()).map(([k, v]) => [k, Array.from(v.dataSync())]));

describe('seeded initialisation', () => {
  it('same seed → same weights; different seed → different kernels; names are stable', () => {
    const a = stacked2dCore({ ...small, seed: 1 }),
      b = stacked2dCore({ ...small, seed: 1 }),
      c = stacked2dCore({ ...small, seed: 2 });
    const va = values(a),
      vb = values(b),
      vc = values(c);
    expect(va).toEqual(vb);
    expect(Object.keys(va)).toEqual(Object.keys(vc));
    expect(Object.keys(va)).toEqual([
      'layer0.conv.kernel',
      'layer0.conv.bias',
      'layer0.bn.gamma',
      'layer0.bn.beta',
      'layer0.bn.runningMean',
      'layer0.bn.runningVar',
      'layer1.conv.kernel',
      'layer1.conv.bias',
      'layer1.bn.gamma',
      'layer1.bn.beta',
      'layer1.bn.runningMean',
      'layer1.bn.runningVar',
      'layer2.conv.kernel',
      'layer2.conv.bias',
      'layer2.bn.gamma',
      'layer2.bn.beta',
      'layer2.bn.runningMean',
      'layer2.bn.runningVar',
      'layer2.se.dense1.kernel',
      'layer2.se.dense1.bias',
      'layer2.se.dense2.kernel',
      'layer2.se.dense2.bias',
    ]);
    for (const k of ['layer0.conv.kernel', 'layer1.conv.kernel', 'layer2.se.dense1.kernel']) expect(va[k]).not.toEqual(vc[k]);
    // conv biases start at zero, as in the original
    expect(va['layer0.conv.bias']!.every((v) => v === 0)).toBe(true);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('resnet: same seed → same weights, different seed → different', () => {
    const opts = { stemChannels: 4, stageChannels: [4, 8], blocksPerStage: 1 };
    const a = resnetCore({ ...opts, seed: 5 }),
      b = resnetCore({ ...opts, seed: 5 }),
      c = resnetCore({ ...opts, seed: 6 });
    expect(values(a)).toEqual(values(b));
    expect(values(a)['stem.kernel']).not.toEqual(values(c)['stem.kernel']);
    expect(Object.keys(values(a))).toContain('stage1.block0.shortcut.kernel'); // projection where the stride changes
    expect(Object.keys(values(a))).not.toContain('stage0.block0.shortcut.kernel'); // identity where it does not
    [a, b, c].forEach((m) => m.dispose());
  });

  it('Xavier-normal scale: std √(2/(fanIn+fanOut)) with PyTorch fans (depthwise: fanIn k², fanOut C·k²)', () => {
    const core = stacked2dCore({ ...STUDY_CORE_PRESET, seed: 3 });
    const check = (name: string, std: number): void => {
      const v = Array.from(core.getWeights()[name]!.dataSync());
      const mean = v.reduce((s, t) => s + t, 0) / v.length;
      const sd = Math.sqrt(v.reduce((s, t) => s + (t - mean) ** 2, 0) / v.length);
      expect(Math.abs(mean)).toBeLessThan((4 * std) / Math.sqrt(v.length));
      expect(sd / std).toBeGreaterThan(0.95);
      expect(sd / std).toBeLessThan(1.05);
    };
    check('layer0.conv.kernel', Math.sqrt(2 / (15 * 15 + 32 * 15 * 15))); // 7200 values
    check('layer1.conv.depthwise.kernel', Math.sqrt(2 / (81 + 32 * 81))); // 2592 values
    check('layer1.conv.in.kernel', Math.sqrt(2 / (32 + 32)));
    core.dispose();
  });
});

describe('getConfig → JSON → coreFromConfig + weights → identical outputs', () => {
  const roundTrip = (core: Core, x: tf.Tensor4D): void => {
    // move the weights away from their initial values and the running statistics away from 0/1
    tf.dispose(core.apply(x, { training: true }));
    Object.values(core.getWeights()).forEach((v, i) => {
      if (v.trainable) tf.tidy(() => v.assign(tf.add(v, tf.tensor(randValues(v.size, 50 + i, 0.05), v.shape))));
    });
    const json = JSON.parse(JSON.stringify(core.getConfig())) as JsonObject;
    const rebuilt = coreFromConfig(json);
    expect(rebuilt.kind).toBe(core.kind);
    expect(rebuilt.getConfig()).toEqual(json);
    const y = core.apply(x);
    const before = rebuilt.apply(x);
    expect(Array.from(before.dataSync())).not.toEqual(Array.from(y.dataSync())); // fresh weights differ
    const saved = core.getWeights();
    for (const [k, v] of Object.entries(rebuilt.getWeights())) {
      expect(v.trainable).toBe(saved[k]!.trainable);
      v.assign(saved[k]!);
    }
    const after = rebuilt.apply(x);
    expectArraysClose(after.dataSync(), y.dataSync(), 0, 0);
    tf.dispose([y, before, after]);
    rebuilt.dispose();
  };

  it('stacked core (stack array, SE, bias, custom momentum)', () => {
    const core = stacked2dCore({ ...small, stack: [0, -1], momentum: 0.3, seed: 8 });
    const x = randn([2, 7, 7, 1], 1) as tf.Tensor4D;
    roundTrip(core, x);
    tf.dispose(x);
    core.dispose();
  });

  it('study preset', () => {
    const core = stacked2dCore({ ...STUDY_CORE_PRESET, hiddenChannels: 4, seed: 8 });
    const x = randn([2, 20, 20, 1], 1) as tf.Tensor4D;
    roundTrip(core, x);
    tf.dispose(x);
    core.dispose();
  });

  it('resnet core', () => {
    const core = resnetCore({ stemChannels: 4, stageChannels: [4, 6], blocksPerStage: 1, seed: 2 });
    const x = randn([2, 17, 17, 1], 1) as tf.Tensor4D;
    roundTrip(core, x);
    tf.dispose(x);
    core.dispose();
  });

  it('the kind may come separately (as checkpoint loaders pass it)', () => {
    const core = resnetCore({ stemChannels: 2, stageChannels: [2], blocksPerStage: 1 });
    const { kind, ...rest } = core.getConfig();
    const again = coreFromConfig(rest, kind as string);
    expect(again.kind).toBe('cores.resnet');
    expect(again.getConfig()).toEqual(core.getConfig());
    again.dispose();
    core.dispose();
  });

  it('the config is plain JSON and records every resolved option', () => {
    const core = stacked2dCore({ layers: 2 });
    const cfg = core.getConfig();
    expect(cfg['kind']).toBe('cores.stacked2d');
    expect(cfg['layers']).toBe(2);
    expect(cfg['hiddenChannels']).toBe(32);
    expect(cfg['stack']).toBeNull();
    expect(cfg['momentum']).toBe(0.1);
    core.dispose();
  });
});
