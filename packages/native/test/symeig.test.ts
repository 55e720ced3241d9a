import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { SalShapeError, float64Routines, registerFloat64Routines, type Float64Routines } from '@sal/types';
import { NATIVE_FLOAT64_ROUTINES, nativeFloat64Routines, registerNativeKernels, unregisterNativeKernels } from '../src/index.js';

const disabled = process.env['SAL_NATIVE'] === '0';
const EPS = 2 ** -52;

/** Deterministic values in [-0.5, 0.5) (float64). */
function stream(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function randomSymmetric(n: number, seed: number): Float64Array {
  const r = stream(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = r();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** Q·diag(λ)·Qᵀ with Q a product of `reflectors` seeded random Householder reflections (dense, known spectrum). */
function withSpectrum(lambda: readonly number[], seed: number, reflectors = 4): Float64Array {
  const n = lambda.length;
  const a = new Float64Array(n * n);
  lambda.forEach((l, i) => {
    a[i * n + i] = l;
  });
  const r = stream(seed);
  const u = new Float64Array(n),
    w = new Float64Array(n);
  for (let q = 0; q < reflectors; q++) {
    let norm = 0;
    for (let i = 0; i < n; i++) {
      u[i] = r();
      norm += u[i]! ** 2;
    }
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) u[i] = u[i]! / norm;
    // H·A·H = A − 2·u·wᵀ − 2·w·uᵀ + 4·(uᵀw)·u·uᵀ with w = A·u
    let uw = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j]! * u[j]!;
      w[i] = s;
      uw += u[i]! * s;
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) a[i * n + j] = a[i * n + j]! - 2 * u[i]! * w[j]! - 2 * w[i]! * u[j]! + 4 * uw * u[i]! * u[j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i]!; // exactly symmetric
  return a;
}

/** Cyclic Jacobi (an independent reference): eigenvalues and eigenvectors as rows, to full precision. */
function jacobi(a: Float64Array, n: number): { d: Float64Array; vt: Float64Array } {
  const A = a.slice();
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  let frob = 0;
  for (const x of A) frob += x * x;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q]! ** 2;
    if (off <= 1e-34 * frob) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        const theta = (A[q * n + q]! - A[p * n + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!,
            akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!,
            aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vp = V[p * n + k]!,
            vq = V[q * n + k]!; // rows of V hold the eigenvectors
          V[p * n + k] = c * vp - s * vq;
          V[q * n + k] = s * vp + c * vq;
        }
      }
    }
  }
  return { d: Float64Array.from({ length: n }, (_, i) => A[i * n + i]!), vt: V };
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const x of a) m = Math.max(m, Math.abs(x));
  return m;
}

/** max_k ‖A·v_k − d_k·v_k‖∞ / max|a_ij| and max |v_k·v_l − δ_kl|. */
function quality(a: Float64Array, n: number, d: Float64Array, vt: Float64Array): { residual: number; orthogonality: number } {
  let res = 0,
    orth = 0;
  for (let k = 0; k < n; k++) {
    const vk = vt.subarray(k * n, k * n + n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j]! * vk[j]!;
      res = Math.max(res, Math.abs(s - d[k]! * vk[i]!));
    }
    for (let l = k; l < n; l++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += vk[i]! * vt[l * n + i]!;
      orth = Math.max(orth, Math.abs(s - (k === l ? 1 : 0)));
    }
  }
  return { residual: res / (maxAbs(a) || 1), orthogonality: orth };
}

const sorted = (d: Float64Array): number[] => Array.from(d).sort((x, y) => x - y);

describe.skipIf(disabled)('native symEig', () => {
  const symEig = (a: Float64Array, n: number) => nativeFloat64Routines()!.symEig!(a, n);

  it('is offered as a float64 routine', () => {
    expect(NATIVE_FLOAT64_ROUTINES).toEqual(['symEig']);
    expect(typeof nativeFloat64Routines()?.symEig).toBe('function');
  });

  for (const n of [2, 3, 7, 31, 32, 33, 64]) {
    it(`matches a Jacobi reference on a random symmetric [${n},${n}] (values and vectors up to sign)`, () => {
      const a = randomSymmetric(n, 100 + n);
      const { d, vt } = symEig(a, n);
      const ref = jacobi(a, n);
      const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x]! - d[y]!);
      const refOrder = Array.from({ length: n }, (_, i) => i).sort((x, y) => ref.d[x]! - ref.d[y]!);
      const scale = maxAbs(a);
      for (let r = 0; r < n; r++) {
        const i = order[r]!,
          j = refOrder[r]!;
        expect(Math.abs(d[i]! - ref.d[j]!)).toBeLessThan(20 * n * EPS * scale);
        // eigenvectors of well-separated eigenvalues agree up to sign
        const gap = Math.min(r > 0 ? ref.d[j]! - ref.d[refOrder[r - 1]!]! : Infinity, r < n - 1 ? ref.d[refOrder[r + 1]!]! - ref.d[j]! : Infinity);
        if (gap > 1e-3 * scale) {
          let dotp = 0;
          for (let k = 0; k < n; k++) dotp += vt[i * n + k]! * ref.vt[j * n + k]!;
          expect(1 - Math.abs(dotp)).toBeLessThan(1e-10);
        }
      }
      const q = quality(a, n, d, vt);
      expect(q.residual).toBeLessThan(4 * n * EPS);
      expect(q.orthogonality).toBeLessThan(4 * n * EPS);
    });
  }

  // 97: one panel and a bit; 300: several panels and reflector blocks; 800: also threaded symmetric products
  // (trailing blocks past 724 rows), trailing updates, reflector blocks and rotation chunks
  for (const n of [97, 300, 800]) {
    it(`recovers a known spectrum Q·diag(λ)·Qᵀ [${n},${n}] with LAPACK-like residual and orthogonality`, () => {
      const r = stream(n);
      const lambda = Array.from({ length: n }, () => 10 * r());
      const a = withSpectrum(lambda, 7 + n);
      const copy = a.slice();
      const { d, vt } = symEig(a, n);
      expect(a).toEqual(copy); // not modified
      const want = lambda.slice().sort((x, y) => x - y),
        got = sorted(d);
      const scale = maxAbs(Float64Array.from(lambda));
      for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(10 * n * EPS * scale);
      const q = quality(a, n, d, vt);
      expect(q.residual).toBeLessThan(n * EPS);
      expect(q.orthogonality).toBeLessThan(n * EPS);
    }, 60_000);
  }

  it('handles repeated eigenvalues (multiplicities up to 40, zeros included)', () => {
    const n = 120;
    const lambda = Array.from({ length: n }, (_, i) => (i < 40 ? 3 : i < 70 ? -1 : i < 100 ? 0 : i < 110 ? 1e-9 : 7));
    const a = withSpectrum(lambda, 5, 6);
    const { d, vt } = symEig(a, n);
    const want = lambda.slice().sort((x, y) => x - y),
      got = sorted(d);
    for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(10 * n * EPS * 7);
    const q = quality(a, n, d, vt);
    expect(q.residual).toBeLessThan(n * EPS);
    expect(q.orthogonality).toBeLessThan(n * EPS);
  });

  it('keeps trace and Frobenius norm (Σλ = tr A, Σλ² = ‖A‖²_F)', () => {
    const n = 200;
    const a = randomSymmetric(n, 3);
    const { d } = symEig(a, n);
    let tr = 0,
      fro = 0,
      sum = 0,
      sq = 0;
    for (let i = 0; i < n; i++) tr += a[i * n + i]!;
    for (const x of a) fro += x * x;
    for (const x of d) {
      sum += x;
      sq += x * x;
    }
    expect(Math.abs(sum - tr)).toBeLessThan(1e-11 * Math.sqrt(fro));
    expect(Math.abs(sq - fro) / fro).toBeLessThan(1e-13);
  });

  it('reads only the upper triangle', () => {
    const n = 50;
    const a = randomSymmetric(n, 9);
    const b = a.slice();
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) b[i * n + j] = 12345;
    const x = symEig(a, n),
      y = symEig(b, n);
    expect(y.d).toEqual(x.d);
    expect(y.vt).toEqual(x.vt);
  });

  it('solves 1×1, 2×2, diagonal and zero matrices exactly', () => {
    expect(symEig(Float64Array.of(-2.5), 1)).toEqual({ d: Float64Array.of(-2.5), vt: Float64Array.of(1) });
    const two = symEig(Float64Array.of(2, 1, 1, 2), 2);
    expect(sorted(two.d)).toEqual([1, 3].map((v) => expect.closeTo(v, 14)));
    const q2 = quality(Float64Array.of(2, 1, 1, 2), 2, two.d, two.vt);
    expect(q2.residual).toBeLessThan(4 * EPS);
    expect(q2.orthogonality).toBeLessThan(4 * EPS);
    const n = 70;
    const diag = new Float64Array(n * n);
    for (let i = 0; i < n; i++) diag[i * n + i] = (i % 7) - 3 + i / 100;
    const dd = symEig(diag, n);
    const id = new Float64Array(n * n);
    for (let i = 0; i < n; i++) id[i * n + i] = 1;
    expect(Array.from(dd.d)).toEqual(Array.from({ length: n }, (_, i) => diag[i * n + i]));
    expect(dd.vt).toEqual(id);
    const zero = symEig(new Float64Array(n * n), n);
    expect(zero.d).toEqual(new Float64Array(n));
    expect(zero.vt).toEqual(id);
  });

  it('keeps precision for tiny and huge matrices (scaled like LAPACK) and graded spectra', () => {
    for (const scale of [1e-200, 1e200]) {
      const n = 40;
      const a = randomSymmetric(n, 11);
      const base = symEig(a, n);
      const scaled = symEig(
        a.map((x) => x * scale),
        n,
      );
      const x = sorted(base.d),
        y = sorted(scaled.d);
      for (let i = 0; i < n; i++) expect(Math.abs(y[i]! / scale - x[i]!)).toBeLessThan(1e-13);
      expect(
        quality(
          a.map((v) => v * scale),
          n,
          scaled.d,
          scaled.vt,
        ).orthogonality,
      ).toBeLessThan(n * EPS);
    }
    const n = 60;
    const lambda = Array.from({ length: n }, (_, i) => 10 ** (-i / 4));
    const a = withSpectrum(lambda, 13);
    const { d, vt } = symEig(a, n);
    const got = sorted(d),
      want = lambda.slice().sort((x, y) => x - y);
    for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(10 * n * EPS);
    expect(quality(a, n, d, vt).residual).toBeLessThan(n * EPS);
  });

  it('throws for NaN or infinite entries and refuses wrong sizes', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const a = randomSymmetric(20, 1);
      a[3 * 20 + 17] = bad;
      expect(() => symEig(a, 20)).toThrow(/NaN or infinite/);
    }
    expect(() => symEig(new Float64Array(6), 2)).toThrow(SalShapeError);
    expect(() => symEig(new Float64Array(4), 0)).toThrow(SalShapeError);
    expect(() => symEig(new Float32Array(4) as unknown as Float64Array, 2)).toThrow(SalShapeError);
  });

  it('is registered in @sal/types by registerNativeKernels and taken back by unregisterNativeKernels', () => {
    const other: Float64Routines = {};
    const saved = registerFloat64Routines(other);
    try {
      registerNativeKernels();
      expect(float64Routines()).toBe(nativeFloat64Routines());
      unregisterNativeKernels();
      expect(float64Routines()).toBe(other);
    } finally {
      unregisterNativeKernels();
      registerFloat64Routines(saved);
    }
  });
});

describe('native symEig and SAL_NATIVE', () => {
  it('is offered with the addon, and not with SAL_NATIVE=0', () => {
    const saved = registerFloat64Routines(null);
    try {
      registerNativeKernels();
      if (disabled) {
        expect(nativeFloat64Routines()).toBeNull();
        expect(float64Routines()).toBeNull();
      } else {
        expect(typeof nativeFloat64Routines()?.symEig).toBe('function');
        expect(float64Routines()).toBe(nativeFloat64Routines());
      }
    } finally {
      unregisterNativeKernels();
      registerFloat64Routines(saved);
    }
  });
});
