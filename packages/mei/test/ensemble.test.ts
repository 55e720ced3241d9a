/**
 * Ensembles of real encoders: the mean prediction, and the windowed model against the plain full-image gRFs of
 * the ensemble (which, by linearity, are the mean of the members' gRFs).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { gradientReceptiveFields, windowedGradientReceptiveFields, type CpuImages } from '@sal/grf';
import { windowedResponseModel, type Encoder } from '@sal/train';
import { SalConfigError, SalDataError, SalShapeError, createRng } from '@sal/types';
import { expectArraysClose, expectNoLeaks } from '@sal/test-utils';
import { createEnsemble, ensembleWindowedModel, meanResponseModel } from '../src/index.js';
import { H, N, W, smallEncoder } from './fixtures.js';

const B = 3;
function images(c: number, seed: number): CpuImages {
  const rng = createRng(seed);
  return { data: Float32Array.from({ length: B * H * W * c }, () => rng.normal()), shape: [B, H, W, c] };
}

describe('createEnsemble', () => {
  it('predicts the mean of its members, without leaks', () => {
    const members = [smallEncoder(1, 'gaussian', 0.1), smallEncoder(2, 'gaussian', 0.1), smallEncoder(3, 'gaussian', 0.1)];
    const ens = createEnsemble(members);
    try {
      expect(ens.sessionKeys).toEqual(['s']);
      // the encoder's prediction contract (what @sal/train's predictSplit and scoreSession call)
      const asModel: Pick<Encoder, 'predict' | 'sessionKeys'> = ens;
      expect(asModel.sessionKeys).toEqual(['s']);
      const x = images(1, 5);
      const got = expectNoLeaks(() => tf.tidy(() => ens.predict(tf.tensor4d(x.data, [...x.shape]), 's').dataSync() as Float32Array), 'predict');
      const each = members.map((m) => tf.tidy(() => m.predict(tf.tensor4d(x.data, [...x.shape]), 's').dataSync() as Float32Array));
      const want = Float64Array.from(got, (_, i) => (each[0]![i]! + each[1]![i]! + each[2]![i]!) / 3);
      expectArraysClose(got, want, 1e-5, 1e-6);
      // the response model is the same, and meanResponseModel of the members' models too
      const rm = ens.responseModel('s');
      const viaModel = tf.tidy(() => rm(tf.tensor4d(x.data, [...x.shape])).dataSync() as Float32Array);
      expectArraysClose(viaModel, got, 1e-6, 1e-7);
      const mm = meanResponseModel(members.map((m) => (t: tf.Tensor4D) => m.predict(t, 's')));
      const viaMean = expectNoLeaks(() => tf.tidy(() => mm(tf.tensor4d(x.data, [...x.shape])).dataSync() as Float32Array), 'meanResponseModel');
      expectArraysClose(viaMean, got, 1e-6, 1e-7);
    } finally {
      ens.dispose();
    }
  });

  for (const kind of ['gaussian', 'shifter'] as const) {
    it(`windowed gRFs of an ensemble (${kind} readouts) equal the full-image gRFs of its mean`, () => {
      const ens = createEnsemble([smallEncoder(1, kind, 0.15), smallEncoder(2, kind, 0.15), smallEncoder(4, kind, 0.15)]);
      try {
        const x = images(kind === 'gaussian' ? 1 : 4, 9);
        const model = ens.windowedModel('s', { spread: 3 });
        expect(model.windowChannels).toEqual([0]);
        const want = gradientReceptiveFields(ens.responseModel('s'), x);
        const got = expectNoLeaks(() => windowedGradientReceptiveFields(model, x, { pairsPerPass: 4 }), 'windowed ensemble gRFs');
        let maxAbs = 0;
        for (const v of want.data) maxAbs = Math.max(maxAbs, Math.abs(v));
        expect(maxAbs).toBeGreaterThan(1e-3);
        expectArraysClose(got.data, want.data, 1e-4, 1e-6 * maxAbs);
      } finally {
        ens.dispose();
      }
    });
  }

  it('refuses read points further apart than spread, and read points it did not return', () => {
    const members = [smallEncoder(1, 'gaussian', 0), smallEncoder(2, 'gaussian', 0.6)];
    const ens = createEnsemble(members);
    try {
      const x = images(1, 2);
      const model = ens.windowedModel('s', { spread: 0.5 });
      expect(() => windowedGradientReceptiveFields(model, x)).toThrow(SalDataError);
      const wide = ens.windowedModel('s', { spread: 20 });
      const win = tf.zeros([1, 10, 10, 1]) as tf.Tensor4D;
      try {
        expect(() => wide.respondAt(win, { origins: new Int32Array([0, 0]), imageSize: [H, W] }, new Int32Array([0]), new Float64Array([3, 4]))).toThrow(
          SalDataError,
        );
      } finally {
        win.dispose();
      }
      expect(() => ensembleWindowedModel([windowedResponseModel(members[0]!, 's')], { spread: -1 })).toThrow(SalConfigError);
    } finally {
      ens.dispose();
    }
  });

  it('bad members are typed errors', () => {
    expect(() => createEnsemble([])).toThrow(SalConfigError);
    expect(() => createEnsemble([{} as never])).toThrow(TypeError);
    const a = smallEncoder(1);
    try {
      const fake = { ...a, readouts: { s: { ...a.readouts['s']!, outDims: N + 1 } } };
      expect(() => createEnsemble([a, fake as never], { owns: false })).toThrow(SalShapeError);
      const other = { ...a, sessionKeys: ['t'], readouts: {} };
      expect(() => createEnsemble([a, other as never], { owns: false })).toThrow(SalConfigError);
      const ens = createEnsemble([a], { owns: false });
      expect(() => tf.tidy(() => ens.predict(tf.zeros([1, H, W, 1]), 'nope'))).toThrow(SalConfigError);
      expect(() => createEnsemble([a], { owns: 1 } as never)).toThrow(SalConfigError);
      expect(() => meanResponseModel([])).toThrow(SalConfigError);
    } finally {
      a.dispose();
    }
  });
});
