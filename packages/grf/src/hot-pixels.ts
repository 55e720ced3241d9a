import { SalConfigError, checkNumber, checkOneOf, resolveOptions } from '@sal/types';
import { type GrfArray, grfDims } from './arrays.js';

/** How a pixel is scored before ranking. */
export type HotPixelScore = 'abs' | 'positive' | 'negative';

/** Options of {@link hotPixels}. */
export interface HotPixelOptions {
  /** Positions (first axis of the gRF array) of the neurons pooled; `null`: all. @default null */
  neurons?: readonly number[] | null;
  /** Fraction of the pixels kept per neuron (at least one pixel). @default 0.01 */
  fraction?: number;
  /** Score: `'abs'` = |gRF|, `'positive'` = gRF, `'negative'` = −gRF. Channels are summed (|·| per channel for `'abs'`). @default 'abs' */
  score?: HotPixelScore;
}

/** Defaults of {@link HotPixelOptions}. */
export const HOT_PIXEL_DEFAULTS: Readonly<Required<HotPixelOptions>> = Object.freeze({ neurons: null, fraction: 0.01, score: 'abs' });

/** Hot pixels of one image pooled over neurons. */
export interface HotPixels {
  /** `[h·w]` (row-major `[h, w]`): 1 where any pooled neuron has a hot pixel. */
  readonly mask: Uint8Array;
  /** Flat pixel indices (`row·w + col`) of the union, ascending. */
  readonly indices: Int32Array;
  /** Per pooled neuron, its own hot pixels, strongest first. */
  readonly perNeuron: readonly Int32Array[];
  readonly shape: readonly [h: number, w: number];
}

/**
 * The highest-scoring gRF pixels of one image, per neuron, pooled (union) over several neurons: the
 * "hot pixels" overlay. Each neuron contributes its own top `max(1, round(fraction·h·w))` pixels, so the
 * pooling does not depend on the neurons' gradient scales. Ties keep the lower pixel index.
 * @param grf `[neurons, images, h, w(, channels)]`
 * @param image image index (second axis)
 */
export function hotPixels(grf: GrfArray, image: number, opts?: HotPixelOptions): HotPixels {
  const where = 'grf.hotPixels';
  const [nn, m, h, w, c] = grfDims(`${where}: grf`, grf);
  const o = resolveOptions<HotPixelOptions>(where, HOT_PIXEL_DEFAULTS, opts);
  checkNumber(where, 'image', image, { min: 0, max: m - 1, integer: true });
  checkNumber(where, 'fraction', o.fraction, { min: 0, max: 1, exclusiveMin: true });
  checkOneOf(where, 'score', o.score, ['abs', 'positive', 'negative'] as const);
  let neurons: number[];
  if (o.neurons === null) neurons = Array.from({ length: nn }, (_, i) => i);
  else if (Array.isArray(o.neurons)) neurons = o.neurons.map((n) => checkNumber(where, 'neurons', n, { min: 0, max: nn - 1, integer: true }));
  else throw new SalConfigError(where, 'neurons', 'an array of neuron positions or null', o.neurons);
  const hw = h * w;
  const keep = Math.max(1, Math.round(o.fraction * hw));
  const mask = new Uint8Array(hw);
  const scores = new Float64Array(hw);
  const order = Array.from({ length: hw }, (_, i) => i);
  const perNeuron: Int32Array[] = [];
  for (const n of neurons) {
    const base = (n * m + image) * hw * c;
    for (let q = 0; q < hw; q++) {
      let s = 0;
      for (let j = 0; j < c; j++) {
        const v = grf.data[base + q * c + j]!;
        s += o.score === 'abs' ? Math.abs(v) : o.score === 'positive' ? v : -v;
      }
      scores[q] = Number.isNaN(s) ? -Infinity : s;
    }
    order.sort((a, b) => scores[b]! - scores[a]! || a - b);
    const top = Int32Array.from(order.slice(0, keep));
    for (const q of top) mask[q] = 1;
    perNeuron.push(top);
  }
  const indices: number[] = [];
  for (let q = 0; q < hw; q++) if (mask[q]) indices.push(q);
  return { mask, indices: Int32Array.from(indices), perNeuron, shape: [h, w] };
}
