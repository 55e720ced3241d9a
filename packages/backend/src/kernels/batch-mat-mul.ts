/**
 * `BatchMatMul` with transpose flags at full speed: the wasm backend's kernel is 10–50× slower with
 * `transposeA` / `transposeB` than on operands transposed first, so this wrapper transposes the flagged
 * operands (last two axes) with the backend's `Transpose` and runs the plain product. Callers can pass the
 * flags everywhere instead of transposing by hand.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { release, runKernel } from './kernel-utils.js';

function swapLast(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const r = x.shape.length;
  const perm = Array.from({ length: r }, (_, i) => (i < r - 2 ? i : i === r - 2 ? r - 1 : r - 2));
  return runKernel(backend, 'Transpose', { x }, { perm } as unknown as NamedAttrMap);
}

export function makeBatchMatMulConfig(original: KernelConfig): KernelConfig {
  const plain = original.kernelFunc;
  return {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: ((args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: unknown; attrs: { transposeA: boolean; transposeB: boolean } }) => {
      const { transposeA, transposeB } = args.attrs;
      if (!transposeA && !transposeB) return plain(args as never);
      const backend = args.backend as BackendWasm;
      const a = transposeA ? swapLast(backend, args.inputs.a) : args.inputs.a;
      const b = transposeB ? swapLast(backend, args.inputs.b) : args.inputs.b;
      try {
        return plain({ inputs: { a, b }, backend: args.backend, attrs: { ...args.attrs, transposeA: false, transposeB: false } } as never);
      } finally {
        if (transposeA) release(backend, a);
        if (transposeB) release(backend, b);
      }
    }) as unknown as KernelFunc,
  };
}
