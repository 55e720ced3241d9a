/**
 * Loading the compiled kernels. They come as three add-ons, one per instruction set (`sal_native_avx512.node`,
 * `sal_native_avx2.node`, `sal_native_baseline.node`), from the prebuilt package of this platform
 * (`@sal/native-linux-x64-gnu`, an optional dependency) when it is installed and matches this version, else from
 * `build/` (built from source at install by `scripts/build-addon.mjs`). The baseline add-on (x86-64, SSE2) loads on
 * every x86-64 CPU and tells which instruction sets the CPU supports; the widest one is loaded, unless
 * `SAL_NATIVE_ISA` asks for another. Loading never throws: when the add-ons are missing, cannot load, or
 * `SAL_NATIVE=0` is set, {@link nativeStatus} says why and callers keep their portable kernels.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SalConfigError } from '@sal/types';

/**
 * The addon's functions. Buffers are `ArrayBuffer`s; offsets are byte offsets of float32 data in them (`symEig`
 * takes Float64Arrays).
 */
export interface NativeAddon {
  /** out = act(conv(x, filter) + bias); `biasOff` −1 for none; act 0 linear, 1 relu, 2 elu, 3 relu6, 4 leaky relu. */
  conv2dForward(buf: ArrayBuffer, xOff: number, fOff: number, biasOff: number, outOff: number, act: number, alpha: number, ...geom: ConvGeomArgs): void;
  /** dx of a stride-1 convolution; returns false when the geometry is not handled (nothing written). */
  conv2dBackpropInput(buf: ArrayBuffer, dyOff: number, fOff: number, dxOff: number, ...geom: ConvGeomArgs): boolean;
  conv2dBackpropFilter(buf: ArrayBuffer, xOff: number, dyOff: number, dfOff: number, ...geom: ConvGeomArgs): void;
  /**
   * Depthwise convolution, channel multiplier 1 (geometry with ci = co = c, filter `[kh,kw,c]`): out = act(conv + bias);
   * false when not handled (nothing written).
   */
  depthwiseForward(buf: ArrayBuffer, xOff: number, fOff: number, biasOff: number, outOff: number, act: number, alpha: number, ...geom: ConvGeomArgs): boolean;
  /**
   * The depth-separable block act(conv1×1(depthwise(conv1×1(x, w1), dw), w2) + bias) in one pass: w1 `[ci,c1]`, dw
   * `[k,k,c1]`, w2 `[c1,co]`, stride 1, zero padding `pad` on every side; false when not handled (nothing written).
   */
  separableForward(
    buf: ArrayBuffer,
    xOff: number,
    w1Off: number,
    dwOff: number,
    w2Off: number,
    biasOff: number,
    outOff: number,
    act: number,
    alpha: number,
    n: number,
    h: number,
    w: number,
    ci: number,
    c1: number,
    co: number,
    k: number,
    pad: number,
    ho: number,
    wo: number,
  ): boolean;
  /** Bilinear sampling: out `[b,n,c]` from features `[b,h,w,c]` at grid `[b,n,2]` (or `[n,2]` for all, shared = 1). */
  bilinearSample(buf: ArrayBuffer, fOff: number, gridOff: number, outOff: number, b: number, h: number, w: number, c: number, n: number, shared: number): void;
  /** Its gradient: dFeatures `[b,h,w,c]` and dGrid (the grid's shape) from dy `[b,n,c]`. */
  bilinearSampleGrad(
    buf: ArrayBuffer,
    dyOff: number,
    fOff: number,
    gridOff: number,
    dFeatOff: number,
    dGridOff: number,
    b: number,
    h: number,
    w: number,
    c: number,
    n: number,
    shared: number,
  ): void;
  /** dx of a stride-1 depthwise convolution; false when not handled. */
  depthwiseBackpropInput(buf: ArrayBuffer, dyOff: number, fOff: number, dxOff: number, ...geom: ConvGeomArgs): boolean;
  /** df `[kh,kw,c]` of a depthwise convolution; false when not handled. */
  depthwiseBackpropFilter(buf: ArrayBuffer, xOff: number, dyOff: number, dfOff: number, ...geom: ConvGeomArgs): boolean;
  /**
   * c[b] = op(a[b]) · op(b[b]); batch strides in elements (0 broadcasts). The same offset and stride for a and b
   * with one side transposed (a Gram matrix A·Aᵀ or Aᵀ·A) computes the lower triangle and mirrors it.
   */
  batchMatMul(
    buf: ArrayBuffer,
    aOff: number,
    bOff: number,
    cOff: number,
    batch: number,
    m: number,
    n: number,
    k: number,
    transA: number,
    transB: number,
    strideA: number,
    strideB: number,
  ): void;
  /** out[o,i] = scale · Σ_r x[o,r,i], x viewed as `[outer, red, inner]`. */
  reduceSum(buf: ArrayBuffer, xOff: number, outOff: number, outer: number, red: number, inner: number, scale: number): void;
  /** out `[outer,inner]` = a op b (op 0 add, 1 sub, 2 mul, 3 div); modes: 0 full, 1 one row `[inner]`, 2 scalar. */
  binary(buf: ArrayBuffer, aOff: number, bOff: number, outOff: number, op: number, outer: number, inner: number, aMode: number, bMode: number): void;
  /**
   * For each run r: `before` copies of `value`, the `len` 4-byte values at src + r·srcStride, `after` copies of
   * `value`, written from dst + r·dstStride (offsets in bytes, strides and lengths in elements).
   */
  copyRuns(
    buf: ArrayBuffer,
    srcOff: number,
    srcStride: number,
    dstOff: number,
    dstStride: number,
    runs: number,
    len: number,
    before: number,
    after: number,
    value: number,
  ): void;
  /** out = act(x·scale + shift) per channel of x `[outer,c]`; `shiftOff` −1 for none. */
  channelAffine(buf: ArrayBuffer, xOff: number, scaleOff: number, shiftOff: number, outOff: number, outer: number, c: number, act: number, alpha: number): void;
  /** out = op(x): 0 square, 1 elu, 2 relu, 3 exp. */
  unary(buf: ArrayBuffer, xOff: number, outOff: number, op: number, n: number, alpha: number): void;
  /** ELU's gradient from its output y. */
  eluGrad(buf: ArrayBuffer, dyOff: number, yOff: number, outOff: number, n: number): void;
  /** Training-mode batch-norm (+ ELU when act = 2) over the rows of x `[n,c]`: y, mean, biased variance. */
  bnTrainForward(
    buf: ArrayBuffer,
    xOff: number,
    gammaOff: number,
    betaOff: number,
    yOff: number,
    meanOff: number,
    varOff: number,
    n: number,
    c: number,
    eps: number,
    act: number,
  ): void;
  /** Its gradient: dx, dγ, dβ. */
  bnTrainBackward(
    buf: ArrayBuffer,
    dyOff: number,
    xOff: number,
    yOff: number,
    gammaOff: number,
    meanOff: number,
    varOff: number,
    dxOff: number,
    dgammaOff: number,
    dbetaOff: number,
    n: number,
    c: number,
    eps: number,
    act: number,
  ): void;
  /**
   * float32 `[n]` at byte offset `dstOff` of `buf` from the float64 `src` (round to nearest, threads); returns the first
   * index whose float32 is not finite (NaN, ±∞, or beyond float32's range), or −1.
   */
  fromFloat64(buf: ArrayBuffer, dstOff: number, src: Float64Array, n: number): number;
  /** X solving A X = B (A `[n,n]` SPD, lower triangle read); returns 0, or the 1-based failing pivot. */
  spdSolve(buf: ArrayBuffer, aOff: number, bOff: number, xOff: number, n: number, m: number): number;
  /**
   * Eigendecomposition of the symmetric `a` `[n,n]` (row-major, upper triangle read): eigenvalues into `d` `[n]`
   * (unsorted), eigenvectors into the rows of `vt` `[n,n]`. Throws an Error for a NaN or infinite entry or when the
   * iteration does not converge.
   */
  symEig(a: Float64Array, n: number, d: Float64Array, vt: Float64Array): void;
  /** The compiled vector width (`'avx512'`, `'avx2'`, `'sse'`), the instruction set it was built for, and threads. */
  info(): { simd: string; isa: string; threads: number };
  /** What the running CPU supports (safe to call from any of the add-ons). */
  cpu(): CpuSupport;
  setThreads(n: number): void;
}

/** `n,h,w,ci, kh,kw,co, sh,sw, dh,dw, pt,pl, ho,wo` (NHWC input, HWIO filter). */
export type ConvGeomArgs = [
  n: number,
  h: number,
  w: number,
  ci: number,
  kh: number,
  kw: number,
  co: number,
  sh: number,
  sw: number,
  dh: number,
  dw: number,
  pt: number,
  pl: number,
  ho: number,
  wo: number,
];

/** An instruction set the kernels are built for, widest first in {@link NATIVE_ISAS}. */
export type NativeIsa = 'avx512' | 'avx2' | 'baseline';
/** The instruction sets, widest first: AVX-512 (F, CD, BW, DQ, VL), AVX2 + FMA, and baseline x86-64 (SSE2). */
export const NATIVE_ISAS: readonly NativeIsa[] = ['avx512', 'avx2', 'baseline'];

/** What the CPU supports (and the OS enables), from the baseline add-on's `cpu()`. */
export interface CpuSupport {
  readonly avx512: boolean;
  readonly avx2: boolean;
}

/** Whether the native kernels can run here, and why not. */
export interface NativeStatus {
  readonly available: boolean;
  /** Why the addon is unavailable (empty when available). */
  readonly reason: string;
  /** Vector width the loaded add-on was compiled for: `'avx512'`, `'avx2'` or `'sse'` (baseline). */
  readonly simd: string | null;
  /** Instruction set of the loaded add-on. */
  readonly isa: NativeIsa | null;
  /** Why that one: the widest this CPU supports, or `SAL_NATIVE_ISA` (and what happened when it could not be honoured). */
  readonly isaReason: string;
  /** Where the add-on came from: the prebuilt package or `build/` (built from source). */
  readonly source: 'prebuilt' | 'source' | null;
  /** Why the prebuilt package was not used (empty when it was, or when nothing loaded for another reason). */
  readonly prebuiltSkipped: string;
  /** Threads the kernels run on. */
  readonly threads: number;
  /** Path of the loaded addon. */
  readonly path: string | null;
}

/** The prebuilt package of this platform (the only one published so far: Linux x64 with glibc). */
export const PREBUILT_PACKAGE = '@sal/native-linux-x64-gnu';
const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILD_DIR = join(PACKAGE_ROOT, 'build');
const addonFile = (isa: NativeIsa) => `sal_native_${isa}.node`;

/** sha256 over the names and contents of `csrc/*.{cc,h}` (the digest scripts/compile.mjs writes into prebuilt.json). */
export function sourceHash(root: string): string {
  const h = createHash('sha256');
  for (const f of readdirSync(join(root, 'csrc'))
    .filter((n) => /\.(cc|h)$/.test(n))
    .sort()) {
    h.update(`${f}\0`)
      .update(readFileSync(join(root, 'csrc', f)))
      .update('\0');
  }
  return h.digest('hex');
}

/**
 * Why the prebuilt add-ons in `dir` do not fit this @sal/native, or `''` when they do: `prebuilt.json` must name
 * this version and, where the C++ sources are at hand, their digest (so a stale local build of the prebuilt package
 * never shadows edited sources), and the baseline add-on must be there.
 */
export function checkPrebuilt(dir: string, expected: { version: string; sourceHash: string | null }): string {
  let manifest: { version?: unknown; sourceHash?: unknown };
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'prebuilt.json'), 'utf8')) as typeof manifest;
  } catch {
    return `${join(dir, 'prebuilt.json')} is missing or unreadable (the package is built by its prepack script)`;
  }
  if (manifest.version !== expected.version) return `its version ${String(manifest.version)} is not @sal/native's ${expected.version}`;
  if (expected.sourceHash !== null && manifest.sourceHash !== expected.sourceHash) return 'it was built from other C++ sources than these';
  if (!existsSync(join(dir, addonFile('baseline')))) return `${addonFile('baseline')} is missing`;
  return '';
}

/**
 * Which add-on to load: the widest instruction set that the CPU supports and that is present, or the one
 * `forced` (`SAL_NATIVE_ISA`) names when the CPU supports it. `null` isa: nothing to load, `reason` says why.
 */
export function chooseIsa(cpu: CpuSupport, present: ReadonlySet<NativeIsa>, forced?: string): { isa: NativeIsa | null; reason: string } {
  const runs = (isa: NativeIsa) => isa === 'baseline' || cpu[isa];
  const widest = NATIVE_ISAS.find((isa) => runs(isa) && present.has(isa)) ?? null;
  const missing = NATIVE_ISAS.filter((isa) => runs(isa) && !present.has(isa) && NATIVE_ISAS.indexOf(isa) < NATIVE_ISAS.indexOf(widest ?? 'baseline'));
  const why = `the widest instruction set this CPU supports${missing.length ? ` of those built (${missing.map(addonFile).join(', ')} missing)` : ''}`;
  if (forced === undefined || forced === '') return { isa: widest, reason: widest ? why : 'no add-on for this CPU' };
  if (!(NATIVE_ISAS as readonly string[]).includes(forced)) {
    return { isa: null, reason: `SAL_NATIVE_ISA=${forced} is not one of ${NATIVE_ISAS.join(', ')}` };
  }
  const f = forced as NativeIsa;
  if (!runs(f)) return { isa: widest, reason: `SAL_NATIVE_ISA=${f} asked for, but this CPU does not support ${f}; using ${widest}, ${why}` };
  if (!present.has(f)) return { isa: widest, reason: `SAL_NATIVE_ISA=${f} asked for, but ${addonFile(f)} is missing; using ${widest}` };
  return { isa: f, reason: `forced by SAL_NATIVE_ISA=${f}` };
}

interface Loaded {
  addon: NativeAddon | null;
  reason: string;
  isa: NativeIsa | null;
  isaReason: string;
  source: NativeStatus['source'];
  path: string | null;
  prebuiltSkipped?: string;
}
let cached: Loaded | null = null;

/** The prebuilt package's directory when it fits, else `{ reason }`. */
function prebuiltDir(): { dir: string } | { reason: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { reason: `no prebuilt package for ${process.platform}-${process.arch}` };
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  if (!header?.glibcVersionRuntime) return { reason: 'no prebuilt package for Linux without glibc (musl)' };
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve(`${PREBUILT_PACKAGE}/package.json`));
  } catch {
    return { reason: `${PREBUILT_PACKAGE} is not installed` };
  }
  let version = '';
  try {
    version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    /* an unknown version matches no prebuilt package */
  }
  const hash = existsSync(join(PACKAGE_ROOT, 'csrc')) ? sourceHash(PACKAGE_ROOT) : null;
  const problem = checkPrebuilt(dir, { version, sourceHash: hash });
  return problem ? { reason: `${PREBUILT_PACKAGE} not used: ${problem}` } : { dir };
}

/** Load the add-on `SAL_NATIVE_ISA` or the CPU calls for from `dir`, or say why not. */
function loadFrom(dir: string, source: 'prebuilt' | 'source'): Loaded {
  const req = createRequire(import.meta.url);
  const open = (isa: NativeIsa): NativeAddon => req(join(dir, addonFile(isa))) as NativeAddon;
  let path = join(dir, addonFile('baseline'));
  try {
    const probe = open('baseline');
    const present = new Set(NATIVE_ISAS.filter((isa) => existsSync(join(dir, addonFile(isa)))));
    const { isa, reason: isaReason } = chooseIsa(probe.cpu(), present, process.env['SAL_NATIVE_ISA']);
    if (!isa) return { addon: null, reason: isaReason, isa: null, isaReason, source: null, path: null };
    path = join(dir, addonFile(isa));
    const addon = isa === 'baseline' ? probe : open(isa);
    const threads = Number(process.env['SAL_NATIVE_THREADS'] ?? '');
    if (Number.isInteger(threads) && threads > 0) addon.setThreads(threads);
    return { addon, reason: '', isa, isaReason, source, path };
  } catch (err) {
    return { addon: null, reason: `cannot load ${path}: ${(err as Error).message.split('\n')[0]}`, isa: null, isaReason: '', source: null, path: null };
  }
}

/** The prebuilt package's add-ons when they fit, else those built from source, else why neither. */
function load(): Loaded {
  if (process.env['SAL_NATIVE'] === '0') return { addon: null, reason: 'disabled by SAL_NATIVE=0', isa: null, isaReason: '', source: null, path: null };
  const pre = prebuiltDir();
  let prebuiltProblem = 'reason' in pre ? pre.reason : '';
  if ('dir' in pre) {
    const got = loadFrom(pre.dir, 'prebuilt');
    if (got.addon || (got.isa === null && got.isaReason)) return got;
    prebuiltProblem = `${PREBUILT_PACKAGE} not used: ${got.reason}`;
  }
  if (!existsSync(join(BUILD_DIR, addonFile('baseline')))) {
    return {
      addon: null,
      isa: null,
      isaReason: '',
      source: null,
      path: null,
      reason:
        `no add-on: ${prebuiltProblem}, and none was built from source (${join(BUILD_DIR, addonFile('baseline'))} is missing; ` +
        'run `node scripts/build-addon.mjs` in @sal/native with a C++ compiler)',
    };
  }
  return { ...loadFrom(BUILD_DIR, 'source'), prebuiltSkipped: prebuiltProblem };
}

/**
 * The addon, or `null` (see {@link nativeStatus} for the reason). Set `SAL_NATIVE=0` to disable it and
 * `SAL_NATIVE_ISA=avx512|avx2|baseline` to choose the instruction set (one the CPU supports).
 */
export function loadNative(): NativeAddon | null {
  cached ??= load();
  return cached.addon;
}

/** Whether the native kernels are available, which instruction set runs and why, and the thread count. */
export function nativeStatus(): NativeStatus {
  const addon = loadNative();
  const c = cached!;
  const prebuiltSkipped = c.prebuiltSkipped ?? '';
  if (!addon) {
    return { available: false, reason: c.reason, simd: null, isa: null, isaReason: c.isaReason, source: null, prebuiltSkipped, threads: 0, path: null };
  }
  const { simd, threads } = addon.info();
  return { available: true, reason: '', simd, isa: c.isa, isaReason: c.isaReason, source: c.source, prebuiltSkipped, threads, path: c.path };
}

/** Set the number of threads the native kernels use (e.g. 1 per process when several processes share the cores). */
export function setNativeThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new SalConfigError('native.setNativeThreads', 'n', 'a positive integer', n);
  loadNative()?.setThreads(n);
}
