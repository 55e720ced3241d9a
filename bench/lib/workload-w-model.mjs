// Workload W's model through the packages users run (shared by bench/workload-w.mjs, bench/mei.mjs and
// scripts/profile-kernels.mjs): @sal/cores' stacked core (3 layers, 32 channels, 9×9 then 3×3, padded) and an
// isotropic Gaussian readout of N neurons on its H×W×C map, with ELU + 1 on the output.
import * as tf from '@tensorflow/tfjs-core';
import { stacked2dCore } from '@sal/cores';
import { gaussianReadout } from '@sal/readouts';

/** Shape of workload W (`shared/reference/baseline.md`). */
export const W_SHAPE = Object.freeze({ H: 64, W: 64, C: 32, N: 100 });

/**
 * The core, the readout, `model(x, training)` (readout always in evaluation mode, as the reference) and the trainable
 * variables; seed 0 as every benchmark of W.
 */
export function workloadWModel({ H, W, C, N } = W_SHAPE) {
  const core = stacked2dCore({
    inChannels: 1,
    hiddenChannels: C,
    inputKern: 9,
    hiddenKern: 3,
    layers: 3,
    padInput: true,
    nSeBlocks: 0,
    stack: -1,
    gammaInput: 0,
    seed: 0,
  });
  const readout = gaussianReadout({ inShape: [H, W, C], outDims: N, gaussType: 'isotropic', initMuRange: 0.8, initSigma: 0.1, gammaReadout: 0, seed: 0 });
  const model = (x, training) => tf.add(tf.elu(readout.apply(core.apply(x, { training }), { training: false })), 1);
  const trainable = [...Object.values(core.getWeights()), ...Object.values(readout.getWeights())].filter((v) => v.trainable);
  return { core, readout, model, trainable };
}
