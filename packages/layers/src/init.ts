/**
 * Seeded parameter initialisers, computed on the host from an {@link Rng} (same seed, same values on every
 * backend). Sizes and fans follow PyTorch's `torch.nn.init`.
 */
import type { Rng } from '@sal/types';

/** `size` values uniform in [lo, hi): `lo + (hi − lo)·u`. */
export function uniformValues(rng: Rng, size: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = lo + (hi - lo) * rng.next();
  return out;
}

/** `size` values from N(0, std²). */
export function normalValues(rng: Rng, size: number, std: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = std * rng.normal();
  return out;
}

/** The standard deviation of Xavier/Glorot normal with gain 1: √(2 / (fanIn + fanOut)). */
export function xavierNormalStd(fanIn: number, fanOut: number): number {
  return Math.sqrt(2 / (fanIn + fanOut));
}

/** Xavier/Glorot normal values: N(0, 2/(fanIn+fanOut)), gain 1, as `torch.nn.init.xavier_normal_`. */
export function xavierNormalValues(rng: Rng, size: number, fanIn: number, fanOut: number): Float32Array {
  return normalValues(rng, size, xavierNormalStd(fanIn, fanOut));
}

/**
 * PyTorch's fans of a conv kernel `[kh, kw, inPerGroup, ·]` with `outChannels` outputs:
 * fanIn = inPerGroup·kh·kw, fanOut = outChannels·kh·kw (a depthwise kernel `[k, k, C, 1]` has `inPerGroup` 1).
 */
export function convFans(kh: number, kw: number, inPerGroup: number, outChannels: number): { fanIn: number; fanOut: number } {
  return { fanIn: inPerGroup * kh * kw, fanOut: outChannels * kh * kw };
}

/** Xavier normal for a full conv kernel `[k, k, cin, cout]` (row-major). */
export function xavierNormalKernel(rng: Rng, k: number, cin: number, cout: number): Float32Array {
  const { fanIn, fanOut } = convFans(k, k, cin, cout);
  return xavierNormalValues(rng, k * k * cin * cout, fanIn, fanOut);
}
