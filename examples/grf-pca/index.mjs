// Gradient receptive fields (d response / d image) of one model neuron over many images, the PCA of those
// gRFs (eigen-spectrum, variance explained) and the projection of an image into the neuron's gRF eigenspace.
// The "model" is any function images [B,H,W,C] → responses [B,N]; here a small fixed one written with tf ops.
// Usage: node index.mjs [--smoke]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@sal/backend';
import { gradientReceptiveFields, grfCentres } from '@sal/grf';
import { fitEigenspaceProjector, grfPca } from '@sal/kpca';

const smoke = process.argv.includes('--smoke');
await initBackend();
const H = 24,
  W = 24,
  M = smoke ? 40 : 300;
// a neuron: rectified response of an oriented filter, Gaussian-pooled around (14, 9)
const filter = tf.tidy(() => tf.reshape(tf.tensor1d(Array.from({ length: 25 }, (_, i) => Math.cos(((i % 5) - 2) * 1.2))), [5, 5, 1, 1]));
const pool = tf.tidy(() =>
  tf.reshape(tf.tensor1d(Array.from({ length: H * W }, (_, i) => Math.exp(-(((i % W) - 14) ** 2 + (Math.floor(i / W) - 9) ** 2) / 18))), [1, H, W, 1]),
);
const model = (x) => tf.tidy(() => tf.reshape(tf.sum(tf.mul(tf.softplus(tf.conv2d(x, filter, 1, 'same')), pool), [1, 2, 3]), [-1, 1]));
const images = tf.randomNormal([M, H, W, 1], 0, 1, 'float32', 7);

const grf = gradientReceptiveFields(model, images, { batchSize: 32 });
const { centres } = grfCentres(grf);
let cx = 0,
  cy = 0;
for (let i = 0; i < M; i++) {
  cx += centres[2 * i] / M;
  cy += centres[2 * i + 1] / M;
}
console.log(`gRFs ${grf.shape.join('×')}; mean centre (x, y) = (${cx.toFixed(1)}, ${cy.toFixed(1)}); pooled at (14, 9)`);

const rows = { rows: M, cols: H * W, data: Float64Array.from(grf.data) };
const pca = grfPca(rows);
console.log(
  `first eigenvalues ${Array.from(pca.eigenvalues.subarray(0, 4), (v) => v.toExponential(2)).join(', ')}; ${pca.thresholdComponents} components explain 99%`,
);
const projector = fitEigenspaceProjector(rows);
const img = { rows: 1, cols: H * W, data: Float64Array.from(tf.tidy(() => tf.reshape(tf.slice(images, [0, 0, 0, 0], [1, -1, -1, -1]), [-1])).dataSync()) };
const p = projector.project(img);
let kept = 0,
  total = 0;
for (let i = 0; i < H * W; i++) {
  kept += p.data[i] ** 2;
  total += img.data[i] ** 2;
}
console.log(`an image keeps ${((100 * kept) / total).toFixed(1)}% of its energy in the eigenspace of ${M} gRFs (rank ${projector.basis.rows})`);
tf.dispose([filter, pool, images]);
