#!/usr/bin/env node
// The "half the gap" check of issue #20: the demo's saliency-shifter model (shift population, main crop) trained
// on the demo's data with each saliency source — the centre–surround model ('builtin'), the image signature
// ('image-signature') and the simulation's true maps ('true', the oracle) — and scored on validation and test.
// Only the saliency maps differ; data, model seeds and training are the demo's. Prints a markdown table and,
// per seed and source, the numbers; `gap closed` = (r_model − r_builtin) / (r_true − r_builtin).
// Build first (`npx turbo run build --filter=@sal/study...`). Long: one training per source and seed.
// Usage: nice -n 5 node bench/saliency-shifter-gap.mjs [--seeds 2] [--out DIR] [--json FILE]
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '@sal/backend';
import {
  DEMO_STUDY,
  VARIANT_SPECS,
  buildDatasets,
  modelFractionOfOracle,
  prepareStudyData,
  resolveStudyConfig,
  silentReporter,
  studySaliencyMaps,
  trainVariant,
} from '@sal/study';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '2' },
    out: { type: 'string' },
    json: { type: 'string' },
    sources: { type: 'string', default: 'builtin,image-signature,true' },
  },
});
await initBackend();
const nSeeds = Number(args.seeds);
const sources = args.sources.split(',');
const outDir = args.out ?? (await mkdtemp(join(tmpdir(), 'sal-gap-')));
const config = resolveStudyConfig(DEMO_STUDY, { saliency: 'true' });
const t0 = Date.now();
const data = await prepareStudyData(config, outDir, silentReporter);
const mainCrop = data.crops[0].name;
console.log(`data in ${((Date.now() - t0) / 1000).toFixed(0)} s; agreement with the true maps: ${JSON.stringify(data.saliencyAgreements)}`);
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
const rows = [];
for (const seedOffset of Array.from({ length: nSeeds }, (_, i) => i + 1)) {
  for (const source of sources) {
    const maps = source === 'true' ? data.saliency : studySaliencyMaps(data.raw.shift, source).maps;
    const ds = buildDatasets(data.raw, maps, resolveStudyConfig(DEMO_STUDY, { saliency: source })).datasets.shift[mainCrop];
    const seed = config.seed + seedOffset;
    const m = await trainVariant(VARIANT_SPECS['shifter-saliency'], ds, config, seed, null);
    m.encoder.dispose();
    const row = {
      source,
      seed,
      validation: mean(m.scores.validation),
      test: mean(m.scores.test),
      testAveraged: mean(m.scores.testAveraged),
      fractionOfOracle: modelFractionOfOracle(m.scores),
      epochs: m.history.length,
      seconds: Math.round(m.seconds),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
const avg = (src, k) => mean(rows.filter((r) => r.source === src).map((r) => r[k]));
console.log(
  `\n| saliency maps | validation r | test r (single trial) | test r (repeat-averaged) | fraction of oracle | seeds |\n| --- | --- | --- | --- | --- | --- |`,
);
for (const s of sources)
  console.log(
    `| ${s} | ${avg(s, 'validation').toFixed(3)} | ${avg(s, 'test').toFixed(3)} | ${avg(s, 'testAveraged').toFixed(3)} | ${avg(s, 'fractionOfOracle').toFixed(3)} | ${rows.filter((r) => r.source === s).length} |`,
  );
if (sources.includes('builtin') && sources.includes('true')) {
  for (const k of ['validation', 'test', 'testAveraged']) {
    const gap = avg('true', k) - avg('builtin', k);
    console.log(
      `${k}: gap true − builtin = ${gap.toFixed(3)}; image signature closes ${(((avg('image-signature', k) - avg('builtin', k)) / gap) * 100).toFixed(0)}% of it`,
    );
  }
}
if (args.json) await writeFile(args.json, JSON.stringify({ agreements: data.saliencyAgreements, rows }, null, 2));
