export { aucJudd, aucBorji, aucUniform, aucShuffled, rankAuc, nss, cc, kld, sim, informationGain, logLikelihoodGain } from './metrics.js';
export type { AucBorjiOptions } from './metrics.js';
export { toDensity, logOf, normaliseLog, sampleFixations, fixationMap } from './density.js';
export {
  imageSignature, booleanMapSaliency, fitCenterBias, withCenterBias, dct2d, dctMatrix, IMAGE_SIGNATURE_DEFAULTS, BMS_DEFAULTS,
} from './models.js';
export type { ImageModelOptions, BmsOptions, CenterBiasOptions, CenterBias } from './models.js';
