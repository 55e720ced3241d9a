/**
 * Registers the kernels the wasm backend lacks for training (or runs slowly), so conv nets with
 * position-sampling readouts train end to end on the default backend.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './kernels/conv2d-backprop-filter.js';
import { makeConv2dBackpropInputConfig } from './kernels/conv2d-backprop-input.js';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './kernels/depthwise-backprop.js';
import { unsortedSegmentSumConfig } from './kernels/unsorted-segment-sum.js';
import { maxPoolGradConfig } from './kernels/max-pool-grad.js';
import { identityConfig } from './kernels/identity.js';
import { makeBatchMatMulConfig } from './kernels/batch-mat-mul.js';

let registered: string[] | null = null;

function replace(config: KernelConfig): void {
  if (getKernel(config.kernelName, config.backendName)) unregisterKernel(config.kernelName, config.backendName);
  registerKernel(config);
}

/**
 * Register our wasm kernels (idempotent). Returns the names of the kernels we provide:
 * `Conv2DBackpropFilter`, `Conv2DBackpropInput` (SIMD path for stride 1), `DepthwiseConv2dNativeBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropInput`, `UnsortedSegmentSum`, `MaxPoolGrad` (exact, via the cpu kernel), `Identity`
 * (shares the data instead of copying it), `BatchMatMul` (transpose flags by an explicit transpose first).
 */
export function registerWasmTrainingKernels(): readonly string[] {
  if (registered) return registered;
  const original = getKernel('Conv2DBackpropInput', 'wasm');
  const matMul = getKernel('BatchMatMul', 'wasm');
  const configs = [
    conv2dBackpropFilterConfig,
    makeConv2dBackpropInputConfig(original),
    depthwiseBackpropFilterConfig,
    depthwiseBackpropInputConfig,
    unsortedSegmentSumConfig,
    maxPoolGradConfig,
    identityConfig,
    ...(matMul ? [makeBatchMatMulConfig(matMul)] : []),
  ];
  for (const c of configs) replace(c);
  registered = configs.map((c) => c.kernelName);
  return registered;
}
