/**
 * Gradient receptive fields on windows against the plain full-image path, end to end through the real
 * packages (@sal/cores, @sal/readouts, @sal/train's encoder, @sal/grf), and the study's switch between them.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { stacked2dCore, type Stacked2dCoreOptions } from '@sal/cores';
import { attentionReadout, gaussianReadout, saliencyShifterReadout } from '@sal/readouts';
import { createEncoder, windowedResponseModel, type ContextRouting } from '@sal/train';
import { gradientReceptiveFields, windowedGradientReceptiveFields, type CpuImages } from '@sal/grf';
import { SalConfigError, createRng, type Core, type Readout } from '@sal/types';
import { expectArraysClose, expectNoLeaks } from '@sal/test-utils';
import { sessionGrfs } from '../src/analysis.js';

const H = 18,
  W = 21,
  N = 7,
  B = 3;
// corners, edges, centre, near-corner points (x, y in [-1, 1])
const MU = [-1, -1, 1, 1, -1, 1, 1, -1, 0.05, 0.1, -0.93, 0.4, 0.6, 0.97];

function randomise(m: { getWeights(): Record<string, tf.Variable> }, seed: number): void {
  const rng = createRng(seed);
  for (const [name, v] of Object.entries(m.getWeights())) {
    if (name === 'mu') continue;
    const pos = /runningVar|gamma|movingVariance/.test(name);
    const vals = Float32Array.from({ length: v.size }, () => (pos ? 0.5 + rng.next() : (/kernel|features/.test(name) ? 0.5 : 0.2) * rng.normal()));
    tf.tidy(() => v.assign(tf.tensor(vals, v.shape)));
  }
}

function images(c: number, seed: number): CpuImages {
  const rng = createRng(seed);
  return { data: Float32Array.from({ length: B * H * W * c }, () => rng.normal()), shape: [B, H, W, c] };
}

function encoderWith(
  coreOpts: Stacked2dCoreOptions,
  makeReadout: (inShape: [number, number, number]) => Readout,
  coreChannels: number[],
  context: ContextRouting = 'none',
  strip = false,
) {
  let core: Core = stacked2dCore({
    hiddenChannels: 3,
    inputKern: 5,
    hiddenKern: 3,
    layers: 2,
    nSeBlocks: 0,
    gammaInput: 0,
    seed: 1,
    ...coreOpts,
    inChannels: coreChannels.length,
  });
  randomise(core, 2);
  if (strip) core = { ...core, applyWindows: undefined } as Core; // the generic path: apply on crops inside the image
  const [fh, fw, f] = core.computeOutputShape([H, W, coreChannels.length]);
  const readout = makeReadout([fh, fw, f]);
  randomise(readout, 3);
  if (readout.getWeights()['mu']) tf.tidy(() => readout.getWeights()['mu']!.assign(tf.tensor2d(MU, [N, 2])));
  return createEncoder({ core, readouts: { s: readout }, routing: { core: coreChannels, context, imageChannel: 0 } });
}

const gaussian = (inShape: [number, number, number]): Readout => gaussianReadout({ inShape, outDims: N, gaussType: 'isotropic', seed: 4 });
const shifter = (inShape: [number, number, number]): Readout =>
  saliencyShifterReadout({ inShape, outDims: N, remapChannels: 3, maxRemapAmplitude: 0.3, neuronShiftGain: true, seed: 5 });

describe('windowed gRFs equal the full-image gRFs', () => {
  const cases: [string, Stacked2dCoreOptions, number[], number[], boolean][] = [
    ['padded input conv, applyWindows', { padInput: true }, [0], [0], false],
    ['unpadded input conv, skip connections, all layers stacked, two channels', { padInput: false, layers: 3, skip: 2, stack: null }, [0, 1], [1, 0], false],
    ['depth-separable hidden convs', { padInput: true, depthSeparable: true, layers: 3, stack: -1 }, [0], [0], false],
    ['a core without applyWindows (crops inside the image through apply)', { padInput: false, layers: 3 }, [0, 1], [0, 1], true],
  ];
  for (const [name, coreOpts, coreChannels, channels, strip] of cases) {
    it(name, () => {
      const enc = encoderWith(coreOpts, gaussian, coreChannels, 'none', strip);
      const x = images(coreChannels.length, 7);
      const model = windowedResponseModel(enc, 's');
      expect(model.windowChannels).toEqual(coreChannels);
      const want = gradientReceptiveFields((t) => enc.predict(t, 's'), x, { channels });
      const got = expectNoLeaks(() => windowedGradientReceptiveFields(model, x, { channels, pairsPerPass: 8 }), 'windowed gRFs');
      expect(got.shape).toEqual(want.shape);
      let maxAbs = 0;
      for (const v of want.data) maxAbs = Math.max(maxAbs, Math.abs(v));
      expect(maxAbs).toBeGreaterThan(1e-3);
      expectArraysClose(got.data, want.data, 1e-4, 1e-6 * maxAbs);
      enc.dispose();
    });
  }

  it('saliency shifter with the shift from saliency channels: exact for the image channel, refused for the context channels', () => {
    const enc = encoderWith({ padInput: true }, shifter, [0], [1, 2, 3]);
    const x = images(4, 8);
    const model = windowedResponseModel(enc, 's');
    expect(model.windowChannels).toEqual([0]);
    const want = gradientReceptiveFields((t) => enc.predict(t, 's'), x);
    const got = windowedGradientReceptiveFields(model, x);
    expectArraysClose(got.data, want.data, 1e-4, 1e-7);
    expect(() => windowedGradientReceptiveFields(model, x, { channels: [1] })).toThrow(SalConfigError);
    enc.dispose();
  });

  it('refuses what windows cannot reproduce: a shift computed from the image, the attention readout, SE blocks', () => {
    const fromImage = encoderWith({ padInput: true }, shifter, [0], 'image' as never);
    expect(windowedResponseModel(fromImage, 's').windowChannels).toEqual([]);
    expect(() => windowedGradientReceptiveFields(windowedResponseModel(fromImage, 's'), images(1, 1))).toThrow(/only through the core/);
    fromImage.dispose();
    const attention = encoderWith({ padInput: true }, (inShape) => attentionReadout({ inShape, outDims: N }), [0]);
    expect(() => windowedResponseModel(attention, 's')).toThrow(SalConfigError);
    attention.dispose();
    const se = encoderWith({ padInput: true, nSeBlocks: 1, seReduction: 3 }, gaussian, [0]);
    expect(() => windowedResponseModel(se, 's')).toThrow(/receptiveRadius/);
    se.dispose();
  });

  it('the study switches to windows when the model allows it, with the same gRFs', () => {
    for (const [readout, context, windowed] of [
      [gaussian, 'none', true],
      [shifter, 'image', false],
    ] as const) {
      const enc = encoderWith({ padInput: false, inputKern: 3 }, readout, [0], context);
      const x = images(1, 9);
      const g = sessionGrfs(enc, 's', x);
      expect(g.windowed).toBe(windowed);
      expectArraysClose(g.data, gradientReceptiveFields((t) => enc.predict(t, 's'), x).data, 1e-4, 1e-7);
      enc.dispose();
    }
  });
});
