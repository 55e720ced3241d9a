export { symmetricEigen, topEigen, fixSigns, TOP_EIGEN_DEFAULTS } from './eigen.js';
export type { EigenResult, TopEigenResult, TopEigenOptions } from './eigen.js';
export { toDense, toRows, matmul, gram, transpose } from './dense.js';
export type { DenseMatrix, MatrixInput, ProductMethod } from './dense.js';
export { fitPca, loadPca, PCA_DEFAULTS } from './pca.js';
export type { PcaOptions, PcaModel, PcaJSON, ReconstructOptions } from './pca.js';
export type { EigenSolver } from './solve-sym.js';
