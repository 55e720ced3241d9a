/**
 * RF-shift statistics: does a neuron's gRF centre move, image by image, toward the image's most salient
 * point? Per neuron n and image i, with c(n,i) the gRF centre, c̄(n) the neuron's mean centre over images
 * and s(i) the salient point: shift = c(n,i) − c̄(n), u = (s(i) − c̄(n)) / |s(i) − c̄(n)|, projection =
 * shift · u (pixels; positive = toward saliency).
 */
import { SalShapeError, checkNumber, createRng, resolveOptions } from '@sal/types';

/** Per-(neuron, image) shifts and their projections on the direction to saliency. */
export interface RfShifts {
  /** `[neurons, 2]` mean centre (x, y) of each neuron over the images with a finite centre. */
  readonly meanCentres: Float64Array;
  /** `[neurons, images, 2]` centre − mean centre. */
  readonly shifts: Float64Array;
  /** `[neurons, images]` projection of the shift on the unit direction mean centre → salient point; NaN when undefined. */
  readonly projections: Float64Array;
  /** `[neurons]` mean projection over the images where it is defined. */
  readonly perNeuron: Float64Array;
  readonly shape: readonly [neurons: number, images: number];
}

/** Options of {@link rfShifts} and {@link rfShiftPermutationTest}. */
export interface RfShiftOptions {
  /** Salient points closer than this to a neuron's mean centre (pixels) give no direction: excluded. @default 1e-6 */
  minDistance?: number;
}

/** Defaults of {@link RfShiftOptions}. */
export const RF_SHIFT_DEFAULTS: Readonly<Required<RfShiftOptions>> = Object.freeze({ minDistance: 1e-6 });

/** Options of {@link rfShiftPermutationTest}. */
export interface RfShiftTestOptions extends RfShiftOptions {
  /** Number of random permutations of the salient points across images. @default 999 */
  permutations?: number;
  /** Seed of the permutations. @default 0 */
  seed?: number;
}

/** Defaults of {@link RfShiftTestOptions}. */
export const RF_SHIFT_TEST_DEFAULTS: Readonly<Required<RfShiftTestOptions>> = Object.freeze({ ...RF_SHIFT_DEFAULTS, permutations: 999, seed: 0 });

/** Result of {@link rfShiftPermutationTest}. */
export interface RfShiftTest extends RfShifts {
  /** Mean projection over all defined (neuron, image) pairs, pixels. */
  readonly statistic: number;
  /** One-sided p-value, (1 + #{null ≥ statistic}) / (1 + permutations). */
  readonly pValue: number;
  /** `[neurons]` one-sided p-value of each neuron's mean projection under the same permutations. */
  readonly perNeuronPValues: Float64Array;
  /** `[permutations]` the statistic under each permutation. */
  readonly null: Float64Array;
}

function check(where: string, centres: ArrayLike<number>, shape: readonly [number, number], salient: ArrayLike<number>): [number, number] {
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new SalShapeError(`${where}: shape`, '[neurons, images]', shape);
  }
  const [n, m] = shape;
  if (centres.length !== n * m * 2) throw new SalShapeError(`${where}: centres`, `[${n}, ${m}, 2] (length ${n * m * 2})`, centres.length);
  if (salient.length !== m * 2) throw new SalShapeError(`${where}: salientPoints`, `[${m}, 2] (length ${m * 2})`, salient.length);
  return [n, m];
}

function meanCentresOf(centres: ArrayLike<number>, n: number, m: number): Float64Array {
  const mean = new Float64Array(n * 2);
  for (let k = 0; k < n; k++) {
    let sx = 0,
      sy = 0,
      cnt = 0;
    for (let i = 0; i < m; i++) {
      const x = centres[(k * m + i) * 2]!,
        y = centres[(k * m + i) * 2 + 1]!;
      if (Number.isFinite(x) && Number.isFinite(y)) {
        sx += x;
        sy += y;
        cnt++;
      }
    }
    mean[2 * k] = cnt ? sx / cnt : NaN;
    mean[2 * k + 1] = cnt ? sy / cnt : NaN;
  }
  return mean;
}

/**
 * Per-neuron mean projections (and overall mean) for salient points taken in the order `perm`
 * (image i uses salient point perm[i]). Writes per-(neuron, image) projections into `proj` when given.
 */
function project(
  centres: ArrayLike<number>,
  mean: Float64Array,
  salient: ArrayLike<number>,
  n: number,
  m: number,
  perm: Int32Array | null,
  minDistance: number,
  perNeuron: Float64Array,
  proj: Float64Array | null,
): number {
  let total = 0,
    totalCount = 0;
  for (let k = 0; k < n; k++) {
    const mx = mean[2 * k]!,
      my = mean[2 * k + 1]!;
    let s = 0,
      cnt = 0;
    for (let i = 0; i < m; i++) {
      const j = perm ? perm[i]! : i;
      const dx = salient[2 * j]! - mx,
        dy = salient[2 * j + 1]! - my;
      const len = Math.hypot(dx, dy);
      const cx = centres[(k * m + i) * 2]!,
        cy = centres[(k * m + i) * 2 + 1]!;
      let p = NaN;
      if (len >= minDistance && Number.isFinite(cx) && Number.isFinite(cy)) p = ((cx - mx) * dx + (cy - my) * dy) / len;
      if (proj) proj[k * m + i] = p;
      if (!Number.isNaN(p)) {
        s += p;
        cnt++;
      }
    }
    perNeuron[k] = cnt ? s / cnt : NaN;
    total += s;
    totalCount += cnt;
  }
  return totalCount ? total / totalCount : NaN;
}

/**
 * Shifts of gRF centres relative to each neuron's mean centre and their projections on the direction to
 * each image's salient point.
 * @param centres `[neurons, images, 2]` (x, y) pixel centres, e.g. {@link grfCentres}`().centres`
 * @param shape `[neurons, images]`
 * @param salientPoints `[images, 2]` (x, y) pixel coordinates of each image's most salient point
 */
export function rfShifts(centres: ArrayLike<number>, shape: readonly [number, number], salientPoints: ArrayLike<number>, opts?: RfShiftOptions): RfShifts {
  const where = 'grf.rfShifts';
  const o = resolveOptions<RfShiftOptions>(where, RF_SHIFT_DEFAULTS, opts);
  checkNumber(where, 'minDistance', o.minDistance, { min: 0 });
  const [n, m] = check(where, centres, shape, salientPoints);
  const meanCentres = meanCentresOf(centres, n, m);
  const shifts = new Float64Array(n * m * 2);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < m; i++) {
      shifts[(k * m + i) * 2] = centres[(k * m + i) * 2]! - meanCentres[2 * k]!;
      shifts[(k * m + i) * 2 + 1] = centres[(k * m + i) * 2 + 1]! - meanCentres[2 * k + 1]!;
    }
  }
  const projections = new Float64Array(n * m);
  const perNeuron = new Float64Array(n);
  project(centres, meanCentres, salientPoints, n, m, null, o.minDistance, perNeuron, projections);
  return { meanCentres, shifts, projections, perNeuron, shape: [n, m] };
}

/**
 * Permutation test of "gRF centres move toward saliency". Statistic: the mean projection over all
 * (neuron, image) pairs. Null: the salient points are permuted across images (one permutation shared by all
 * neurons, so correlations between neurons are kept); the neurons' mean centres are unchanged. One-sided.
 * @param centres `[neurons, images, 2]` (x, y) pixel centres
 * @param shape `[neurons, images]`
 * @param salientPoints `[images, 2]` (x, y)
 */
export function rfShiftPermutationTest(
  centres: ArrayLike<number>,
  shape: readonly [number, number],
  salientPoints: ArrayLike<number>,
  opts?: RfShiftTestOptions,
): RfShiftTest {
  const where = 'grf.rfShiftPermutationTest';
  const o = resolveOptions<RfShiftTestOptions>(where, RF_SHIFT_TEST_DEFAULTS, opts);
  checkNumber(where, 'permutations', o.permutations, { min: 1, integer: true });
  checkNumber(where, 'seed', o.seed, { integer: true });
  checkNumber(where, 'minDistance', o.minDistance, { min: 0 });
  const base = rfShifts(centres, shape, salientPoints, { minDistance: o.minDistance });
  const [n, m] = base.shape;
  const statistic = project(centres, base.meanCentres, salientPoints, n, m, null, o.minDistance, new Float64Array(n), null);
  const rng = createRng(o.seed);
  const nul = new Float64Array(o.permutations);
  const per = new Float64Array(n);
  let exceed = 0;
  const exceedNeuron = new Int32Array(n);
  for (let t = 0; t < o.permutations; t++) {
    const perm = rng.permutation(m);
    const v = project(centres, base.meanCentres, salientPoints, n, m, perm, o.minDistance, per, null);
    nul[t] = v;
    if (v >= statistic) exceed++;
    for (let k = 0; k < n; k++) if (per[k]! >= base.perNeuron[k]!) exceedNeuron[k]!++;
  }
  const perNeuronPValues = Float64Array.from(exceedNeuron, (e, k) => (Number.isNaN(base.perNeuron[k]!) ? NaN : (1 + e) / (1 + o.permutations)));
  return {
    ...base,
    statistic,
    pValue: Number.isNaN(statistic) ? NaN : (1 + exceed) / (1 + o.permutations),
    perNeuronPValues,
    null: nul,
  };
}
