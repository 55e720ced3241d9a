export { gaussianFilter2d, gaussianKernel1d, sobel, correlate1d, GAUSSIAN_FILTER_DEFAULTS, SOBEL_DEFAULTS } from './filters.js';
export type { GaussianFilterOptions, SobelOptions, ImageArray } from './filters.js';
export { BOUNDARY_MODES } from './boundary.js';
export type { BoundaryMode } from './boundary.js';
export { cropImage, cropShape, rescale, rescaleShape, resize } from './geometry.js';
export type { Crop } from './geometry.js';
export { parseNpy, parseNpyHeader, encodeNpy, dtypeOf, NPY_DTYPES } from './npy.js';
export type { NpyArray, NpyData, NpyDtype, NpyHeader, ParseNpyOptions, EncodeNpyOptions } from './npy.js';
export { toNdarray } from './ndarray.js';
export type { ShapedArray } from './ndarray.js';
export { parseNpz, encodeNpz } from './npz.js';
export type { EncodeNpzOptions, ParseNpzOptions } from './npz.js';
export { readZip, crc32, DEFAULT_MAX_INFLATED_BYTES } from './zip.js';
export type { ReadZipOptions } from './zip.js';
export {
  builtinSaliency,
  computeSaliencyMaps,
  convertSaliency,
  runSaliencyFunction,
  spectralResidual,
  SALIENCY_MODEL_DEFAULTS,
  SALIENCY_KINDS,
  SALIENCY_MODELS,
} from './saliency.js';
export type { SaliencyKind, SaliencyFunction, SaliencyModelOptions, SaliencyModelName } from './saliency.js';
export { createDataset, splitImageIds, CHANNELS, CHANNEL_SETS, DATASET_DEFAULTS } from './dataset.js';
export type { DatasetOptions, SalDataset, ChannelSet, SaliencySource, PrecomputedSaliency } from './dataset.js';
export { computeChannelStats, applyChannelStats } from './stats.js';
export type { ChannelStats } from './stats.js';
export { validateRawDataset } from './validate.js';
export { isPlaneSource } from './planes.js';
export type { PlaneSource, StreamedRawDataset } from './planes.js';
export { binnedToTrials } from './responses.js';
export { fft1d, fft2d } from './fft.js';
