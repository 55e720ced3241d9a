/**
 * `Conv2DBackpropFilter` for the wasm backend (tfjs-backend-wasm 4.22 lacks it).
 *
 * dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s + kh − pt, ow·s + kw − pl, ci] · dy[b,oh,ow,co]
 *
 * is itself a convolution: take x' = xᵀ `[Ci,H,W,B]` as the input and dy' = dyᵀ `[Ho,Wo,B,Co]` as the
 * filter, dilated by the stride; the output `[Ci,KH,KW,Co]` transposed is dW. This runs on the backend's
 * SIMD convolution instead of a scalar loop.
 */
import { backend_util, type KernelConfig, type TensorInfo, type Conv2DBackpropFilterAttrs, type NamedAttrMap } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { release, runKernel } from './kernel-utils.js';

function conv2dBackpropFilter(args: { inputs: { x?: TensorInfo; dy?: TensorInfo }; backend: unknown; attrs: unknown }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') throw new Error('@sal/backend: Conv2DBackpropFilter on wasm supports NHWC only');
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, outHeight: Ho, outWidth: Wo } = info;
  const [, H, W] = x.shape as [number, number, number, number];
  const pt = info.padInfo.top,
    pl = info.padInfo.left;
  let pb = KH + (Ho - 1) * sh - H - pt;
  let pr = KW + (Wo - 1) * sw - W - pl;

  const xT = runKernel(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
  let input = xT;
  if (pb < 0 || pr < 0) {
    const hUsed = pb < 0 ? H + pb : H;
    const wUsed = pr < 0 ? W + pr : W;
    input = runKernel(backend, 'Slice', { x: xT }, { begin: [0, 0, 0, 0], size: [xT.shape[0]!, hUsed, wUsed, xT.shape[3]!] });
    release(backend, xT);
    pb = Math.max(pb, 0);
    pr = Math.max(pr, 0);
  }
  const dyT = runKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const conv = runKernel(backend, 'Conv2D', { x: input, filter: dyT }, {
    strides: [1, 1],
    dilations: [sh, sw],
    pad: [
      [0, 0],
      [pt, pb],
      [pl, pr],
      [0, 0],
    ],
    dataFormat: 'NHWC',
  } as unknown as NamedAttrMap);
  release(backend, input, dyT);
  const out = runKernel(backend, 'Transpose', { x: conv }, { perm: [1, 2, 0, 3] });
  release(backend, conv);
  return out;
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelConfig['kernelFunc'],
};
