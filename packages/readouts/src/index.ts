export { bilinearSample } from './bilinear-sample.js';
export { GAUSS_TYPES } from './gaussian-base.js';
export type { GaussType, SampleGridOptions } from './gaussian-base.js';
export { gaussianReadout, GaussianReadout, GAUSSIAN_READOUT_DEFAULTS, GAUSSIAN_KIND } from './gaussian-readout.js';
export type { GaussianReadoutOptions } from './gaussian-readout.js';
