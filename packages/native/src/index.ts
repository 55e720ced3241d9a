/**
 * @sal/native: optional native kernels (C++, the CPU's widest SIMD chosen at run time, OpenMP threads) for the
 * TensorFlow.js wasm backend: convolutions (forward with fused bias and activation, both gradients) and batched
 * matrix products, on the tensors where the wasm backend keeps them. Prebuilt for Linux x64 (glibc) in the optional
 * package `@sal/native-linux-x64-gnu`, else built at install from source with the machine's compiler; when neither
 * loads, everything runs on the wasm kernels as before. Also a float64
 * symmetric eigendecomposition, offered to `@sal/kpca` through `@sal/types`' float64 routines registry.
 * `@sal/backend`'s `initBackend` registers them by default.
 */
export { loadNative, nativeStatus, setNativeThreads, NATIVE_ISAS, PREBUILT_PACKAGE } from './addon.js';
export type { NativeAddon, NativeStatus, NativeIsa, CpuSupport, ConvGeomArgs } from './addon.js';
export { nativeFloat64Routines, NATIVE_FLOAT64_ROUTINES } from './float64-routines.js';
export { registerNativeKernels, unregisterNativeKernels, nativeKernelsRegistered, NATIVE_KERNELS } from './wasm-kernels.js';
