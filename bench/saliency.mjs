#!/usr/bin/env node
// Saliency + gradient channels on 236×420 grey images (the monkey stimuli's size), CPU only. Prints a
// markdown table of medians (images/s): the built-in saliency model on the full image; crop/scale + Gaussian
// σ 5 + Sobel x/y on the map (crop ((28,0),(106,106)), scale 0.4 → 83×83, the gRF model's input); and
// createDataset end to end ('all' channels: saliency, crop/scale, gradients, z-scoring).
// Build first: `npx tsc -p tsconfig.build.json` in packages/types and packages/saliency-loader.
// Usage: node bench/saliency.mjs [--reps N] [--images N] [--quick]
import { parseArgs } from 'node:util';
import { createRng } from '@sal/types';
import { builtinSaliency, cropImage, createDataset, gaussianFilter2d, rescale, sobel } from '@sal/saliency-loader';

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    images: { type: 'string', default: '20' },
    quick: { type: 'boolean', default: false },
    baseline: { type: 'string' }, // accepted for bench/run.mjs; the reference has no saliency figure
  },
});
const reps = args.quick ? 1 : Number(args.reps);
const nImages = args.quick ? 4 : Number(args.images);
const H = 236,
  W = 420;
const crop = [
  [28, 0],
  [106, 106],
];

function makeImages(n, seed) {
  const rng = createRng(seed);
  const images = new Uint8Array(n * H * W);
  for (let i = 0; i < n; i++) {
    const cy = rng.next() * H,
      cx = rng.next() * W,
      r = 10 + rng.next() * 40;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const v = 90 + 40 * Math.sin(x / 17 + i) * Math.cos(y / 23) + (Math.hypot(y - cy, x - cx) < r ? 80 : 0) + rng.int(12);
        images[i * H * W + y * W + x] = Math.max(0, Math.min(255, Math.round(v)));
      }
  }
  return images;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Images per second of `fn` (which processes `count` images): median over reps after one warm-up. */
function rate(fn, count) {
  fn();
  const t = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push((performance.now() - t0) / 1000);
  }
  return { median: count / median(t), min: count / Math.max(...t), max: count / Math.min(...t) };
}

const images = makeImages(nImages, 1);
const planes = Array.from({ length: nImages }, (_, i) => Float32Array.from(images.subarray(i * H * W, (i + 1) * H * W)));
const model = { pixelsPerDegree: 13.8 }; // the monkey images' inferred resolution (digest §1.3)
const maps = planes.map((p) => builtinSaliency(p, H, W, model));
const rows = [];
rows.push([
  'built-in saliency, full 236×420 image (13.8 px/deg → 8 px/deg)',
  rate(() => {
    for (const p of planes) builtinSaliency(p, H, W, model);
  }, nImages),
]);
const sr = { ...model, model: 'spectralResidual' };
rows.push([
  'spectral residual model (64×64 grid), full 236×420 image',
  rate(() => {
    for (const p of planes) builtinSaliency(p, H, W, sr);
  }, nImages),
]);
rows.push([
  'crop + scale 0.4 + Gaussian σ 5 + Sobel x/y of the map (→ 83×83)',
  rate(() => {
    for (const m of maps) {
      const c = cropImage(m, H, W, crop);
      const r = rescale(c.data, c.h, c.w, 0.4);
      const g = gaussianFilter2d(r.data, r.h, r.w, 5);
      sobel(g, r.h, r.w, 1);
      sobel(g, r.h, r.w, 0);
    }
  }, nImages),
]);
rows.push([
  'Gaussian σ 5 + Sobel x/y on the uncropped 236×420 map',
  rate(() => {
    for (const m of maps) {
      const g = gaussianFilter2d(m, H, W, 5);
      sobel(g, H, W, 1);
      sobel(g, H, W, 0);
    }
  }, nImages),
]);
const trainIds = Int32Array.from({ length: nImages }, (_, i) => i);
const raw = {
  images,
  imagesShape: [nImages, H, W],
  sessions: [
    {
      key: 's',
      nNeurons: 2,
      trainResponses: new Float32Array(2 * nImages),
      trainImageIds: trainIds,
      testResponses: new Float32Array(0),
      testImageIds: new Int32Array(0),
    },
  ],
};
rows.push([
  "createDataset 'all' (saliency, crop/scale, gradients, z-score)",
  rate(() => createDataset(raw, { channels: 'all', crop, scale: 0.4, saliencyModel: model }), nImages),
]);

console.log(`${nImages} images of ${H}×${W}; ${reps} repetition(s) after one warm-up; one thread\n`);
console.log('| step | images/s (median) | min–max |');
console.log('|---|---|---|');
for (const [name, r] of rows) console.log(`| ${name} | ${r.median.toFixed(1)} | ${r.min.toFixed(1)}–${r.max.toFixed(1)} |`);
