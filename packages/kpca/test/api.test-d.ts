import { expectTypeOf, test } from 'vitest';
import type * as tf from '@tensorflow/tfjs-core';
import {
  fitKernelPca,
  fitPca,
  grfPca,
  fitEigenspaceProjector,
  loadPca,
  topEigen,
  type DenseMatrix,
  type KernelPcaModel,
  type MatrixInput,
  type PcaModel,
  type EigenspaceProjector,
  type GrfPcaResult,
} from '../src/index.js';

test('fitted estimators and their inputs', () => {
  expectTypeOf(fitPca).returns.toEqualTypeOf<PcaModel>();
  expectTypeOf(loadPca).returns.toEqualTypeOf<PcaModel>();
  expectTypeOf(fitKernelPca).returns.toEqualTypeOf<KernelPcaModel>();
  expectTypeOf(fitEigenspaceProjector).returns.toEqualTypeOf<EigenspaceProjector>();
  expectTypeOf(grfPca).returns.toEqualTypeOf<GrfPcaResult>();
  expectTypeOf<tf.Tensor2D>().toMatchTypeOf<MatrixInput>();
  expectTypeOf<number[][]>().toMatchTypeOf<MatrixInput>();
  expectTypeOf<PcaModel['transform']>().returns.toEqualTypeOf<DenseMatrix>();
  expectTypeOf(topEigen).returns.toHaveProperty('converged').toEqualTypeOf<boolean>();
  // @ts-expect-error unknown kernel names are rejected by the type
  fitKernelPca([[1]], { kernel: 'gaussian-ish' });
  // @ts-expect-error the projector mode is a closed set
  fitEigenspaceProjector([[1]], { mode: 'whitened' });
});
