import { expectTypeOf, test } from 'vitest';
import type { Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import type { Core, Readout, Shape3D, Batch } from '../src/index.js';

test('core and readout contracts are shape-typed', () => {
  expectTypeOf<Core['apply']>().returns.toEqualTypeOf<Tensor4D>();
  expectTypeOf<Readout['apply']>().returns.toEqualTypeOf<Tensor2D>();
  expectTypeOf<Core['computeOutputShape']>().parameter(0).toEqualTypeOf<Shape3D>();
  expectTypeOf<Batch['inputs']>().toEqualTypeOf<Float32Array>();
});
