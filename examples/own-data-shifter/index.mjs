// Train a saliency-shifter model on a dataset directory, the way you would with your own data:
//   images.npy [n,h,w] uint8 (or an images/ folder), sessions/<key>.npz with train_responses, train_image_ids,
//   test_responses, test_image_ids, optional saliency.npy (e.g. DeepGaze log-densities), meta.json.
// Here the directory is written from the simulation first, so the example runs anywhere.
// Usage: node index.mjs [dataset-dir] [--smoke]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@sal/backend';
import { stacked2dCore } from '@sal/cores';
import { saliencyShifterReadout } from '@sal/readouts';
import { createDataset } from '@sal/saliency-loader';
import { readDatasetDir, writeDatasetDir } from '@sal/saliency-loader/node';
import { weightFreeSaliency } from '@sal/saliency-metrics';
import { simulateDataset } from '@sal/sim';
import { createEncoder, scoreSession, trainEncoder } from '@sal/train';

const smoke = process.argv.includes('--smoke');
let dir = process.argv.slice(2).find((a) => !a.startsWith('--'));
await initBackend();
if (!dir) {
  dir = join(await mkdtemp(join(tmpdir(), 'sal-example-')), 'data');
  const { dataset } = simulateDataset({
    seed: 3,
    height: 64,
    width: 96,
    nTrainImages: smoke ? 120 : 600,
    nTestImages: 6,
    testRepeats: 4,
    nSessions: 1,
    neuronsPerSession: 8,
  });
  await writeDatasetDir(dir, dataset);
  console.log(`wrote a simulated dataset to ${dir}`);
}
const raw = await readDatasetDir(dir);
// saliency on the full image, then the same crop and scale for image and map, then Gaussian + Sobel gradients.
// The maps: the dataset's own saliency.npy if it has one (e.g. DeepGaze's), else the image signature, the best
// weight-free model on the simulation (see @sal/saliency-metrics' README; the loader's 'builtin' centre–surround model
// agrees far less with the true saliency).
const saliency = raw.saliency ? 'raw' : weightFreeSaliency('imageSignature');
const dataset = createDataset(raw, {
  crop: [
    [8, 8],
    [16, 16],
  ],
  scale: 0.5,
  channels: 'all',
  saliency,
  gradientSigma: 2,
});
console.log(`saliency maps: ${raw.saliency ? "the dataset's saliency.npy" : 'image signature'}`);
const [h, w] = dataset.inputShape;
const core = stacked2dCore({ inChannels: 1, hiddenChannels: 8, inputKern: 5, layers: 2, nSeBlocks: 0, gammaInput: 1, seed: 1 });
const inShape = core.computeOutputShape([h, w, 1]);
const readouts = Object.fromEntries(
  dataset.sessions.map((s, i) => [s.key, saliencyShifterReadout({ inShape, outDims: s.nNeurons, remapChannels: 3, maxRemapAmplitude: 0.5, seed: 10 + i })]),
);
// the core sees the image (channel 0); the remapper sees saliency, grad_x, grad_y (channels 1–3)
const encoder = createEncoder({ core, readouts, routing: { core: [0], context: [1, 2, 3] } });
encoder.initBiases(dataset);
const result = await trainEncoder(encoder, dataset, { maxEpochs: smoke ? 2 : 15, patience: 3, batchSize: 32, seed: 1, quiet: smoke });
for (const s of dataset.sessions) {
  const sc = scoreSession(encoder, dataset, s.key);
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  console.log(`${s.key}: validation r = ${mean(sc.validation).toFixed(3)}, test r = ${mean(sc.test).toFixed(3)} after ${result.epochs} epochs`);
}
encoder.dispose();
