import { expectTypeOf, test } from 'vitest';
import type { Scalar, Tensor4D, Variable } from '@tensorflow/tfjs-core';
import type { Core, Shape3D } from '@sal/types';
import { coreFromConfig, resnetCore, stacked2dCore, STACKED2D_DEFAULTS, type Stacked2dCoreOptions } from '../src/index.js';

test('cores meet the Core contract', () => {
  expectTypeOf(stacked2dCore).returns.toExtend<Core>();
  expectTypeOf(resnetCore).returns.toExtend<Core>();
  expectTypeOf(coreFromConfig).returns.toEqualTypeOf<Core>();
  expectTypeOf<ReturnType<typeof stacked2dCore>['apply']>().returns.toEqualTypeOf<Tensor4D>();
  expectTypeOf<ReturnType<typeof stacked2dCore>['computeOutputShape']>().returns.toEqualTypeOf<Shape3D>();
  expectTypeOf<ReturnType<typeof stacked2dCore>['laplaceRegularizer']>().returns.toEqualTypeOf<Scalar>();
  expectTypeOf<ReturnType<typeof resnetCore>['getWeights']>().returns.toEqualTypeOf<Record<string, Variable>>();
});

test('options are checked at compile time', () => {
  expectTypeOf<{ layers: 6; stack: -1 }>().toExtend<Stacked2dCoreOptions>();
  expectTypeOf<{ stack: 'all' }>().not.toExtend<Stacked2dCoreOptions>();
  expectTypeOf(STACKED2D_DEFAULTS.momentum).toEqualTypeOf<number>();
});
