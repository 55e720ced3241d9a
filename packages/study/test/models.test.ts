/** The study's encoders: the config's readout options, and the experiments' extra readout options merged over them. */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { simulateDataset } from '@sal/sim';
import { createDataset } from '@sal/saliency-loader';
import { QUICK_STUDY, VARIANT_SPECS, buildEncoder, resolveStudyConfig } from '../src/index.js';

const sim = simulateDataset({
  height: 32,
  width: 48,
  nTrainImages: 12,
  nTestImages: 2,
  testRepeats: 2,
  nSessions: 1,
  neuronsPerSession: 2,
  includeSaliency: true,
  seed: 4,
});
const ds = createDataset(sim.dataset, {
  crop: [
    [0, 0],
    [0, 0],
  ],
  scale: 0.5,
  channels: 'all',
  saliency: 'raw',
  splitSeed: 1,
});
const config = resolveStudyConfig(QUICK_STUDY, { core: { hiddenChannels: 4, layers: 1 } });
const key = ds.sessions[0]!.key;

describe('buildEncoder', () => {
  it('takes the readout options from the config, and readoutOptions over them for the attention and shifter readouts only, without leaks', () => {
    const before = tf.memory().numTensors;
    const cfgOf = (variant: keyof typeof VARIANT_SPECS, opts = {}) => {
      const enc = buildEncoder(VARIANT_SPECS[variant], ds, config, 2, opts);
      const c = enc.readouts[key]!.getConfig();
      enc.dispose();
      return c;
    };
    expect(cfgOf('shifter-saliency')['maxRemapAmplitude']).toBe(config.readout.maxRemapAmplitude);
    expect(cfgOf('shifter-saliency', { readoutOptions: { maxRemapAmplitude: 0.3, remapInitGain: 1 } })).toMatchObject({
      maxRemapAmplitude: 0.3,
      remapInitGain: 1,
    });
    expect(cfgOf('attention')['positionPrior']).toBe('gaussian');
    expect(cfgOf('attention', { readoutOptions: { positionPrior: 'none' } })['positionPrior']).toBe('none');
    // the Gaussian readout takes none of them
    expect(cfgOf('images', { readoutOptions: { positionPrior: 'none' } })['positionPrior']).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
  });
});
