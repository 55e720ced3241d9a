import { expectTypeOf, test } from 'vitest';
import type { Tensor2D, Tensor3D, Tensor4D } from '@tensorflow/tfjs-core';
import type { Readout } from '@sal/types';
import {
  attentionReadout,
  bilinearSample,
  gaussianReadout,
  readoutFromConfig,
  saliencyShifterReadout,
  type GaussianReadoutOptions,
  type SaliencyShifterReadoutOptions,
} from '../src/index.js';

test('every readout meets the Readout contract', () => {
  expectTypeOf(gaussianReadout).returns.toExtend<Readout>();
  expectTypeOf(attentionReadout).returns.toExtend<Readout>();
  expectTypeOf(saliencyShifterReadout).returns.toExtend<Readout>();
  expectTypeOf(readoutFromConfig).returns.toEqualTypeOf<Readout>();
});

test('bilinearSample takes a per-image or shared grid and returns [B,N,C]', () => {
  expectTypeOf(bilinearSample).parameter(0).toEqualTypeOf<Tensor4D>();
  expectTypeOf(bilinearSample).parameter(1).toEqualTypeOf<Tensor3D | Tensor2D>();
  expectTypeOf(bilinearSample).returns.toEqualTypeOf<Tensor3D>();
});

test('options are all optional and typed', () => {
  expectTypeOf<GaussianReadoutOptions['gaussType']>().toEqualTypeOf<'isotropic' | 'uncorrelated' | 'full' | undefined>();
  expectTypeOf<{}>().toExtend<SaliencyShifterReadoutOptions>();
  // @ts-expect-error: unknown gauss type
  gaussianReadout({ inShape: [1, 1, 1], outDims: 1, gaussType: 'round' });
});
