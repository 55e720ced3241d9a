export { simulateDataset } from './simulate.js';
export type { SimulationResult, SimulationHooks, SimulationProgress } from './simulate.js';
export { SIMULATION_DEFAULTS, OBJECT_KINDS, resolveSimulationOptions } from './options.js';
export type { SimulationOptions, ResolvedSimulationOptions, ObjectKind, PopulationKind, Region, Interval } from './options.js';
export { renderStimulus, trueSaliency, featureStride, imageSeed, mostSalient } from './stimulus.js';
export type { Stimulus, ImageTruth, SalientObject, TrueSaliencyOptions } from './stimulus.js';
export { computeFeatureMaps, pooledEnergy } from './features.js';
export type { FeatureMaps, FeaturePreference } from './features.js';
export {
  createPopulation,
  shiftedCentre,
  neuronRate,
  rateFromEnergy,
  calibrate,
  samplePoisson,
  sessionKey,
} from './population.js';
export type { NeuronTruth, Point } from './population.js';
export {
  groundTruthToJson,
  groundTruthFromJson,
  makeGroundTruth,
  neuronRates,
  GROUND_TRUTH_KIND,
  GROUND_TRUTH_VERSION,
} from './truth.js';
export type { GroundTruth } from './truth.js';
