export { initBackend, backendInfo, describeBackend } from './init-backend.js';
export type { BackendInfo, BackendPreference, InitBackendOptions } from './init-backend.js';
export { registerWasmTrainingKernels } from './register-kernels.js';
export { gradientBundleVersions } from './gradients.js';
