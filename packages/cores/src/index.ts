export { stacked2dCore, STACKED2D_DEFAULTS, STUDY_CORE_PRESET } from './stacked2d.js';
export type { Stacked2dCore, Stacked2dCoreOptions, Stacked2dCoreConfig } from './stacked2d.js';
export { resnetCore, RESNET_DEFAULTS } from './resnet.js';
export type { ResnetCore, ResnetCoreOptions } from './resnet.js';
export { coreFromConfig, CORE_KINDS } from './from-config.js';
export { laplaceL2Norm, laplaceL2, groupSparsity } from './regularizers.js';
