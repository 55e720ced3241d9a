import { describe, expect, it } from 'vitest';
import { DEMO_STUDY, QUICK_STUDY, ensembleMemberItems, isKeptModel, keptModelItems, resolveStudyConfig, trainingPlan } from '../src/index.js';

describe('trainingPlan', () => {
  it("the quick study: 9 models, the compared variants with 2 seeds, the first seed of each kept (and the ensemble's and the shifters' second)", () => {
    const plan = trainingPlan(resolveStudyConfig(QUICK_STUDY), ['crop 48×48']);
    // shift: images ×2, shifter-saliency ×2, attention ×1; noShift: images ×2, shifter-saliency ×2
    expect(plan.map((p) => `${p.population} ${p.variant} ${p.seed}${p.keep ? ' kept' : ''}`)).toEqual([
      'shift images 2 kept',
      'shift images 3 kept',
      'shift shifter-saliency 2 kept',
      'shift shifter-saliency 3 kept',
      'shift attention 2',
      'noShift images 2 kept',
      'noShift images 3',
      'noShift shifter-saliency 2 kept',
      'noShift shifter-saliency 3 kept',
    ]);
  });

  it('the demo: 29 models; the Gaussian variants of the shift population on every crop, the shifters on the main one', () => {
    const config = resolveStudyConfig(DEMO_STUDY);
    const plan = trainingPlan(config, ['main', 'small']);
    // shift: images 5 (main) + 1 (small), images+saliency 1 + 1, all 1 + 1, shifter-saliency 5, shifter-ones 1,
    // shifter-image 1, attention 1 + 1 = 19; noShift: images 5, shifter-saliency 5 = 10
    expect(plan).toHaveLength(29);
    expect(plan.filter((p) => p.crop === 'small').map((p) => p.variant)).toEqual(['images', 'images+saliency', 'all', 'attention']);
    expect(plan.filter((p) => p.keep).map((p) => `${p.population} ${p.variant} ${p.crop} ${p.seed}`)).toEqual([
      ...[2, 3, 4, 5, 6].map((s) => `shift images main ${s}`),
      ...[2, 3, 4, 5, 6].map((s) => `shift shifter-saliency main ${s}`),
      'noShift images main 2',
      ...[2, 3, 4, 5, 6].map((s) => `noShift shifter-saliency main ${s}`),
    ]);
    // the further seeds of the shift population's image-only model are the MEI analysis's ensemble
    expect(ensembleMemberItems(config, 'main').map((i) => `${i.population} ${i.variant} ${i.crop} ${i.seed}`)).toEqual(
      [3, 4, 5, 6].map((s) => `shift images main ${s}`),
    );
  });

  it('the kept-models rule: image-only and shifter, main crop, first model seed', () => {
    const config = { seed: 4 };
    expect(isKeptModel(config, 'main', { variant: 'images', crop: 'main', seed: 5 })).toBe(true);
    expect(isKeptModel(config, 'main', { variant: 'shifter-saliency', crop: 'main', seed: 5 })).toBe(true);
    expect(isKeptModel(config, 'main', { variant: 'images', crop: 'main', seed: 6 })).toBe(false);
    expect(isKeptModel(config, 'main', { variant: 'images', crop: 'small', seed: 5 })).toBe(false);
    expect(isKeptModel(config, 'main', { variant: 'shifter-ones', crop: 'main', seed: 5 })).toBe(false);
    expect(keptModelItems(config, 'main').map((i) => `${i.population} ${i.variant} ${i.seed}`)).toEqual([
      'shift images 5',
      'shift shifter-saliency 5',
      'noShift images 5',
      'noShift shifter-saliency 5',
    ]);
    // without seed counts, or for another population or variant, no ensemble member is kept
    expect(isKeptModel(config, 'main', { population: 'shift', variant: 'images', crop: 'main', seed: 6 })).toBe(false);
    const seeds = { seed: 4, seeds: 1, comparisonSeeds: 3 };
    expect(isKeptModel(seeds, 'main', { population: 'shift', variant: 'images', crop: 'main', seed: 6 })).toBe(true);
    expect(isKeptModel(seeds, 'main', { population: 'shift', variant: 'images', crop: 'main', seed: 7 })).toBe(true);
    expect(isKeptModel(seeds, 'main', { population: 'shift', variant: 'images', crop: 'main', seed: 8 })).toBe(false);
    expect(isKeptModel(seeds, 'main', { population: 'noShift', variant: 'images', crop: 'main', seed: 6 })).toBe(false);
    // every seed of the saliency shifter is kept on both demo populations (shift recovery over seeds), not on user data
    expect(isKeptModel(seeds, 'main', { population: 'shift', variant: 'shifter-saliency', crop: 'main', seed: 7 })).toBe(true);
    expect(isKeptModel(seeds, 'main', { population: 'noShift', variant: 'shifter-saliency', crop: 'main', seed: 6 })).toBe(true);
    expect(isKeptModel(seeds, 'main', { population: 'noShift', variant: 'shifter-saliency', crop: 'main', seed: 8 })).toBe(false);
    expect(isKeptModel(seeds, 'main', { population: 'data', variant: 'shifter-saliency', crop: 'main', seed: 6 })).toBe(false);
    expect(isKeptModel(seeds, 'main', { population: 'shift', variant: 'shifter-ones', crop: 'main', seed: 6 })).toBe(false);
    expect(keptModelItems(seeds, 'main').map((i) => `${i.population} ${i.variant} ${i.seed}`)).toEqual([
      'shift images 5',
      'shift shifter-saliency 5',
      'noShift images 5',
      'noShift shifter-saliency 5',
      'shift shifter-saliency 6',
      'shift shifter-saliency 7',
      'noShift shifter-saliency 6',
      'noShift shifter-saliency 7',
    ]);
    expect(keptModelItems(seeds, 'main', ['data']).map((i) => `${i.population} ${i.variant} ${i.seed}`)).toEqual(['data images 5', 'data shifter-saliency 5']);
    expect(isKeptModel(seeds, 'main', { population: 'shift', variant: 'images', crop: 'small', seed: 6 })).toBe(false);
    expect(ensembleMemberItems({ seed: 4 }, 'main')).toEqual([]);
  });
});
