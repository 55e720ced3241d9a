/** Rebuild any readout of this package from its `getConfig()`. */
import { SalConfigError, type JsonObject, type Readout } from '@sal/types';
import { ATTENTION_KIND, attentionReadout, type AttentionReadoutOptions } from './attention-readout.js';
import { GAUSSIAN_KIND, gaussianReadout, type GaussianReadoutOptions } from './gaussian-readout.js';
import { SALIENCY_SHIFTER_KIND, saliencyShifterReadout, type SaliencyShifterReadoutOptions } from './saliency-shifter-readout.js';

/** Kinds {@link readoutFromConfig} understands. */
export const READOUT_KINDS: readonly string[] = Object.freeze([GAUSSIAN_KIND, ATTENTION_KIND, SALIENCY_SHIFTER_KIND]);

/**
 * Build a readout from the plain JSON of `getConfig()`, dispatching on `kind`. The same config gives the
 * same initial weights (the seed is part of it); copy trained weights in through `getWeights()`.
 */
export function readoutFromConfig(config: JsonObject): Readout {
  const where = 'readouts.readoutFromConfig';
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new SalConfigError(where, '(config)', 'an object', config);
  const { kind, ...rest } = config;
  switch (kind) {
    case GAUSSIAN_KIND:
      return gaussianReadout(rest as unknown as GaussianReadoutOptions);
    case ATTENTION_KIND:
      // configs saved before the position prior existed describe the original readout (no prior)
      return attentionReadout({ positionPrior: 'none', ...rest } as unknown as AttentionReadoutOptions);
    case SALIENCY_SHIFTER_KIND:
      return saliencyShifterReadout(rest as unknown as SaliencyShifterReadoutOptions);
    default:
      throw new SalConfigError(where, 'kind', `one of ${READOUT_KINDS.map((k) => `'${k}'`).join(', ')}`, kind);
  }
}
