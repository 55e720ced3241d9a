/** Rebuild any core of this package from its `getConfig()` JSON. */
import { SalConfigError, type Core, type JsonObject } from '@sal/types';
import { stacked2dCore, type Stacked2dCoreOptions } from './stacked2d.js';
import { resnetCore, type ResnetCoreOptions } from './resnet.js';

/** The `kind` tags {@link coreFromConfig} knows. */
export const CORE_KINDS = Object.freeze(['cores.stacked2d', 'cores.resnet'] as const);

/**
 * Build a core from a config returned by `getConfig()`, dispatching on `kind`. Weights are fresh from the
 * config's seed; copy saved weights in with `getWeights()[name].assign(...)`.
 */
export function coreFromConfig(config: JsonObject): Core {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new TypeError('cores.coreFromConfig: config must be a plain object');
  }
  const { kind, ...rest } = config;
  switch (kind) {
    case 'cores.stacked2d':
      return stacked2dCore(rest as Stacked2dCoreOptions);
    case 'cores.resnet':
      return resnetCore(rest as ResnetCoreOptions);
    default:
      throw new SalConfigError('cores.coreFromConfig', 'kind', `one of ${CORE_KINDS.join(', ')}`, kind);
  }
}
