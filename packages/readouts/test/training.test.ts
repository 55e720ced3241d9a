/**
 * The readouts train: with Adam on the default backend, a Gaussian readout finds a teacher neuron's position
 * and a saliency shifter learns a remap field that moves its neurons onto the teacher's positions; no tensor
 * leaks across steps.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { gaussianReadout, saliencyShifterReadout } from '../src/index.js';
import { randn } from './reference.js';

/** A smooth random feature map (box-blurred noise), so the loss is smooth in the positions. */
function smoothFeatures(b: number, h: number, w: number, c: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    let x = tf.tensor4d(randn(b * h * w * c, seed), [b, h, w, c]);
    const k = tf.div(tf.ones([5, 5, c, 1]), 25) as tf.Tensor4D;
    for (let i = 0; i < 2; i++) x = tf.depthwiseConv2d(x, k, 1, 'same');
    return tf.mul(x, 5) as tf.Tensor4D;
  });
}

describe('training', () => {
  it('a Gaussian readout moves μ to the teacher position (MSE, Adam) without leaking tensors', () => {
    const B = 16,
      H = 12,
      W = 16,
      C = 4,
      N = 3;
    const x = smoothFeatures(B, H, W, C, 71);
    const teacher = gaussianReadout({ inShape: [H, W, C], outDims: N, gaussType: 'isotropic', seed: 1 });
    const target = [0.3, -0.2, -0.4, 0.35, 0.1, 0.5];
    tf.tidy(() => teacher.getWeights()['mu']!.assign(tf.tensor2d(target, [N, 2])));
    const y = teacher.apply(x);
    const student = gaussianReadout({ inShape: [H, W, C], outDims: N, gaussType: 'isotropic', initSigma: 0.05, seed: 2 });
    tf.tidy(() => student.getWeights()['mu']!.assign(tf.tensor2d([0.2, -0.1, -0.3, 0.25, 0.2, 0.4], [N, 2])));
    const w = student.getWeights();
    const opt = tf.train.adam(0.01);
    const dist = () => {
      const m = w['mu']!.dataSync();
      return Math.max(...target.map((t, i) => Math.abs(t - m[i]!)));
    };
    const d0 = dist();
    let before = 0;
    for (let step = 0; step < 150; step++) {
      if (step === 1) before = tf.memory().numTensors;
      const cost = opt.minimize(() => tf.losses.meanSquaredError(y, student.apply(x, { training: step < 100, seed: step })) as tf.Scalar, true, [w['mu']!]);
      cost!.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(d0).toBeGreaterThan(0.09);
    expect(dist()).toBeLessThan(0.03);
    opt.dispose();
    tf.dispose([x, y]);
    teacher.dispose();
    student.dispose();
  });

  it('a saliency shifter learns a constant remap field that moves every neuron by the teacher shift', () => {
    const B = 16,
      H = 12,
      W = 16,
      C = 4,
      N = 3,
      HC = 24,
      WC = 32;
    const x = smoothFeatures(B, H, W, C, 72);
    const mu = [0.2, -0.1, -0.3, 0.25, 0.1, 0.3];
    const delta = [0.08, -0.06];
    const teacher = gaussianReadout({ inShape: [H, W, C], outDims: N, gaussType: 'isotropic' });
    tf.tidy(() =>
      teacher.getWeights()['mu']!.assign(
        tf.tensor2d(
          mu.map((v, i) => v + delta[i % 2]!),
          [N, 2],
        ),
      ),
    );
    const y = teacher.apply(x);
    // 'ones' control context: the remapper can only learn a constant field (through its biases)
    const ctx = tf.ones([B, HC, WC, 1]) as tf.Tensor4D;
    const r = saliencyShifterReadout({ inShape: [H, W, C], outDims: N, gaussType: 'isotropic', remapChannels: 1, remapLayers: 1, seed: 3 });
    const w = r.getWeights();
    tf.tidy(() => {
      w['mu']!.assign(tf.tensor2d(mu, [N, 2]));
      w['remap.0.bn.gamma']!.assign(tf.zeros([2])); // start from a zero field
      w['remap.0.bn.beta']!.assign(tf.zeros([2]));
    });
    const opt = tf.train.adam(0.01);
    for (let step = 0; step < 150; step++) {
      const cost = opt.minimize(() => tf.losses.meanSquaredError(y, r.apply(x, { context: ctx })) as tf.Scalar, true, [w['remap.0.bn.beta']!]);
      cost!.dispose();
    }
    const field = r.remapField(ctx);
    const f = field.dataSync();
    expect(Math.abs(f[0]! - delta[0]!)).toBeLessThan(0.02);
    expect(Math.abs(f[1]! - delta[1]!)).toBeLessThan(0.02);
    opt.dispose();
    tf.dispose([x, y, ctx, field]);
    teacher.dispose();
    r.dispose();
  });
});
