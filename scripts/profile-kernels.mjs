#!/usr/bin/env node
// Where the time of workload W goes, per tfjs kernel, on the wasm backend (with @sal/native's kernels unless
// SAL_NATIVE=0): every registered wasm kernel function is wrapped with a timer. Needs the packages built.
// Usage: node scripts/profile-kernels.mjs [train|fwd|kpca]  (kpca: the kernel PCA fit of bench/kpca.mjs)
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackend } from '@sal/backend';
import { workloadWModel } from '../bench/lib/workload-w-model.mjs';
import { fitKernelPca } from '@sal/kpca';
import { createRng } from '@sal/types';
const info = await initBackend({ prefer: 'wasm' });
console.log(describeBackend(info));
const times = new Map();
const which = process.argv[2] ?? 'train';
for (const k of tf.getKernelsForBackend('wasm')) {
  const f = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, 'wasm');
  tf.registerKernel({
    ...k,
    kernelFunc: (a) => {
      const t = performance.now();
      const r = f(a);
      const e = times.get(k.kernelName) ?? [0, 0];
      e[0] += performance.now() - t;
      e[1]++;
      times.set(k.kernelName, e);
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
const fn = which === 'train' ? step : which === 'kpca' ? kpca : fwd;
fn();
fn();
times.clear();
const reps = 3;
const t0 = performance.now();
for (let i = 0; i < reps; i++) fn();
const tot = (performance.now() - t0) / reps;
const rows = [...times].map(([k, [t, c]]) => [k, t / reps, c / reps]).sort((a, b) => b[1] - a[1]);
let sum = 0;
for (const r of rows) sum += r[1];
console.log(`${which}: ${tot.toFixed(1)} ms per ${which === 'kpca' ? 'fit' : 'batch'}; kernels ${sum.toFixed(1)} ms`);
for (const [k, t, c] of rows.slice(0, 25)) console.log(k.padEnd(28), t.toFixed(1).padStart(8), 'ms', String(c).padStart(5), 'calls');
