export { gaussianFilter2d, gaussianKernel1d, sobel, correlate1d, GAUSSIAN_FILTER_DEFAULTS, SOBEL_DEFAULTS } from './filters.js';
export type { GaussianFilterOptions, SobelOptions, ImageArray } from './filters.js';
export { BOUNDARY_MODES } from './boundary.js';
export type { BoundaryMode } from './boundary.js';
export { cropImage, cropShape, rescale, rescaleShape, resize } from './geometry.js';
export type { Crop } from './geometry.js';
