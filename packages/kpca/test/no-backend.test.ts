/**
 * `@sal/kpca` installed alone (tfjs-core, no backend): the default `'tensor'` method fails with a typed error that
 * says what to install, not with tfjs's "No backend found in registry."; the `'float64'` method needs no backend.
 * This file removes every registered backend first (vitest runs each test file in its own process).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SalBackendError } from '@sal/types';
import { fitKernelPca, fitPca, grfPca } from '../src/index.js';

const rows = [
  [1, 2, 0],
  [0, 1, 3],
  [2, 0, 1],
  [1, 1, 1],
];

beforeAll(() => {
  for (const name of tf.engine().backendNames()) tf.removeBackend(name);
  expect(tf.engine().backendNames()).toEqual([]);
});

describe('@sal/kpca without a TensorFlow.js backend', () => {
  it('fails with its defaults with a SalBackendError naming @sal/backend', () => {
    for (const f of [() => fitPca(rows), () => grfPca(rows), () => fitKernelPca(rows, { nComponents: 2 })]) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SalBackendError);
      expect((err as Error).message).toMatch(/npm install @sal\/backend and `await initBackend\(\)`/);
      expect((err as Error).message).toMatch(/method: 'float64'/);
    }
  });

  it("works with method 'float64', as the error says", () => {
    const pca = fitPca(rows, { method: 'float64' });
    // by hand: the column variances (ddof 1) are 2/3, 2/3 and 4.75/3 (column 3 = 0, 3, 1, 1, mean 1.25); sum 35/12
    let total = 0;
    for (const v of pca.explainedVariance) total += v;
    expect(total).toBeCloseTo(35 / 12, 10);
  });
});
