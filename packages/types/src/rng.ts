/**
 * A small, fast, seeded pseudo-random generator (xoshiro128**, seeded through splitmix32) with
 * deterministic child streams: `rng.child('readout')` always yields the same stream for the same seed
 * and label, independent of how many numbers the parent has drawn. No global state anywhere.
 */
import { SalConfigError } from './errors.js';

/** A seeded stream of random numbers. */
export interface Rng {
  /** The 32-bit seed this stream was created from. */
  readonly seed: number;
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform unsigned 32-bit integer. */
  nextUint32(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal N(0, 1) (Box–Muller, both values used). */
  normal(): number;
  /** Shuffle `arr` in place (Fisher–Yates) and return it. */
  shuffle<T>(arr: T[]): T[];
  /** A permutation of `0..n-1`. */
  permutation(n: number): Int32Array;
  /** An independent stream derived from this stream's seed and `label` (not from its position). */
  child(label: string | number): Rng;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a hash of a label, mixed with a seed: the seed of a child stream. */
export function deriveSeed(seed: number, label: string | number): number {
  const text = typeof label === 'number' ? `#${label}` : label;
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return splitmix32(h ^ Math.imul(seed >>> 0, 0x9e3779b1))();
}

/** Create a seeded generator. `seed` must be a finite integer (it is taken modulo 2^32). */
export function createRng(seed: number): Rng {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw new SalConfigError('types.createRng', 'seed', 'an integer', seed);
  }
  const seed32 = seed >>> 0;
  const sm = splitmix32(seed32);
  let a = sm(),
    b = sm(),
    c = sm(),
    d = sm();
  if ((a | b | c | d) === 0) a = 1;
  let spare: number | null = null;

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    return result;
  };
  const next = (): number => nextUint32() / 4294967296;

  const rng: Rng = {
    seed: seed32,
    next,
    nextUint32,
    int(n: number): number {
      if (!Number.isInteger(n) || n <= 0) throw new SalConfigError('Rng.int', 'n', 'a positive integer', n);
      return Math.floor(next() * n);
    },
    normal(): number {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    shuffle<T>(arr: T[]): T[] {
      for (let i = arr.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = arr[i] as T;
        arr[i] = arr[j] as T;
        arr[j] = tmp;
      }
      return arr;
    },
    permutation(n: number): Int32Array {
      const p = new Int32Array(n);
      for (let i = 0; i < n; i++) p[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = p[i]!;
        p[i] = p[j]!;
        p[j] = tmp;
      }
      return p;
    },
    child(label: string | number): Rng {
      return createRng(deriveSeed(seed32, label));
    },
  };
  return rng;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
