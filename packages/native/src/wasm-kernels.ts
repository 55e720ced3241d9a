/**
 * The native kernels registered on TensorFlow.js's wasm backend: `Conv2D`, `FusedConv2D` (bias + linear / relu /
 * elu / relu6 / leaky relu), `Conv2DBackpropInput` (stride 1), `Conv2DBackpropFilter`, `BatchMatMul` (a Gram matrix,
 * the same tensor on both sides with one of them transposed, is computed as its lower triangle and mirrored), and `Sum` /
 * `Mean` over one contiguous run of axes (e.g. the batch and spatial axes of NHWC: the wasm backend transposes first),
 * and, above 4096 elements, elementwise `Add` / `Sub` / `Multiply` / `RealDiv` (same shapes, a trailing row broadcast,
 * or a scalar), `Square`, `Elu`, `EluGrad`, `Exp`, and depthwise convolutions with channel multiplier 1 (forward, fused
 * forward; undilated: input gradient at stride 1, filter gradient; a 1×1 one is a per-channel affine map, e.g. batch-norm),
 * and `Slice`, `Concat`, `SplitV`, `PadV2` (a constant) along one axis (above 4096 elements, float32 or int32);
 * plus the fused kernels named in `@sal/types`' `FUSED_KERNELS`: training batch-norm (two passes each way), a
 * symmetric positive definite solve (blocked Cholesky), float32 tensors from float64 values, the depth-separable
 * block in one pass, and bilinear sampling with its gradient (the corners computed from the grid where it lives, no
 * read-back). They read and write the tensors where the wasm backend keeps them (its heap), so no data is copied;
 * shapes or attributes they do not handle go to the kernel that was registered before (the wasm backend's own, or
 * `@sal/backend`'s).
 */
import {
  backend_util,
  getKernel,
  slice_util,
  registerKernel,
  unregisterKernel,
  util,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, float64Routines, registerFloat64Routines, type Float64Routines } from '@sal/types';
import { loadNative, type ConvGeomArgs, type NativeAddon } from './addon.js';
import { nativeFloat64Routines } from './float64-routines.js';

/** What the kernels need of the wasm backend (structural: `BackendWasm` of @tensorflow/tfjs-backend-wasm). */
interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
  makeOutput(shape: number[], dtype: 'float32' | 'int32'): TensorInfo;
}

type KernelArgs = { inputs: Record<string, TensorInfo | undefined>; attrs: NamedAttrMap; backend: unknown };

// The addon's op codes (csrc/kernels.h: Activation, BinaryOp, UnaryOp, and the operand modes of `binary`).
const Activation = { linear: 0, relu: 1, elu: 2, relu6: 3, leakyrelu: 4 } as const;
const BinaryOp = { add: 0, sub: 1, mul: 2, div: 3 } as const;
const UnaryOp = { square: 0, elu: 1, relu: 2, exp: 3 } as const;
const OperandMode = { full: 0, row: 1, scalar: 2 } as const;

/** The addon's code of tfjs's activation `name` (`'linear'` when absent) in `table`, or `undefined` (then fall back). */
function activationCode(table: Readonly<Record<string, number>>, name: string | undefined): number | undefined {
  const key = name ?? 'linear';
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
/** The activations the fused batch-norm takes. */
const BN_ACTIVATIONS = { linear: Activation.linear, elu: Activation.elu } as const;

function offset(b: WasmBackendLike, t: TensorInfo): number {
  const d = b.dataIdMap.get(t.dataId);
  if (!d) throw new Error('@sal/native: tensor data is not on the wasm backend');
  return d.memoryOffset;
}

/** What a kernel body works with: the wasm backend's heap, where tensors live in it, and new outputs. */
interface KernelContext {
  /** The wasm heap. A getter: making an output can grow (and so replace) it, read it after the outputs are made. */
  readonly heap: ArrayBuffer;
  /** Byte offset of a tensor's data in the heap. */
  at(t: TensorInfo): number;
  /** A new output tensor (float32 unless `dtype` says otherwise). */
  output(shape: readonly number[], dtype?: 'float32' | 'int32'): TensorInfo;
  /** Release an output that will not be returned. */
  dispose(t: TensorInfo): void;
}

/** Returned by a kernel body for arguments it does not handle: the kernel registered before runs instead. */
const FALLBACK = Symbol('fallback');

/**
 * A native kernel from its body: `body` reads the inputs and attributes, returns the output(s), or {@link FALLBACK}
 * to hand these arguments to the kernel registered before it (given at registration).
 */
function defineKernel<A = NamedAttrMap>(
  body: (inputs: Record<string, TensorInfo | undefined>, attrs: A, k: KernelContext) => TensorInfo | TensorInfo[] | typeof FALLBACK,
): (fallback: KernelFunc) => KernelFunc {
  return (fallback) =>
    ((args: KernelArgs) => {
      const b = args.backend as WasmBackendLike;
      const k: KernelContext = {
        get heap() {
          return b.wasm.HEAPU8.buffer as ArrayBuffer;
        },
        at: (t) => offset(b, t),
        output: (shape, dtype = 'float32') => b.makeOutput([...shape], dtype),
        dispose: (t) => (b as unknown as { disposeData(id: object): void }).disposeData(t.dataId),
      };
      const out = body(args.inputs, args.attrs as unknown as A, k);
      return out === FALLBACK ? fallback(args as never) : out;
    }) as unknown as KernelFunc;
}

function geomArgs(info: backend_util.Conv2DInfo): ConvGeomArgs {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
    info.outHeight,
    info.outWidth,
  ];
}

function usable(info: backend_util.Conv2DInfo): boolean {
  return (
    info.dataFormat === 'channelsLast' &&
    info.padInfo.top >= 0 &&
    info.padInfo.left >= 0 &&
    info.batchSize > 0 &&
    info.outHeight > 0 &&
    info.outWidth > 0 &&
    info.inChannels === info.filterShape[2]
  );
}

type Shape4 = [number, number, number, number];
type Rounding = 'floor' | 'round' | 'ceil';
interface ConvAttrs {
  strides: [number, number] | number;
  pad: backend_util.PadInfo['type'] | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: [number, number] | number;
  dimRoundingMode?: Rounding;
  activation?: string;
  leakyreluAlpha?: number;
}

const conv = (addon: NativeAddon, fused: boolean) =>
  defineKernel<ConvAttrs>(({ x, filter, bias, preluActivationWeights }, a, k) => {
    const act = fused ? activationCode(Activation, a.activation) : Activation.linear;
    if (
      !x ||
      !filter ||
      x.dtype !== 'float32' ||
      filter.dtype !== 'float32' ||
      a.dataFormat === 'NCHW' ||
      act === undefined ||
      preluActivationWeights ||
      x.shape.length !== 4
    )
      return FALLBACK;
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      a.strides,
      a.dilations,
      a.pad as never,
      a.dimRoundingMode,
      false,
      'channelsLast',
    );
    const co = info.outChannels;
    if (!usable(info) || (bias && (bias.dtype !== 'float32' || util.sizeFromShape(bias.shape) !== co))) return FALLBACK;
    const out = k.output([info.batchSize, info.outHeight, info.outWidth, co]);
    addon.conv2dForward(k.heap, k.at(x), k.at(filter), bias ? k.at(bias) : -1, k.at(out), act, a.leakyreluAlpha ?? 0.2, ...geomArgs(info));
    return out;
  });

interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: never;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: Rounding;
}

const backpropInput = (addon: NativeAddon) =>
  defineKernel<ConvGradAttrs & { inputShape: Shape4 }>(({ dy, filter }, a, k) => {
    if (!dy || !filter || dy.dtype !== 'float32' || filter.dtype !== 'float32' || a.dataFormat === 'NCHW') return FALLBACK;
    const info = backend_util.computeConv2DInfo(a.inputShape, filter.shape as Shape4, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    if (
      !usable(info) ||
      info.strideHeight !== 1 ||
      info.strideWidth !== 1 ||
      info.padInfo.top > info.filterHeight - 1 ||
      info.padInfo.left > info.filterWidth - 1
    )
      return FALLBACK;
    const out = k.output(a.inputShape);
    if (!addon.conv2dBackpropInput(k.heap, k.at(dy), k.at(filter), k.at(out), ...geomArgs(info))) {
      throw new Error('@sal/native: Conv2DBackpropInput geometry refused after the checks passed');
    }
    return out;
  });

const backpropFilter = (addon: NativeAddon) =>
  defineKernel<ConvGradAttrs & { filterShape: Shape4 }>(({ x, dy }, a, k) => {
    if (!x || !dy || x.dtype !== 'float32' || dy.dtype !== 'float32' || a.dataFormat === 'NCHW') return FALLBACK;
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    if (!usable(info)) return FALLBACK;
    const out = k.output(a.filterShape);
    addon.conv2dBackpropFilter(k.heap, k.at(x), k.at(dy), k.at(out), ...geomArgs(info));
    return out;
  });

const batchMatMul = (addon: NativeAddon) =>
  defineKernel<{ transposeA: boolean; transposeB: boolean }>(({ a: A, b: B }, { transposeA, transposeB }, k) => {
    if (!A || !B || A.dtype !== 'float32' || B.dtype !== 'float32' || A.shape.length < 2 || B.shape.length < 2) return FALLBACK;
    const ra = A.shape.length,
      rb = B.shape.length;
    const m = transposeA ? A.shape[ra - 1]! : A.shape[ra - 2]!;
    const kk = transposeA ? A.shape[ra - 2]! : A.shape[ra - 1]!;
    const kb = transposeB ? B.shape[rb - 1]! : B.shape[rb - 2]!;
    const n = transposeB ? B.shape[rb - 2]! : B.shape[rb - 1]!;
    const batchA = util.sizeFromShape(A.shape.slice(0, -2)),
      batchB = util.sizeFromShape(B.shape.slice(0, -2));
    // only equal batch shapes, or one side without batch (broadcast): anything else goes to the fallback
    const sameBatch = ra === rb && A.shape.slice(0, -2).every((d, i) => d === B.shape[i]);
    if (kk !== kb || kk === 0 || m === 0 || n === 0 || !(sameBatch || batchA === 1 || batchB === 1)) return FALLBACK;
    const out = k.output([...(batchA >= batchB ? A.shape : B.shape).slice(0, -2), m, n]);
    // a and b at the same offset (the same tensor, or one sharing its data) with equal strides, m = n and one side
    // transposed: the addon sees a Gram matrix and computes half of it
    addon.batchMatMul(
      k.heap,
      k.at(A),
      k.at(B),
      k.at(out),
      Math.max(batchA, batchB),
      m,
      n,
      kk,
      transposeA ? 1 : 0,
      transposeB ? 1 : 0,
      batchA === 1 ? 0 : m * kk,
      batchB === 1 ? 0 : kk * n,
    );
    return out;
  });

const reduce = (addon: NativeAddon, mean: boolean) =>
  defineKernel<{ axis: number | number[]; keepDims: boolean }>(({ x }, { axis, keepDims }, k) => {
    if (x?.dtype !== 'float32' || x.shape.length === 0) return FALLBACK;
    const axes = [...new Set(util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
    if (axes.length === 0 || axes.some((a, i) => i > 0 && a !== axes[i - 1]! + 1)) return FALLBACK;
    const first = axes[0]!,
      last = axes[axes.length - 1]!;
    const outer = util.sizeFromShape(x.shape.slice(0, first));
    const red = util.sizeFromShape(x.shape.slice(first, last + 1));
    const inner = util.sizeFromShape(x.shape.slice(last + 1));
    if (outer === 0 || red === 0 || inner === 0) return FALLBACK;
    const out = k.output(keepDims ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d)) : x.shape.filter((_, i) => i < first || i > last));
    addon.reduceSum(k.heap, k.at(x), k.at(out), outer, red, inner, mean ? 1 / red : 1);
    return out;
  });

/** Below this many elements the wasm kernel is as fast (no threads, no call overhead). */
const ELEMENTWISE_MIN = 4096;

const binary = (addon: NativeAddon, op: number) =>
  defineKernel(({ a: A, b: B }, _, k) => {
    if (!A || !B || A.dtype !== 'float32' || B.dtype !== 'float32') return FALLBACK;
    const shape = backend_util.assertAndGetBroadcastShape(A.shape, B.shape);
    const size = util.sizeFromShape(shape);
    if (size < ELEMENTWISE_MIN) return FALLBACK;
    const mode = (s: number[]): number | null => {
      const n = util.sizeFromShape(s);
      if (n === size) return OperandMode.full;
      if (n === 1) return OperandMode.scalar;
      const core = s.slice(s.findIndex((d) => d !== 1));
      return core.every((d, i) => d === shape[shape.length - core.length + i]) ? OperandMode.row : null;
    };
    const am = mode(A.shape),
      bm = mode(B.shape);
    if (am === null || bm === null) return FALLBACK;
    const inner = am === OperandMode.row ? util.sizeFromShape(A.shape) : bm === OperandMode.row ? util.sizeFromShape(B.shape) : size;
    const out = k.output(shape);
    addon.binary(k.heap, k.at(A), k.at(B), k.at(out), op, size / inner, inner, am, bm);
    return out;
  });

const unary = (addon: NativeAddon, op: number) =>
  defineKernel(({ x }, _, k) => {
    if (x?.dtype !== 'float32' || util.sizeFromShape(x.shape) < ELEMENTWISE_MIN) return FALLBACK;
    const out = k.output(x.shape);
    addon.unary(k.heap, k.at(x), k.at(out), op, util.sizeFromShape(x.shape), 0);
    return out;
  });

const eluGrad = (addon: NativeAddon) =>
  defineKernel(({ dy, y }, _, k) => {
    if (!dy || !y || dy.dtype !== 'float32' || y.dtype !== 'float32' || !util.arraysEqual(dy.shape, y.shape) || util.sizeFromShape(y.shape) < ELEMENTWISE_MIN)
      return FALLBACK;
    const out = k.output(y.shape);
    addon.eluGrad(k.heap, k.at(dy), k.at(y), k.at(out), util.sizeFromShape(y.shape));
    return out;
  });

interface DepthwiseAttrs {
  strides: [number, number] | number;
  pad: backend_util.PadInfo['type'] | number | backend_util.ExplicitPadding;
  dilations?: [number, number] | number;
  dimRoundingMode?: Rounding;
  dataFormat: string;
  activation?: string;
  leakyreluAlpha?: number;
}

/** The geometry of a multiplier-1 depthwise convolution of x `xShape` by `filterShape`, or `null` when not ours. */
function depthwiseInfo(xShape: readonly number[], filterShape: readonly number[], a: Omit<DepthwiseAttrs, 'activation'>): backend_util.Conv2DInfo | null {
  if (xShape.length !== 4 || filterShape.length !== 4 || filterShape[3] !== 1 || a.dataFormat === 'NCHW') return null;
  const info = backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    a.strides,
    a.dilations ?? 1,
    a.pad as never,
    a.dimRoundingMode,
    true,
    'channelsLast',
  );
  return info.outChannels === info.inChannels && usable(info) ? info : null;
}

/**
 * Depthwise convolutions with channel multiplier 1 (+ bias, activation): a 1×1 stride-1 one is a per-channel affine
 * map, any other runs the addon's depthwise kernel (threads over output rows).
 */
const depthwise = (addon: NativeAddon, fused: boolean) =>
  defineKernel<DepthwiseAttrs>(({ x, filter, bias, preluActivationWeights }, a, k) => {
    const act = fused ? activationCode(Activation, a.activation) : Activation.linear;
    if (!x || !filter || x.dtype !== 'float32' || filter.dtype !== 'float32' || act === undefined || preluActivationWeights) return FALLBACK;
    const info = depthwiseInfo(x.shape, filter.shape, a);
    if (!info) return FALLBACK;
    const c = info.inChannels;
    if (bias && (bias.dtype !== 'float32' || util.sizeFromShape(bias.shape) !== c)) return FALLBACK;
    const pointwise =
      info.filterHeight === 1 &&
      info.filterWidth === 1 &&
      info.strideHeight === 1 &&
      info.strideWidth === 1 &&
      info.outHeight === info.inHeight &&
      info.outWidth === info.inWidth;
    if (pointwise) {
      if (util.sizeFromShape(x.shape) < ELEMENTWISE_MIN) return FALLBACK;
      const out = k.output(x.shape);
      addon.channelAffine(k.heap, k.at(x), k.at(filter), bias ? k.at(bias) : -1, k.at(out), util.sizeFromShape(x.shape) / c, c, act, a.leakyreluAlpha ?? 0.2);
      return out;
    }
    const out = k.output([info.batchSize, info.outHeight, info.outWidth, c]);
    if (!addon.depthwiseForward(k.heap, k.at(x), k.at(filter), bias ? k.at(bias) : -1, k.at(out), act, a.leakyreluAlpha ?? 0.2, ...geomArgs(info))) {
      k.dispose(out);
      return FALLBACK;
    }
    return out;
  });

type DepthwiseGradAttrs = Omit<DepthwiseAttrs, 'activation' | 'leakyreluAlpha' | 'dataFormat'> & { dataFormat?: string };

/** The gradients' geometry: undilated only (tfjs's depthwise gradient refuses dilations, and its cpu kernels ignore them). */
function depthwiseGradInfo(xShape: readonly number[], filterShape: readonly number[], dy: TensorInfo, a: DepthwiseGradAttrs): backend_util.Conv2DInfo | null {
  const info = depthwiseInfo(xShape, filterShape, { ...a, dataFormat: a.dataFormat ?? 'NHWC' });
  if (!info || info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  return util.arraysEqual(dy.shape, [info.batchSize, info.outHeight, info.outWidth, info.outChannels]) ? info : null;
}

/** The input gradient of a stride-1, undilated, multiplier-1 depthwise convolution. */
const depthwiseBackpropInput = (addon: NativeAddon) =>
  defineKernel<DepthwiseGradAttrs & { inputShape: Shape4 }>(({ dy, filter }, a, k) => {
    if (!dy || !filter || dy.dtype !== 'float32' || filter.dtype !== 'float32') return FALLBACK;
    const info = depthwiseGradInfo(a.inputShape, filter.shape, dy, a);
    if (!info) return FALLBACK;
    const out = k.output(a.inputShape);
    if (!addon.depthwiseBackpropInput(k.heap, k.at(dy), k.at(filter), k.at(out), ...geomArgs(info))) {
      k.dispose(out);
      return FALLBACK;
    }
    return out;
  });

/** The filter gradient of an undilated, multiplier-1 depthwise convolution. */
const depthwiseBackpropFilter = (addon: NativeAddon) =>
  defineKernel<DepthwiseGradAttrs & { filterShape: Shape4 }>(({ x, dy }, a, k) => {
    if (!x || !dy || x.dtype !== 'float32' || dy.dtype !== 'float32') return FALLBACK;
    const info = depthwiseGradInfo(x.shape, a.filterShape, dy, a);
    if (!info) return FALLBACK;
    const out = k.output(a.filterShape);
    if (!addon.depthwiseBackpropFilter(k.heap, k.at(x), k.at(dy), k.at(out), ...geomArgs(info))) {
      k.dispose(out);
      return FALLBACK;
    }
    return out;
  });

/** The dtypes the run-copy kernels move (4 bytes each). */
const RUN_DTYPES: readonly string[] = ['float32', 'int32'];

/**
 * A slice that cuts one axis only (e.g. channels of NHWC: the wasm backend copies element by element there) of a
 * 4-byte dtype: rows of the input copied as runs. Above 4096 elements; anything else goes to the fallback.
 */
const slice = (addon: NativeAddon) =>
  defineKernel<{ begin: number | number[]; size: number | number[] }>(({ x }, a, k) => {
    if (!x || !RUN_DTYPES.includes(x.dtype) || x.shape.length === 0) return FALLBACK;
    const [begin, size] = slice_util.parseSliceParams(x as never, a.begin, a.size) as [number[], number[]];
    const cut = x.shape.map((d, i) => begin[i] !== 0 || size[i] !== d);
    const axis = cut.indexOf(true);
    if (axis < 0 || cut.lastIndexOf(true) !== axis || util.sizeFromShape(size) < ELEMENTWISE_MIN) return FALLBACK;
    const inner = util.sizeFromShape(x.shape.slice(axis + 1));
    const len = size[axis]! * inner;
    const out = k.output(size, x.dtype as 'float32' | 'int32');
    addon.copyRuns(
      k.heap,
      k.at(x) + begin[axis]! * inner * 4,
      x.shape[axis]! * inner,
      k.at(out),
      len,
      util.sizeFromShape(x.shape.slice(0, axis)),
      len,
      0,
      0,
      0,
    );
    return out;
  });

/** Concatenation of tensors of one 4-byte dtype along any axis (each input's rows copied into place), above 4096 elements. */
const concat = (addon: NativeAddon) =>
  defineKernel<{ axis: number | number[] }>((inputs, a, k) => {
    const xs = Object.values(inputs) as TensorInfo[];
    const first = xs[0];
    if (!first || first.shape.length === 0 || xs.some((t) => !t || t.dtype !== first.dtype || t.shape.length !== first.shape.length)) return FALLBACK;
    if (!RUN_DTYPES.includes(first.dtype)) return FALLBACK;
    const axis = util.parseAxisParam(a.axis, first.shape)[0]!;
    const shape = [...first.shape];
    shape[axis] = xs.reduce((n, t) => n + t.shape[axis]!, 0);
    if (xs.some((t) => t.shape.some((d, i) => i !== axis && d !== shape[i])) || util.sizeFromShape(shape) < ELEMENTWISE_MIN) return FALLBACK;
    const outer = util.sizeFromShape(shape.slice(0, axis));
    const inner = util.sizeFromShape(shape.slice(axis + 1));
    const row = shape[axis]! * inner;
    const out = k.output(shape, first.dtype as 'float32' | 'int32');
    let at = 0;
    for (const t of xs) {
      const len = t.shape[axis]! * inner;
      if (len > 0 && outer > 0) addon.copyRuns(k.heap, k.at(t), len, k.at(out) + at * 4, row, outer, len, 0, 0, 0);
      at += len;
    }
    return out;
  });

/** A split along one axis (each output's rows copied out), 4-byte dtypes, above 4096 elements, no empty part. */
const splitV = (addon: NativeAddon) =>
  defineKernel<{ numOrSizeSplits: number | number[]; axis: number | number[] }>(({ x }, a, k) => {
    if (!x || !RUN_DTYPES.includes(x.dtype) || x.shape.length === 0 || util.sizeFromShape(x.shape) < ELEMENTWISE_MIN) return FALLBACK;
    const axis = util.parseAxisParam(a.axis, x.shape)[0]!;
    const sizes = backend_util.prepareSplitSize(x as never, a.numOrSizeSplits, axis);
    if (sizes.some((n) => !(n > 0))) return FALLBACK;
    const outer = util.sizeFromShape(x.shape.slice(0, axis));
    const inner = util.sizeFromShape(x.shape.slice(axis + 1));
    const row = x.shape[axis]! * inner;
    let at = 0;
    return sizes.map((n) => {
      const shape = [...x.shape];
      shape[axis] = n;
      const out = k.output(shape, x.dtype as 'float32' | 'int32');
      if (outer > 0) addon.copyRuns(k.heap, k.at(x) + at * 4, row, k.at(out), n * inner, outer, n * inner, 0, 0, 0);
      at += n * inner;
      return out;
    });
  });

/**
 * A constant pad of one axis (e.g. the gradient of a channel slice), 4-byte dtypes (int32 with 0 only), above 4096
 * output elements.
 */
const padV2 = (addon: NativeAddon) =>
  defineKernel<{ paddings: [number, number][]; constantValue: number }>(({ x }, a, k) => {
    if (!x || !RUN_DTYPES.includes(x.dtype) || x.shape.length === 0 || a.paddings.length !== x.shape.length) return FALLBACK;
    if (x.dtype === 'int32' && a.constantValue !== 0) return FALLBACK;
    const padded = a.paddings.map(([p, q]) => p !== 0 || q !== 0);
    const axis = padded.indexOf(true);
    if (axis < 0 || padded.lastIndexOf(true) !== axis) return FALLBACK;
    const [before, after] = a.paddings[axis]!;
    if (!(before >= 0 && after >= 0)) return FALLBACK;
    const shape = x.shape.map((d, i) => (i === axis ? d + before + after : d));
    if (util.sizeFromShape(shape) < ELEMENTWISE_MIN) return FALLBACK;
    const outer = util.sizeFromShape(x.shape.slice(0, axis));
    const inner = util.sizeFromShape(x.shape.slice(axis + 1));
    const len = x.shape[axis]! * inner;
    const out = k.output(shape, x.dtype as 'float32' | 'int32');
    if (outer > 0) addon.copyRuns(k.heap, k.at(x), len, k.at(out), shape[axis]! * inner, outer, len, before * inner, after * inner, a.constantValue);
    return out;
  });

interface BnAttrs {
  epsilon: number;
  activation?: string;
}

/** The sizes of a fused batch-norm call over x `[..., C]`, or `null` when the inputs `names` don't fit. */
function bnArgs(
  inputs: Record<string, TensorInfo | undefined>,
  { epsilon, activation }: BnAttrs,
  names: string[],
): { n: number; c: number; eps: number; act: number } | null {
  const x = inputs[names[0]!];
  const act = activationCode(BN_ACTIVATIONS, activation);
  if (!x || x.shape.length < 2 || act === undefined || !(epsilon >= 0)) return null;
  const c = x.shape[x.shape.length - 1]!;
  const n = util.sizeFromShape(x.shape) / c;
  const ok =
    n > 0 &&
    names.every((key) => {
      const v = inputs[key];
      return (
        v !== undefined &&
        v.dtype === 'float32' &&
        (key === 'gamma' || key === 'beta' || key === 'mean' || key === 'variance' ? util.sizeFromShape(v.shape) === c : util.arraysEqual(v.shape, x.shape))
      );
    });
  return ok ? { n, c, eps: epsilon, act } : null;
}

const bnTrain = (addon: NativeAddon) =>
  defineKernel<BnAttrs>((inputs, attrs, k) => {
    const g = bnArgs(inputs, attrs, ['x', 'gamma', 'beta']);
    if (!g) {
      throw new Error(
        `@sal/native: ${FUSED_KERNELS.batchNormTrain} needs float32 x [..., C], gamma [C], beta [C], epsilon ≥ 0 and activation ` + "'linear' | 'elu'",
      );
    }
    const { x, gamma, beta } = inputs as Record<string, TensorInfo>;
    const y = k.output(x!.shape),
      mean = k.output([g.c]),
      variance = k.output([g.c]);
    addon.bnTrainForward(k.heap, k.at(x!), k.at(gamma!), k.at(beta!), k.at(y), k.at(mean), k.at(variance), g.n, g.c, g.eps, g.act);
    return [y, mean, variance];
  });

const bnTrainGrad = (addon: NativeAddon) =>
  defineKernel<BnAttrs>((inputs, attrs, k) => {
    const g = bnArgs(inputs, attrs, ['x', 'dy', 'y', 'gamma', 'mean', 'variance']);
    if (!g) throw new Error(`@sal/native: ${FUSED_KERNELS.batchNormTrainGrad} needs float32 dy, x, y [..., C] and gamma, mean, variance [C]`);
    const { dy, x, y, gamma, mean, variance } = inputs as Record<string, TensorInfo>;
    const dx = k.output(x!.shape),
      dgamma = k.output([g.c]),
      dbeta = k.output([g.c]);
    addon.bnTrainBackward(
      k.heap,
      k.at(dy!),
      k.at(x!),
      k.at(y!),
      k.at(gamma!),
      k.at(mean!),
      k.at(variance!),
      k.at(dx),
      k.at(dgamma),
      k.at(dbeta),
      g.n,
      g.c,
      g.eps,
      g.act,
    );
    return [dx, dgamma, dbeta];
  });

const SEPARABLE_ACTIVATIONS = { linear: Activation.linear, elu: Activation.elu } as const;

/** The fused depth-separable block (`FUSED_KERNELS.separableConv`). */
const separableConv = (addon: NativeAddon) =>
  defineKernel<{ pad?: string; activation?: string }>(({ x, inKernel, depthwise: dw, outKernel, bias }, a, k) => {
    const act = activationCode(SEPARABLE_ACTIVATIONS, a.activation);
    const ok =
      x &&
      inKernel &&
      dw &&
      outKernel &&
      [x, inKernel, dw, outKernel, bias].every((t) => !t || t.dtype === 'float32') &&
      x.shape.length === 4 &&
      inKernel.shape.length === 4 &&
      dw.shape.length === 4 &&
      outKernel.shape.length === 4 &&
      inKernel.shape[0] === 1 &&
      inKernel.shape[1] === 1 &&
      inKernel.shape[2] === x.shape[3] &&
      dw.shape[0] === dw.shape[1] &&
      dw.shape[2] === inKernel.shape[3] &&
      dw.shape[3] === 1 &&
      outKernel.shape[0] === 1 &&
      outKernel.shape[1] === 1 &&
      outKernel.shape[2] === inKernel.shape[3] &&
      (!bias || util.sizeFromShape(bias.shape) === outKernel.shape[3]) &&
      (a.pad === 'valid' || (a.pad === 'same' && (dw.shape[0] as number) % 2 === 1)) &&
      act !== undefined;
    if (!ok) {
      throw new Error(
        `@sal/native: ${FUSED_KERNELS.separableConv} needs float32 x [B,H,W,Ci], inKernel [1,1,Ci,C1], depthwise [k,k,C1,1], ` +
          "outKernel [1,1,C1,Co], bias [Co] or none, pad 'same' (k odd) | 'valid', activation 'linear' | 'elu'",
      );
    }
    const [n, h, w, ci] = x.shape as [number, number, number, number];
    const kk = dw.shape[0] as number;
    const c1 = inKernel.shape[3] as number;
    const co = outKernel.shape[3] as number;
    const pad = a.pad === 'same' ? (kk - 1) / 2 : 0;
    const ho = h + 2 * pad - kk + 1;
    const wo = w + 2 * pad - kk + 1;
    if (ho < 1 || wo < 1) throw new Error(`@sal/native: ${FUSED_KERNELS.separableConv}: a ${kk}×${kk} 'valid' window does not fit a ${h}×${w} input`);
    const out = k.output([n, ho, wo, co]);
    if (n === 0) return out;
    const done = addon.separableForward(
      k.heap,
      k.at(x),
      k.at(inKernel),
      k.at(dw),
      k.at(outKernel),
      bias ? k.at(bias) : -1,
      k.at(out),
      act,
      0,
      n,
      h,
      w,
      ci,
      c1,
      co,
      kk,
      pad,
      ho,
      wo,
    );
    if (!done) {
      k.dispose(out);
      throw new Error(`@sal/native: ${FUSED_KERNELS.separableConv}: a ${kk}×${kk} depthwise kernel is not handled (at most 64)`);
    }
    return out;
  });

/** The sizes of a bilinear sampling call, or null when the shapes do not fit the contract. */
function bilinearSizes(f: TensorInfo | undefined, grid: TensorInfo | undefined): [number, number, number, number, number, number] | null {
  if (!f || !grid || f.dtype !== 'float32' || grid.dtype !== 'float32' || f.shape.length !== 4) return null;
  const [b, h, w, c] = f.shape as [number, number, number, number];
  const shared = grid.shape.length === 2;
  if (!shared && (grid.shape.length !== 3 || grid.shape[0] !== b)) return null;
  if (grid.shape[grid.shape.length - 1] !== 2 || h < 1 || w < 1 || c < 1) return null;
  return [b, h, w, c, grid.shape[grid.shape.length - 2] as number, shared ? 1 : 0];
}

const BILINEAR_CONTRACT = 'float32 features [B,H,W,C] (H, W, C ≥ 1) and grid [B,N,2] or [N,2]';

/** Bilinear sampling (`FUSED_KERNELS.bilinearSample`). */
const bilinearSample = (addon: NativeAddon) =>
  defineKernel(({ features, grid }, _, k) => {
    const s = bilinearSizes(features, grid);
    if (!s) throw new Error(`@sal/native: ${FUSED_KERNELS.bilinearSample} needs ${BILINEAR_CONTRACT}, got [${features?.shape}] and [${grid?.shape}]`);
    const [b, , , c, n] = s;
    const out = k.output([b, n, c]);
    if (b * n > 0) addon.bilinearSample(k.heap, k.at(features!), k.at(grid!), k.at(out), ...s);
    return out;
  });

/** Its gradient (`FUSED_KERNELS.bilinearSampleGrad`). */
const bilinearSampleGrad = (addon: NativeAddon) =>
  defineKernel(({ dy, features, grid }, _, k) => {
    const s = bilinearSizes(features, grid);
    if (!s || !dy || dy.dtype !== 'float32' || !util.arraysEqual(dy.shape, [s[0], s[4], s[3]])) {
      throw new Error(`@sal/native: ${FUSED_KERNELS.bilinearSampleGrad} needs ${BILINEAR_CONTRACT} and dy [B,N,C]`);
    }
    const dFeat = k.output(features!.shape);
    const dGrid = k.output(grid!.shape);
    addon.bilinearSampleGrad(k.heap, k.at(dy), k.at(features!), k.at(grid!), k.at(dFeat), k.at(dGrid), ...s);
    return [dFeat, dGrid];
  });

const spdSolve = (addon: NativeAddon) =>
  defineKernel(({ a: A, b: B }, _, k) => {
    if (
      !A ||
      !B ||
      A.dtype !== 'float32' ||
      B.dtype !== 'float32' ||
      A.shape.length !== 2 ||
      B.shape.length !== 2 ||
      A.shape[0] !== A.shape[1] ||
      B.shape[0] !== A.shape[0] ||
      A.shape[0] === 0 ||
      B.shape[1] === 0
    ) {
      throw new Error(`@sal/native: ${FUSED_KERNELS.spdSolve} needs float32 a [n,n] and b [n,m], got a [${A?.shape}] and b [${B?.shape}]`);
    }
    const [n, m] = B.shape as [number, number];
    const out = k.output([n, m]);
    const pivot = addon.spdSolve(k.heap, k.at(A), k.at(B), k.at(out), n, m);
    if (pivot !== 0) {
      k.dispose(out);
      throw new Error(`@sal/native: ${FUSED_KERNELS.spdSolve}: a is not positive definite (pivot ${pivot - 1} ≤ 0)`);
    }
    return out;
  });

/** A float32 tensor from float64 values (`FUSED_KERNELS.fromFloat64`): converted straight into the heap, in threads. */
const fromFloat64 = (addon: NativeAddon) =>
  defineKernel<{ values?: unknown; shape?: unknown }>((_, { values, shape }, k) => {
    const dims = Array.isArray(shape) && shape.every((v) => Number.isInteger(v) && v >= 0) ? (shape as number[]) : null;
    if (!(values instanceof Float64Array) || !dims || dims.reduce((p, v) => p * v, 1) !== values.length) {
      throw new Error(
        `@sal/native: ${FUSED_KERNELS.fromFloat64} needs attrs values (a Float64Array) and shape (its size), got ${typeof values} and [${shape}]`,
      );
    }
    const out = k.output(dims);
    const bad = values.length > 0 ? addon.fromFloat64(k.heap, k.at(out), values, values.length) : -1;
    if (bad >= 0) {
      k.dispose(out);
      throw new Error(`@sal/native: ${FUSED_KERNELS.fromFloat64}: value not finite at ${bad} in float32 (${values[bad]})`);
    }
    return out;
  });

let previous: Map<string, KernelConfig> | null = null;
/** The float64 routines registered before ours. */
let previousRoutines: Float64Routines | null = null;

/** Kernel names {@link registerNativeKernels} provides. */
export const NATIVE_KERNELS = [
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'BatchMatMul',
  'Sum',
  'Mean',
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
  'Square',
  'Elu',
  'EluGrad',
  'Exp',
  'DepthwiseConv2dNative',
  'FusedDepthwiseConv2D',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'Slice',
  'Concat',
  'SplitV',
  'PadV2',
  FUSED_KERNELS.batchNormTrain,
  FUSED_KERNELS.batchNormTrainGrad,
  FUSED_KERNELS.spdSolve,
  FUSED_KERNELS.fromFloat64,
  FUSED_KERNELS.separableConv,
  FUSED_KERNELS.bilinearSample,
  FUSED_KERNELS.bilinearSampleGrad,
] as const;

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
  const missing = (name: string): KernelFunc =>
    (() => {
      throw new Error(`@sal/native: no fallback '${name}' kernel on the wasm backend for these arguments`);
    }) as unknown as KernelFunc;
  const make: Record<(typeof NATIVE_KERNELS)[number], (fallback: KernelFunc) => KernelFunc> = {
    Conv2D: conv(addon, false),
    FusedConv2D: conv(addon, true),
    Conv2DBackpropInput: backpropInput(addon),
    Conv2DBackpropFilter: backpropFilter(addon),
    BatchMatMul: batchMatMul(addon),
    Sum: reduce(addon, false),
    Mean: reduce(addon, true),
    Add: binary(addon, BinaryOp.add),
    Sub: binary(addon, BinaryOp.sub),
    Multiply: binary(addon, BinaryOp.mul),
    RealDiv: binary(addon, BinaryOp.div),
    Square: unary(addon, UnaryOp.square),
    Elu: unary(addon, UnaryOp.elu),
    EluGrad: eluGrad(addon),
    Exp: unary(addon, UnaryOp.exp),
    DepthwiseConv2dNative: depthwise(addon, false),
    FusedDepthwiseConv2D: depthwise(addon, true),
    DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput(addon),
    DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter(addon),
    Slice: slice(addon),
    Concat: concat(addon),
    SplitV: splitV(addon),
    PadV2: padV2(addon),
    [FUSED_KERNELS.batchNormTrain]: bnTrain(addon),
    [FUSED_KERNELS.batchNormTrainGrad]: bnTrainGrad(addon),
    [FUSED_KERNELS.spdSolve]: spdSolve(addon),
    [FUSED_KERNELS.fromFloat64]: fromFloat64(addon),
    [FUSED_KERNELS.separableConv]: separableConv(addon),
    [FUSED_KERNELS.bilinearSample]: bilinearSample(addon),
    [FUSED_KERNELS.bilinearSampleGrad]: bilinearSampleGrad(addon),
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
