#!/usr/bin/env node
// Micro-timings of @sal/native's kernels called directly on an ArrayBuffer (no tfjs): convolutions (direct,
// Winograd, filter gradient, few output channels), depthwise 9×9 (workload G's), a matrix product, batch-norm and exp. Prints a markdown table of medians.
// Usage: node bench/native-kernels.mjs [--addon path/to/sal_native.node] [--isa avx512|avx2|baseline] [--threads 1] [--reps 15]
// Without --addon it loads the addon @sal/native would load (SAL_NATIVE_ISA chooses the path, as --isa does).
// --addon compares binaries (e.g. an older build) on the same inputs.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const argv = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const threads = Number(arg('threads', '1'));
const reps = Number(arg('reps', '15'));
if (arg('isa')) process.env.SAL_NATIVE_ISA = arg('isa');

let addon, label;
if (arg('addon')) {
  addon = createRequire(import.meta.url)(resolve(arg('addon')));
  label = arg('addon');
} else {
  const nat = await import('@sal/native');
  addon = nat.loadNative();
  const s = nat.nativeStatus();
  if (!addon) {
    console.log(`## native kernels: skipped, @sal/native is unavailable (${s.reason})`);
    process.exit(0);
  }
  label = `${s.path} (${s.isa}: ${s.isaReason})`;
}
addon.setThreads(threads);

// one buffer, regions carved out at 64-byte offsets
const floats = 48 << 20;
const buf = new ArrayBuffer(floats * 4);
const all = new Float32Array(buf);
let s = 12345;
for (let i = 0; i < floats; i++) {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  all[i] = s / 2 ** 32 - 0.5;
}
let next = 0;
const region = (n) => {
  const off = next * 4;
  next += Math.ceil(n / 16) * 16;
  if (next > floats) throw new Error('bench buffer too small');
  return off;
};

function conv(n, h, w, ci, k, co) {
  const x = region(n * h * w * ci),
    f = region(k * k * ci * co),
    b = region(co),
    o = region(n * h * w * co),
    df = region(k * k * ci * co);
  const p = (k - 1) >> 1;
  const geom = [n, h, w, ci, k, k, co, 1, 1, 1, 1, p, p, h, w];
  return {
    forward: () => addon.conv2dForward(buf, x, f, b, o, 2, 0, ...geom),
    filter: () => addon.conv2dBackpropFilter(buf, x, o, df, ...geom),
    input: () => addon.conv2dBackpropInput(buf, o, f, x, ...geom),
  };
}
const c32 = conv(16, 32, 32, 32, 3, 32),
  c64 = conv(8, 32, 32, 64, 3, 64),
  c9 = conv(32, 36, 36, 1, 9, 32),
  cRemap = conv(16, 83, 83, 3, 3, 2),
  cRemap3 = conv(16, 83, 83, 3, 3, 3),
  c1 = conv(16, 69, 69, 32, 1, 32);
// depthwise k×k, channel multiplier 1, 'same' padding (workload G: [64,69,69,32], 9×9)
function depthwise(n, h, w, c, k) {
  const x = region(n * h * w * c),
    f = region(k * k * c),
    o = region(n * h * w * c),
    df = region(k * k * c);
  const p = (k - 1) >> 1;
  const geom = [n, h, w, c, k, k, c, 1, 1, 1, 1, p, p, h, w];
  return {
    forward: () => addon.depthwiseForward(buf, x, f, -1, o, 0, 0, ...geom),
    input: () => addon.depthwiseBackpropInput(buf, o, f, x, ...geom),
    filter: () => addon.depthwiseBackpropFilter(buf, x, o, df, ...geom),
  };
}
const dw9 = depthwise(16, 69, 69, 32, 9);
const mm = (() => {
  const m = 512,
    a = region(m * m),
    b = region(m * m),
    c = region(m * m);
  return () => addon.batchMatMul(buf, a, b, c, 1, m, m, m, 0, 0, 0, 0);
})();
const bn = (() => {
  const n = 65536,
    c = 32,
    x = region(n * c),
    g = region(c),
    be = region(c),
    y = region(n * c),
    mu = region(c),
    v = region(c);
  return () => addon.bnTrainForward(buf, x, g, be, y, mu, v, n, c, 1e-3, 2);
})();
const ex = (() => {
  const n = 1 << 20,
    x = region(n),
    o = region(n);
  return () => addon.unary(buf, x, o, 3, n, 0);
})();

const cases = [
  ['conv 3×3 32→32 fwd + bias + elu, [16,32,32,32]', c32.forward],
  ['conv 3×3 32→32 input gradient', c32.input],
  ['conv 3×3 32→32 filter gradient', c32.filter],
  ['conv 3×3 64→64 fwd (Winograd), [8,32,32,64]', c64.forward],
  ['conv 9×9 1→32 fwd, [32,36,36,1]', c9.forward],
  ['conv 3×3 3→2 filter gradient (a remapper layer), [16,83,83,3]', cRemap.filter],
  ['conv 3×3 3→3 fwd + bias + elu (a remapper layer), [16,83,83,3]', cRemap3.forward],
  ['conv 3×3 3→2 input gradient (a remapper layer)', cRemap.input],
  ['conv 1×1 32→32 fwd + bias + elu (depth-separable), [16,69,69,32]', c1.forward],
  ['depthwise 9×9 fwd, [16,69,69,32]', dw9.forward],
  ['depthwise 9×9 input gradient', dw9.input],
  ['depthwise 9×9 filter gradient', dw9.filter],
  ['matmul 512×512×512', mm],
  ['batch-norm train fwd + elu [65536,32]', bn],
  ['exp, 2^20 floats', ex],
];

console.log(`## native kernels: ${label}; ${threads} thread${threads === 1 ? '' : 's'}, median of ${reps}`);
console.log('');
console.log('| kernel | median ms | min ms |');
console.log('|---|---:|---:|');
for (const [name, fn] of cases) {
  fn();
  fn();
  const t = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  console.log(`| ${name} | ${t[t.length >> 1].toFixed(2)} | ${t[0].toFixed(2)} |`);
}
