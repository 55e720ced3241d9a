import { checkNumber } from '@sal/types';
import { type Matrix, matrixShape } from './arrays.js';

/** The k images per neuron picked by {@link topKImages} or {@link bottomKImages}. */
export interface ImageSelection {
  /** `[neurons, k]` image indices, row-major, best first (top-k) or weakest first (bottom-k). */
  readonly indices: Int32Array;
  /** `[neurons, k]` the responses at those indices. */
  readonly values: Float32Array;
  /** `[neurons, k]`. */
  readonly shape: readonly [neurons: number, k: number];
}

function select(where: string, responses: Matrix, k: number, descending: boolean): ImageSelection {
  const [m, n] = matrixShape(`${where}: responses`, responses);
  checkNumber(where, 'k', k, { min: 0, max: m, integer: true });
  const indices = new Int32Array(n * k);
  const values = new Float32Array(n * k);
  const d = responses.data;
  const order = Array.from({ length: m }, (_, i) => i);
  for (let j = 0; j < n; j++) {
    // NaN responses go last in both orders; ties keep the lower image index first.
    order.sort((a, b) => {
      const va = d[a * n + j]!,
        vb = d[b * n + j]!;
      const na = Number.isNaN(va),
        nb = Number.isNaN(vb);
      if (na || nb) return na === nb ? a - b : na ? 1 : -1;
      if (va !== vb) return descending ? vb - va : va - vb;
      return a - b;
    });
    for (let r = 0; r < k; r++) {
      indices[j * k + r] = order[r]!;
      values[j * k + r] = d[order[r]! * n + j]!;
    }
  }
  return { indices, values, shape: [n, k] };
}

/**
 * The k images with the strongest response of each neuron (recorded or predicted: any `[images, neurons]`
 * matrix), strongest first. Ties keep the lower image index first; NaN responses are never preferred.
 * @param responses `{ data, shape: [images, neurons] }`
 */
export function topKImages(responses: Matrix, k: number): ImageSelection {
  return select('grf.topKImages', responses, k, true);
}

/** The k images with the weakest response of each neuron, weakest first. See {@link topKImages}. */
export function bottomKImages(responses: Matrix, k: number): ImageSelection {
  return select('grf.bottomKImages', responses, k, false);
}
