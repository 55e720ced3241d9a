export type { ResponseModel } from './model.js';
export { createEnsemble, meanResponseModel, ENSEMBLE_DEFAULTS } from './ensemble.js';
export type { Ensemble, EnsembleOptions } from './ensemble.js';
export { ensembleWindowedModel, ENSEMBLE_WINDOWED_DEFAULTS } from './ensemble-windowed.js';
export type { EnsembleWindowedOptions } from './ensemble-windowed.js';
export { gaussianKernel, gaussianBlur, fftFreq, fourierMask, fourierFilter } from './precondition.js';
export type { FourierKind } from './precondition.js';
export { synthesizeMeis, MEI_DEFAULTS } from './mei.js';
export type { MeiOptions, MeiResult, MeiInit } from './mei.js';
