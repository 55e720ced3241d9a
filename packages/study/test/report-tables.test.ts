/** The report's tables of the seed-stability check and the shift-recovery statistics, from hand-built results. */
import { describe, expect, it } from 'vitest';
import { configTable, schemaFigureOf, seedStabilityTable, shiftRecoveryTable } from '../src/report.js';
import { QUICK_STUDY, resolveStudyConfig } from '../src/config.js';
import type { StudyResults } from '../src/results.js';
import { recoveryOverSeeds, shiftRecovery } from '../src/shift-recovery.js';

describe('seedStabilityTable', () => {
  it('gives the subset counts, or what the check needs', () => {
    const results = {
      seedStability: {
        'shift: shifter-saliency − images': { seeds: 5, subsetSize: 3, minSeeds: 5, subsets: 10, yes: 4, notSettled: 2, no: 4 },
        'shift: shifter-saliency − shifter-ones': { seeds: 1, subsetSize: 3, minSeeds: 5, note: 'needs ≥ 5 seeds' },
      },
    } as unknown as StudyResults;
    const t = seedStabilityTable(results)!;
    expect(t.rows).toEqual([
      ['shift: shifter-saliency − images', 5, '10 (3 seeds each)', 4, 2, 4],
      ['shift: shifter-saliency − shifter-ones', 1, 'needs ≥ 5 seeds', '', '', ''],
    ]);
    expect(seedStabilityTable({ seedStability: {} } as unknown as StudyResults)).toBeNull();
  });
});

describe('shiftRecoveryTable', () => {
  it('prints undefined statistics as "undefined", never as 0 or NaN', () => {
    // shift: by hand (see shift-recovery.test.ts) AUC 4/6, r −0.5, slope −0.125, fraction 0.25; control: nobody shifts
    const a = shiftRecovery([2, 4, 6, 0, 0], [1, 1.5, 0.5, 0.2, 1.2], [true, true, true, false, false]);
    const c = shiftRecovery([0, 0, 0], [0.1, 0.3, -0.2], [false, false, false]);
    const entry = (r: typeof a, agreement: number) => ({
      agreement,
      shiftersMean: 0,
      othersMean: 0,
      trueShiftersMean: 0,
      seeds: [2],
      recovery: [r],
      overSeeds: recoveryOverSeeds([r]),
    });
    const t = shiftRecoveryTable({ modelShifts: { shift: entry(a, 0.6), noShift: entry(c, Number.NaN) } } as unknown as StudyResults)!;
    expect(t.rows).toEqual([
      ['shift', 1, 3, 2, '0.667 (1 seed)', 'undefined', '-0.500 (1 seed)', '-0.125 (1 seed)', '25 % (1 seed)', '0.600'],
      ['noShift', 1, 0, 3, 'undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined'],
    ]);
    expect(JSON.stringify(t.rows)).not.toMatch(/NaN|null/);
  });
});

describe("the report reads the run's configuration", () => {
  it('figure 2 (schema and caption) follows maxRemapAmplitude and neuronShiftGain', () => {
    const a = resolveStudyConfig(QUICK_STUDY, { readout: { maxRemapAmplitude: 0.5, neuronShiftGain: true } });
    const b = resolveStudyConfig(QUICK_STUDY, { readout: { maxRemapAmplitude: 0.25, neuronShiftGain: false } });
    const fa = schemaFigureOf(a),
      fb = schemaFigureOf(b);
    expect(fa.svg).toContain('× 0.5 (grid units)');
    expect(fa.caption).toContain('tanh × 0.5');
    expect(fa.svg).toContain('gₙ');
    expect(fa.caption).toContain('learned per-neuron gain');
    expect(fb.svg).toContain('× 0.25 (grid units)');
    expect(fb.caption).toContain('tanh × 0.25');
    expect(fb.svg).not.toContain('gₙ');
    expect(fb.caption).not.toContain('gain');
    for (const f of [fa, fb]) expect(f.svg).not.toContain('× 0.2 ');
  });

  it('the configuration is a table of settings, not a JSON line', () => {
    const c = resolveStudyConfig(QUICK_STUDY, { readout: { maxRemapAmplitude: 0.5 } });
    const t = configTable(c);
    expect(t.columns).toEqual(['setting', 'value']);
    const rows = new Map(t.rows.map((r) => [r[0] as string, r[1] as string]));
    expect(rows.get('readout.maxRemapAmplitude')).toBe('0.5');
    expect(rows.get('seed')).toBe(String(c.seed));
    expect(rows.get('analysis.projectionCounts')).toBe(c.analysis.projectionCounts.join(', '));
    expect(rows.get('crops.crop 48×48')).toBe('top 0.125, bottom 0.125, left 0.25, right 0.25 (fractions)');
    expect(rows.get('variants.shift')).toBe('images, shifter-saliency, attention');
    for (const [, v] of rows) expect(v).not.toMatch(/^[{[]/);
  });
});
