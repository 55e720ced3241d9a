#!/usr/bin/env node
// Workload G: shaped like the original study's gRF model (shared/reference/anchors-digest.md §2.1, §3.3):
// float32; batch 64 of 83×83 inputs with 4 channels (image + saliency + its x/y gradients); core = the study's
// analysed CNN (STUDY_CORE_PRESET: 15×15 unpadded input conv 1→32 + batch-norm + ELU, then 5 × [depth-separable
// 9×9 (1×1 → 9×9 depthwise → 1×1) + batch-norm + ELU], output 69×69×32); 31 session readouts of 2–18 neurons
// (seeded), each a saliency-shifter readout (isotropic Gaussian positions, remapper of 2 conv 3×3 layers on the
// 3 context channels at input resolution, tanh × 0.2); output elu(x)+1; Poisson loss (mean); Adam(1e-3).
// A train step reads one session's batch (the sessions take turns, as the original's data loaders cycle them).
// Prints medians of: train step (images/s), forward in eval mode (images/s), gradient receptive fields of the
// image channel ((image, neuron) gradients/s, one backward per neuron). With --baseline FILE (the JSON of
// bench/workload_g_torch.py) it adds the PyTorch twin's medians and our ratio to them.
// Usage: node bench/workload-g.mjs [--backend wasm|cpu|auto] [--reps N] [--quick] [--baseline FILE] [--json out.json]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackend } from '@sal/backend';
import { createRng } from '@sal/types';
import { gradientReceptiveFields } from '@sal/grf';
import { adamStep, createAdamState } from '@sal/train';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { median, poisson, randnTensor, timeit } from './lib/timing.mjs';
import { G_SESSION_SIZES, G_SHAPE, workloadGModel } from './lib/workload-g-model.mjs';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    reps: { type: 'string', default: '10' },
    baseline: { type: 'string' },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const info = await initBackend({ prefer: args.backend });
const { B, H, W, SESSIONS } = G_SHAPE;
const reps = args.quick ? 2 : Number(args.reps);
const rng = createRng(0);
const sessionSizes = G_SESSION_SIZES;
const randn = (shape, scale = 1) => randnTensor(rng, shape, scale);

const { encoder, sessionVars } = workloadGModel();
const keys = encoder.sessionKeys;

const x = randn([B, H, W, 4]);
const ys = Object.fromEntries(
  sessionSizes.map((n, s) => [
    `s${s}`,
    tf.tensor2d(
      Float32Array.from({ length: B * n }, () => poisson(rng, 2)),
      [B, n],
    ),
  ]),
);

// the trainer's own Adam (moments keyed by weight name), since each step updates the core and one session's readout
const adam = createAdamState();
let step = 0;
const trainStep = () => {
  const key = keys[step % keys.length];
  const seed = step++;
  const vars = sessionVars[key];
  const { value, grads } = tf.variableGrads(() => {
    const pr = encoder.predict(x, key, { training: true, seed });
    return tf.mean(tf.sub(pr, tf.mul(ys[key], tf.log(tf.add(pr, 1e-12)))));
  }, Object.values(vars));
  const named = Object.fromEntries(Object.entries(vars).map(([name, v]) => [name, grads[v.name]]));
  adamStep(adam, vars, named, 1e-3, 0);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
};
const results = {};
for (let i = 0; i < keys.length; i++) trainStep(); // one pass over the sessions creates every Adam accumulator
const t0 = tf.memory().numTensors;
let ts = timeit(trainStep, Math.max(reps, 3), 1);
results.train = { medianSeconds: median(ts), perSecond: B / median(ts), unit: 'images/s' };
if (tf.memory().numTensors !== t0) throw new Error(`train step leaked ${tf.memory().numTensors - t0} tensors`);

let fwd = 0;
ts = timeit(() => tf.tidy(() => encoder.predict(x, keys[fwd++ % keys.length], { training: false }).dataSync()), reps, 2);
results.forward = { medianSeconds: median(ts), perSecond: B / median(ts), unit: 'images/s' };

// gRFs of the image channel in evaluation mode for the largest session: d out[b,n] / d image[b]; the context
// channels are held at their values (the saliency maps are inputs of their own, as in the original's analysis)
const big = keys[sessionSizes.indexOf(Math.max(...sessionSizes))];
const ctx = tf.slice(x, [0, 0, 0, 1], [-1, -1, -1, 3]);
// (the context of the batch's first images: @sal/grf probes the model with one image before the batch of B)
const evalModel = (img) =>
  tf.tidy(() =>
    encoder.predict(tf.concat([img, img.shape[0] === B ? ctx : tf.slice(ctx, [0, 0, 0, 0], [img.shape[0], -1, -1, -1])], 3), big, { training: false }),
  );
const img = tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 1]);
const nBig = Math.max(...sessionSizes);
const subset = Array.from({ length: args.quick ? 2 : Math.min(nBig, 8) }, (_, i) => i);
ts = timeit(() => gradientReceptiveFields(evalModel, img, { neurons: subset, batchSize: B }), Math.max(1, Math.ceil(reps / 5)), 1);
results.grf = { medianSeconds: median(ts), perSecond: (B * subset.length) / median(ts), unit: '(image, neuron) gradients/s' };

let base = null;
if (args.baseline) {
  const j = JSON.parse(readFileSync(args.baseline, 'utf8'));
  const r = j.results?.workload_g;
  if (!r) throw new Error(`--baseline ${args.baseline}: no results.workload_g (run bench/workload_g_torch.py)`);
  const pick = (...path) => path.reduce((o, k) => (o == null ? o : o[k]), r);
  base = {
    train: pick('train_step', 'images_per_s', 'median'),
    forward: pick('forward_eval_no_grad', 'images_per_s', 'median'),
    grf: pick('gradient_rf_batchsum', 'image_neuron_grads_per_s', 'median'),
    neurons: pick('neurons_total'),
  };
}
const total = sessionSizes.reduce((a, b) => a + b, 0);
console.log(
  `\nWorkload G (the original's gRF model: 83×83, 15×15 input conv, 6 layers, ${SESSIONS} shifter readouts, ${total} neurons) on ${describeBackend(info)}; ${reps} reps, medians\n`,
);
if (base?.neurons != null && base.neurons !== total) console.log(`warning: the reference has ${base.neurons} neurons, we have ${total}`);
console.log('| workload | sal | unit | PyTorch CPU | ratio |');
console.log('|---|---|---|---|---|');
for (const [k, label] of [
  ['train', 'train step (fwd + bwd + Adam), one session per step'],
  ['forward', 'forward, eval mode'],
  ['grf', 'gradient receptive fields, one pass per neuron'],
]) {
  const ref = base?.[k];
  console.log(
    `| ${label} | ${results[k].perSecond.toFixed(1)} | ${results[k].unit} | ${ref ? ref.toFixed(1) : '–'} | ${ref ? (results[k].perSecond / ref).toFixed(2) + '×' : '–'} |`,
  );
}
const peakRss = process.resourceUsage().maxRSS / 1024;
console.log(`\npeak RSS of the benchmark process (training steps included): ${peakRss.toFixed(0)} MiB`);
results.peakRssMiB = peakRss;
results.sessionSizes = sessionSizes;
if (args.json) writeFileSync(args.json, JSON.stringify({ backend: info, results, baseline: base }, null, 2));
