/** The study's fraction of oracle and neuron reliability, against hand-computed cases. */
import { describe, expect, it } from 'vitest';
import type { RawDataset } from '@sal/types';
import { modelFractionOfOracle, neuronReliability, testRepeatGroups } from '../src/index.js';
import { fractionOfOracleCell, reliabilityText } from '../src/oracle-report.js';

/** One session, 2 neurons, 2 test images × 2 repeats, trials interleaved (image ids 0, 1, 0, 1). */
function raw(): RawDataset {
  // neuron 0: image 0 → 1, 3; image 1 → 5, 7.  neuron 1: image 0 → 0, 0; image 1 → 2, 4
  const testResponses = Float32Array.from([1, 0, 5, 2, 3, 0, 7, 4]);
  return {
    images: new Uint8Array(2 * 4),
    imagesShape: [2, 2, 2],
    sessions: [
      {
        key: 's',
        nNeurons: 2,
        trainResponses: new Float32Array(0),
        trainImageIds: new Int32Array(0),
        testResponses,
        testImageIds: Int32Array.from([0, 1, 0, 1]),
      },
    ],
  };
}

describe('modelFractionOfOracle', () => {
  it('is Σ oᵢcᵢ / Σ oᵢ² over neurons with both finite (hand-computed)', () => {
    // (0.4·0.2 + 0.6·0.3) / (0.4² + 0.6²) = 0.26 / 0.52 = 0.5; the NaN neuron is left out
    expect(modelFractionOfOracle({ test: [0.2, 0.3, Number.NaN], oracle: [0.4, 0.6, 0.5] })).toBeCloseTo(0.5, 12);
    // (0.5·0.1 + 0.8·0.4) / (0.25 + 0.64) = 0.37 / 0.89
    expect(modelFractionOfOracle({ test: [0.1, 0.4], oracle: [0.5, 0.8] })).toBeCloseTo(0.37 / 0.89, 12);
  });
  it('is null without an oracle (no test repeats) or without a finite pair', () => {
    expect(modelFractionOfOracle({ test: [0.2], oracle: null })).toBeNull();
    expect(modelFractionOfOracle({ test: [Number.NaN], oracle: [0.5] })).toBeNull();
  });
  it('shows a dash in the table where there is none (older results, no repeats)', () => {
    expect(fractionOfOracleCell({ fractionOfOracle: 0.25 })).toBe(0.25);
    expect(fractionOfOracleCell({ fractionOfOracle: null })).toBe('—');
    expect(fractionOfOracleCell({})).toBe('—');
  });
});

describe('neuronReliability', () => {
  it('groups the test trials by image', () => {
    expect(testRepeatGroups(raw().sessions[0]!).map((g) => Array.from(g.targets))).toEqual([
      [1, 0, 3, 0],
      [5, 2, 7, 4],
    ]);
  });
  it('gives the jackknife oracle and the Anscombe SNR of a hand-computed case', () => {
    const r = neuronReliability(raw())!;
    // jackknife: neuron 0 trials (1, 3, 5, 7) against the other repeat (3, 1, 7, 5): r = 12 / 20 = 0.6;
    // neuron 1 trials (0, 0, 2, 4) against (0, 0, 4, 2): r = 7 / 11
    expect(r.oracle).toBe('jackknife');
    expect(r.meanOracle).toBeCloseTo((0.6 + 7 / 11) / 2, 6);
    // SNR on 2·sqrt(x + 3/8): variance over images of the image means (ddof 0) / mean within-image variance (ddof 1),
    // worked out by hand to 1.7092037528 (neuron 0) and 4.7826433381 (neuron 1)
    expect(r.meanSnr).toBeCloseTo((1.7092037528 + 4.7826433381) / 2, 6);
    expect(r.medianSnr).toBeCloseTo((1.7092037528 + 4.7826433381) / 2, 6);
    expect(r.neurons).toBe(2);
    expect(reliabilityText({ reliability: { shift: r } })).toContain(
      'shift: mean jackknife oracle correlation 0.62, SNR mean 3.25 (median 3.25) over 2 neurons',
    );
  });
  it('is null when a test image has a single repeat, and the report then says nothing', () => {
    const d = raw();
    const s = d.sessions[0]!;
    const one: RawDataset = { ...d, sessions: [{ ...s, testImageIds: Int32Array.from([0, 1, 0, 2]) }] };
    expect(neuronReliability(one)).toBeNull();
    expect(reliabilityText({ reliability: { shift: null } })).toBe('');
    expect(reliabilityText({})).toBe('');
  });
});
