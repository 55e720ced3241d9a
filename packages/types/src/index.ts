export { SalShapeError, SalConfigError, SalDataError, SalBackendError, describeValue, MAX_DESCRIBED_LENGTH } from './errors.js';
export { assertShape, assertRank, resolveOptions, checkNumber, checkOneOf } from './assert.js';
export { createRng, deriveSeed } from './rng.js';
export type { Rng } from './rng.js';
export type * from './shapes.js';
export type * from './contracts.js';
export { FUSED_KERNELS } from './kernels.js';
export { registerFloat64Routines, float64Routines } from './float64-routines.js';
export type { Float64Routines, SymEigResult } from './float64-routines.js';
