import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, type JsonObject } from '@sal/types';
import { coreFromConfig, groupSparsity, laplaceL2Norm, resnetCore, stacked2dCore, type Stacked2dCoreOptions, type ResnetCoreOptions } from '../src/index.js';

describe('bad options give SalConfigError naming the option', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ hidenChannels: 4 }, 'hidenChannels'],
    [{ hiddenChannels: -1 }, 'hiddenChannels'],
    [{ hiddenChannels: 2.5 }, 'hiddenChannels'],
    [{ inputKern: 0 }, 'inputKern'],
    [{ hiddenKern: 4 }, 'hiddenKern'],
    [{ layers: 0 }, 'layers'],
    [{ gammaInput: -1 }, 'gammaInput'],
    [{ gammaHidden: Number.NaN }, 'gammaHidden'],
    [{ momentum: 1.5 }, 'momentum'],
    [{ bnEps: 0 }, 'bnEps'],
    [{ skip: -2 }, 'skip'],
    [{ stack: 3 }, 'stack'],
    [{ stack: -4 }, 'stack'],
    [{ stack: [] }, 'stack'],
    [{ stack: [0, 7] }, 'stack'],
    [{ stack: 'all' }, 'stack'],
    [{ padInput: 1 }, 'padInput'],
    [{ seReduction: 64 }, 'seReduction'],
    [{ depthSeparable: true, attentionConv: true }, 'attentionConv'],
    [{ attentionConv: true, hiddenChannels: 3, nSeBlocks: 0 }, 'hiddenChannels'],
    [{ seed: 0.5 }, 'seed'],
    [{ inputRegularizer: 'l1' }, 'inputRegularizer'],
    [{ inputKern: 1, laplacePadding: 0 }, 'laplacePadding'],
  ];
  for (const [opts, option] of bad) {
    it(`stacked2dCore ${JSON.stringify(opts)}`, () => {
      const before = tf.memory().numTensors;
      let err: unknown;
      try {
        stacked2dCore(opts as Stacked2dCoreOptions);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SalConfigError);
      expect((err as SalConfigError).option).toBe(option);
      expect((err as Error).message).toContain('cores.stacked2dCore');
      expect(tf.memory().numTensors).toBe(before); // nothing allocated before validation
    });
  }
  const badResnet: [Record<string, unknown>, string][] = [
    [{ activation: 'tanh' }, 'activation'],
    [{ stageChannels: [] }, 'stageChannels'],
    [{ stageChannels: [4, -1] }, 'stageChannels[1]'],
    [{ blocksPerStage: 0 }, 'blocksPerStage'],
    [{ depthSeparable: true }, 'depthSeparable'],
  ];
  for (const [opts, option] of badResnet) {
    it(`resnetCore ${JSON.stringify(opts)}`, () => {
      expect(() => resnetCore(opts as ResnetCoreOptions)).toThrow(SalConfigError);
      try {
        resnetCore(opts as ResnetCoreOptions);
      } catch (e) {
        expect((e as SalConfigError).option).toBe(option);
      }
    });
  }
  it('coreFromConfig: unknown kind, non-object', () => {
    expect(() => coreFromConfig({ kind: 'cores.vgg' })).toThrow(SalConfigError);
    expect(() => coreFromConfig({ layers: 2 })).toThrow(SalConfigError);
    expect(() => coreFromConfig(null as unknown as JsonObject)).toThrow(TypeError);
    expect(() => coreFromConfig({ kind: 'cores.stacked2d', layers: -1 })).toThrow(SalConfigError);
    expect(() => coreFromConfig({ kind: 'cores.stacked2d' }, 'cores.resnet')).toThrow(SalConfigError);
  });
});

describe('bad inputs give SalShapeError', () => {
  it('wrong rank, wrong channel count, too small for the unpadded first conv', () => {
    const core = stacked2dCore({ inChannels: 2, inputKern: 5, hiddenChannels: 2, layers: 2, nSeBlocks: 0 });
    const cases = [tf.zeros([8, 8, 2]), tf.zeros([1, 8, 8, 1]), tf.zeros([1, 4, 8, 2])];
    for (const x of cases) expect(() => core.apply(x as tf.Tensor4D)).toThrow(SalShapeError);
    expect(() => core.apply([1, 2] as unknown as tf.Tensor4D)).toThrow(TypeError);
    const ok = tf.zeros([1, 8, 8, 2]) as tf.Tensor4D;
    expect(() => core.apply(ok, { training: 'yes' as unknown as boolean })).toThrow(SalConfigError);
    ok.dispose();
    expect(() => core.computeOutputShape([8, 8, 1])).toThrow(SalShapeError);
    expect(() => core.computeOutputShape([4, 8, 2])).toThrow(SalShapeError);
    expect(() => core.computeOutputShape([8, 8] as unknown as [number, number, number])).toThrow(SalShapeError);
    const msg = (() => {
      try {
        core.apply(cases[1] as tf.Tensor4D);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(msg).toContain('cores.stacked2dCore.apply');
    expect(msg).toContain('[1,8,8,1]');
    tf.dispose(cases);
    core.dispose();
  });
  it('resnet and regularisers', () => {
    const core = resnetCore({ inChannels: 3, stemChannels: 2, stageChannels: [2], blocksPerStage: 1 });
    const x = tf.zeros([1, 8, 8, 1]);
    expect(() => core.apply(x as tf.Tensor4D)).toThrow(SalShapeError);
    const k = tf.zeros([3, 3, 1]);
    expect(() => laplaceL2Norm(k as unknown as tf.Tensor4D)).toThrow(SalShapeError);
    expect(() => groupSparsity(k as unknown as tf.Tensor4D)).toThrow(SalShapeError);
    tf.dispose([x, k]);
    core.dispose();
  });
});
