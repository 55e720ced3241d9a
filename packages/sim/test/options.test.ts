import { describe, expect, it } from 'vitest';
import { SalConfigError } from '@sal/types';
import { SIMULATION_DEFAULTS, createPopulation, renderStimulus, resolveSimulationOptions, simulateDataset } from '../src/index.js';

describe('options', () => {
  it('defaults are frozen and documented values', () => {
    expect(Object.isFrozen(SIMULATION_DEFAULTS)).toBe(true);
    expect(SIMULATION_DEFAULTS.height).toBe(236);
    expect(SIMULATION_DEFAULTS.width).toBe(420);
    expect(SIMULATION_DEFAULTS.testRepeats).toBe(10);
    expect(SIMULATION_DEFAULTS.population).toBe('shift');
    const r = resolveSimulationOptions();
    expect(r.nSessions * r.neuronsPerSession).toBe(100);
    expect(resolveSimulationOptions({ height: 96 }).height).toBe(96);
  });

  const bad: [string, Record<string, unknown>][] = [
    ['unknownKey', { unknownKey: 1 }],
    ['height', { height: 10 }],
    ['width', { width: 100.5 }],
    ['seed', { seed: 1.5 }],
    ['population', { population: 'some' }],
    ['nTrainImages', { nTrainImages: 0 }],
    ['testRepeats', { testRepeats: 0 }],
    ['sessionImageFraction', { sessionImageFraction: 0 }],
    ['rfRegion', { rfRegion: [0.6, 0.4, 0.2, 0.8] }],
    ['rfRegion', { rfRegion: [0.1, 0.4, 0.2] }],
    ['objectRegion', { objectRegion: [0, 1.2, 0, 1] }],
    ['rfSigma', { rfSigma: [0.1, 0.05] }],
    ['objectsPerImage', { objectsPerImage: [1, 2.5] }],
    ['objectsPerImage', { objectsPerImage: [0, 2] }],
    ['objectKinds', { objectKinds: ['cat'] }],
    ['objectKinds', { objectKinds: [] }],
    ['shiftFraction', { shiftFraction: 1.5 }],
    ['shiftStrength', { shiftStrength: [0.5, 2] }],
    ['maxShift', { maxShift: -0.1 }],
    ['gain', { gain: 'high' }],
    ['calibrationImages', { calibrationImages: 1 }],
    ['includeSaliency', { includeSaliency: 1 }],
  ];
  for (const [name, opts] of bad) {
    it(`rejects a bad '${name}' (${JSON.stringify(opts)}) with a SalConfigError naming it`, () => {
      let err: unknown;
      try {
        simulateDataset(opts as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SalConfigError);
      expect((err as SalConfigError).option).toBe(name);
      expect((err as Error).message).toContain('sim.simulateDataset');
    });
  }

  it('the pieces validate too and name themselves', () => {
    expect(() => createPopulation({ neuronsPerSession: -1 })).toThrow(/sim\.createPopulation.*neuronsPerSession/);
    expect(() => renderStimulus(0, { objectSize: [0.3, 0.1] })).toThrow(/sim\.renderStimulus.*objectSize/);
    expect(() => renderStimulus(-1)).toThrow(TypeError);
  });
});
