#!/usr/bin/env node
// Scores every built-in saliency model on the simulation, whose true saliency density is known: fixations
// are sampled from each image's true density (seeded), a centre bias is learnt on the fixations of the first
// half of the images, and every model is scored on the second half with pysaliency's metrics (AUC-Judd,
// AUC-Borji, shuffled AUC, NSS, CC / KLD / SIM against the true density, information gain over the centre bias
// in bits per fixation). Prints a markdown table (and ms per image).
// Build first: `npx tsc -p tsconfig.build.json` in packages/types, saliency-loader, sim and saliency-metrics.
// Usage: node bench/saliency-models.mjs [--images N] [--fixations N] [--seed N]
import { parseArgs } from 'node:util';
import { simulateDataset } from '@sal/sim';
import { builtinSaliency } from '@sal/saliency-loader';
import { booleanMapSaliency, fitCenterBias, imageSignature, sampleFixations, scoreSaliency, withCenterBias } from '@sal/saliency-metrics';

const { values: args } = parseArgs({
  options: { images: { type: 'string', default: '200' }, fixations: { type: 'string', default: '20' }, seed: { type: 'string', default: '0' } },
});
const nImages = Number(args.images),
  nFix = Number(args.fixations),
  seed = Number(args.seed);
const { dataset } = simulateDataset({ seed, nTrainImages: nImages, nTestImages: 2, nSessions: 1, neuronsPerSession: 2, includeSaliency: true });
const [, h, w] = dataset.imagesShape;
const px = h * w;
const img = (i) => Float32Array.from(dataset.images.subarray(i * px, (i + 1) * px));
const trueDensity = (i) => Float64Array.from(dataset.saliency.subarray(i * px, (i + 1) * px), Math.exp);
const fixations = Array.from({ length: nImages }, (_, i) => sampleFixations(trueDensity(i), nFix, seed * 100003 + i));
const half = Math.floor(nImages / 2);
const cb = fitCenterBias(fixations.slice(0, half), h, w);
const evalIds = Array.from({ length: nImages - half }, (_, k) => half + k);
const images = evalIds.map((i) => ({ fixations: fixations[i], density: trueDensity(i), baselineLog: cb.logDensity }));

// the study's setting of the loader's models (images at 16 px/deg)
const loader = (model) => (x) => Float64Array.from(builtinSaliency(x, h, w, { model, pixelsPerDegree: 16, output: 'density' }));
const uniform = new Float64Array(px).fill(1 / px);
const models = [
  ['uniform', () => uniform],
  ['centre bias (learnt)', () => cb.density],
  ['centre–surround (loader)', loader('centerSurround')],
  ['spectral residual (loader)', loader('spectralResidual')],
  ['image signature', (x) => imageSignature(x, h, w)],
  ['BMS', (x) => booleanMapSaliency(x, h, w)],
  ['centre–surround × centre bias', (x) => withCenterBias(loader('centerSurround')(x), cb.density)],
  ['image signature × centre bias', (x) => withCenterBias(imageSignature(x, h, w), cb.density)],
  ['BMS × centre bias', (x) => withCenterBias(booleanMapSaliency(x, h, w), cb.density)],
  ['oracle (true density)', null],
];
const f = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');
console.log(
  `simulation seed ${seed}: ${nImages} images ${h}×${w}, ${nFix} fixations per image from the true density; centre bias (σ ${cb.sigma} h) learnt on ${half} images, scores on ${nImages - half}`,
);
console.log('| model | AUC-Judd | AUC-Borji | sAUC | NSS | CC | KLD | SIM | IG (bit/fix) | ms/image |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [name, model] of models) {
  const t0 = performance.now();
  const maps = evalIds.map((i) => (model ? model(img(i)) : trueDensity(i)));
  const ms = (performance.now() - t0) / evalIds.length;
  const s = scoreSaliency((k) => maps[k], images, { seed });
  console.log(
    `| ${name} | ${f(s.aucJudd)} | ${f(s.aucBorji)} | ${f(s.sAuc)} | ${f(s.nss, 2)} | ${f(s.cc)} | ${f(s.kld)} | ${f(s.sim)} | ${f(s.ig)} | ${model ? f(ms, 1) : '—'} |`,
  );
}
