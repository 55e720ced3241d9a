export { bilinearSample } from './bilinear-sample.js';
export { GAUSS_TYPES } from './gaussian-base.js';
export type { GaussType, SampleGridOptions } from './gaussian-base.js';
export { gaussianReadout, GaussianReadout, GAUSSIAN_READOUT_DEFAULTS, GAUSSIAN_KIND } from './gaussian-readout.js';
export type { GaussianReadoutOptions } from './gaussian-readout.js';
export { attentionReadout, AttentionReadout, ATTENTION_READOUT_DEFAULTS, ATTENTION_KIND } from './attention-readout.js';
export type { AttentionReadoutOptions } from './attention-readout.js';
export {
  saliencyShifterReadout,
  SaliencyShifterReadout,
  SALIENCY_SHIFTER_READOUT_DEFAULTS,
  SALIENCY_SHIFTER_KIND,
} from './saliency-shifter-readout.js';
export type { SaliencyShifterReadoutOptions } from './saliency-shifter-readout.js';
export { readoutFromConfig, READOUT_KINDS } from './from-config.js';
