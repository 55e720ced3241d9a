import { expectTypeOf, test } from 'vitest';
import type * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '@sal/types';
import { createEncoder, poissonLoss, trainEncoder, type Encoder, type TrainResult } from '../src/index.js';
import { loadCheckpoint, type LoadedCheckpoint } from '../src/node.js';

test('public signatures', () => {
  expectTypeOf(createEncoder).returns.toEqualTypeOf<Encoder>();
  expectTypeOf<Encoder['predict']>().returns.toEqualTypeOf<tf.Tensor2D>();
  expectTypeOf(trainEncoder).parameter(1).toEqualTypeOf<Dataset>();
  expectTypeOf(trainEncoder).returns.toEqualTypeOf<Promise<TrainResult>>();
  expectTypeOf(loadCheckpoint).returns.toEqualTypeOf<Promise<LoadedCheckpoint>>();
  expectTypeOf(poissonLoss).returns.toEqualTypeOf<tf.Scalar>();
  // @ts-expect-error the reduction is 'sum' | 'mean'
  poissonLoss(null as unknown as tf.Tensor2D, null as unknown as tf.Tensor2D, { reduction: 'max' });
});
