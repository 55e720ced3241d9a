/**
 * End to end on the default backend: a 3-layer conv net with batch-norm and ELU, a readout that samples
 * the feature map bilinearly at learned positions (gather, so its gradient needs UnsortedSegmentSum),
 * elu+1 output, Poisson loss, Adam. The loss must fall and no tensor may leak across steps.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@sal/types';
import { initBackend } from '../src/index.js';

const B = 16,
  H = 16,
  W = 16,
  C = 8,
  N = 6;

function randn(shape: number[], seed: number, scale = 1): tf.Tensor {
  const r = createRng(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal() * scale),
    shape,
  );
}

/** Bilinear sampling, align-corners, of f [B,H,W,C] at positions pos [N,2] in [-1,1] → [B,N,C]. */
function sample(f: tf.Tensor4D, pos: tf.Tensor2D): tf.Tensor3D {
  const [b, h, w, c] = f.shape;
  const px = tf.mul(tf.add(tf.slice(pos, [0, 0], [-1, 1]), 1), (w - 1) / 2); // [N,1]
  const py = tf.mul(tf.add(tf.slice(pos, [0, 1], [-1, 1]), 1), (h - 1) / 2);
  // corner indices built from data: no gradient flows into integer indices
  const pxv = px.dataSync(),
    pyv = py.dataSync();
  const x0 = Float32Array.from(pxv, (v) => Math.min(Math.floor(v), w - 2));
  const y0 = Float32Array.from(pyv, (v) => Math.min(Math.floor(v), h - 2));
  const fx = tf.sub(px, tf.tensor2d(x0, [x0.length, 1])),
    fy = tf.sub(py, tf.tensor2d(y0, [y0.length, 1]));
  const flat = tf.reshape(f, [b * h * w, c]);
  const corner = (dy: number, dx: number): tf.Tensor => {
    const idx = new Int32Array(b * x0.length);
    for (let bi = 0; bi < b; bi++) for (let n = 0; n < x0.length; n++) idx[bi * x0.length + n] = (bi * h + y0[n]! + dy) * w + x0[n]! + dx;
    return tf.reshape(tf.gather(flat, tf.tensor1d(idx, 'int32')), [b, x0.length, c]);
  };
  const wx1 = tf.reshape(fx, [1, -1, 1]),
    wy1 = tf.reshape(fy, [1, -1, 1]);
  const wx0 = tf.sub(1, wx1),
    wy0 = tf.sub(1, wy1);
  return tf.addN([
    tf.mul(corner(0, 0), tf.mul(wy0, wx0)),
    tf.mul(corner(0, 1), tf.mul(wy0, wx1)),
    tf.mul(corner(1, 0), tf.mul(wy1, wx0)),
    tf.mul(corner(1, 1), tf.mul(wy1, wx1)),
  ]) as tf.Tensor3D;
}

function batchNorm(x: tf.Tensor4D, gamma: tf.Variable, beta: tf.Variable): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2], true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta) as tf.Tensor4D;
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', native: false }); // the portable kernels; @sal/native tests its own
});

describe('training a conv net with a position-sampling readout on wasm', () => {
  it('the Poisson loss falls and tensors do not leak', () => {
    const x = randn([B, H, W, 1], 1);
    // teacher: smoothed image read at fixed positions → positive rates
    const teacherPos = tf.tensor2d([
      [-0.5, -0.5],
      [0.5, 0.2],
      [0, 0],
      [0.3, -0.6],
      [-0.2, 0.7],
      [0.6, 0.6],
    ]);
    const target = tf.tidy(() => {
      const smooth = tf.conv2d(x as tf.Tensor4D, tf.fill([3, 3, 1, 1], 1 / 9) as tf.Tensor4D, 1, 'same');
      return tf.add(tf.elu(tf.mul(tf.reshape(sample(smooth, teacherPos), [B, N]), 3)), 1);
    });

    const v = {
      w1: tf.variable(randn([5, 5, 1, C], 2, 0.2)),
      g1: tf.variable(tf.ones([C])),
      b1: tf.variable(tf.zeros([C])),
      w2: tf.variable(randn([3, 3, C, C], 3, 0.15)),
      g2: tf.variable(tf.ones([C])),
      b2: tf.variable(tf.zeros([C])),
      w3: tf.variable(randn([3, 3, C, C], 4, 0.15)),
      g3: tf.variable(tf.ones([C])),
      b3: tf.variable(tf.zeros([C])),
      pos: tf.variable(tf.mul(randn([N, 2], 5), 0.1)),
      feat: tf.variable(tf.fill([C, N], 1 / C)),
      bias: tf.variable(tf.zeros([N])),
    };
    const optimizer = tf.train.adam(0.01);
    const loss = (): tf.Scalar => {
      let h = tf.elu(batchNorm(tf.conv2d(x as tf.Tensor4D, v.w1 as tf.Tensor4D, 1, 'same'), v.g1, v.b1));
      h = tf.elu(batchNorm(tf.conv2d(h, v.w2 as tf.Tensor4D, 1, 'same'), v.g2, v.b2));
      h = tf.elu(batchNorm(tf.conv2d(h, v.w3 as tf.Tensor4D, 1, 'same'), v.g3, v.b3));
      const s = sample(h, tf.clipByValue(v.pos, -1, 1) as tf.Tensor2D); // [B,N,C]
      const y = tf.add(tf.sum(tf.mul(s, tf.reshape(tf.transpose(v.feat), [1, N, C])), 2), v.bias);
      const rate = tf.add(tf.elu(y), 1);
      return tf.sum(tf.sub(rate, tf.mul(target, tf.log(tf.add(rate, 1e-12))))) as tf.Scalar;
    };

    const losses: number[] = [];
    let tensorsAfterWarmup = -1;
    for (let step = 0; step < 60; step++) {
      const l = optimizer.minimize(loss, true)!;
      losses.push(l.dataSync()[0]!);
      l.dispose();
      if (step === 2) tensorsAfterWarmup = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(tensorsAfterWarmup);
    expect(losses.every(Number.isFinite)).toBe(true);
    // Poisson loss is bounded below by Σ(t − t·log t); the model must close most of the initial gap
    const floor = tf.tidy(() => tf.sum(tf.sub(target, tf.mul(target, tf.log(target)))).dataSync()[0]!);
    const first = losses[0]!,
      last = losses[losses.length - 1]!;
    expect(last).toBeLessThan(first);
    expect((last - floor) / (first - floor)).toBeLessThan(0.5);
    // the readout positions received gradients (UnsortedSegmentSum path and the weight path)
    const moved = tf.tidy(() => tf.max(tf.abs(tf.sub(v.pos, tf.mul(randn([N, 2], 5), 0.1)))).dataSync()[0]!);
    expect(moved).toBeGreaterThan(1e-3);
    optimizer.dispose();
    tf.dispose([x, teacherPos, target, ...Object.values(v)]);
  });
});
