/**
 * `Identity` without a copy. The wasm backend's own copies the whole buffer, and tfjs clones every tensor a
 * kernel saves for its gradient (`Multiply`, `Elu`, `Conv2D`, custom gradients…): in a training step that is
 * a full copy of each saved activation. Tensors are immutable, so sharing the data with a reference count (as
 * `Reshape` and the cpu backend's `Identity` do) is exact.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

interface RefCounted {
  incRef(dataId: object): void;
}

export const identityConfig: KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: ((args: { inputs: { x: TensorInfo }; backend: unknown }) => {
    const { x } = args.inputs;
    (args.backend as RefCounted).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  }) as unknown as KernelConfig['kernelFunc'],
};
