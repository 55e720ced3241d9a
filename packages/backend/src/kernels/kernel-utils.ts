/**
 * Helpers for kernels written on top of the wasm backend's own kernels: call a registered kernel
 * function directly (no engine, no tape), release intermediates, and borrow a `cpu` kernel for rare
 * cases the fast path does not cover.
 */
import {
  getKernel,
  findBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
  type KernelBackend,
  type TypedArray,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Run kernel `name` of `backend` on `inputs`; the caller disposes the result with {@link release}. */
export function runKernel(backend: BackendWasm, name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
  const k = getKernel(name, 'wasm');
  if (!k) throw new Error(`@sal/backend: wasm kernel '${name}' is not registered`);
  return k.kernelFunc({ inputs, attrs, backend: backend as unknown as KernelBackend }) as TensorInfo;
}

/** Release intermediate tensor infos produced inside a kernel. */
export function release(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

/**
 * Run the `cpu` backend's kernel `name` on copies of the inputs and return the result on the wasm heap.
 * Slow, but exact; used only for shapes the fast path does not handle (e.g. strided depthwise gradients).
 */
export function borrowCpuKernel(backend: BackendWasm, name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap): TensorInfo {
  const cpu = findBackend('cpu');
  const k = getKernel(name, 'cpu');
  if (!cpu || !k) throw new Error(`@sal/backend: kernel '${name}' needs the cpu backend, which is not registered`);
  const cpuInputs: NamedTensorInfoMap = {};
  const written: TensorInfo[] = [];
  for (const [key, info] of Object.entries(inputs)) {
    if (!info) continue;
    const values = backend.readSync(info.dataId) as TypedArray;
    const dataId = cpu.write(values.slice(), info.shape, info.dtype);
    const t = { dataId, shape: info.shape, dtype: info.dtype };
    cpuInputs[key] = t;
    written.push(t);
  }
  const out = k.kernelFunc({ inputs: cpuInputs, attrs, backend: cpu }) as TensorInfo;
  const values = cpu.readSync(out.dataId) as TypedArray;
  const result = backend.makeOutput(out.shape, out.dtype, undefined, values);
  cpu.disposeData(out.dataId);
  for (const t of written) cpu.disposeData(t.dataId);
  return result;
}
