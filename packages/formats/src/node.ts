/** `@sal/formats/node`: the file readers and the converter (Node only). */
export { readFileTree } from './filetree.js';
export type { ReadFileTreeOptions } from './filetree.js';
export { readStaticH5, loadH5wasm } from './hdf5.js';
export type { ReadStaticH5Options } from './hdf5.js';
export { convertDataset, readStaticDataset, trialArraysFileName, CONVERT_FORMATS } from './convert.js';
export type { ConvertFormat, ConvertOptions } from './convert.js';
export { writeFileTree, writeStaticH5 } from './write.js';
export type { WriteStaticOptions } from './write.js';
