/** The report's tables of the seed-stability check and the shift-recovery statistics, from hand-built results. */
import { describe, expect, it } from 'vitest';
import { seedStabilityTable, shiftRecoveryTable } from '../src/report.js';
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
    expect(t.kind).toBe('table');
    expect((t as { rows: unknown[][] }).rows).toEqual([
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
    const entry = (r: typeof a, agreement: number) => ({ agreement, shiftersMean: 0, othersMean: 0, trueShiftersMean: 0, seeds: [2], recovery: [r], overSeeds: recoveryOverSeeds([r]) });
    const t = shiftRecoveryTable({ modelShifts: { shift: entry(a, 0.6), noShift: entry(c, Number.NaN) } } as unknown as StudyResults)! as { rows: unknown[][] };
    expect(t.rows).toEqual([
      ['shift', 1, 3, 2, '0.667 (1 seed)', '-0.500 (1 seed)', '-0.125 (1 seed)', '25 % (1 seed)', '0.600'],
      ['noShift', 1, 0, 3, 'undefined', 'undefined', 'undefined', 'undefined', 'undefined'],
    ]);
    expect(JSON.stringify(t.rows)).not.toMatch(/NaN|null/);
  });
});
