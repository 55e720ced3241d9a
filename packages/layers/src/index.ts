export {
  batchNorm,
  batchNormEval,
  batchNormTrain,
  batchNormTrainComposite,
  batchNormVariables,
  evalAffine,
  updateRunningStats,
  hasFusedBatchNorm,
  fromTorchMomentum,
  BATCH_NORM_DEFAULTS,
  BATCH_NORM_ACTIVATIONS,
} from './batch-norm.js';
export type { BatchNormParams, BatchNormOptions, BatchNormActivation } from './batch-norm.js';
export { uniformValues, normalValues, xavierNormalStd, xavierNormalValues, xavierNormalKernel, convFans } from './init.js';
export { newVariable } from './variables.js';
export { bilinearSample, bilinearSampleHost, hasFusedBilinearSample } from './bilinear-sample.js';
export { forEachCorner, gridToPixel } from './bilinear-corners.js';
export type { CornerVisitor } from './bilinear-corners.js';
export { separableConv, separableConvComposite, hasFusedSeparableConv, SEPARABLE_CONV_DEFAULTS } from './separable-conv.js';
export type { SeparableKernels, SeparableConvOptions } from './separable-conv.js';
