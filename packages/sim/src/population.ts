/**
 * The simulated neurons: receptive fields, feature preferences, output nonlinearity, and the shift rule.
 *
 *   centreᵢ = c + min(s·‖o − c‖, maxShift) · (o − c)/‖o − c‖   for shifting neurons (o: most salient object)
 *   E       = Gaussian-RF-pooled feature energy at centreᵢ
 *   z       = (log(1 + E) − μ) / σ_E            (μ, σ_E: calibration at the unshifted centre)
 *   λ       = baseline + gain · softplus(slope · (z − threshold))
 *   count   ~ Poisson(λ)
 */
import { SalConfigError, createRng, type Rng } from '@sal/types';
import { pooledEnergy, type FeatureMaps, type FeaturePreference } from './features.js';
import { resolveSimulationOptions, type ResolvedSimulationOptions, type SimulationOptions } from './options.js';
import type { ImageTruth } from './stimulus.js';

/** Everything known about one simulated neuron. Positions and sizes in image pixels. */
export interface NeuronTruth {
  /** Session key, e.g. `'sim0'`. */
  readonly session: string;
  /** Index of the neuron within its session (its response column). */
  readonly index: number;
  /** Index over all neurons, session-major. */
  readonly id: number;
  /** Unshifted receptive-field centre, pixels. */
  readonly x: number;
  readonly y: number;
  /** Receptive-field Gaussian σ, pixels. */
  readonly sigma: number;
  readonly feature: FeaturePreference;
  /** Expected count with no drive. */
  readonly baseline: number;
  readonly gain: number;
  readonly slope: number;
  readonly threshold: number;
  /** Calibration: mean and standard deviation of log(1 + E) at the unshifted centre over calibration images. */
  readonly logEnergyMean: number;
  readonly logEnergyStd: number;
  /** Whether the receptive field shifts toward the most salient object. */
  readonly shifts: boolean;
  /** Fraction of the vector to the most salient object the centre moves (0 for neurons that do not shift). */
  readonly shiftStrength: number;
}

/** A point in image pixels. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Session key of session `s`. */
export function sessionKey(s: number): string {
  return `sim${s}`;
}

const q3 = (v: number): number => Math.round(v * 1000) / 1000;
const uniform = (rng: Rng, [lo, hi]: readonly [number, number]): number => lo + (hi - lo) * rng.next();

/** Create the population of resolved options (internal fast path of {@link createPopulation}). */
export function createPopulationResolved(o: ResolvedSimulationOptions): NeuronTruth[] {
  const rng = createRng(o.seed).child('population');
  const { height: h, width: w } = o;
  const [x0, x1, y0, y1] = o.rfRegion;
  const neurons: NeuronTruth[] = [];
  const nShift = Math.round(o.shiftFraction * o.neuronsPerSession);
  for (let s = 0; s < o.nSessions; s++) {
    const srng = rng.child(`session:${s}`);
    const order = srng.permutation(o.neuronsPerSession);
    const shifting = new Set(Array.from(order.subarray(0, nShift)));
    for (let j = 0; j < o.neuronsPerSession; j++) {
      const oriented = srng.next() < o.orientedFraction;
      const scale = srng.next() < 0.5 ? 'fine' : 'coarse';
      const orientation = q3(srng.next() * Math.PI);
      const selectivity = q3(0.6 + 0.4 * srng.next());
      const feature: FeaturePreference = oriented
        ? { kind: 'oriented', scale, orientation, selectivity }
        : { kind: 'blob', scale, orientation: 0, selectivity: 0 };
      const x = q3((x0 + (x1 - x0) * srng.next()) * w);
      const y = q3((y0 + (y1 - y0) * srng.next()) * h);
      const sigma = q3(uniform(srng, o.rfSigma) * h);
      const baseline = q3(uniform(srng, o.baseline));
      const gain = q3(uniform(srng, o.gain));
      const slope = q3(uniform(srng, [1.5, 2.5]));
      const threshold = q3(uniform(srng, [-0.5, 0.5]));
      const strength = q3(uniform(srng, o.shiftStrength));
      const shifts = o.population === 'shift' && shifting.has(j);
      neurons.push({
        session: sessionKey(s),
        index: j,
        id: s * o.neuronsPerSession + j,
        x,
        y,
        sigma,
        feature,
        baseline,
        gain,
        slope,
        threshold,
        logEnergyMean: 0,
        logEnergyStd: 1,
        shifts,
        shiftStrength: shifts ? strength : 0,
      });
    }
  }
  return neurons;
}

/**
 * The population of {@link simulateDataset} with the same options, before calibration
 * (`logEnergyMean` 0, `logEnergyStd` 1; the dataset's ground truth holds the calibrated values).
 * Everything but `shifts`/`shiftStrength` is the same for `'shift'` and `'noShift'`.
 */
export function createPopulation(opts?: SimulationOptions): NeuronTruth[] {
  return createPopulationResolved(resolveSimulationOptions(opts, 'sim.createPopulation'));
}

/**
 * The receptive-field centre of `neuron` on an image: for a shifting neuron, moved toward the most
 * salient object by `shiftStrength` of the vector to it, capped at `maxShift` pixels; else unchanged.
 */
export function shiftedCentre(neuron: NeuronTruth, image: ImageTruth, maxShift: number): Point {
  if (!neuron.shifts || neuron.shiftStrength === 0) return { x: neuron.x, y: neuron.y };
  const obj = image.objects[image.salient];
  if (obj === undefined) return { x: neuron.x, y: neuron.y };
  const dx = obj.x - neuron.x,
    dy = obj.y - neuron.y;
  const dist = Math.hypot(dx, dy);
  if (dist === 0) return { x: neuron.x, y: neuron.y };
  const len = Math.min(neuron.shiftStrength * dist, maxShift);
  return { x: neuron.x + (len * dx) / dist, y: neuron.y + (len * dy) / dist };
}

function softplus(v: number): number {
  return v > 30 ? v : Math.log1p(Math.exp(v));
}

/** The expected count λ of `neuron` for a pooled energy `energy` (see the module equations). */
export function rateFromEnergy(neuron: NeuronTruth, energy: number): number {
  const z = (Math.log1p(Math.max(energy, 0)) - neuron.logEnergyMean) / neuron.logEnergyStd;
  return neuron.baseline + neuron.gain * softplus(neuron.slope * (z - neuron.threshold));
}

/**
 * Expected spike count λ of `neuron` on an image's feature maps with its receptive field at `centre`
 * (default: its unshifted centre).
 */
export function neuronRate(neuron: NeuronTruth, maps: FeatureMaps, centre: Point = neuron): number {
  return rateFromEnergy(neuron, pooledEnergy(neuron.feature, maps, centre.x, centre.y, neuron.sigma));
}

/**
 * Set each neuron's calibration from `logEnergies` `[images, neurons]` (log(1 + E) at the unshifted centre).
 * Returns new neuron objects.
 */
export function calibrate(neurons: readonly NeuronTruth[], logEnergies: Float64Array, nImages: number): NeuronTruth[] {
  const n = neurons.length;
  if (logEnergies.length < nImages * n || nImages < 2) {
    throw new SalConfigError('sim.calibrate', 'logEnergies', `at least 2 images × ${n} neurons`, logEnergies.length);
  }
  return neurons.map((neuron, k) => {
    let m = 0;
    for (let i = 0; i < nImages; i++) m += logEnergies[i * n + k]!;
    m /= nImages;
    let v = 0;
    for (let i = 0; i < nImages; i++) v += (logEnergies[i * n + k]! - m) ** 2;
    const sd = Math.sqrt(v / (nImages - 1));
    return { ...neuron, logEnergyMean: m, logEnergyStd: sd > 1e-9 ? sd : 1 };
  });
}

/** ln k! for k ≥ 0 (table below 256, Stirling series above). */
function logFactorial(k: number): number {
  if (k < LOG_FACT.length) return LOG_FACT[k]!;
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3) + 1 / (1260 * x ** 5);
}
const LOG_FACT = (() => {
  const t = new Float64Array(256);
  for (let k = 1; k < 256; k++) t[k] = t[k - 1]! + Math.log(k);
  return t;
})();

/**
 * One Poisson draw of mean `lambda` from `rng`: multiplication of uniforms below 10, Hörmann's
 * transformed rejection (PTRS, 1993) above. Exact in both ranges.
 */
export function samplePoisson(lambda: number, rng: Rng): number {
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new SalConfigError('sim.samplePoisson', 'lambda', 'a finite number >= 0', lambda);
  if (lambda === 0) return 0;
  if (lambda < 10) {
    const limit = Math.exp(-lambda);
    let k = 0,
      p = rng.next();
    while (p > limit) {
      k++;
      p *= rng.next();
    }
    return k;
  }
  const slam = Math.sqrt(lambda),
    loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam,
    a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4),
    vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.next() - 0.5,
      v = rng.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k;
  }
}
