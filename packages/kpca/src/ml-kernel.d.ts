// The part of ml-kernel 4 (ESM, untyped) this package uses.
declare module 'ml-kernel' {
  import type { Matrix } from 'ml-matrix';
  export class Kernel {
    constructor(type: string, options?: Record<string, number>);
    /** Kernel matrix between the rows of `inputs` and of `landmarks` (default: `inputs`). */
    compute(inputs: number[][] | Matrix, landmarks?: number[][] | Matrix): Matrix;
  }
}
