/**
 * `sal study --data` end to end on a tiny dataset written by `sal simulate` (tiny config: seconds, not minutes): the
 * report files, and the fields of results.json, including what is not available without ground truth.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SalConfigError } from '@sal/types';
import { simulateCommand } from '../src/commands/simulate.js';
import { studyCommand } from '../src/commands/study.js';
import { reportCommand } from '../src/commands/report.js';

const dir = mkdtempSync(join(tmpdir(), 'sal-study-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TINY = {
  crops: {
    'full image': [
      [0, 0],
      [0, 0],
    ],
  },
  scale: 0.5,
  variants: { shift: ['images', 'shifter-saliency'], noShift: [] },
  seeds: 1,
  comparisonSeeds: 2,
  core: { hiddenChannels: 4, inputKern: 5, hiddenKern: 3, layers: 1 },
  readout: { remapHiddenChannels: 4 },
  train: { maxEpochs: 2, patience: 1, lrDecaySteps: 1, batchSize: 32 },
  analysis: { grfImages: 8, topNeurons: 2, projectionCounts: [4, 8], permutations: 19 },
};

describe('sal study --data', () => {
  it('runs the whole study on a dataset in the layout and writes the report and results.json', async () => {
    writeFileSync(
      join(dir, 'sim.json'),
      JSON.stringify({ height: 32, width: 48, nTrainImages: 40, nTestImages: 4, testRepeats: 3, nSessions: 2, neuronsPerSession: 3, calibrationImages: 40 }),
    );
    await simulateCommand({ out: join(dir, 'data'), seed: '2', config: join(dir, 'sim.json'), quiet: true });
    writeFileSync(join(dir, 'study.json'), JSON.stringify(TINY));
    await studyCommand({ data: join(dir, 'data'), out: join(dir, 'out'), config: join(dir, 'study.json'), workers: '0', quiet: true });

    const out = join(dir, 'out');
    for (const f of ['report.html', 'results.json', 'dataset.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const figures = readdirSync(join(out, 'figures'));
    for (const f of ['fig01-saliency', 'fig05-test-correlation', 'fig08-grf-panels', 'fig12-eigenvalues'])
      expect(
        figures.some((x) => x.startsWith(f)),
        f,
      ).toBe(true);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('not available');

    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    // every model of the plan: images and the shifter with 2 seeds each, all on the user's data
    expect(r.models.map((m: { variant: string; seed: number }) => `${m.variant}/${m.seed}`).sort()).toEqual([
      'images/2',
      'images/3',
      'shifter-saliency/2',
      'shifter-saliency/3',
    ]);
    expect(r.models.every((m: { population: string; perNeuronTest: number[] }) => m.population === 'data' && m.perNeuronTest.length === 6)).toBe(true);
    const cmp = r.comparisonsAveraged['data: shifter-saliency − images'];
    expect(cmp.n).toBe(6);
    expect(cmp.seedDeltas).toHaveLength(2);
    // gRFs of both kept models, on all 6 neurons of both sessions
    expect(Object.keys(r.grf).sort()).toEqual(['data / images', 'data / shifter-saliency']);
    expect(r.grf['data / images'].detection).toBeNull();
    expect(r.grfVsControl).toEqual({});
    expect(r.modelShifts).toEqual({});
    // learned shifts in image pixels with their test
    expect(r.learnedShifts.toward.n).toBe(6);
    expect(Number.isFinite(r.learnedShifts.meanMagnitude)).toBe(true);
    expect(r.learnedShifts.images).toBe(8);
    // the data as given: relative path, the dataset's own saliency (sal simulate writes saliency.npy)
    expect(r.dataset).toMatchObject({ dir: '../data', imagesShape: [44, 32, 48], saliency: 'dataset', saliencyModel: null });
    expect(r.dataset.sessions.map((s: { neurons: number }) => s.neurons)).toEqual([3, 3]);
    expect(r.dataset.salientPoints).toMatch(/argmax/);
    expect(JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8'))).toEqual({ data: '../data', saliency: 'dataset' });
    // ground-truth analyses are listed, never answered
    expect(r.notAvailable.length).toBeGreaterThan(0);
    const verdicts = r.verdicts.map((v: { question: string; verdict: string }) => v);
    expect(verdicts.filter((v: { verdict: string }) => v.verdict === 'not available')).toHaveLength(r.notAvailable.length);
    expect(verdicts.some((v: { question: string }) => /saliency shifter predict/.test(v.question))).toBe(true);
    expect(Number.isNaN(r.saliencyAgreement) || r.saliencyAgreement === null).toBe(true);

    // sal report redoes the analyses from the checkpoints and the data (found through results.json) with the same results
    rmSync(join(out, 'report.html'));
    await reportCommand({ out, quiet: true });
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    const again = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(again.verdicts).toEqual(r.verdicts);
    expect(again.grf).toEqual(r.grf);
    expect(again.learnedShifts).toEqual(r.learnedShifts);
    expect(again.dataset).toEqual(r.dataset);
  }, 240_000);

  it('uses the built-in saliency model, said so, when the dataset has no saliency.npy', async () => {
    const bare = join(dir, 'bare');
    cpSync(join(dir, 'data'), bare, { recursive: true });
    rmSync(join(bare, 'saliency.npy'));
    const cfg = { ...TINY, variants: { shift: ['images'], noShift: [] }, comparisonSeeds: 1 };
    writeFileSync(join(dir, 'bare.json'), JSON.stringify(cfg));
    await studyCommand({ data: bare, out: join(dir, 'out-bare'), config: join(dir, 'bare.json'), workers: '0', pixelsPerDegree: '8', quiet: true });
    const r = JSON.parse(readFileSync(join(dir, 'out-bare', 'results.json'), 'utf8'));
    expect(r.dataset).toMatchObject({ saliency: 'builtin', saliencyModel: { pixelsPerDegree: 8 } });
    expect(existsSync(join(dir, 'out-bare', 'data', 'saliency.npy'))).toBe(true);
    expect(r.learnedShifts).toBeNull(); // no shifter was trained
  }, 240_000);

  it('refuses an output folder inside the data folder and a bad --pixels-per-degree', async () => {
    await expect(studyCommand({ data: join(dir, 'data'), out: join(dir, 'data', 'out'), workers: '0', quiet: true })).rejects.toBeInstanceOf(SalConfigError);
    await expect(studyCommand({ data: join(dir, 'data'), out: join(dir, 'x'), pixelsPerDegree: '-1', workers: '0', quiet: true })).rejects.toThrow(
      /pixels-per-degree/,
    );
  });
});
