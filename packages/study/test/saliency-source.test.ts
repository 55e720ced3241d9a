/** The study's saliency sources: the config accepts them, and the maps are the chosen model's (or the true ones). */
import { describe, expect, it } from 'vitest';
import { simulateDataset } from '@sal/sim';
import { builtinSaliency } from '@sal/saliency-loader';
import { imageSignature } from '@sal/saliency-metrics';
import { SalConfigError, pearson } from '@sal/types';
import { DEMO_STUDY, SALIENCY_LABELS, STUDY_SALIENCY_SOURCES, resolveStudyConfig, studySaliencyMaps } from '../src/index.js';
import { saliencyText } from '../src/oracle-report.js';

const { dataset: raw } = simulateDataset({
  seed: 4,
  height: 32,
  width: 48,
  nTrainImages: 3,
  nTestImages: 1,
  testRepeats: 2,
  nSessions: 1,
  neuronsPerSession: 2,
  includeSaliency: true,
});
const [n, h, w] = raw.imagesShape;
const P = h * w;
const image = (i: number) => Float32Array.from(raw.images.subarray(i * P, (i + 1) * P));

describe('study saliency sources', () => {
  it('the config takes each source and refuses others, naming the option', () => {
    for (const s of STUDY_SALIENCY_SOURCES) expect(resolveStudyConfig(DEMO_STUDY, { saliency: s }).saliency).toBe(s);
    expect(() => resolveStudyConfig(DEMO_STUDY, { saliency: 'deepgaze' })).toThrow(SalConfigError);
    expect(() => resolveStudyConfig(DEMO_STUDY, { saliency: 'deepgaze' })).toThrow(/saliency/);
  });

  it("'image-signature' maps are the image signature's log-densities, 'builtin' the centre–surround model's, 'true' the simulation's", () => {
    const is = studySaliencyMaps(raw, 'image-signature');
    const cs = studySaliencyMaps(raw, 'builtin');
    const tr = studySaliencyMaps(raw, 'true');
    expect(is.maps).toHaveLength(n * P);
    for (let i = 0; i < n; i++) {
      const want = Float32Array.from(imageSignature(image(i), h, w), (p) => Math.log(p));
      expect(Array.from(is.maps.subarray(i * P, (i + 1) * P))).toEqual(Array.from(want));
      expect(Array.from(cs.maps.subarray(i * P, (i + 1) * P))).toEqual(
        Array.from(builtinSaliency(image(i), h, w, { pixelsPerDegree: 16, output: 'logDensity' })),
      );
    }
    expect(Array.from(tr.maps)).toEqual(Array.from(raw.saliency!));
    // the agreements do not depend on the source, and are Pearson r of each model's maps with the true maps
    expect(tr.agreements).toEqual(is.agreements);
    expect(is.agreements['image-signature']).toBeCloseTo(pearson(is.maps, raw.saliency!), 12);
    expect(is.agreements.builtin).toBeCloseTo(pearson(cs.maps, raw.saliency!), 12);
  });

  it("refuses 'true' without true maps; the agreements are then NaN", () => {
    const { saliency: _, ...noTruth } = raw;
    expect(() => studySaliencyMaps(noTruth, 'true')).toThrow(/no true saliency/);
    expect(Number.isNaN(studySaliencyMaps(noTruth, 'builtin').agreements.builtin)).toBe(true);
  });

  it('the report names the maps the models saw', () => {
    const config = resolveStudyConfig(DEMO_STUDY, { saliency: 'image-signature' });
    const t = saliencyText({ config, saliencyAgreement: 0.19, saliencyAgreements: { builtin: 0.19, 'image-signature': 0.81 } });
    expect(t).toContain(SALIENCY_LABELS['image-signature']);
    expect(t).toContain('centre–surround r = 0.19, image signature r = 0.81');
    expect(saliencyText({ config: DEMO_STUDY, saliencyAgreement: 0.19 })).toContain("the simulation's true saliency");
  });
});
