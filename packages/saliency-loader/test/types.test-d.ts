import { expectTypeOf, test } from 'vitest';
import type { Batch, ChannelName, Dataset, RawDataset } from '@sal/types';
import { createDataset, type DatasetOptions, type NpyArray, type SalDataset, type SaliencySource, type StreamedRawDataset } from '../src/index.js';
import type { openDatasetDir, readDatasetDir } from '../src/node.js';

test('createDataset meets the Dataset contract', () => {
  expectTypeOf(createDataset).parameter(0).toEqualTypeOf<RawDataset | StreamedRawDataset>();
  expectTypeOf<RawDataset>().toMatchTypeOf<StreamedRawDataset>();
  expectTypeOf<Awaited<ReturnType<typeof openDatasetDir>>>().toMatchTypeOf<StreamedRawDataset>();
  expectTypeOf(createDataset).returns.toEqualTypeOf<SalDataset>();
  expectTypeOf<SalDataset>().toMatchTypeOf<Dataset>();
  expectTypeOf<SalDataset['batches']>().returns.toEqualTypeOf<Iterable<Batch>>();
  expectTypeOf<SalDataset['channelNames']>().toEqualTypeOf<readonly ChannelName[]>();
  expectTypeOf<ReturnType<typeof readDatasetDir>>().toEqualTypeOf<Promise<RawDataset>>();
});

test('options are typed', () => {
  expectTypeOf<{ channels: 'all'; crop: [[1, 2], [3, 4]] }>().toMatchTypeOf<DatasetOptions>();
  expectTypeOf<{ channels: 'everything' }>().not.toMatchTypeOf<DatasetOptions>();
  expectTypeOf<{ maps: NpyArray }>().toMatchTypeOf<SaliencySource>();
  expectTypeOf<(img: Float32Array, h: number, w: number) => Float32Array>().toMatchTypeOf<SaliencySource>();
});
