/**
 * The native kernels registered on TensorFlow.js's wasm backend: `Conv2D`, `FusedConv2D` (bias + linear / relu /
 * elu / relu6 / leaky relu), `Conv2DBackpropInput` (stride 1), `Conv2DBackpropFilter`, `BatchMatMul` (a Gram matrix,
 * the same tensor on both sides with one of them transposed, is computed as its lower triangle and mirrored), and `Sum` /
 * `Mean` over one contiguous run of axes (e.g. the batch and spatial axes of NHWC: the wasm backend transposes first),
 * and, above 4096 elements, elementwise `Add` / `Sub` / `Multiply` / `RealDiv` (same shapes, a trailing row broadcast,
 * or a scalar), `Square`, `Elu`, `EluGrad`, `Exp`, and 1×1 depthwise convolutions (per-channel affine maps, e.g. batch-norm);
 * plus the fused kernels named in `@sal/types`' `FUSED_KERNELS`: training batch-norm (two passes each way) and a
 * symmetric positive definite solve (blocked Cholesky). They
 * read and write the tensors where the wasm backend keeps them (its heap), so no data is copied; shapes or
 * attributes they do not handle go to the kernel that was registered before (the wasm backend's own, or
 * `@sal/backend`'s).
 */
import {
  backend_util, getKernel, registerKernel, unregisterKernel, util,
  type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, float64Routines, registerFloat64Routines, type Float64Routines } from '@sal/types';
import { loadNative, type ConvGeomArgs, type NativeAddon } from './addon.js';
import { nativeFloat64Routines } from './float64-routines.js';

/** What the kernels need of the wasm backend (structural: `BackendWasm` of @tensorflow/tfjs-backend-wasm). */
interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}

type KernelArgs = { inputs: Record<string, TensorInfo | undefined>; attrs: NamedAttrMap; backend: unknown };

const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, elu: 2, relu6: 3, leakyrelu: 4 };

function offset(b: WasmBackendLike, t: TensorInfo): number {
  const d = b.dataIdMap.get(t.dataId);
  if (!d) throw new Error('@sal/native: tensor data is not on the wasm backend');
  return d.memoryOffset;
}

function geomArgs(info: backend_util.Conv2DInfo): ConvGeomArgs {
  return [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth, info.outChannels,
    info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
    info.outHeight, info.outWidth];
}

function usable(info: backend_util.Conv2DInfo): boolean {
  return info.dataFormat === 'channelsLast' && info.padInfo.top >= 0 && info.padInfo.left >= 0 && info.batchSize > 0 &&
    info.outHeight > 0 && info.outWidth > 0 && info.inChannels === info.filterShape[2];
}

function makeConv(addon: NativeAddon, fallback: KernelFunc, fused: boolean): KernelFunc {
  return ((args: KernelArgs) => {
    const b = args.backend as WasmBackendLike;
    const { x, filter, bias, preluActivationWeights } = args.inputs;
    const a = args.attrs as unknown as {
      strides: [number, number] | number; pad: backend_util.PadInfo['type'] | number | backend_util.ExplicitPadding;
      dataFormat: 'NHWC' | 'NCHW'; dilations: [number, number] | number; dimRoundingMode?: 'floor' | 'round' | 'ceil';
      activation?: string; leakyreluAlpha?: number;
    };
    const act = fused ? ACTIVATIONS[a.activation ?? 'linear'] : 0;
    if (!x || !filter || x.dtype !== 'float32' || filter.dtype !== 'float32' || a.dataFormat === 'NCHW' || act === undefined ||
      preluActivationWeights || x.shape.length !== 4) return fallback(args as never);
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number], a.strides, a.dilations, a.pad as never, a.dimRoundingMode, false, 'channelsLast');
    const co = info.outChannels;
    if (!usable(info) || (bias && (bias.dtype !== 'float32' || util.sizeFromShape(bias.shape) !== co))) return fallback(args as never);
    const out = b.makeOutput([info.batchSize, info.outHeight, info.outWidth, co], 'float32');
    const heap = b.wasm.HEAPU8.buffer as ArrayBuffer;
    addon.conv2dForward(heap, offset(b, x), offset(b, filter), bias ? offset(b, bias) : -1, offset(b, out), act,
      a.leakyreluAlpha ?? 0.2, ...geomArgs(info));
    return out;
  }) as unknown as KernelFunc;
}

function makeBackpropInput(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return ((args: KernelArgs) => {
    const b = args.backend as WasmBackendLike;
    const { dy, filter } = args.inputs;
    const a = args.attrs as unknown as { strides: [number, number] | number; pad: never; dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil'; inputShape: [number, number, number, number] };
    if (!dy || !filter || dy.dtype !== 'float32' || filter.dtype !== 'float32' || a.dataFormat === 'NCHW') return fallback(args as never);
    const info = backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], a.strides, 1,
      a.pad, a.dimRoundingMode, false, 'channelsLast');
    if (!usable(info) || info.strideHeight !== 1 || info.strideWidth !== 1 ||
      info.padInfo.top > info.filterHeight - 1 || info.padInfo.left > info.filterWidth - 1) return fallback(args as never);
    const out = b.makeOutput([...a.inputShape], 'float32');
    const heap = b.wasm.HEAPU8.buffer as ArrayBuffer;
    const done = addon.conv2dBackpropInput(heap, offset(b, dy), offset(b, filter), offset(b, out), ...geomArgs(info));
    if (!done) throw new Error('@sal/native: Conv2DBackpropInput geometry refused after the checks passed');
    return out;
  }) as unknown as KernelFunc;
}

function makeBackpropFilter(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return ((args: KernelArgs) => {
    const b = args.backend as WasmBackendLike;
    const { x, dy } = args.inputs;
    const a = args.attrs as unknown as { strides: [number, number] | number; pad: never; dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number] };
    if (!x || !dy || x.dtype !== 'float32' || dy.dtype !== 'float32' || a.dataFormat === 'NCHW') return fallback(args as never);
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad,
      a.dimRoundingMode, false, 'channelsLast');
    if (!usable(info)) return fallback(args as never);
    const out = b.makeOutput([...a.filterShape], 'float32');
    const heap = b.wasm.HEAPU8.buffer as ArrayBuffer;
    addon.conv2dBackpropFilter(heap, offset(b, x), offset(b, dy), offset(b, out), ...geomArgs(info));
    return out;
  }) as unknown as KernelFunc;
}

function makeBatchMatMul(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return ((args: KernelArgs) => {
    const b = args.backend as WasmBackendLike;
    const { a: A, b: B } = args.inputs;
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!A || !B || A.dtype !== 'float32' || B.dtype !== 'float32' || A.shape.length < 2 || B.shape.length < 2) return fallback(args as never);
    const ra = A.shape.length, rb = B.shape.length;
    const m = transposeA ? A.shape[ra - 1]! : A.shape[ra - 2]!;
    const k = transposeA ? A.shape[ra - 2]! : A.shape[ra - 1]!;
    const kb = transposeB ? B.shape[rb - 1]! : B.shape[rb - 2]!;
    const n = transposeB ? B.shape[rb - 2]! : B.shape[rb - 1]!;
    const batchA = util.sizeFromShape(A.shape.slice(0, -2)), batchB = util.sizeFromShape(B.shape.slice(0, -2));
    // only equal batch shapes, or one side without batch (broadcast): anything else goes to the fallback
    const sameBatch = ra === rb && A.shape.slice(0, -2).every((d, i) => d === B.shape[i]);
    if (k !== kb || k === 0 || m === 0 || n === 0 || !(sameBatch || batchA === 1 || batchB === 1)) return fallback(args as never);
    const batch = Math.max(batchA, batchB);
    const outBatchShape = (batchA >= batchB ? A.shape : B.shape).slice(0, -2);
    const out = b.makeOutput([...outBatchShape, m, n], 'float32');
    const heap = b.wasm.HEAPU8.buffer as ArrayBuffer;
    // a and b at the same offset (the same tensor, or one sharing its data) with equal strides, m = n and one side
    // transposed: the addon sees a Gram matrix and computes half of it
    addon.batchMatMul(heap, offset(b, A), offset(b, B), offset(b, out), batch, m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0,
      batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n);
    return out;
  }) as unknown as KernelFunc;
}

function makeReduce(addon: NativeAddon, fallback: KernelFunc, mean: boolean): KernelFunc {
  return ((args: KernelArgs) => {
    const b = args.backend as WasmBackendLike;
    const { x } = args.inputs;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    if (x?.dtype !== 'float32' || x.shape.length === 0) return fallback(args as never);
    const axes = [...new Set(util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
    if (axes.length === 0 || axes.some((a, i) => i > 0 && a !== axes[i - 1]! + 1)) return fallback(args as never);
    const first = axes[0]!, last = axes[axes.length - 1]!;
    const outer = util.sizeFromShape(x.shape.slice(0, first));
    const red = util.sizeFromShape(x.shape.slice(first, last + 1));
    const inner = util.sizeFromShape(x.shape.slice(last + 1));
    if (outer === 0 || red === 0 || inner === 0) return fallback(args as never);
    const shape = keepDims ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d)) : x.shape.filter((_, i) => i < first || i > last);
    const out = b.makeOutput(shape, 'float32');
    addon.reduceSum(b.wasm.HEAPU8.buffer as ArrayBuffer, offset(b, x), offset(b, out), outer, red, inner, mean ? 1 / red : 1);
    return out;
  }) as unknown as KernelFunc;
}

/** Below this many elements the wasm kernel is as fast (no threads, no call overhead). */
const ELEMENTWISE_MIN = 4096;

function makeBinary(addon: NativeAddon, fallback: KernelFunc, op: number): KernelFunc {
  return ((args: KernelArgs) => {
    const b = args.backend as WasmBackendLike;
    const { a: A, b: B } = args.inputs;
    if (!A || !B || A.dtype !== 'float32' || B.dtype !== 'float32') return fallback(args as never);
    const shape = backend_util.assertAndGetBroadcastShape(A.shape, B.shape);
    const size = util.sizeFromShape(shape);
    if (size < ELEMENTWISE_MIN) return fallback(args as never);
    const mode = (s: number[]): number | null => {
      const n = util.sizeFromShape(s);
      if (n === size) return 0;
      if (n === 1) return 2;
      const core = s.slice(s.findIndex((d) => d !== 1));
      return core.every((d, i) => d === shape[shape.length - core.length + i]) ? 1 : null;
    };
    const am = mode(A.shape), bm = mode(B.shape);
    if (am === null || bm === null) return fallback(args as never);
    const inner = am === 1 ? util.sizeFromShape(A.shape) : bm === 1 ? util.sizeFromShape(B.shape) : size;
    const out = b.makeOutput(shape, 'float32');
    addon.binary(b.wasm.HEAPU8.buffer as ArrayBuffer, offset(b, A), offset(b, B), offset(b, out), op, size / inner, inner, am, bm);
    return out;
  }) as unknown as KernelFunc;
}

function makeUnary(addon: NativeAddon, fallback: KernelFunc, op: number): KernelFunc {
  return ((args: KernelArgs) => {
    const b = args.backend as WasmBackendLike;
    const { x } = args.inputs;
    if (x?.dtype !== 'float32' || util.sizeFromShape(x.shape) < ELEMENTWISE_MIN) return fallback(args as never);
    const out = b.makeOutput([...x.shape], 'float32');
    addon.unary(b.wasm.HEAPU8.buffer as ArrayBuffer, offset(b, x), offset(b, out), op, util.sizeFromShape(x.shape), 0);
    return out;
  }) as unknown as KernelFunc;
}

function makeEluGrad(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return ((args: KernelArgs) => {
    const b = args.backend as WasmBackendLike;
    const { dy, y } = args.inputs;
    if (!dy || !y || dy.dtype !== 'float32' || y.dtype !== 'float32' || !util.arraysEqual(dy.shape, y.shape) ||
      util.sizeFromShape(y.shape) < ELEMENTWISE_MIN) return fallback(args as never);
    const out = b.makeOutput([...y.shape], 'float32');
    addon.eluGrad(b.wasm.HEAPU8.buffer as ArrayBuffer, offset(b, dy), offset(b, y), offset(b, out), util.sizeFromShape(y.shape));
    return out;
  }) as unknown as KernelFunc;
}

/** A 1×1, stride-1, multiplier-1 depthwise convolution is a per-channel affine map (+ bias, activation). */
function makeDepthwise1x1(addon: NativeAddon, fallback: KernelFunc, fused: boolean): KernelFunc {
  return ((args: KernelArgs) => {
    const b = args.backend as WasmBackendLike;
    const { x, filter, bias, preluActivationWeights } = args.inputs;
    const a = args.attrs as unknown as { strides: [number, number] | number; dilations?: [number, number] | number; dataFormat: string; activation?: string; leakyreluAlpha?: number };
    const act = fused ? ACTIVATIONS[a.activation ?? 'linear'] : 0;
    const ones = (v: [number, number] | number | undefined) => v === undefined || (Array.isArray(v) ? v.every((d) => d === 1) : v === 1);
    if (!x || !filter || x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4 || a.dataFormat === 'NCHW' ||
      act === undefined || preluActivationWeights || filter.shape[0] !== 1 || filter.shape[1] !== 1 || filter.shape[3] !== 1 ||
      !ones(a.strides) || !ones(a.dilations) || util.sizeFromShape(x.shape) < ELEMENTWISE_MIN) return fallback(args as never);
    const c = x.shape[3]!;
    if (bias && (bias.dtype !== 'float32' || util.sizeFromShape(bias.shape) !== c)) return fallback(args as never);
    const out = b.makeOutput([...x.shape], 'float32');
    addon.channelAffine(b.wasm.HEAPU8.buffer as ArrayBuffer, offset(b, x), offset(b, filter), bias ? offset(b, bias) : -1, offset(b, out),
      util.sizeFromShape(x.shape) / c, c, act, a.leakyreluAlpha ?? 0.2);
    return out;
  }) as unknown as KernelFunc;
}

const BN_ACTIVATIONS: Record<string, number> = { linear: 0, elu: 2 };

function bnArgs(args: KernelArgs, names: string[]): { ok: boolean; n: number; c: number; eps: number; act: number } {
  const t = args.inputs;
  const { epsilon, activation } = args.attrs as unknown as { epsilon: number; activation?: string };
  const x = t[names[0]!];
  const act = BN_ACTIVATIONS[activation ?? 'linear'];
  if (!x || x.shape.length < 2 || act === undefined || !(epsilon >= 0)) return { ok: false, n: 0, c: 0, eps: 0, act: 0 };
  const c = x.shape[x.shape.length - 1]!;
  const n = util.sizeFromShape(x.shape) / c;
  const ok = n > 0 && names.every((k) => {
    const v = t[k];
    return v !== undefined && v.dtype === 'float32' && (k === 'gamma' || k === 'beta' || k === 'mean' || k === 'variance'
      ? util.sizeFromShape(v.shape) === c : util.arraysEqual(v.shape, x.shape));
  });
  return { ok, n, c, eps: epsilon, act };
}

function makeBnTrain(addon: NativeAddon): KernelFunc {
  return ((args: KernelArgs) => {
    const b = args.backend as WasmBackendLike;
    const g = bnArgs(args, ['x', 'gamma', 'beta']);
    if (!g.ok) throw new Error(`@sal/native: ${FUSED_KERNELS.batchNormTrain} needs float32 x [..., C], gamma [C], beta [C], epsilon ≥ 0 and activation 'linear' | 'elu'`);
    const { x, gamma, beta } = args.inputs as Record<string, TensorInfo>;
    const y = b.makeOutput([...x!.shape], 'float32');
    const mean = b.makeOutput([g.c], 'float32');
    const variance = b.makeOutput([g.c], 'float32');
    addon.bnTrainForward(b.wasm.HEAPU8.buffer as ArrayBuffer, offset(b, x!), offset(b, gamma!), offset(b, beta!), offset(b, y), offset(b, mean),
      offset(b, variance), g.n, g.c, g.eps, g.act);
    return [y, mean, variance];
  }) as unknown as KernelFunc;
}

function makeBnTrainGrad(addon: NativeAddon): KernelFunc {
  return ((args: KernelArgs) => {
    const b = args.backend as WasmBackendLike;
    const g = bnArgs(args, ['x', 'dy', 'y', 'gamma', 'mean', 'variance']);
    if (!g.ok) throw new Error(`@sal/native: ${FUSED_KERNELS.batchNormTrainGrad} needs float32 dy, x, y [..., C] and gamma, mean, variance [C]`);
    const { dy, x, y, gamma, mean, variance } = args.inputs as Record<string, TensorInfo>;
    const dx = b.makeOutput([...x!.shape], 'float32');
    const dgamma = b.makeOutput([g.c], 'float32');
    const dbeta = b.makeOutput([g.c], 'float32');
    addon.bnTrainBackward(b.wasm.HEAPU8.buffer as ArrayBuffer, offset(b, dy!), offset(b, x!), offset(b, y!), offset(b, gamma!), offset(b, mean!),
      offset(b, variance!), offset(b, dx), offset(b, dgamma), offset(b, dbeta), g.n, g.c, g.eps, g.act);
    return [dx, dgamma, dbeta];
  }) as unknown as KernelFunc;
}

function makeSpdSolve(addon: NativeAddon): KernelFunc {
  return ((args: KernelArgs) => {
    const b = args.backend as WasmBackendLike;
    const { a: A, b: B } = args.inputs;
    if (!A || !B || A.dtype !== 'float32' || B.dtype !== 'float32' || A.shape.length !== 2 || B.shape.length !== 2 ||
      A.shape[0] !== A.shape[1] || B.shape[0] !== A.shape[0] || A.shape[0] === 0 || B.shape[1] === 0) {
      throw new Error(`@sal/native: ${FUSED_KERNELS.spdSolve} needs float32 a [n,n] and b [n,m], got a [${A?.shape}] and b [${B?.shape}]`);
    }
    const [n, m] = B.shape as [number, number];
    const out = b.makeOutput([n, m], 'float32');
    const pivot = addon.spdSolve(b.wasm.HEAPU8.buffer as ArrayBuffer, offset(b, A), offset(b, B), offset(b, out), n, m);
    if (pivot !== 0) {
      (b as unknown as { disposeData(id: object): void }).disposeData(out.dataId);
      throw new Error(`@sal/native: ${FUSED_KERNELS.spdSolve}: a is not positive definite (pivot ${pivot - 1} ≤ 0)`);
    }
    return out;
  }) as unknown as KernelFunc;
}

let previous: Map<string, KernelConfig> | null = null;
/** The float64 routines registered before ours. */
let previousRoutines: Float64Routines | null = null;

/** Kernel names {@link registerNativeKernels} provides. */
export const NATIVE_KERNELS = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', 'Sum', 'Mean',
  'Add', 'Sub', 'Multiply', 'RealDiv', 'Square', 'Elu', 'EluGrad', 'Exp', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2D',
  FUSED_KERNELS.batchNormTrain, FUSED_KERNELS.batchNormTrainGrad, FUSED_KERNELS.spdSolve] as const;

/**
 * Register the native kernels on the `wasm` backend (idempotent), each falling back to the kernel registered
 * before it for what it does not handle, and the native float64 routines (`NATIVE_FLOAT64_ROUTINES`) in
 * `@sal/types`' registry. Register the wasm backend (import `@tensorflow/tfjs-backend-wasm`) and any kernels of
 * your own first. Returns the kernel names registered: empty when the addon is unavailable (see `nativeStatus()`).
 */
export function registerNativeKernels(): readonly string[] {
  if (previous) return NATIVE_KERNELS;
  const addon = loadNative();
  if (!addon) return [];
  const saved = new Map<string, KernelConfig>();
  const missing = (name: string): KernelFunc => (() => {
    throw new Error(`@sal/native: no fallback '${name}' kernel on the wasm backend for these arguments`);
  }) as unknown as KernelFunc;
  const make: Record<(typeof NATIVE_KERNELS)[number], (fb: KernelFunc) => KernelFunc> = {
    Conv2D: (fb) => makeConv(addon, fb, false),
    FusedConv2D: (fb) => makeConv(addon, fb, true),
    Conv2DBackpropInput: (fb) => makeBackpropInput(addon, fb),
    Conv2DBackpropFilter: (fb) => makeBackpropFilter(addon, fb),
    BatchMatMul: (fb) => makeBatchMatMul(addon, fb),
    Sum: (fb) => makeReduce(addon, fb, false),
    Mean: (fb) => makeReduce(addon, fb, true),
    Add: (fb) => makeBinary(addon, fb, 0),
    Sub: (fb) => makeBinary(addon, fb, 1),
    Multiply: (fb) => makeBinary(addon, fb, 2),
    RealDiv: (fb) => makeBinary(addon, fb, 3),
    Square: (fb) => makeUnary(addon, fb, 0),
    Elu: (fb) => makeUnary(addon, fb, 1),
    EluGrad: (fb) => makeEluGrad(addon, fb),
    Exp: (fb) => makeUnary(addon, fb, 3),
    DepthwiseConv2dNative: (fb) => makeDepthwise1x1(addon, fb, false),
    FusedDepthwiseConv2D: (fb) => makeDepthwise1x1(addon, fb, true),
    [FUSED_KERNELS.batchNormTrain]: () => makeBnTrain(addon),
    [FUSED_KERNELS.batchNormTrainGrad]: () => makeBnTrainGrad(addon),
    [FUSED_KERNELS.spdSolve]: () => makeSpdSolve(addon),
  };
  for (const name of NATIVE_KERNELS) {
    const old = getKernel(name, 'wasm');
    if (old) saved.set(name, old);
    const fallback = old?.kernelFunc ?? missing(name);
    if (old) unregisterKernel(name, 'wasm');
    registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: make[name](fallback), setupFunc: old?.setupFunc, disposeFunc: old?.disposeFunc });
  }
  previous = saved;
  previousRoutines = registerFloat64Routines(nativeFloat64Routines());
  return NATIVE_KERNELS;
}

/**
 * Put back the kernels that were registered before {@link registerNativeKernels} (e.g. to compare both), and the
 * float64 routines (unless others replaced ours since).
 */
export function unregisterNativeKernels(): void {
  if (!previous) return;
  if (float64Routines() === nativeFloat64Routines()) registerFloat64Routines(previousRoutines);
  previousRoutines = null;
  for (const name of NATIVE_KERNELS) {
    if (getKernel(name, 'wasm')) unregisterKernel(name, 'wasm');
    const old = previous.get(name);
    if (old) registerKernel(old);
  }
  previous = null;
}

/** Whether the native kernels are registered now. */
export function nativeKernelsRegistered(): boolean {
  return previous !== null;
}
