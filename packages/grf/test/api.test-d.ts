import { expectTypeOf, test } from 'vitest';
import type * as tf from '@tensorflow/tfjs-core';
import {
  gradientReceptiveFields,
  valueDistributions,
  type Distribution,
  type GrfResult,
  type ResponseModel,
  type GrfChunk,
  gradientReceptiveFieldChunks,
  type GrfOptions,
  windowedGradientReceptiveFields,
  type WindowedGrfOptions,
  type WindowedGrfResult,
} from '../src/index.js';
import type { WindowedResponseModel } from '@sal/types';

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

test('windowed gRFs take a WindowedResponseModel and keep the result layout', () => {
  expectTypeOf(windowedGradientReceptiveFields).parameter(0).toEqualTypeOf<WindowedResponseModel>();
  expectTypeOf(windowedGradientReceptiveFields).returns.toMatchTypeOf<Pick<GrfResult, 'data' | 'shape' | 'neurons'>>();
  expectTypeOf<WindowedGrfResult['windowSize']>().toEqualTypeOf<readonly [number, number]>();
  expectTypeOf<{ supports: null }>().not.toMatchTypeOf<WindowedGrfOptions>();
});
