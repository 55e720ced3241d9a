// Workload G's model through the packages users run (shared by bench/workload-g.mjs and scripts/profile-kernels.mjs):
// the study's analysed core (STUDY_CORE_PRESET on the image channel of 83×83 inputs) and 31 saliency-shifter
// session readouts of 2–18 neurons on its 69×69×32 map, the 3 context channels routed to their remappers.
import { stacked2dCore, STUDY_CORE_PRESET } from '@sal/cores';
import { saliencyShifterReadout } from '@sal/readouts';
import { createEncoder } from '@sal/train';

/** Shape of workload G: batch, input height/width, core channels, sessions. */
export const G_SHAPE = Object.freeze({ B: 64, H: 83, W: 83, C: 32, SESSIONS: 31 });

/** Session sizes by a fixed rule the PyTorch twin uses too (n_s = 2 + 7s mod 17; 308 neurons). */
export const G_SESSION_SIZES = Object.freeze(Array.from({ length: G_SHAPE.SESSIONS }, (_, s) => 2 + ((7 * s) % 17)));

/**
 * The encoder (`predict(x, sessionKey, …)` on `[B, 83, 83, 4]` inputs: image + 3 context channels) and, per session
 * key, the trainable variables a step on that session updates (the core's and that session's readout's); seed 0.
 */
export function workloadGModel() {
  const { H, W, C } = G_SHAPE;
  const core = stacked2dCore({ ...STUDY_CORE_PRESET, inChannels: 1, gammaInput: 0, seed: 0 });
  const featShape = [H - 14, W - 14, C];
  const readouts = Object.fromEntries(
    G_SESSION_SIZES.map((n, s) => [
      `s${s}`,
      saliencyShifterReadout({
        inShape: featShape,
        outDims: n,
        gaussType: 'isotropic',
        initMuRange: 0.178,
        initSigma: 0.585,
        gammaReadout: 0,
        remapChannels: 3,
        remapLayers: 2,
        remapKernel: 3,
        maxRemapAmplitude: 0.2,
        seed: s,
      }),
    ]),
  );
  const encoder = createEncoder({ core, readouts, routing: { core: [0], context: [1, 2, 3] } });
  const weights = encoder.getWeights();
  const varsOf = (key) =>
    Object.fromEntries(Object.entries(weights).filter(([name, v]) => v.trainable && (name.startsWith('core/') || name.startsWith(`readout/${key}/`))));
  const sessionVars = Object.fromEntries(encoder.sessionKeys.map((k) => [k, varsOf(k)]));
  return { encoder, sessionVars };
}
