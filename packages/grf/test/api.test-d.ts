import { expectTypeOf, test } from 'vitest';
import type * as tf from '@tensorflow/tfjs-core';
import {
  gradientReceptiveFields, valueDistributions, type Distribution, type GrfResult, type ResponseModel, type GrfChunk,
  gradientReceptiveFieldChunks, type GrfOptions,
} from '../src/index.js';

test('valueDistributions keeps the group names', () => {
  const d = valueDistributions({ top: [1], bottom: [2] });
  expectTypeOf(d.groups).toEqualTypeOf<Readonly<Record<'top' | 'bottom', Distribution>>>();
});

test('models and results', () => {
  expectTypeOf<ResponseModel>().parameters.toEqualTypeOf<[tf.Tensor4D]>();
  expectTypeOf<ResponseModel>().returns.toEqualTypeOf<tf.Tensor2D>();
  expectTypeOf(gradientReceptiveFields).returns.toEqualTypeOf<GrfResult>();
  expectTypeOf(gradientReceptiveFieldChunks).returns.toEqualTypeOf<AsyncGenerator<GrfChunk, void, undefined>>();
  expectTypeOf<{ bogus: 1 }>().not.toMatchTypeOf<GrfOptions>();
  expectTypeOf<GrfOptions['method']>().toEqualTypeOf<'gradient' | 'smoothgrad' | 'integrated' | undefined>();
});
