export { assembleStaticDataset, toGreyPlane } from './assemble.js';
export type { AssembleOptions, StaticConversion, StaticTrials, TrialArray } from './assemble.js';
export { parseNpyStrings, encodeNpyStrings, isNpyStringArray } from './npy-strings.js';
