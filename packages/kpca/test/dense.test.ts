import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalShapeError } from '@sal/types';
import { gram, matmul, toDense, toRows, transpose } from '../src/index.js';
import { expectNoLeaks } from '../../test-utils/src/index.js';

describe('matrix helpers', () => {
  const a = toDense(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    'test',
  );
  const b = toDense(
    [
      [1, 0],
      [2, 1],
      [0, 3],
    ],
    'test',
  );
  it('matmul by hand, with transposes, on both paths, without leaks', () => {
    for (const method of ['tensor', 'float64'] as const) {
      expect(toRows(expectNoLeaks(() => matmul(a, b, { method })))).toEqual([
        [5, 11],
        [14, 23],
      ]);
      expect(toRows(matmul(b, a, { transposeA: true, transposeB: true, method }))).toEqual([
        [5, 14],
        [11, 23],
      ]);
      expect(toRows(gram(a, method))).toEqual([
        [14, 32],
        [32, 77],
      ]);
    }
    expect(() => matmul(a, a)).toThrow(SalShapeError);
  });
  it('converts tensors (not disposing them), arrays and dense matrices', () => {
    const t = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    expect(toRows(toDense(t, 'test'))).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(t.isDisposed).toBe(false);
    t.dispose();
    expect(toRows(transpose(a))).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(() => toDense([[1, 2], [3]], 'test')).toThrow(SalShapeError);
    expect(() => toDense('x' as never, 'test')).toThrow(TypeError);
  });
});
