/** Rebuild any core of this package from its `getConfig()` JSON. */
import { SalConfigError, type Core, type JsonObject } from '@sal/types';
import { stacked2dCore, type Stacked2dCoreOptions } from './stacked2d.js';
import { resnetCore, type ResnetCoreOptions } from './resnet.js';

/** The `kind` tags {@link coreFromConfig} knows. */
export const CORE_KINDS = Object.freeze(['cores.stacked2d', 'cores.resnet'] as const);

/**
 * Build a core from a config returned by `getConfig()`, dispatching on its `kind` (or on `kind` given
 * separately, as checkpoint loaders pass it; the two must agree when both are present). Weights are
 * fresh from the config's seed; copy saved weights in with `getWeights()[name].assign(...)`.
 */
export function coreFromConfig(config: JsonObject, kind?: string): Core {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new TypeError('cores.coreFromConfig: config must be a plain object');
  }
  const { kind: ownKind, ...rest } = config;
  if (kind !== undefined && ownKind !== undefined && ownKind !== kind) {
    throw new SalConfigError('cores.coreFromConfig', 'kind', `the config's own kind ${JSON.stringify(ownKind)}`, kind);
  }
  const k = ownKind ?? kind;
  switch (k) {
    case 'cores.stacked2d':
      return stacked2dCore(rest as Stacked2dCoreOptions);
    case 'cores.resnet':
      return resnetCore(rest as ResnetCoreOptions);
    default:
      throw new SalConfigError('cores.coreFromConfig', 'kind', `one of ${CORE_KINDS.join(', ')}`, k);
  }
}
