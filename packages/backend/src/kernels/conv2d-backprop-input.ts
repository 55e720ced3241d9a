/**
 * A faster `Conv2DBackpropInput` for the wasm backend. For stride 1 the input gradient is a forward
 * convolution of dy with the spatially reversed, in/out-swapped filter:
 *
 * dx[b,i,j,ci] = Σ_{kh,kw,co} dy[b, i + pt − kh, j + pl − kw, co] · W[kh,kw,ci,co]
 *
 * which runs on the SIMD convolution (the shipped kernel is a scalar loop). Strided cases keep the
 * backend's own kernel.
 */
import { backend_util, type KernelConfig, type TensorInfo, type Conv2DBackpropInputAttrs, type NamedAttrMap, type KernelFunc } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { release, runKernel } from './kernel-utils.js';

/**
 * Build our config around the backend's own (`original`), whose kernel serves the strided cases; its
 * `setupFunc` is kept so the backend still initialises it.
 */
export function makeConv2dBackpropInputConfig(original: KernelConfig | undefined): KernelConfig {
  const fallback = original?.kernelFunc;
  const kernelFunc = (args: { inputs: Record<string, TensorInfo | undefined>; backend: unknown; attrs?: unknown }): TensorInfo => {
    const backend = args.backend as BackendWasm;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    if (dataFormat === 'NCHW' || info.strideHeight !== 1 || info.strideWidth !== 1) {
      if (!fallback) throw new Error('@sal/backend: strided Conv2DBackpropInput needs the backend kernel');
      return fallback(args as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const { filterHeight: KH, filterWidth: KW } = info;
    const pt = info.padInfo.top,
      pl = info.padInfo.left,
      pb = info.padInfo.bottom,
      pr = info.padInfo.right;
    if (Math.max(pt, pb) > KH - 1 || Math.max(pl, pr) > KW - 1) {
      if (!fallback) throw new Error('@sal/backend: Conv2DBackpropInput with padding >= kernel size needs the backend kernel');
      return fallback(args as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const rev = runKernel(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
    const wT = runKernel(backend, 'Transpose', { x: rev }, { perm: [0, 1, 3, 2] });
    release(backend, rev);
    const out = runKernel(backend, 'Conv2D', { x: dy, filter: wT }, {
      strides: [1, 1],
      dilations: [1, 1],
      dataFormat: 'NHWC',
      pad: [
        [0, 0],
        [KH - 1 - pt, KH - 1 - pb],
        [KW - 1 - pl, KW - 1 - pr],
        [0, 0],
      ],
    } as unknown as NamedAttrMap);
    release(backend, wT);
    return out;
  };
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
    ...(original?.setupFunc ? { setupFunc: original.setupFunc } : {}),
  };
}
