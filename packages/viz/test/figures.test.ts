import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { SalConfigError, SalShapeError } from '@sal/types';
import {
  buildReport,
  cumulativeExplainedVariance,
  eigenSpectrumFigure,
  exampleGridFigure,
  explainedVarianceFigure,
  grfDistributionFigure,
  grfOverlayFigure,
  grfPanelFigure,
  modelSchemaFigure,
  permutationTestFigure,
  projectionGridFigure,
  rfRecoveryFigure,
  rfShiftFigure,
  saliencyFigure,
  shifterCurvesFigure,
  strongestWeakestFigure,
  testCorrelationFigure,
  trainingCurvesFigure,
  verdictTable,
  grfSupportMask,
  type Figure,
} from '../src/index.js';

function decoded(f: Figure): PNG {
  expect(f.png).toBeInstanceOf(Uint8Array);
  return PNG.sync.read(Buffer.from(f.png!));
}
function countColour(p: PNG, rgb: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < p.data.length; i += 4) if (p.data[i] === rgb[0] && p.data[i + 1] === rgb[1] && p.data[i + 2] === rgb[2]) n++;
  return n;
}
/** Non-overlapping size×size blocks of exactly `rgb`, greedy row-major (anti-aliased text never forms one). */
function countBlocks(p: PNG, rgb: readonly number[], size: number): number {
  const used = new Uint8Array(p.width * p.height);
  const is = (x: number, y: number): boolean => {
    const i = (y * p.width + x) * 4;
    return !used[y * p.width + x] && p.data[i] === rgb[0] && p.data[i + 1] === rgb[1] && p.data[i + 2] === rgb[2];
  };
  let n = 0;
  for (let y = 0; y + size <= p.height; y++) {
    for (let x = 0; x + size <= p.width; x++) {
      let ok = true;
      for (let dy = 0; dy < size && ok; dy++) for (let dx = 0; dx < size && ok; dx++) ok = is(x + dx, y + dy);
      if (!ok) continue;
      n++;
      for (let dy = 0; dy < size; dy++) for (let dx = 0; dx < size; dx++) used[(y + dy) * p.width + x + dx] = 1;
    }
  }
  return n;
}
function countMarks(svg: string, type: string): number {
  const re = new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, 'g');
  let n = 0;
  for (const m of svg.matchAll(re)) n += (m[1]!.match(/<(path|line)\b/g) ?? []).length;
  return n;
}
const ramp = (n: number, a = 0): Float32Array => Float32Array.from({ length: n }, (_, i) => a + i);

describe('cumulativeExplainedVariance', () => {
  it('sorts descending, clamps round-off negatives, and matches a hand computation', () => {
    expect([...cumulativeExplainedVariance([1, 3, -1e-9, 4, 2])]).toEqual([0.4, 0.7, 0.9, 1, 1]);
  });
});

describe('raster figures', () => {
  it('figure 1: one column per image, four rows; saliency end colours present', async () => {
    const ex = [0, 1].map((k) => ({ image: ramp(4, k), saliency: ramp(4), gradX: [-1, 0, 0, 1], gradY: [0, 0, 0, 0] }));
    const p = decoded(await saliencyFigure(ex, 2, 2, { cellSize: 20 }));
    // viridis ends: 2 images × one 10×10 block each
    expect(countColour(p, [0x44, 0x01, 0x54])).toBe(200);
    expect(countColour(p, [0xfd, 0xe7, 0x25])).toBe(200);
    expect(p.width).toBeGreaterThan(2 * 20);
    expect(p.height).toBeGreaterThan(4 * 20);
  });

  it('figure 7: 200 images as a 10×20 grid', async () => {
    const imgs = Array.from({ length: 200 }, (_, i) => ramp(9, i));
    const p = decoded(await exampleGridFigure(imgs, 3, 3, { cellSize: 6 }));
    expect([p.width, p.height]).toEqual([2 + 20 * 8, 2 + 10 * 8]);
  });

  it('figure 8: hot pixels of all neurons appear in dark red, one scaled block per neuron', async () => {
    const h = 4,
      w = 4;
    const g1 = new Float32Array(16);
    g1[5] = 1;
    const g2 = new Float32Array(16);
    g2[10] = 1;
    const row = { image: ramp(16), grfs: [g1, g2] };
    const p = decoded(await grfPanelFigure([row, row], h, w, { fraction: 1 / 16, cellSize: 16 }));
    // 2 rows × 2 hot pixels × (16/4)² pixels each
    expect(countColour(p, [139, 0, 0])).toBe(2 * 2 * 16);
    await expect(grfPanelFigure([row, { image: ramp(16), grfs: [g1] }], h, w)).rejects.toThrow(SalShapeError);
    // default size: an integer multiple of the image side near 112 px (4 × 28), so each pixel is a 28×28 block
    const d = decoded(await grfPanelFigure([row], h, w, { fraction: 1 / 16 }));
    expect(countColour(d, [139, 0, 0])).toBe(2 * 28 * 28);
    expect(countBlocks(d, [139, 0, 0], 28)).toBe(2);
  });

  it('figure 8: every gRF on one shared symmetric scale with a colour bar', async () => {
    const h = 4,
      w = 4;
    // g1 peaks at 1, g2 at 0.5: on the shared ±1 scale g2's peak is at t = 0.75 of the diverging map, halfway
    // between the anchors (244,165,130) and (214,96,77) → (229, round(130.5), round(103.5)) = (229, 131, 104);
    // scaled on its own it would take the top colour (103,0,31), as g1's peak does
    const g1 = new Float32Array(16);
    g1[5] = 1;
    const g2 = new Float32Array(16);
    g2[10] = 0.5;
    const f = await grfPanelFigure([{ image: ramp(16), grfs: [g1, g2] }], h, w, { fraction: 0, cellSize: 16 });
    const p = decoded(f);
    expect(countBlocks(p, [103, 0, 31], 4)).toBe(1);
    expect(countBlocks(p, [229, 131, 104], 4)).toBe(1);
    expect(f.caption).toContain('one shared colour scale');
    expect(f.caption).toContain('white zero');
    expect(f.caption).toContain('±1');
  });

  it('figure 7 with labels and a title; figure 11 restricted to the pixels inside the gRF', async () => {
    const f7 = await exampleGridFigure([ramp(4), ramp(4, 1)], 2, 2, { cols: 2, labels: ['1: #17', '2: #3'], title: 'most driving' });
    expect(decoded(f7).width).toBeGreaterThan(2 * 64);
    await expect(exampleGridFigure([ramp(4)], 2, 2, { labels: ['a', 'b'] })).rejects.toThrow(SalShapeError);
    // mean |gRF| over the two maps: (0.5, 0.05, 0, 1) → with fraction 0.1 the pixels ≥ 0.1: 0 and 3
    const mask = grfSupportMask(
      [
        [1, 0.1, 0, 2],
        [0, 0, 0, 0],
      ],
      0.1,
    );
    expect(Array.from(mask)).toEqual([1, 0, 0, 1]);
    expect(Array.from(grfSupportMask([[0, 0]]))).toEqual([0, 0]);
    // two gRFs of 4 pixels each, only pixels 0 and 3 count: 4 strongest values, 2 weakest; all-zero pixels are gone
    const f11 = await grfDistributionFigure(
      [
        [0.05, 0, 0, 0.04],
        [0.03, 0, 0, -0.02],
      ],
      [[-0.01, 0, 0, 0.01]],
      {
        bins: 4,
        range: [-0.06, 0.06],
        pixels: { mask, description: 'the 2 pixels inside the gRF' },
      },
    );
    expect(f11.caption).toContain('at the 2 pixels inside the gRF');
    // bins of width 0.03 on [−0.06, 0.06]: strongest 0.05, 0.04, 0.03 → bin 3, −0.02 → bin 1: densities 3/(4·0.03) = 25
    // and 1/(4·0.03); weakest −0.01 → bin 1, 0.01 → bin 2: 1/(2·0.03) each (the zeros outside the gRF would fill bin 2)
    const density = (series: string) => [...f11.svg!.matchAll(new RegExp(`density: ([0-9.]+); x1: [^;]+; series: ${series}`, 'g'))].map((m) => Number(m[1]));
    expect(density('strongest images').map((v) => Number(v.toFixed(4)))).toEqual([0, 8.3333, 0, 25]);
    expect(density('weakest images').map((v) => Number(v.toFixed(4)))).toEqual([0, 16.6667, 16.6667, 0]);
    await expect(grfDistributionFigure([0, 1, 2], [0], { pixels: { mask: [1, 0], description: 'x' } })).rejects.toThrow(SalShapeError);
  });

  it('figures 9 and 10: overlays with titles; rows checked', async () => {
    const item = { image: ramp(4), grf: [1, 1, 1, 1], title: 'neuron 1, response 12' };
    // grf constant 1 with limits ±1 → the top of the diverging map (103,0,31); the darkest grey pixel
    // (0) blended at alpha 0.5 → (round(51.5), 0, round(15.5)) = (52, 0, 16), one 4×4 block per panel
    const p = decoded(await grfOverlayFigure([item, item], 2, 2, { alpha: 0.5, cellSize: 8 }));
    expect(countColour(p, [52, 0, 16])).toBe(2 * 16);
    // the brightest (255) → (179, 128, 143)
    expect(countColour(p, [179, 128, 143])).toBe(2 * 16);
    const sw = decoded(await strongestWeakestFigure([{ neuron: 'n3', strongest: [item], weakest: [item] }], 2, 2, { alpha: 0.5, cellSize: 8 }));
    expect(countColour(sw, [52, 0, 16])).toBe(2 * 16);
    await expect(strongestWeakestFigure([{ neuron: 'n', strongest: [item, item], weakest: [item] }], 2, 2)).rejects.toThrow(SalShapeError);
  });

  it('figure 14: grey with symmetric limits, so 0 is mid-grey', async () => {
    const p = decoded(
      await projectionGridFigure(
        [
          {
            image: [-1, 0, 0, 1],
            projections: [
              [-1, 0, 0, 2],
              [0, 0, 0, 3],
            ],
          },
        ],
        2,
        2,
        { cellSize: 10, nGrfs: 500 },
      ),
    );
    // zeros: 2 in the image, 2 in projection 1, 3 in projection 2 → 7 blocks of 5×5
    expect(countBlocks(p, [128, 128, 128], 5)).toBe(7);
    // projection 1: −1 of ±2 → 64; the image's −1 of ±1 → 0
    expect(countBlocks(p, [64, 64, 64], 5)).toBe(1);
    expect(countBlocks(p, [0, 0, 0], 5)).toBe(1);
  });
});

describe('chart figures', () => {
  it('figures 3 and 4: one line per model, panels, names present', async () => {
    const f3 = await trainingCurvesFigure([
      { name: 'CNN + Gaussian', valCorrelation: [0.1, 0.2, 0.25], panel: 'images only' },
      { name: 'untrained ResNet', valCorrelation: [0.05, 0.1], panel: 'images only' },
      { name: 'CNN + Gaussian', valCorrelation: [0.15, 0.25], panel: 'images + saliency' },
      { name: 'untrained ResNet', valCorrelation: [0.06, 0.12], panel: 'images + saliency' },
    ]);
    expect(countMarks(f3.svg!, 'line')).toBe(4);
    for (const s of ['CNN + Gaussian', 'untrained ResNet', 'images only', 'images + saliency', 'epoch']) expect(f3.svg).toContain(s);
    const f4 = await shifterCurvesFigure(['ones', 'saliency + gradients', 'images'].map((name) => ({ name, valCorrelation: [0.1, 0.2] })));
    expect(countMarks(f4.svg!, 'line')).toBe(3);
  });

  it('figures 5 and 6: one mark and one error bar per (variant, crop size)', async () => {
    const results = [];
    for (const cropSize of [41, 61, 83])
      for (const variant of ['images', 'images + saliency', 'all']) results.push({ variant, cropSize, correlations: [0.3, 0.31, 0.33] });
    const f = await testCorrelationFigure(results);
    expect(countMarks(f.svg!, 'symbol')).toBe(9);
    expect(countMarks(f.svg!, 'rule')).toBe(9);
    expect(f.svg).toContain('images + saliency');
  });

  it('figure 11: two histograms from lists of gRFs', async () => {
    const f = await grfDistributionFigure([[0.01, 0.02], [-0.05]], [0, 0, 0.001], { bins: 8 });
    expect(countMarks(f.svg!, 'rect')).toBe(16);
    expect(f.svg).toContain('strongest images');
    expect(f.svg).toContain('weakest images');
  });

  it('figures 12 and 13: one line per neuron, capped at the requested number of components', async () => {
    const spectra = Array.from({ length: 10 }, (_, i) => ({
      neuron: `neuron ${i}`,
      eigenvalues: Float64Array.from({ length: 30 }, (_, j) => 1 / (j + 1 + i)),
    }));
    const f12 = await eigenSpectrumFigure(spectra);
    expect(countMarks(f12.svg!, 'line')).toBe(10);
    expect(countMarks(f12.svg!, 'symbol')).toBe(100); // 10 points per line
    const f13 = await explainedVarianceFigure(spectra.slice(0, 2));
    expect(countMarks(f13.svg!, 'line')).toBe(2);
    expect(f13.svg).toContain('neuron 1');
  });

  it('schema, RF recovery, RF shift, permutation test, verdicts', async () => {
    const schema = modelSchemaFigure();
    expect(schema.svg).toContain('remapper');
    expect(schema.svg).toContain('Gaussian readout');
    expect((schema.svg!.match(/class="schema-arrow"/g) ?? []).length).toBe(6);
    const rec = await rfRecoveryFigure({ trueX: [1, 2], trueY: [3, 4], recoveredX: [1.1, 2], recoveredY: [3, 4.2] });
    expect(countMarks(rec.svg!, 'symbol')).toBe(4);
    const shift = await rfShiftFigure({ trueShift: [0, 1, 2], measuredShift: [0.1, 0.9, 2.2], shifts: [false, true, true] });
    expect(countMarks(shift.svg!, 'symbol')).toBe(3);
    expect(shift.svg).toContain('shifting (truth)');
    // what it plots, in pixels, with whole-pixel ticks (no tick labels such as 0.5 or 1.5)
    const learned = await rfShiftFigure(
      { trueShift: [0, 2, 3], measuredShift: [0.1, 0.9, 1.2], shifts: [false, true, true] },
      { measured: 'learned readout shift' },
    );
    expect(learned.caption).toContain('learned readout shift');
    expect(learned.caption).not.toContain('gRF');
    expect(learned.svg).toContain('learned readout shift (px)');
    expect(learned.svg).toContain('true shift toward the salient object (px)');
    const ticks = [...learned.svg!.matchAll(/role-axis-label[^>]*>(.*?)<\/g>/g)].flatMap((m) =>
      [...m[1]!.matchAll(/>(-?[0-9.,]+)<\/text>/g)].map((t) => t[1]!),
    );
    expect(ticks.length).toBeGreaterThan(2);
    for (const t of ticks) expect(Number.isInteger(Number(t))).toBe(true);
    expect(schema.caption).toContain('tanh × 0.2');
    const run = modelSchemaFigure({ maxRemapAmplitude: 0.5, neuronShiftGain: true });
    expect(run.svg).toContain('× 0.5 (grid units)');
    expect(run.svg).not.toContain('× 0.2');
    expect(run.svg).toContain('gₙ');
    expect(run.caption).toContain('tanh × 0.5');
    expect(run.caption).toContain('learned per-neuron gain');
    expect(modelSchemaFigure({ maxRemapAmplitude: 0.3 }).svg).not.toContain('gₙ');
    expect(() => modelSchemaFigure({ maxRemapAmplitude: -1 })).toThrow(SalConfigError);
    const perm = await permutationTestFigure([0, 0.1, -0.1, 0.05], 0.4, { pValue: 0.002, bins: 5 });
    expect(countMarks(perm.svg!, 'rect')).toBe(5);
    expect(countMarks(perm.svg!, 'rule')).toBe(1);
    const t = verdictTable([{ question: 'Does saliency help?', verdict: 'yes' }]);
    expect(t.rows).toEqual([['Does saliency help?', 'yes', '']]);
  });

  it('figure helpers reject unknown options', async () => {
    await expect(exampleGridFigure([ramp(4)], 2, 2, { colums: 3 } as never)).rejects.toThrow(SalConfigError);
    expect(() => modelSchemaFigure({ titel: 'x' } as never)).toThrow(SalConfigError);
    await expect(grfDistributionFigure([0], [0], { style: 'violin' as never })).rejects.toThrow(SalConfigError);
  });

  it('every figure goes into one report, inlined', async () => {
    const figs = [modelSchemaFigure(), await exampleGridFigure([ramp(4)], 2, 2)];
    const html = buildReport([{ heading: 'All', blocks: [...figs, verdictTable([{ question: 'q', verdict: 'v' }])] }]);
    expect((html.match(/<img src="data:image\/(png|svg\+xml);base64,/g) ?? []).length).toBe(2);
  });
});
