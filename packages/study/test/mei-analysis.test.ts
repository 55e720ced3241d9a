/**
 * The study's MEI analysis on tiny trained models of a small simulated population: the closed-loop numbers
 * against the simulation's own rates (brute force over the images), the ensemble against its members, the
 * summaries against the per-neuron rows, no tensor leaks, same seed same numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateDataset, neuronRates, computeFeatureMaps, neuronRate } from '@sal/sim';
import { createDataset } from '@sal/saliency-loader';
import { scoreSession, type Encoder } from '@sal/train';
import { displayGeometry, toFullImage } from '@sal/mei';
import { SalConfigError, SalDataError } from '@sal/types';
import { expectNoLeaks } from '@sal/test-utils';
import {
  QUICK_STUDY,
  VARIANT_SPECS,
  analyseMeis,
  ensembleComparison,
  ensembleComparisonName,
  meiStage,
  meiTargetText,
  resolveStudyConfig,
  scoreEnsemble,
  silentReporter,
  trainVariant,
  modelKey,
  type StudyData,
  type ModelSummary,
  type TrainedModel,
  summarise,
} from '../src/index.js';

const sim = simulateDataset({ height: 40, width: 64, nTrainImages: 40, nTestImages: 4, testRepeats: 2, nSessions: 2, neuronsPerSession: 3, seed: 3 });
const raw = sim.dataset;
const truth = sim.truth;
const [nImg, H, W] = raw.imagesShape;
const ds = createDataset(raw, {
  crop: [
    [8, 8],
    [16, 16],
  ],
  scale: 0.5,
  splitSeed: 1,
});
const config = resolveStudyConfig(QUICK_STUDY, { train: { maxEpochs: 1, patience: 1 }, core: { hiddenChannels: 4, layers: 2 } });
let trained: TrainedModel[] = [];
let models: { seed: number; encoder: Encoder }[] = [];
let perNeuronTest: number[] = [];
beforeAll(async () => {
  for (const seed of [2, 3]) trained.push(await trainVariant(VARIANT_SPECS.images, ds, config, seed, null));
  models = trained.map((m) => ({ seed: m.seed, encoder: m.encoder }));
  perNeuronTest = trained[0]!.scores.test;
});
afterAll(() => {
  for (const m of trained) m.encoder.dispose();
  trained = [];
});

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

describe('analyseMeis', () => {
  const opts = { steps: 8, maxNeurons: 4, minScore: -2, patterns: false } as const;
  const inputOf = () => ({ dataset: ds, raw, truth, models, perNeuronTest });

  it("shows each MEI to the true neuron: numbers against the simulation's rates by brute force, no leaks", () => {
    const r = expectNoLeaks(() => analyseMeis(inputOf(), opts), 'analyseMeis');
    const s = r.summary;
    expect(s.analysed).toBe(4);
    expect(s.selected).toBe(4);
    expect(s.aboveMinScore).toBe(6);
    expect(s.single.path).toBe('windowed');
    // the best neurons by the main model's test correlation, best first
    const order = perNeuronTest
      .map((v, i) => [v, i] as const)
      .sort((a, b) => b[0] - a[0] || a[1] - b[1])
      .slice(0, 4);
    expect(s.neurons.map((n) => `${n.session}/${n.index}`)).toEqual(order.map(([, i]) => `sim${Math.floor(i / 3)}/${i % 3}`));
    const g = displayGeometry(ds, [H, W]);
    s.neurons.forEach((n, k) => {
      const t = truth.neuron(n.session, n.index);
      const col = t.id;
      let best = -Infinity;
      for (let id = 0; id < nImg; id++) best = Math.max(best, neuronRates(truth, raw.images.subarray(id * H * W, (id + 1) * H * W), id)[col]!);
      expect(n.single.bestNatural).toBeCloseTo(best, 10);
      for (const [loop, grey] of [
        [n.single, r.artifacts.single[k]!],
        [n.ensemble!, r.artifacts.ensemble![k]!],
      ] as const) {
        // the MEI as the grey levels the true neuron saw, pasted on mean grey at the crop's place
        const shown = toFullImage(
          Float32Array.from(grey, (v) => (v - g.mean) / g.std),
          g,
        );
        expect(loop.trueMei).toBeCloseTo(neuronRate(t, computeFeatureMaps(shown, H, W), t), 3);
        expect(loop.ratioNatural).toBeCloseTo(loop.trueMei / best, 10);
        expect(loop.centreError).toBeCloseTo(Math.hypot(loop.meiCentre[0] - t.x, loop.meiCentre[1] - t.y), 10);
        expect(grey.every((v) => v >= 0 && v <= 255)).toBe(true);
      }
      expect(n.single.bestPattern).toBeNaN(); // patterns: false
    });
    expect(s.single.medianRatioNatural).toBeCloseTo(median(s.neurons.map((n) => n.single.ratioNatural)), 12);
    expect(s.ensemble!.medianCentreError).toBeCloseTo(median(s.neurons.map((n) => n.ensemble!.centreError)), 12);
    expect(s.single.fractionAboveNatural).toBe(s.neurons.filter((n) => n.single.ratioNatural >= 1).length / 4);
    expect(s.targets.singleAtLeastNatural).toBe(s.single.medianRatioNatural >= 1);
    expect(s.targets.ensembleAtLeastSingle).toBe(s.ensemble!.medianRatioNatural >= s.single.medianRatioNatural);
    expect(s.ensemble!.seeds).toEqual([2, 3]);
    expect(r.ensembleScores!.test).toHaveLength(6);
    expect(meiTargetText(s)).toContain(`${s.single.medianRatioNatural.toFixed(2)}×`);
  });

  it('same seed, same numbers; the selection follows minScore', () => {
    const a = analyseMeis(inputOf(), { ...opts, minScore: 0 });
    const b = analyseMeis(inputOf(), { ...opts, minScore: 0 });
    const strip = (x: typeof a.summary) => JSON.stringify({ ...x, seconds: 0 });
    expect(strip(b.summary)).toBe(strip(a.summary));
    expect(Array.from(b.artifacts.single[0]!)).toEqual(Array.from(a.artifacts.single[0]!));
    expect(a.summary.selected).toBe(a.summary.neurons.filter((n) => n.testR > 0).length);
    const other = analyseMeis(inputOf(), { ...opts, minScore: 0, seed: 5 });
    expect(Array.from(other.artifacts.single[0]!)).not.toEqual(Array.from(a.artifacts.single[0]!));
  });

  it('an ensemble of one model twice is that model (whole-image MEIs), and scores as it', () => {
    const one = [models[0]!];
    const twice = [models[0]!, { seed: 9, encoder: models[0]!.encoder }];
    const o = { ...opts, maxNeurons: 2, windowed: false };
    const r = analyseMeis({ ...inputOf(), models: twice }, o);
    expect(r.summary.path).toBe('full image');
    expect(r.summary.single.path).toBe('full image');
    r.summary.neurons.forEach((n) => expect(n.ensemble!.trueMei).toBeCloseTo(n.single.trueMei, 4));
    const single = analyseMeis({ ...inputOf(), models: one }, o);
    expect(single.summary.ensemble).toBeNull();
    expect(single.ensembleScores).toBeNull();
    expect(single.summary.targets.ensembleAtLeastSingle).toBeNull();
    const sc = scoreEnsemble(ds, twice);
    const want = ds.sessions.flatMap((s) => Array.from(scoreSession(models[0]!.encoder, ds, s.key).test));
    sc.test.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });

  it('refuses bad input with typed errors', () => {
    expect(() => analyseMeis(inputOf(), { steps: 0 })).toThrow(SalConfigError);
    expect(() => analyseMeis(inputOf(), { maxNeurons: 1.5 })).toThrow(SalConfigError);
    expect(() => analyseMeis({ ...inputOf(), models: [] })).toThrow(SalConfigError);
    expect(() => analyseMeis({ ...inputOf(), perNeuronTest: [0.5] })).toThrow(SalDataError);
  });
});

describe('ensembleComparison', () => {
  it("pairs the ensemble with the seed-averaged correlations and gives each seed's mean difference (hand-computed)", () => {
    const c = ensembleComparison(
      [0.5, 0.6, 0.7],
      [
        [0.4, 0.6, 0.5],
        [0.6, 0.4, 0.7],
      ],
      1,
    );
    // seed average [0.5, 0.5, 0.6]: differences [0, 0.1, 0.1]
    expect(c.meanDiff).toBeCloseTo(0.2 / 3, 12);
    expect(c.fractionBetter).toBeCloseTo(2 / 3, 12);
    expect(c.n).toBe(3);
    expect(c.seedDeltas[0]).toBeCloseTo(0.1, 12);
    expect(c.seedDeltas[1]).toBeCloseTo(0.1 / 3, 12);
    expect(() => ensembleComparison([0.5], [[0.4, 0.3]], 1)).toThrow(SalDataError);
  });
});

describe('meiStage', () => {
  it('uses the kept seeds of the image-only model of the population with shifts and adds the ensemble row', () => {
    const data = {
      raw: { shift: raw, noShift: raw },
      truth: { shift: truth, noShift: truth },
      crops: [
        {
          name: 'c',
          pixels: [
            [8, 8],
            [16, 16],
          ],
          scale: 0.5,
        },
      ],
      datasets: { shift: { c: ds }, noShift: { c: ds } },
    } as unknown as StudyData;
    const cfg = { ...config, seed: 1, seeds: 1, comparisonSeeds: 2 };
    const summaries: ModelSummary[] = trained.map((m) => summarise(m, 'shift', 'c'));
    const kept = new Map(trained.map((m) => [modelKey('shift', 'images', 'c', m.seed), { encoder: m.encoder }]));
    const r = meiStage({ config: cfg, data, models: summaries, kept }, silentReporter, { steps: 4, maxNeurons: 2, patterns: false })!;
    expect(r.summary.ensemble!.seeds).toEqual([2, 3]);
    const name = ensembleComparisonName('shift', 'images', 2);
    expect(name).toBe('shift: images ensemble of 2 seeds − images');
    expect(r.comparisons.single[name]!.n).toBe(6);
    expect(r.comparisons.averaged[name]!.seedDeltas).toHaveLength(2);
    // without the main model kept there is nothing to do
    expect(meiStage({ config: cfg, data, models: summaries, kept: new Map() }, silentReporter)).toBeNull();
  });
});
