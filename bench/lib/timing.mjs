// Helpers shared by the benchmarks (not a benchmark itself: bench/run.mjs runs only the .mjs files of bench/).
import * as tf from '@tensorflow/tfjs-core';

/** Seconds of each of `n` calls of `fn`, after `warmup` untimed calls. */
export function timeit(fn, n, warmup) {
  for (let i = 0; i < warmup; i++) fn();
  const ts = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return ts;
}

/** Median of an array of numbers. */
export const median = (a) => {
  const s = [...a].sort((u, v) => u - v);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A tensor of seeded normal values × scale (`rng` from @sal/types' createRng). */
export const randnTensor = (rng, shape, scale = 1) =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * scale),
    shape,
  );

/** A seeded Poisson draw with mean `lam` (Knuth's method). */
export function poisson(rng, lam) {
  let k = 0,
    t = Math.exp(-lam),
    s = t;
  const u = rng.next();
  while (u > s) {
    k++;
    t *= lam / k;
    s += t;
  }
  return k;
}
