import { SalConfigError, checkNumber, resolveOptions } from '@sal/types';
import { type ImageInput, type ResponseModel, imageShape } from './arrays.js';
import { gradientReceptiveFields } from './grf.js';

/** Options of {@link estimateSupports}. */
export interface SupportOptions {
  /** Neuron indices, in output order; `null`: all. @default null */
  neurons?: readonly number[] | null;
  /** Pixels added around the found support on every side (square dilation). @default 2 */
  margin?: number;
  /** Images per pass. @default 32 */
  batchSize?: number;
}

/** Defaults of {@link SupportOptions}. */
export const SUPPORT_DEFAULTS: Readonly<Required<SupportOptions>> = Object.freeze({ neurons: null, margin: 2, batchSize: 32 });

/** Support masks of gRFs. */
export interface Supports {
  /** `[neurons, h·w]`: 1 where some probe image gives a non-zero gradient (any channel), dilated by `margin`. */
  readonly masks: Uint8Array;
  readonly neurons: readonly number[];
  readonly shape: readonly [neurons: number, h: number, w: number];
}

/**
 * Estimate where each neuron's gRF can be non-zero: the pixels with a non-zero gradient (any channel) on any
 * probe image, dilated by `margin`. The estimate is only as good as the probes: use varied images (e.g.
 * noise) so that no unit of the model is silent on all of them. Pass `masks` as the `supports` option of
 * {@link gradientReceptiveFields} to share backward passes between neurons whose supports do not overlap.
 * @param probes `[images, h, w, c]`
 */
export function estimateSupports(model: ResponseModel, probes: ImageInput, opts?: SupportOptions): Supports {
  const where = 'grf.estimateSupports';
  const o = resolveOptions<SupportOptions>(where, SUPPORT_DEFAULTS, opts);
  const margin = checkNumber(where, 'margin', o.margin, { min: 0, integer: true });
  const [b, h, w, c] = imageShape(where, probes);
  if (b === 0) throw new SalConfigError(where, 'probes', 'at least one probe image', 0);
  const grf = gradientReceptiveFields(model, probes, { neurons: o.neurons, channels: Array.from({ length: c }, (_, i) => i), batchSize: o.batchSize });
  const k = grf.neurons.length;
  const hw = h * w;
  const raw = new Uint8Array(k * hw);
  for (let n = 0; n < k; n++) {
    for (let i = 0; i < b; i++) {
      const base = (n * b + i) * hw * c;
      for (let q = 0; q < hw; q++) {
        if (raw[n * hw + q]) continue;
        for (let j = 0; j < c; j++)
          if (grf.data[base + q * c + j] !== 0) {
            raw[n * hw + q] = 1;
            break;
          }
      }
    }
  }
  if (margin === 0) return { masks: raw, neurons: grf.neurons, shape: [k, h, w] };
  const masks = new Uint8Array(k * hw);
  for (let n = 0; n < k; n++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (!raw[n * hw + y * w + x]) continue;
        for (let yy = Math.max(0, y - margin); yy <= Math.min(h - 1, y + margin); yy++) {
          for (let xx = Math.max(0, x - margin); xx <= Math.min(w - 1, x + margin); xx++) masks[n * hw + yy * w + xx] = 1;
        }
      }
    }
  }
  return { masks, neurons: grf.neurons, shape: [k, h, w] };
}
