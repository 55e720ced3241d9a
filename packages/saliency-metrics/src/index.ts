export { aucJudd, aucBorji, aucUniform, aucShuffled, rankAuc, nss, cc, kld, sim, informationGain, logLikelihoodGain } from './metrics.js';
export type { AucBorjiOptions } from './metrics.js';
export { toDensity, logOf, normaliseLog, sampleFixations, fixationMap, fixationsFromLogDensities } from './density.js';
export {
  imageSignature,
  booleanMapSaliency,
  fitCenterBias,
  withCenterBias,
  dct2d,
  dctMatrix,
  IMAGE_SIGNATURE_DEFAULTS,
  BMS_DEFAULTS,
} from './models.js';
export type { ImageModelOptions, BmsOptions, CenterBiasOptions, CenterBias } from './models.js';
export { scoreSaliency } from './evaluate.js';
export type { SaliencyScores, EvalImage } from './evaluate.js';
export { weightFreeSaliency, WEIGHT_FREE_MODELS } from './builtin.js';
export type { WeightFreeModel } from './builtin.js';
