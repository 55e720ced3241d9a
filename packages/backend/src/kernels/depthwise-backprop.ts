/**
 * Depthwise convolution gradients for the wasm backend (tfjs-backend-wasm 4.22 has neither).
 * Both are rewritten as forward depthwise convolutions on the backend's SIMD kernel:
 *
 * - filter: dW[kh,kw,c,m] = Σ_{b,oh,ow} x[b, oh·s+kh−pt, ow·s+kw−pl, c] · dy[b,oh,ow,c·M+m]. Fold the
 *   batch into channels, x' `[1,H,W,B·C]`, use dy' `[Ho,Wo,B·C,M]` as a depthwise filter dilated by the
 *   stride, and sum the `[KH,KW,B,C,M]` result over B.
 * - input (stride 1): dx[b,i,j,c] = Σ_{kh,kw,m} dy[b, i+pt−kh, j+pl−kw, c·M+m] · W[kh,kw,c,m], a
 *   depthwise convolution of dy with the reversed filter, summed over m. Strided cases borrow the `cpu`
 *   kernel (exact, slower).
 */
import { backend_util, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { borrowCpuKernel, release, runKernel } from './kernel-utils.js';

interface DepthwiseGradAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape?: [number, number, number, number];
  inputShape?: [number, number, number, number];
}

function depthwiseBackpropFilter(args: { inputs: Record<string, TensorInfo | undefined>; backend: unknown; attrs?: unknown }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseGradAttrs;
  const filterShape = attrs.filterShape!;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    return borrowCpuKernel(backend, 'DepthwiseConv2dNativeBackpropFilter', args.inputs as never, attrs as unknown as NamedAttrMap);
  }
  const [B, H, W, C] = x.shape as [number, number, number, number];
  const [KH, KW, , M] = filterShape;
  const { strideHeight: sh, strideWidth: sw, outHeight: Ho, outWidth: Wo } = info;
  const pt = info.padInfo.top,
    pl = info.padInfo.left;
  let pb = KH + (Ho - 1) * sh - H - pt;
  let pr = KW + (Wo - 1) * sw - W - pl;

  // x [B,H,W,C] -> [H,W,B,C] -> [1,H,W,B*C]
  const xT = runKernel(backend, 'Transpose', { x }, { perm: [1, 2, 0, 3] });
  let xr = runKernel(backend, 'Reshape', { x: xT }, { shape: [1, H, W, B * C] });
  release(backend, xT);
  if (pb < 0 || pr < 0) {
    const sliced = runKernel(backend, 'Slice', { x: xr }, { begin: [0, 0, 0, 0], size: [1, pb < 0 ? H + pb : H, pr < 0 ? W + pr : W, B * C] });
    release(backend, xr);
    xr = sliced;
    pb = Math.max(pb, 0);
    pr = Math.max(pr, 0);
  }
  // dy [B,Ho,Wo,C*M] -> [Ho,Wo,B,C*M] -> [Ho,Wo,B*C,M]
  const dyT = runKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const dyr = runKernel(backend, 'Reshape', { x: dyT }, { shape: [Ho, Wo, B * C, M] });
  release(backend, dyT);
  const conv = runKernel(backend, 'DepthwiseConv2dNative', { x: xr, filter: dyr }, {
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
  release(backend, xr, dyr);
  // [1,KH,KW,B*C*M] -> [KH,KW,B,C*M] -> sum over B -> [KH,KW,C*M] -> [KH,KW,C,M]
  const r5 = runKernel(backend, 'Reshape', { x: conv }, { shape: [KH, KW, B, C * M] });
  release(backend, conv);
  const summed = runKernel(backend, 'Sum', { x: r5 }, { axis: [2], keepDims: false });
  release(backend, r5);
  const out = runKernel(backend, 'Reshape', { x: summed }, { shape: [KH, KW, C, M] });
  release(backend, summed);
  return out;
}

function depthwiseBackpropInput(args: { inputs: Record<string, TensorInfo | undefined>; backend: unknown; attrs?: unknown }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseGradAttrs;
  const inputShape = attrs.inputShape!;
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const [KH, KW, C, M] = filter.shape as [number, number, number, number];
  const pt = info.padInfo.top,
    pl = info.padInfo.left,
    pb = info.padInfo.bottom,
    pr = info.padInfo.right;
  if (
    info.strideHeight !== 1 ||
    info.strideWidth !== 1 ||
    info.dilationHeight !== 1 ||
    info.dilationWidth !== 1 ||
    Math.max(pt, pb) > KH - 1 ||
    Math.max(pl, pr) > KW - 1
  ) {
    return borrowCpuKernel(backend, 'DepthwiseConv2dNativeBackpropInput', args.inputs as never, attrs as unknown as NamedAttrMap);
  }
  const [B, Ho, Wo] = dy.shape as [number, number, number, number];
  const [, H, W] = inputShape;
  // reversed filter, one output channel per (c, m): [KH,KW,C*M,1]
  const rev = runKernel(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
  const f = runKernel(backend, 'Reshape', { x: rev }, { shape: [KH, KW, C * M, 1] });
  release(backend, rev);
  const conv = runKernel(backend, 'DepthwiseConv2dNative', { x: dy, filter: f }, {
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
  release(backend, f);
  if (M === 1) return conv;
  void Ho;
  void Wo;
  const r5 = runKernel(backend, 'Reshape', { x: conv }, { shape: [B, H, W, C, M] });
  release(backend, conv);
  const summed = runKernel(backend, 'Sum', { x: r5 }, { axis: [4], keepDims: false });
  release(backend, r5);
  return summed;
}

export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter as unknown as KernelFunc,
};

export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput as unknown as KernelFunc,
};
