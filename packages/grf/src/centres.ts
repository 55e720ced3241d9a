import { checkOneOf, resolveOptions } from '@sal/types';
import { type GrfArray, grfDims } from './arrays.js';

/** Weight of a pixel in the centre of mass: |gRF| or gRF². */
export type CentreWeight = 'abs' | 'square';

/** Options of {@link grfCentres}. */
export interface CentreOptions {
  /**
   * Pixel weight: `'square'` = gRF² (the gRF's energy; robust to sign changes, favours the peak), `'abs'` = |gRF|.
   * Channels are summed. @default 'square'
   */
  weight?: CentreWeight;
}

/** Defaults of {@link CentreOptions}. */
export const CENTRE_DEFAULTS: Readonly<Required<CentreOptions>> = Object.freeze({ weight: 'square' });

/** Centres of mass and spreads of gRFs. Coordinates are pixels: x = column, y = row, pixel centres at integers. */
export interface GrfCentres {
  /** `[neurons, images, 2]` as (x, y); NaN where the gRF is zero everywhere. */
  readonly centres: Float64Array;
  /** `[neurons, images]`: √(weighted mean squared distance to the centre), in pixels. */
  readonly spreads: Float64Array;
  /** `[neurons, images]`: total weight Σ w. */
  readonly mass: Float64Array;
  readonly shape: readonly [neurons: number, images: number];
}

/**
 * Centre of mass and spread of each gRF, with pixel weight w = gRF² (default) or |gRF|:
 * centre = Σ w·p / Σ w, spread = √(Σ w·|p − centre|² / Σ w), p = (column, row).
 * @param grf `[neurons, images, h, w(, channels)]`
 */
export function grfCentres(grf: GrfArray, opts?: CentreOptions): GrfCentres {
  const where = 'grf.grfCentres';
  const [nn, m, h, w, c] = grfDims(`${where}: grf`, grf);
  const o = resolveOptions<CentreOptions>(where, CENTRE_DEFAULTS, opts);
  checkOneOf(where, 'weight', o.weight, ['abs', 'square'] as const);
  const sq = o.weight === 'square';
  const centres = new Float64Array(nn * m * 2);
  const spreads = new Float64Array(nn * m);
  const mass = new Float64Array(nn * m);
  const d = grf.data;
  const per = h * w * c;
  for (let g = 0; g < nn * m; g++) {
    const base = g * per;
    let sw = 0,
      sx = 0,
      sy = 0,
      sxx = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let wt = 0;
        for (let j = 0; j < c; j++) {
          const v = d[base + (y * w + x) * c + j]!;
          wt += sq ? v * v : Math.abs(v);
        }
        sw += wt;
        sx += wt * x;
        sy += wt * y;
        sxx += wt * (x * x + y * y);
      }
    }
    mass[g] = sw;
    if (sw > 0) {
      const cx = sx / sw,
        cy = sy / sw;
      centres[2 * g] = cx;
      centres[2 * g + 1] = cy;
      spreads[g] = Math.sqrt(Math.max(0, sxx / sw - cx * cx - cy * cy));
    } else {
      centres[2 * g] = centres[2 * g + 1] = spreads[g] = NaN;
    }
  }
  return { centres, spreads, mass, shape: [nn, m] };
}
