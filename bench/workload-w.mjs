#!/usr/bin/env node
// Workload W of shared/reference/baseline.md on the active backend: float32, batch 64 grey 64×64 images;
// core = conv 9×9 (1→32, same, no bias) + batch-norm + ELU, then 2 × [conv 3×3 (32→32) + BN + ELU];
// Gaussian readout for 100 neurons (bilinear sampling at learned positions, align corners, zero padding;
// feature weights; bias); output elu(x)+1; Poisson loss (mean); Adam(1e-3).
// Prints medians of: train step (images/s), forward in eval mode (images/s), gradient receptive fields
// ((image, neuron) gradients/s). With --baseline FILE (the JSON of baseline_torch.py) it adds the
// reference's medians and our ratio to them.
// Usage: node bench/workload-w.mjs [--backend wasm|cpu|auto] [--reps N] [--baseline /tmp/baseline.json] [--json out.json]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackend } from '@sal/backend';
import { createRng } from '@sal/types';
import { estimateSupports, gradientReceptiveFields, windowedGradientReceptiveFields } from '@sal/grf';
import { createEncoder, windowedResponseModel } from '@sal/train';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { median, poisson, randnTensor, timeit } from './lib/timing.mjs';
import { workloadWModel } from './lib/workload-w-model.mjs';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    reps: { type: 'string', default: '10' },
    baseline: { type: 'string' },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
    impl: { type: 'string', default: 'packages' },
  },
});
if (!['packages', 'reference'].includes(args.impl)) throw new Error(`--impl: expected 'packages' or 'reference', got ${args.impl}`);
const info = await initBackend({ prefer: args.backend });
const B = 64,
  H = 64,
  W = 64,
  C = 32,
  N = 100;
const reps = args.quick ? 2 : Number(args.reps);
const rng = createRng(0);
const randn = (shape, scale = 1) => randnTensor(rng, shape, scale);

// ---- parameters (PyTorch default-like init scales; values do not affect speed)
const p = {
  w1: tf.variable(randn([9, 9, 1, C], 1 / 9)),
  g1: tf.variable(tf.ones([C])),
  b1: tf.variable(tf.zeros([C])),
  w2: tf.variable(randn([3, 3, C, C], 1 / Math.sqrt(9 * C))),
  g2: tf.variable(tf.ones([C])),
  b2: tf.variable(tf.zeros([C])),
  w3: tf.variable(randn([3, 3, C, C], 1 / Math.sqrt(9 * C))),
  g3: tf.variable(tf.ones([C])),
  b3: tf.variable(tf.zeros([C])),
  mu: tf.variable(
    tf.tensor2d(
      Float32Array.from({ length: N * 2 }, () => (rng.next() * 2 - 1) * 0.8),
      [N, 2],
    ),
  ),
  feat: tf.variable(randn([C, N], 1 / Math.sqrt(C))),
  bias: tf.variable(tf.zeros([N])),
};
const running = [1, 2, 3].map(() => ({ mean: tf.variable(tf.zeros([C]), false), variance: tf.variable(tf.ones([C]), false) }));

function bn(x, i, gamma, beta, training) {
  if (training) {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
  }
  const r = running[i];
  const scale = tf.mul(tf.rsqrt(tf.add(r.variance, 1e-5)), gamma);
  return tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(r.mean, scale)));
}
function core(x, training) {
  let h = tf.elu(bn(tf.conv2d(x, p.w1, 1, 'same'), 0, p.g1, p.b1, training));
  h = tf.elu(bn(tf.conv2d(h, p.w2, 1, 'same'), 1, p.g2, p.b2, training));
  return tf.elu(bn(tf.conv2d(h, p.w3, 1, 'same'), 2, p.g3, p.b3, training));
}
// bilinear sampling (align corners, zero padding) at shared positions; indices rebuilt from data each call
function readout(f) {
  const [b, h, w, c] = f.shape;
  const mu = tf.clipByValue(p.mu, -1, 1);
  const px = tf.mul(tf.add(tf.slice(mu, [0, 0], [-1, 1]), 1), (w - 1) / 2);
  const py = tf.mul(tf.add(tf.slice(mu, [0, 1], [-1, 1]), 1), (h - 1) / 2);
  const pxv = px.dataSync(),
    pyv = py.dataSync();
  const x0 = Float32Array.from(pxv, (v) => Math.min(Math.floor(v), w - 2));
  const y0 = Float32Array.from(pyv, (v) => Math.min(Math.floor(v), h - 2));
  const flat = tf.reshape(f, [b * h * w, c]);
  const idx = new Int32Array(4 * b * N);
  for (let k = 0; k < 4; k++)
    for (let bi = 0; bi < b; bi++)
      for (let n = 0; n < N; n++) {
        idx[(k * b + bi) * N + n] = (bi * h + y0[n] + (k >> 1)) * w + x0[n] + (k & 1);
      }
  const g = tf.reshape(tf.gather(flat, tf.tensor1d(idx, 'int32')), [4, b, N, c]);
  const fx = tf.reshape(tf.sub(px, tf.tensor2d(x0, [N, 1])), [1, N, 1]);
  const fy = tf.reshape(tf.sub(py, tf.tensor2d(y0, [N, 1])), [1, N, 1]);
  const wts = tf.stack([tf.mul(tf.sub(1, fy), tf.sub(1, fx)), tf.mul(tf.sub(1, fy), fx), tf.mul(fy, tf.sub(1, fx)), tf.mul(fy, fx)]);
  const s = tf.sum(tf.mul(g, wts), 0); // [b,N,c]
  return tf.add(tf.sum(tf.mul(s, tf.reshape(tf.transpose(p.feat), [1, N, c])), 2), p.bias);
}
const referenceModel = (x, training) => tf.add(tf.elu(readout(core(x, training))), 1);
// the same workload through the packages users run: @sal/cores (batch-norm folded into the convs in evaluation
// mode) and @sal/readouts (bilinear sampling with custom gradients)
const { core: pkgCore, readout: pkgReadout, model: pkgModel, trainable: pkgTrainable } = workloadWModel({ H, W, C, N });
const model = args.impl === 'packages' ? pkgModel : referenceModel;
const trainable = args.impl === 'packages' ? pkgTrainable : undefined;

const x = randn([B, H, W, 1]);
const y = tf.tensor2d(
  Float32Array.from({ length: B * N }, () => poisson(rng, 2)),
  [B, N],
);

const opt = tf.train.adam(1e-3);
const trainStep1 = () => {
  const l = opt.minimize(
    () => {
      const pr = model(x, true);
      return tf.mean(tf.sub(pr, tf.mul(y, tf.log(tf.add(pr, 1e-12)))));
    },
    true,
    trainable,
  );
  l.dataSync();
  l.dispose();
};
const results = {};
trainStep1(); // creates Adam's accumulators
const t0 = tf.memory().numTensors;
let ts = timeit(trainStep1, reps, 1);
results.train = { medianSeconds: median(ts), perSecond: B / median(ts), unit: 'images/s' };
if (tf.memory().numTensors !== t0) throw new Error(`train step leaked ${tf.memory().numTensors - t0} tensors`);

ts = timeit(() => tf.tidy(() => model(x, false).dataSync()), reps, 2);
results.forward = { medianSeconds: median(ts), perSecond: B / median(ts), unit: 'images/s' };

// gRFs with @sal/grf (eval mode): d out[b,n] / d x for 64 images. Plain path: one forward + backward of the
// batch-summed output per neuron (timed on a subset of neurons; the rate is per (image, neuron) pair). Shared
// path: neurons whose gRF supports do not overlap share one backward pass (supports estimated once from probe
// images, timed separately).
const evalModel = (xi) => model(xi, false);
const subset = Array.from({ length: args.quick ? 4 : 20 }, (_, i) => i);
ts = timeit(() => gradientReceptiveFields(evalModel, x, { neurons: subset, batchSize: B }), Math.max(1, Math.ceil(reps / 5)), 1);
results.grf = { medianSeconds: median(ts), perSecond: (B * subset.length) / median(ts), unit: '(image, neuron) gradients/s' };
let supports;
ts = timeit(
  () => {
    supports = estimateSupports(evalModel, tf.slice(x, [0, 0, 0, 0], [8, -1, -1, -1]), { margin: 2 });
  },
  1,
  0,
);
results.supports = { medianSeconds: median(ts) };
ts = timeit(() => gradientReceptiveFields(evalModel, x, { batchSize: B, supports: supports.masks }), Math.max(1, Math.ceil(reps / 5)), 1);
results.grfShared = { medianSeconds: median(ts), perSecond: (B * N) / median(ts), unit: '(image, neuron) gradients/s' };
// Cropped windows (packages path only): each (image, neuron) pair is differentiated on a window of 2r + 2 pixels
// around its read point (r = the core's receptive radius), many pairs per pass; all 100 neurons × 64 images.
// Checked against the plain path on a few neurons (max abs difference printed).
if (args.impl === 'packages') {
  const windowed = windowedResponseModel(createEncoder({ core: pkgCore, readouts: { w: pkgReadout } }), 'w');
  ts = timeit(() => windowedGradientReceptiveFields(windowed, x), Math.max(3, Math.ceil(reps / 2)), 1);
  results.grfWindowed = { medianSeconds: median(ts), perSecond: (B * N) / median(ts), unit: '(image, neuron) gradients/s' };
  const check = [0, 1, 2, 3, 50, 99];
  const a = windowedGradientReceptiveFields(windowed, x, { neurons: check });
  const b = gradientReceptiveFields(evalModel, x, { neurons: check, batchSize: B });
  let diff = 0,
    scale = 0;
  for (let i = 0; i < a.data.length; i++) {
    diff = Math.max(diff, Math.abs(a.data[i] - b.data[i]));
    scale = Math.max(scale, Math.abs(b.data[i]));
  }
  results.grfWindowed.check = { neurons: check, maxAbsDiff: diff, maxAbs: scale, windowSize: a.windowSize };
}

let base = null;
if (args.baseline) {
  const j = JSON.parse(readFileSync(args.baseline, 'utf8'));
  const r = j.results?.torch ?? j.results ?? j;
  const pick = (...path) => path.reduce((o, k) => (o == null ? o : o[k]), r);
  base = {
    train: pick('train_step', 'images_per_s', 'median'),
    forward: pick('forward_eval_no_grad', 'images_per_s', 'median'),
    forwardFolded: pick('optional_bn_folded_eval', 'forward_images_per_s', 'median'),
    grf: pick('gradient_rf_batchsum_chunk64', 'image_neuron_grads_per_s', 'median'),
  };
}
console.log(
  `\nWorkload W on ${describeBackend(info)}; ${args.impl === 'packages' ? '@sal/cores + @sal/readouts' : 'hand-written reference model'}; ${reps} reps, medians\n`,
);
console.log('| workload | sal | unit | PyTorch CPU | ratio |');
console.log('|---|---|---|---|---|');
for (const [k, label] of [
  ['train', 'train step (fwd + bwd + Adam)'],
  ['forward', 'forward, eval mode'],
  ['grf', 'gradient receptive fields, one pass per neuron'],
  ['grfShared', 'gradient receptive fields, shared passes'],
  ['grfWindowed', 'gradient receptive fields, cropped windows'],
]) {
  if (!results[k]) continue;
  const ref = base?.[k === 'grfShared' || k === 'grfWindowed' ? 'grf' : k];
  console.log(
    `| ${label} | ${results[k].perSecond.toFixed(1)} | ${results[k].unit} | ${ref ? ref.toFixed(1) : '–'} | ${ref ? (results[k].perSecond / ref).toFixed(2) + '×' : '–'} |`,
  );
}
if (base?.forwardFolded)
  console.log(
    `| forward vs PyTorch with BN folded | ${results.forward.perSecond.toFixed(1)} | images/s | ${base.forwardFolded.toFixed(1)} | ${(results.forward.perSecond / base.forwardFolded).toFixed(2)}× |`,
  );
console.log(`\n(shared passes: supports estimated once in ${results.supports.medianSeconds.toFixed(2)} s from 8 probe images)`);
if (results.grfWindowed) {
  const c = results.grfWindowed.check;
  console.log(
    `(cropped windows: ${c.windowSize.join('×')} px; vs the plain path on neurons ${c.neurons.join(',')}: max abs difference ${c.maxAbsDiff.toExponential(2)} (max |gRF| ${c.maxAbs.toExponential(2)}))`,
  );
}
// peak resident set of this process (kernel's high-water mark), which ran the training steps and everything above
const peakRss = process.resourceUsage().maxRSS / 1024;
console.log(`\npeak RSS of the benchmark process (training steps included): ${peakRss.toFixed(0)} MiB`);
results.peakRssMiB = peakRss;
if (args.json) writeFileSync(args.json, JSON.stringify({ backend: info, results, baseline: base }, null, 2));
