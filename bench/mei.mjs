#!/usr/bin/env node
// MEI synthesis on workload W's model (shared/reference/baseline.md: conv 9×9 + 2 × conv 3×3 core, 32 channels,
// Gaussian readout of 100 neurons on 64×64 grey images) in evaluation mode: one MEI per neuron, all 100 neurons
// in one batch; init N(0, 0.1²), per step forward + backward, gradient blurred (σ 1, sinzlab/mei's GaussianBlur),
// Adam(0.05), L2 norm fixed to 10. Prints MEIs per second for `--steps` steps of:
//   full     whole-image MEIs (synthesizeMeis)
//   masked   MEIs restricted to each neuron's window (synthesizeMeisWindowed: the windowed forward/backward of
//            the gRFs, 14×14 windows here)
// With --torch (runs bench/mei_torch.py, the same procedure in PyTorch, reference style) or --mei-baseline FILE
// (its JSON), adds PyTorch's numbers and the ratios; PyTorch's "masked" multiplies full images by the same boxes.
// Usage: node bench/mei.mjs [--steps 20] [--reps 1] [--torch] [--mei-baseline /tmp/mei_torch.json] [--backend wasm]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackend } from '@sal/backend';
import { createRng } from '@sal/types';
import { createEncoder, windowedResponseModel } from '@sal/train';
import { median } from './lib/timing.mjs';
import { workloadWModel } from './lib/workload-w-model.mjs';
import { synthesizeMeis, synthesizeMeisWindowed } from '@sal/mei';
import { readFileSync, mkdtempSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    steps: { type: 'string', default: '20' },
    reps: { type: 'string', default: '1' },
    torch: { type: 'boolean', default: false },
    'mei-baseline': { type: 'string' },
    baseline: { type: 'string' }, // run.mjs passes the workload-W reference JSON; not used here
    quick: { type: 'boolean', default: false },
  },
});
const info = await initBackend({ prefer: args.backend });
const H = 64,
  W = 64,
  C = 32,
  N = 100;
const steps = args.quick ? 3 : Number(args.steps);
const reps = Number(args.reps);
const { core, readout } = workloadWModel({ H, W, C, N });
const rng = createRng(1);
const w = readout.getWeights()['features'];
if (w)
  tf.tidy(() =>
    w.assign(
      tf.tensor(
        Float32Array.from({ length: w.size }, () => rng.normal() / Math.sqrt(C)),
        w.shape,
      ),
    ),
  );
const encoder = createEncoder({ core, readouts: { w: readout } });
const model = (x) => encoder.predict(x, 'w');
const windowed = windowedResponseModel(encoder, 'w');
const opts = { optimizer: 'adam', learningRate: 0.05, blur: 1, norm: 10, init: 'noise', initStd: 0.1, steps, batchSize: N };

function timeit(fn) {
  fn(2); // warm-up: 2 steps
  const ts = [];
  let last;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    last = fn(steps);
    ts.push((performance.now() - t0) / 1000);
  }
  return { seconds: median(ts), meisPerSecond: N / median(ts), meanActivation: last.activations.reduce((a, b) => a + b, 0) / N };
}
const n0 = tf.memory().numTensors;
const results = {
  full: timeit((s) => synthesizeMeis(model, [H, W, 1], { ...opts, steps: s })),
  masked: timeit((s) => synthesizeMeisWindowed(windowed, [H, W, 1], { ...opts, steps: s })),
};
if (tf.memory().numTensors !== n0) throw new Error(`MEI synthesis leaked ${tf.memory().numTensors - n0} tensors`);

let torch = null;
if (args['mei-baseline']) torch = JSON.parse(readFileSync(args['mei-baseline'], 'utf8'));
else if (args.torch) {
  const out = join(mkdtempSync(join(tmpdir(), 'sal-mei-')), 'mei_torch.json');
  const script = join(dirname(fileURLToPath(import.meta.url)), 'mei_torch.py');
  const r = spawnSync(process.env.PYTHON ?? '/usr/bin/python3', [script, '--steps', String(steps), '--reps', String(reps), '--out', out], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) console.log(`(the PyTorch reference exited with ${r.status}; install: apt-get install -y python3-torch)`);
  else torch = JSON.parse(readFileSync(out, 'utf8'));
}
console.log(
  `\nMEIs of workload W's model (100 neurons, 64×64) on ${describeBackend(info)}; ${steps} steps, Adam, blur σ 1, L2 norm 10; ${reps} rep(s), medians\n`,
);
console.log('| MEIs | sal (MEIs/s) | mean model response | PyTorch CPU (MEIs/s) | ratio |');
console.log('|---|---|---|---|---|');
for (const [k, label] of [
  ['full', 'whole image'],
  ['masked', "masked to the neuron's window (sal: windowed passes)"],
]) {
  const ref = torch?.[k]?.meis_per_s;
  console.log(
    `| ${label} | ${results[k].meisPerSecond.toFixed(2)} | ${results[k].meanActivation.toFixed(3)} | ${ref ? ref.toFixed(2) : '–'} | ${ref ? (results[k].meisPerSecond / ref).toFixed(2) + '×' : '–'} |`,
  );
}
encoder.dispose();
