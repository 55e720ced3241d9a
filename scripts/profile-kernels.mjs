#!/usr/bin/env node
// Where the time of workload W goes, per tfjs kernel, on the wasm backend (with @sal/native's kernels unless
// SAL_NATIVE=0): every registered wasm kernel function is wrapped with a timer. Needs the packages built.
// Usage: node scripts/profile-kernels.mjs [train|fwd|kpca|g-train|g-fwd|g-grf]  (kpca: the kernel PCA fit of bench/kpca.mjs;
// g-*: workload G's train step on one session, its forward pass in evaluation mode, or the image-channel gRFs of
// 2 neurons of one session as bench/workload-g.mjs computes them)
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackend } from '@sal/backend';
import { workloadWModel } from '../bench/lib/workload-w-model.mjs';
import { workloadGModel, G_SHAPE } from '../bench/lib/workload-g-model.mjs';
import { adamStep, createAdamState } from '@sal/train';
import { gradientReceptiveFields } from '@sal/grf';
import { fitKernelPca } from '@sal/kpca';
import { createRng } from '@sal/types';
const info = await initBackend({ prefer: 'wasm' });
console.log(describeBackend(info));
const times = new Map();
// SAL_PROFILE_SHAPES=1: one row per kernel and input shapes
const byShape = process.env.SAL_PROFILE_SHAPES === '1';
const which = process.argv[2] ?? 'train';
for (const k of tf.getKernelsForBackend('wasm')) {
  const f = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, 'wasm');
  tf.registerKernel({
    ...k,
    kernelFunc: (a) => {
      const t = performance.now();
      const r = f(a);
      const key = byShape
        ? `${k.kernelName} ${Object.values(a.inputs)
            .map((i) => `[${i?.shape ?? ''}]`)
            .join(' ')}`
        : k.kernelName;
      const e = times.get(key) ?? [0, 0];
      e[0] += performance.now() - t;
      e[1]++;
      times.set(key, e);
      return r;
    },
  });
}
await tf.setBackend('cpu');
await tf.setBackend('wasm');
const B = 64,
  H = 64,
  W = 64,
  C = 32,
  N = 100;
const { model, trainable } = workloadWModel({ H, W, C, N });
const x = tf.randomNormal([B, H, W, 1]);
const y = tf.floor(tf.mul(tf.randomUniform([B, N]), 4));
const opt = tf.train.adam(1e-3);
const step = () => {
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
const fwd = () => tf.tidy(() => model(x, false).dataSync());
const xk = { rows: 2000, cols: 4096, data: new Float64Array(2000 * 4096) };
if (which === 'kpca') {
  const rng = createRng(2);
  for (let i = 0; i < xk.data.length; i++) xk.data[i] = rng.normal();
}
const kpca = () => fitKernelPca(xk, { kernel: 'rbf', nComponents: 50, fitInverseTransform: true, seed: 0 }).dispose();
let gStep = null;
let gFwd = null;
let gGrf = null;
if (which.startsWith('g-')) {
  const { encoder, sessionVars } = workloadGModel();
  const key = encoder.sessionKeys[0];
  const xg = tf.randomNormal([G_SHAPE.B, G_SHAPE.H, G_SHAPE.W, 4]);
  const yg = tf.floor(tf.mul(tf.randomUniform([G_SHAPE.B, 2 + 0]), 4));
  const adam = createAdamState();
  const vars = sessionVars[key];
  let seed = 0;
  gStep = () => {
    const { value, grads } = tf.variableGrads(() => {
      const pr = encoder.predict(xg, key, { training: true, seed: seed++ });
      return tf.mean(tf.sub(pr, tf.mul(yg, tf.log(tf.add(pr, 1e-12)))));
    }, Object.values(vars));
    adamStep(adam, vars, Object.fromEntries(Object.entries(vars).map(([name, v]) => [name, grads[v.name]])), 1e-3, 0);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  gFwd = () => tf.tidy(() => encoder.predict(xg, key, { training: false }).dataSync());
  const ctx = tf.slice(xg, [0, 0, 0, 1], [-1, -1, -1, 3]);
  const img = tf.slice(xg, [0, 0, 0, 0], [-1, -1, -1, 1]);
  const evalModel = (im) =>
    tf.tidy(() =>
      encoder.predict(tf.concat([im, im.shape[0] === G_SHAPE.B ? ctx : tf.slice(ctx, [0, 0, 0, 0], [im.shape[0], -1, -1, -1])], 3), key, { training: false }),
    );
  gGrf = () => gradientReceptiveFields(evalModel, img, { neurons: [0, 1], batchSize: G_SHAPE.B });
}
const fn = { train: step, fwd, kpca, 'g-train': gStep, 'g-fwd': gFwd, 'g-grf': gGrf }[which];
if (!fn) throw new Error(`unknown mode ${which}: train, fwd, kpca, g-train, g-fwd or g-grf`);
// three warm-up runs: the wasm heap still grows during the third train step (one kernel call then takes 60–80 ms
// instead of 5, which skewed a 3-run average by 20–30 ms)
fn();
fn();
fn();
times.clear();
const reps = 5;
const t0 = performance.now();
for (let i = 0; i < reps; i++) fn();
const tot = (performance.now() - t0) / reps;
const rows = [...times].map(([k, [t, c]]) => [k, t / reps, c / reps]).sort((a, b) => b[1] - a[1]);
let sum = 0;
for (const r of rows) sum += r[1];
console.log(`${which}: ${tot.toFixed(1)} ms per ${which === 'kpca' ? 'fit' : 'batch'}; kernels ${sum.toFixed(1)} ms`);
for (const [k, t, c] of rows.slice(0, 25)) console.log(k.padEnd(byShape ? 70 : 28), t.toFixed(1).padStart(8), 'ms', String(c).padStart(5), 'calls');
