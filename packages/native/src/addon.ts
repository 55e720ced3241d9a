/**
 * Loading the compiled kernels (`build/sal_native.node`, built at install by `scripts/build-addon.mjs`).
 * Loading never throws: when the addon is missing, cannot load, or `SAL_NATIVE=0` is set, {@link nativeStatus}
 * says why and callers keep their portable kernels.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SalConfigError } from '@sal/types';

/**
 * The addon's functions. Buffers are `ArrayBuffer`s; offsets are byte offsets of float32 data in them (`symEig`
 * takes Float64Arrays).
 */
export interface NativeAddon {
  /** out = act(conv(x, filter) + bias); `biasOff` −1 for none; act 0 linear, 1 relu, 2 elu, 3 relu6, 4 leaky relu. */
  conv2dForward(buf: ArrayBuffer, xOff: number, fOff: number, biasOff: number, outOff: number, act: number, alpha: number,
    ...geom: ConvGeomArgs): void;
  /** dx of a stride-1 convolution; returns false when the geometry is not handled (nothing written). */
  conv2dBackpropInput(buf: ArrayBuffer, dyOff: number, fOff: number, dxOff: number, ...geom: ConvGeomArgs): boolean;
  conv2dBackpropFilter(buf: ArrayBuffer, xOff: number, dyOff: number, dfOff: number, ...geom: ConvGeomArgs): void;
  /**
   * c[b] = op(a[b]) · op(b[b]); batch strides in elements (0 broadcasts). The same offset and stride for a and b
   * with one side transposed (a Gram matrix A·Aᵀ or Aᵀ·A) computes the lower triangle and mirrors it.
   */
  batchMatMul(buf: ArrayBuffer, aOff: number, bOff: number, cOff: number, batch: number, m: number, n: number, k: number,
    transA: number, transB: number, strideA: number, strideB: number): void;
  /** out[o,i] = scale · Σ_r x[o,r,i], x viewed as `[outer, red, inner]`. */
  reduceSum(buf: ArrayBuffer, xOff: number, outOff: number, outer: number, red: number, inner: number, scale: number): void;
  /** out `[outer,inner]` = a op b (op 0 add, 1 sub, 2 mul, 3 div); modes: 0 full, 1 one row `[inner]`, 2 scalar. */
  binary(buf: ArrayBuffer, aOff: number, bOff: number, outOff: number, op: number, outer: number, inner: number, aMode: number, bMode: number): void;
  /** out = act(x·scale + shift) per channel of x `[outer,c]`; `shiftOff` −1 for none. */
  channelAffine(buf: ArrayBuffer, xOff: number, scaleOff: number, shiftOff: number, outOff: number, outer: number, c: number, act: number, alpha: number): void;
  /** out = op(x): 0 square, 1 elu, 2 relu, 3 exp. */
  unary(buf: ArrayBuffer, xOff: number, outOff: number, op: number, n: number, alpha: number): void;
  /** ELU's gradient from its output y. */
  eluGrad(buf: ArrayBuffer, dyOff: number, yOff: number, outOff: number, n: number): void;
  /** Training-mode batch-norm (+ ELU when act = 2) over the rows of x `[n,c]`: y, mean, biased variance. */
  bnTrainForward(buf: ArrayBuffer, xOff: number, gammaOff: number, betaOff: number, yOff: number, meanOff: number, varOff: number,
    n: number, c: number, eps: number, act: number): void;
  /** Its gradient: dx, dγ, dβ. */
  bnTrainBackward(buf: ArrayBuffer, dyOff: number, xOff: number, yOff: number, gammaOff: number, meanOff: number, varOff: number,
    dxOff: number, dgammaOff: number, dbetaOff: number, n: number, c: number, eps: number, act: number): void;
  /** X solving A X = B (A `[n,n]` SPD, lower triangle read); returns 0, or the 1-based failing pivot. */
  spdSolve(buf: ArrayBuffer, aOff: number, bOff: number, xOff: number, n: number, m: number): number;
  /**
   * Eigendecomposition of the symmetric `a` `[n,n]` (row-major, upper triangle read): eigenvalues into `d` `[n]`
   * (unsorted), eigenvectors into the rows of `vt` `[n,n]`. Throws an Error for a NaN or infinite entry or when the
   * iteration does not converge.
   */
  symEig(a: Float64Array, n: number, d: Float64Array, vt: Float64Array): void;
  info(): { simd: string; threads: number };
  setThreads(n: number): void;
}

/** `n,h,w,ci, kh,kw,co, sh,sw, dh,dw, pt,pl, ho,wo` (NHWC input, HWIO filter). */
export type ConvGeomArgs = [n: number, h: number, w: number, ci: number, kh: number, kw: number, co: number,
  sh: number, sw: number, dh: number, dw: number, pt: number, pl: number, ho: number, wo: number];

/** Whether the native kernels can run here, and why not. */
export interface NativeStatus {
  readonly available: boolean;
  /** Why the addon is unavailable (empty when available). */
  readonly reason: string;
  /** Vector instruction set the addon was compiled for: `'avx512'`, `'avx2'` or `'sse'`. */
  readonly simd: string | null;
  /** Threads the kernels run on. */
  readonly threads: number;
  /** Path of the loaded addon. */
  readonly path: string | null;
}

const ADDON_PATH = fileURLToPath(new URL('../build/sal_native.node', import.meta.url));
let cached: { addon: NativeAddon | null; reason: string } | null = null;

/** The addon, or `null` (see {@link nativeStatus} for the reason). Set `SAL_NATIVE=0` to disable it. */
export function loadNative(): NativeAddon | null {
  if (cached) return cached.addon;
  if (process.env['SAL_NATIVE'] === '0') {
    cached = { addon: null, reason: 'disabled by SAL_NATIVE=0' };
  } else if (!existsSync(ADDON_PATH)) {
    cached = { addon: null, reason: `not built (${ADDON_PATH} is missing; run \`node scripts/build-addon.mjs\` in @sal/native with a C++ compiler)` };
  } else {
    try {
      const addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
      const threads = Number(process.env['SAL_NATIVE_THREADS'] ?? '');
      if (Number.isInteger(threads) && threads > 0) addon.setThreads(threads);
      cached = { addon, reason: '' };
    } catch (err) {
      cached = { addon: null, reason: `cannot load ${ADDON_PATH}: ${(err as Error).message.split('\n')[0]}` };
    }
  }
  return cached.addon;
}

/** Whether the native kernels are available, the instruction set and thread count. */
export function nativeStatus(): NativeStatus {
  const addon = loadNative();
  if (!addon) return { available: false, reason: cached!.reason, simd: null, threads: 0, path: null };
  const { simd, threads } = addon.info();
  return { available: true, reason: '', simd, threads, path: ADDON_PATH };
}

/** Set the number of threads the native kernels use (e.g. 1 per process when several processes share the cores). */
export function setNativeThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new SalConfigError('native.setNativeThreads', 'n', 'a positive integer', n);
  loadNative()?.setThreads(n);
}
