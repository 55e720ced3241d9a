/**
 * The depth-separable block `act(conv1×1(depthwise(conv1×1(x, inKernel), depthwise, stride 1, pad), outKernel) + bias)`
 * as one op. On a backend that registers `FUSED_KERNELS.separableConv` (`@sal/native` on wasm) it is one kernel and
 * the two intermediate maps `[B,H,W,C1]`, `[B,Ho,Wo,C1]` are never written; elsewhere it is the three tfjs ops.
 */
import { FUSED_KERNELS, SalConfigError, SalShapeError, checkOneOf, resolveOptions } from '@sal/types';
import * as tf from '@tensorflow/tfjs-core';

const WHERE = 'layers.separableConv';

/** The three kernels of a depth-separable block. */
export interface SeparableKernels {
  /** The first 1×1 convolution `[1, 1, Ci, C1]`. */
  inKernel: tf.Tensor4D;
  /** The depthwise convolution `[k, k, C1, 1]` (channel multiplier 1; k odd for `'same'`). */
  depthwise: tf.Tensor4D;
  /** The second 1×1 convolution `[1, 1, C1, Co]`. */
  outKernel: tf.Tensor4D;
}

/** Options of {@link separableConv}. */
export interface SeparableConvOptions {
  /** Added after the second 1×1 convolution, `[Co]`, or `null` for none. @default null */
  bias?: tf.Tensor1D | null;
  /** The depthwise convolution's padding: `'same'` (output `[B,H,W,Co]`) or `'valid'` (`[B,H−k+1,W−k+1,Co]`). @default 'same' */
  pad?: 'same' | 'valid';
  /** Applied last. @default 'linear' */
  activation?: 'linear' | 'elu';
}

/** Defaults of {@link SeparableConvOptions}. */
export const SEPARABLE_CONV_DEFAULTS: Readonly<Required<SeparableConvOptions>> = Object.freeze({ bias: null, pad: 'same', activation: 'linear' });

/** Whether the backend in use registers the fused kernel (`FUSED_KERNELS.separableConv` of `@sal/types`). */
export function hasFusedSeparableConv(): boolean {
  return tf.getKernel(FUSED_KERNELS.separableConv, tf.getBackend()) !== undefined;
}

function resolve(where: string, x: tf.Tensor4D, k: SeparableKernels, opts: SeparableConvOptions | undefined): Required<SeparableConvOptions> {
  const o = resolveOptions(where, SEPARABLE_CONV_DEFAULTS, opts);
  checkOneOf(where, 'pad', o.pad, ['same', 'valid'] as const);
  checkOneOf(where, 'activation', o.activation, ['linear', 'elu'] as const);
  if (!(x instanceof tf.Tensor) || x.rank !== 4) throw new SalShapeError(where, 'x [B,H,W,Ci]', x instanceof tf.Tensor ? x.shape : typeof x);
  const ci = x.shape[3];
  const { inKernel, depthwise, outKernel } = k ?? ({} as SeparableKernels);
  for (const [name, t] of [
    ['inKernel', inKernel],
    ['depthwise', depthwise],
    ['outKernel', outKernel],
  ] as const) {
    if (!(t instanceof tf.Tensor) || t.rank !== 4) throw new SalShapeError(where, `${name}, a rank-4 tensor`, t instanceof tf.Tensor ? t.shape : typeof t);
  }
  if (inKernel.shape[0] !== 1 || inKernel.shape[1] !== 1 || inKernel.shape[2] !== ci) throw new SalShapeError(where, `inKernel [1,1,${ci},C1]`, inKernel.shape);
  const c1 = inKernel.shape[3];
  const kk = depthwise.shape[0];
  if (depthwise.shape[1] !== kk || depthwise.shape[2] !== c1 || depthwise.shape[3] !== 1)
    throw new SalShapeError(where, `depthwise [k,k,${c1},1]`, depthwise.shape);
  if (outKernel.shape[0] !== 1 || outKernel.shape[1] !== 1 || outKernel.shape[2] !== c1)
    throw new SalShapeError(where, `outKernel [1,1,${c1},Co]`, outKernel.shape);
  if (o.pad === 'same' && kk % 2 === 0)
    throw new SalConfigError(where, 'pad', "'valid' for an even depthwise kernel (tfjs pads 'same' asymmetrically then)", o.pad);
  if (o.pad === 'valid' && (x.shape[1] < kk || x.shape[2] < kk))
    throw new SalShapeError(where, `x at least ${kk}×${kk} for a 'valid' ${kk}×${kk} kernel`, x.shape);
  const co = outKernel.shape[3];
  if (o.bias !== null && (!(o.bias instanceof tf.Tensor) || o.bias.size !== co || o.bias.rank !== 1)) {
    throw new SalShapeError(where, `bias [${co}]`, o.bias instanceof tf.Tensor ? o.bias.shape : typeof o.bias);
  }
  for (const [name, t] of [
    ['x', x],
    ['inKernel', inKernel],
    ['depthwise', depthwise],
    ['outKernel', outKernel],
    ...(o.bias ? [['bias', o.bias] as const] : []),
  ] as const) {
    if (t.dtype !== 'float32') throw new SalShapeError(where, `${name} of dtype float32`, t.dtype);
  }
  return o;
}

/**
 * The depth-separable block in one op (see the module doc). Its gradient computes only what the tape asks for: x's
 * needs no intermediate map (the block is linear before its activation: three transposed convolutions), while the
 * kernels' recompute the maps they read. So it suits evaluation and input gradients (gRFs, MEIs); training, which
 * needs every kernel's gradient, is cheaper with the three ops ({@link separableConvComposite}), which keep the maps.
 * @returns `[B, Ho, Wo, Co]`
 */
export function separableConv(x: tf.Tensor4D, kernels: SeparableKernels, opts?: SeparableConvOptions): tf.Tensor4D {
  const o = resolve(WHERE, x, kernels, opts);
  if (!hasFusedSeparableConv()) return composite(x, kernels, o);
  registerSeparableGradient();
  const inputs: tf.NamedTensorMap = { x, inKernel: kernels.inKernel, depthwise: kernels.depthwise, outKernel: kernels.outKernel };
  if (o.bias) inputs['bias'] = o.bias;
  return tf.engine().runKernel(FUSED_KERNELS.separableConv, inputs, { pad: o.pad, activation: o.activation } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/**
 * {@link separableConv} from three tfjs ops whatever the backend registers (the portable path, the one training
 * uses, and the reference the fused kernel is tested against).
 * @returns `[B, Ho, Wo, Co]`
 */
export function separableConvComposite(x: tf.Tensor4D, kernels: SeparableKernels, opts?: SeparableConvOptions): tf.Tensor4D {
  return composite(x, kernels, resolve(`${WHERE}Composite`, x, kernels, opts));
}

function composite(x: tf.Tensor4D, k: SeparableKernels, o: Required<SeparableConvOptions>): tf.Tensor4D {
  return tf.tidy(() => {
    const a = tf.conv2d(x, k.inKernel, 1, 'valid');
    const b = tf.depthwiseConv2d(a, k.depthwise, 1, o.pad);
    return tf.fused.conv2d({ x: b, filter: k.outKernel, strides: 1, pad: 'valid', bias: o.bias ?? undefined, activation: o.activation });
  });
}

/** `[1,1,a,b]` → `[1,1,b,a]`: the 1×1 kernel of the transposed map. */
const transpose1x1 = (w: tf.Tensor): tf.Tensor4D => tf.transpose(w, [0, 1, 3, 2]) as tf.Tensor4D;

/** Σ over pixels of `u[p,i]·v[p,j]` as a `[1,1,I,J]` kernel (a 1×1 convolution's filter gradient). */
function pixelProduct(u: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  const n = u.shape[0] * u.shape[1] * u.shape[2];
  const [i, j] = [u.shape[3], v.shape[3]];
  return tf.reshape(tf.matMul(tf.reshape(u, [n, i]), tf.reshape(v, [n, j]), true, false), [1, 1, i, j]);
}

/**
 * The gradient of the fused kernel. With g = dL/d(pre-activation) and d_b = g·outKernelᵀ (the gradient at the
 * depthwise output), x's gradient is (depthwiseᵀ d_b)·inKernelᵀ, where depthwiseᵀ is the depthwise convolution with
 * the kernel turned 180° ('same'; 'valid' pads d_b by k − 1 first). The kernels' gradients recompute the map each
 * reads (a = x·inKernel, b = depthwise(a)). Each is a thunk, and tfjs calls only those of inputs on the tape's path.
 */
function registerSeparableGradient(): void {
  if (tf.getGradient(FUSED_KERNELS.separableConv)) return;
  tf.registerGradient({
    kernelName: FUSED_KERNELS.separableConv,
    inputsToSave: ['x', 'inKernel', 'depthwise', 'outKernel'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, w1, dw, w2, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const pad = (attrs as unknown as { pad: 'same' | 'valid' }).pad;
      const elu = (attrs as unknown as { activation: string }).activation === 'elu';
      const g = (elu ? tf.engine().runKernel('EluGrad', { dy: dy as tf.Tensor, y }) : dy) as tf.Tensor4D;
      const db = tf.conv2d(g, transpose1x1(w2), 1, 'valid');
      const k = dw.shape[0];
      const da = (): tf.Tensor4D => {
        const turned = tf.reverse(dw, [0, 1]) as tf.Tensor4D;
        if (pad === 'same') return tf.depthwiseConv2d(db, turned, 1, 'same');
        const p = k - 1;
        return tf.depthwiseConv2d(
          tf.pad(db, [
            [0, 0],
            [p, p],
            [p, p],
            [0, 0],
          ]),
          turned,
          1,
          'valid',
        );
      };
      const a = (): tf.Tensor4D => tf.conv2d(x, w1, 1, 'valid');
      return {
        x: () => tf.conv2d(da(), transpose1x1(w1), 1, 'valid'),
        inKernel: () => pixelProduct(x, da()),
        depthwise: () =>
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: a(), dy: db }, {
            strides: [1, 1],
            pad,
            dilations: [1, 1],
            filterShape: dw.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor4D,
        outKernel: () => pixelProduct(tf.depthwiseConv2d(a(), dw, 1, pad), g),
        bias: () => tf.sum(g, [0, 1, 2]),
      };
    },
  });
}
