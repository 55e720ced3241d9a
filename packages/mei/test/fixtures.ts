/** Small real encoders (@sal/cores, @sal/readouts, @sal/train) with random weights, for the ensemble and MEI tests. */
import * as tf from '@tensorflow/tfjs-core';
import { stacked2dCore } from '@sal/cores';
import { gaussianReadout, saliencyShifterReadout } from '@sal/readouts';
import { createEncoder, type ContextRouting, type Encoder } from '@sal/train';
import { createRng, type Readout } from '@sal/types';

export const H = 18,
  W = 21,
  N = 5;
const MU = [-0.5, -0.4, 0.3, 0.5, 0.05, 0.1, -0.9, 0.4, 0.6, 0.95];

export function randomise(m: { getWeights(): Record<string, tf.Variable> }, seed: number): void {
  const rng = createRng(seed);
  for (const [name, v] of Object.entries(m.getWeights())) {
    if (name === 'mu') continue;
    const pos = /runningVar|gamma|movingVariance/.test(name);
    const vals = Float32Array.from({ length: v.size }, () => (pos ? 0.5 + rng.next() : (/kernel|features/.test(name) ? 0.5 : 0.2) * rng.normal()));
    tf.tidy(() => v.assign(tf.tensor(vals, v.shape)));
  }
}

/**
 * An encoder with session 's' of N neurons: a 2-layer stacked core on channel 0 and a Gaussian readout (or a
 * saliency shifter reading channels 1–3), its read points moved by `jitter` grid units from MU.
 */
export function smallEncoder(seed: number, kind: 'gaussian' | 'shifter' = 'gaussian', jitter = 0): Encoder {
  const core = stacked2dCore({ hiddenChannels: 3, inputKern: 5, hiddenKern: 3, layers: 2, nSeBlocks: 0, gammaInput: 0, seed, padInput: true, inChannels: 1 });
  randomise(core, seed * 7 + 1);
  const inShape = core.computeOutputShape([H, W, 1]);
  const readout: Readout =
    kind === 'gaussian'
      ? gaussianReadout({ inShape, outDims: N, gaussType: 'isotropic', seed })
      : saliencyShifterReadout({ inShape, outDims: N, remapChannels: 3, maxRemapAmplitude: 0.3, neuronShiftGain: true, seed });
  randomise(readout, seed * 7 + 2);
  const rng = createRng(seed * 7 + 3);
  const mu = readout.getWeights()['mu'];
  if (mu)
    tf.tidy(() =>
      mu.assign(
        tf.tensor2d(
          MU.map((v) => v + jitter * (2 * rng.next() - 1)),
          [N, 2],
        ),
      ),
    );
  const context: ContextRouting = kind === 'gaussian' ? 'none' : [1, 2, 3];
  return createEncoder({ core, readouts: { s: readout }, routing: { core: [0], context, imageChannel: 0 } });
}
