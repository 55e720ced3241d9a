/**
 * Picks and starts the TensorFlow.js backend. Order for `'auto'`: `@tensorflow/tfjs-node-gpu`,
 * `@tensorflow/tfjs-node` (optional peers, used when installed), then WebAssembly with SIMD and our
 * training kernels, which installs from the npm registry alone. `cpu` (pure JS) is there for reference
 * checks; it is complete but much slower.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalBackendError, SalConfigError, float64Routines } from '@sal/types';
import { registerWasmTrainingKernels } from './register-kernels.js';
import './gradients.js';

/** Which backend to start. */
export type BackendPreference = 'auto' | 'node-gpu' | 'node' | 'wasm' | 'cpu';

/** What is running. */
export interface BackendInfo {
  /** The tfjs backend name: `'tensorflow'` (tfjs-node / -gpu), `'wasm'` or `'cpu'`. */
  readonly name: string;
  /** The npm package that provides it. */
  readonly package: string;
  /** WebAssembly SIMD in use (wasm only). */
  readonly simd: boolean;
  /** Threads the backend computes with (the native kernels' own count is in `native`). */
  readonly threads: number;
  /** Kernels `@sal/backend` registered on this backend. */
  readonly patchedKernels: readonly string[];
  /**
   * The native kernels of `@sal/native` registered on the wasm backend (convolutions and matrix products in C++
   * with the machine's widest SIMD and several threads) and its float64 routines registered in `@sal/types`
   * (`routines`, e.g. `symEig`, used by `@sal/kpca`), or `null` with the reason they are not in use.
   */
  readonly native:
    | {
        readonly simd: string;
        readonly threads: number;
        readonly kernels: readonly string[];
        readonly routines: readonly string[];
        /** The add-on's instruction set (`'avx512'`, `'avx2'` or `'baseline'`) and why it was chosen. */
        readonly isa: string;
        readonly isaReason: string;
      }
    | { readonly unavailable: string }
    | null;
  /** Preferences tried before this one and why each was skipped (for `'auto'`). */
  readonly skipped: readonly string[];
}

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Backend to start; `'auto'` never throws. @default 'auto' (or the `SAL_BACKEND` environment variable) */
  prefer?: BackendPreference;
  /**
   * Use `@sal/native`'s kernels on the wasm backend when the addon was built (it is, at install, wherever a C++
   * compiler is found). `false`, or the environment variable `SAL_NATIVE=0`, keeps the portable wasm kernels.
   * @default true
   */
  native?: boolean;
  /**
   * Don't print why the native kernels are not used. By default the reason is printed once per process (stderr)
   * when `native` is on but `@sal/native` cannot run, since everything then runs on the slower wasm kernels.
   * @default false (or true when the environment variable `SAL_NATIVE_QUIET=1` is set)
   */
  quiet?: boolean;
}

const PREFERENCES: readonly BackendPreference[] = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'];
const NODE_PACKAGES = { 'node-gpu': '@tensorflow/tfjs-node-gpu', node: '@tensorflow/tfjs-node' } as const;

let current: BackendInfo | null = null;
/** The `native` option the running wasm backend was started with. */
let currentNative = false;

/** The backend started by {@link initBackend}, or `null`. */
export function backendInfo(): BackendInfo | null {
  return current;
}

async function startNode(which: 'node-gpu' | 'node', skipped: string[]): Promise<BackendInfo> {
  const pkg = NODE_PACKAGES[which];
  try {
    await import(/* @vite-ignore */ pkg);
  } catch (err) {
    throw new SalBackendError(
      which,
      `cannot load ${pkg} (${(err as Error).message.split('\n')[0]})`,
      `npm install ${pkg} (its install script downloads libtensorflow, so it needs internet access)`,
    );
  }
  if (!(await tf.setBackend('tensorflow'))) throw new SalBackendError(which, `${pkg} loaded but the 'tensorflow' backend did not start`);
  await tf.ready();
  return { name: 'tensorflow', package: pkg, simd: false, threads: 0, patchedKernels: [], native: null, skipped };
}

let nativeReasonPrinted = false;

/**
 * Print once per process (stderr, through console.warn) why the native kernels are not used; not when they were
 * switched off on purpose, nor when quiet.
 */
function reportUnavailable(reason: string, quiet: boolean): void {
  const env = typeof process !== 'undefined' ? process.env : {};
  if (quiet || nativeReasonPrinted || env['SAL_NATIVE_QUIET'] === '1' || env['SAL_NATIVE'] === '0') return;
  nativeReasonPrinted = true;
  console.warn(
    `@sal/backend: native kernels not used (${reason}); the slower wasm kernels run instead. ` +
      'Set SAL_NATIVE_QUIET=1 (or initBackend({ quiet: true })) to silence this.',
  );
}

/** Register (or, with `use` false, take back) @sal/native's kernels on the wasm backend. */
async function setNative(use: boolean, quiet: boolean): Promise<BackendInfo['native']> {
  const unavailable = (reason: string) => {
    reportUnavailable(reason, quiet);
    return { unavailable: reason };
  };
  let nat: typeof import('@sal/native');
  try {
    nat = await import('@sal/native');
  } catch (err) {
    return use ? unavailable(`cannot load @sal/native (${(err as Error).message.split('\n')[0]})`) : null;
  }
  if (!use) {
    nat.unregisterNativeKernels();
    return null;
  }
  const kernels = nat.registerNativeKernels();
  const status = nat.nativeStatus();
  if (!status.available || kernels.length === 0) return unavailable(status.reason || 'no native kernel registered');
  const routines = float64Routines() !== null && float64Routines() === nat.nativeFloat64Routines() ? nat.NATIVE_FLOAT64_ROUTINES : [];
  return { simd: status.simd ?? '', isa: status.isa ?? '', isaReason: status.isaReason, threads: status.threads, kernels, routines };
}

async function startWasm(skipped: string[], native: boolean, quiet: boolean): Promise<BackendInfo> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    throw new SalBackendError('wasm', `cannot load @tensorflow/tfjs-backend-wasm (${(err as Error).message})`, 'npm install @tensorflow/tfjs-backend-wasm');
  }
  // the cpu backend stays registered beside it: rare kernel shapes borrow its exact kernels
  await import('@tensorflow/tfjs-backend-cpu');
  const patchedKernels = registerWasmTrainingKernels();
  const nativeInfo = await setNative(native, quiet);
  if (!(await tf.setBackend('wasm'))) throw new SalBackendError('wasm', 'the wasm backend failed to initialise');
  await tf.ready();
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  return { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', simd, threads: 1, patchedKernels, native: nativeInfo, skipped };
}

async function startCpu(skipped: string[]): Promise<BackendInfo> {
  await import('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) throw new SalBackendError('cpu', 'the cpu backend failed to initialise');
  await tf.ready();
  return { name: 'cpu', package: '@tensorflow/tfjs-backend-cpu', simd: false, threads: 1, patchedKernels: [], native: null, skipped };
}

/**
 * Start a backend and make it tfjs's active backend. Calling again with the same preference returns the
 * running backend; a different preference switches.
 *
 * @throws SalBackendError when a specific preference cannot start (the message says what to install);
 *   `'auto'` never throws.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const envPref = typeof process !== 'undefined' ? process.env['SAL_BACKEND'] : undefined;
  const prefer = opts.prefer ?? (envPref as BackendPreference | undefined) ?? 'auto';
  const native = opts.native ?? (typeof process !== 'undefined' ? process.env['SAL_NATIVE'] !== '0' : true);
  if (typeof native !== 'boolean') throw new SalConfigError('backend.initBackend', 'native', 'a boolean', native);
  const quiet = opts.quiet ?? false;
  if (typeof quiet !== 'boolean') throw new SalConfigError('backend.initBackend', 'quiet', 'a boolean', quiet);
  if (!PREFERENCES.includes(prefer)) {
    throw new SalConfigError('backend.initBackend', 'prefer', PREFERENCES.map((p) => `'${p}'`).join(' | '), prefer);
  }
  // tfjs's "install the node backend" banner is noise for our users: we report the backend ourselves
  tf.env().set('PROD', true);
  if (current && tf.getBackend() === current.name && (prefer === 'auto' || matches(prefer, current)) && (current.name !== 'wasm' || native === currentNative))
    return current;

  const skipped: string[] = [];
  if (prefer === 'node-gpu' || prefer === 'node') current = await startNode(prefer, skipped);
  else if (prefer === 'wasm') current = await startWasm(skipped, native, quiet);
  else if (prefer === 'cpu') current = await startCpu(skipped);
  else {
    for (const which of ['node-gpu', 'node'] as const) {
      try {
        current = await startNode(which, skipped);
        return current;
      } catch (err) {
        skipped.push(`${which}: ${(err as Error).message}`);
      }
    }
    try {
      current = await startWasm(skipped, native, quiet);
    } catch (err) {
      skipped.push(`wasm: ${(err as Error).message}`);
      current = await startCpu(skipped);
    }
  }
  currentNative = native;
  return current;
}

function matches(prefer: BackendPreference, info: BackendInfo): boolean {
  if (prefer === 'node-gpu' || prefer === 'node') return info.package === NODE_PACKAGES[prefer];
  return info.name === prefer;
}

/** One line describing the running backend, e.g. for a CLI banner. */
export function describeBackend(info: BackendInfo | null = current): string {
  if (!info) return 'no backend started';
  const nat = info.native && 'kernels' in info.native ? info.native : null;
  const extras = [
    info.simd ? 'SIMD' : null,
    `${info.threads} thread${info.threads === 1 ? '' : 's'}`,
    info.patchedKernels.length ? `${info.patchedKernels.length} sal kernels` : null,
    nat
      ? `${nat.kernels.length} native ${nat.simd} kernels${nat.routines.length ? ` and ${nat.routines.join(', ')}` : ''} on ${nat.threads} thread${nat.threads === 1 ? '' : 's'}`
      : null,
  ].filter(Boolean);
  return `${info.name} (${info.package}; ${extras.join(', ')})`;
}
