import { describe, expect, it } from 'vitest';
import { SalConfigError, SalDataError, parseJson } from '@sal/types';
import { DEMO_STUDY, QUICK_STUDY, resolveStudyConfig } from '../src/index.js';
import { pairedComparison } from '../src/stats.js';
import { cropPixels, toInputCoords } from '../src/data.js';

describe('study configuration', () => {
  it('overrides merge section by section and leave the base untouched', () => {
    const c = resolveStudyConfig(DEMO_STUDY, { train: { maxEpochs: 3 }, seed: 9 });
    expect(c.train.maxEpochs).toBe(3);
    expect(c.train.patience).toBe(DEMO_STUDY.train.patience);
    expect(c.seed).toBe(9);
    expect(DEMO_STUDY.train.maxEpochs).toBe(200);
  });

  it('rejects unknown keys, bad values and bad crops with the option named', () => {
    expect(() => resolveStudyConfig(DEMO_STUDY, { trian: {} })).toThrow(/option 'trian'/);
    expect(() => resolveStudyConfig(DEMO_STUDY, { train: { maxEpoch: 3 } })).toThrow(/train.maxEpoch/);
    expect(() => resolveStudyConfig(DEMO_STUDY, { scale: 2 })).toThrow(SalConfigError);
    expect(() =>
      resolveStudyConfig(DEMO_STUDY, {
        crops: {
          bad: [
            [0.6, 0.5],
            [0, 0],
          ],
        },
      }),
    ).toThrow(/crops.bad/);
    expect(() => resolveStudyConfig(DEMO_STUDY, { variants: { shift: ['images', 'nope'], noShift: [] } })).toThrow(/variants.shift/);
    expect(() => resolveStudyConfig(QUICK_STUDY, { analysis: { projectionCounts: [1000] } })).toThrow(/projectionCounts/);
    expect(() => resolveStudyConfig(DEMO_STUDY, { comparisonSeeds: 0 })).toThrow(/comparisonSeeds/);
    expect(() => resolveStudyConfig(DEMO_STUDY, { comparisonSeeds: 1.5 })).toThrow(SalConfigError);
  });

  it('configs saved before comparisonSeeds existed read it as seeds', () => {
    const old: Record<string, unknown> = structuredClone({ ...DEMO_STUDY, seeds: 2 });
    delete old['comparisonSeeds'];
    expect(resolveStudyConfig(old as never).comparisonSeeds).toBe(2);
    expect(resolveStudyConfig(DEMO_STUDY).comparisonSeeds).toBe(5);
  });

  it('refuses __proto__, constructor and prototype keys anywhere in an override, leaving Object.prototype alone', () => {
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    // JSON.parse makes "__proto__" an own key, as a config file read with JSON.parse would
    const attacks = [
      '{"__proto__": {"polluted": true}}',
      '{"train": {"__proto__": {"polluted": true}}}',
      '{"constructor": {"prototype": {"polluted": true}}}',
      '{"analysis": {"prototype": 1}}',
    ];
    for (const text of attacks) {
      expect(() => resolveStudyConfig(DEMO_STUDY, JSON.parse(text) as Record<string, unknown>)).toThrow(SalDataError);
    }
    expect(() => resolveStudyConfig(DEMO_STUDY, JSON.parse('{"train": {"__proto__": {}}}') as Record<string, unknown>)).toThrow(/__proto__/);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    // a config without such keys still merges
    expect(resolveStudyConfig(DEMO_STUDY, parseJson('{"train": {"maxEpochs": 2}}', 'test') as Record<string, unknown>).train.maxEpochs).toBe(2);
  });
});

describe('study geometry', () => {
  it('crop fractions become pixels, and full-image points map into the rescaled crop', () => {
    expect(
      cropPixels(
        [
          [0.25, 0.0833],
          [0.3, 0.3],
        ],
        96,
        160,
      ),
    ).toEqual([
      [24, 8],
      [48, 48],
    ]);
    const crop = {
      name: 'c',
      pixels: [
        [24, 8],
        [48, 48],
      ] as [[number, number], [number, number]],
      scale: 0.5,
    };
    // the centre of the crop's first pixel pair (rows/cols 24–25, 48–49) is output pixel 0
    expect(toInputCoords(48.5, 24.5, crop)).toEqual([0, 0]);
    expect(toInputCoords(48 + 63.5, 24 + 63.5, crop)).toEqual([31.5, 31.5]);
  });
});

describe('paired comparison', () => {
  it('matches an exact sign-flip enumeration', () => {
    const a = [0.5, 0.4, 0.6, 0.55, 0.3];
    const b = [0.4, 0.41, 0.5, 0.45, 0.31];
    const d = a.map((v, i) => v - b[i]!);
    const obs = Math.abs(d.reduce((s, v) => s + v, 0));
    let extreme = 0;
    for (let mask = 0; mask < 32; mask++) {
      const s = d.reduce((acc, v, i) => acc + ((mask >> i) & 1 ? -v : v), 0);
      if (Math.abs(s) >= obs - 1e-12) extreme++;
    }
    const r = pairedComparison(a, b, 20000, 3);
    expect(r.meanDiff).toBeCloseTo(d.reduce((s, v) => s + v, 0) / 5, 12);
    expect(r.fractionBetter).toBeCloseTo(3 / 5, 12);
    expect(Math.abs(r.pValue - extreme / 32)).toBeLessThan(0.02);
    expect(pairedComparison(a, b, 999, 3)).toEqual(pairedComparison(a, b, 999, 3));
  });
});
