/**
 * `MaxPoolGrad` for the wasm backend. tfjs-backend-wasm 4.22's kernel routes the gradient of a window whose
 * values are all negative to its first element instead of its maximum (e.g. `[-2,-1,-3,-4]` → `[1,0,0,0]`
 * where the maximum is the second). This runs the `cpu` backend's exact kernel on the wasm data instead.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { borrowCpuKernel } from './kernel-utils.js';

function maxPoolGrad(args: { inputs: Record<string, TensorInfo | undefined>; backend: unknown; attrs?: unknown }): TensorInfo {
  return borrowCpuKernel(args.backend as BackendWasm, 'MaxPoolGrad', args.inputs as NamedTensorInfoMap, args.attrs as NamedAttrMap);
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
