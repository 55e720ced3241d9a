export { expectNoLeaks, expectNoLeaksAsync, countTensors } from './leaks.js';
export { TOL, closeness, expectArraysClose, relativeError } from './close.js';
export { finiteDifferenceGrad, sampleIndices, onBackend } from './finite-differences.js';
