/** Small deterministic raw datasets for the tests. */
import { createRng, type RawDataset, type RawSession } from '@sal/types';

/** `n` images `[h, w]` of smooth random blobs; sessions with train trials (some repeats) and test repeats. */
export function makeRaw(opts: { n?: number; h?: number; w?: number; sessions?: number; seed?: number; nTest?: number } = {}): RawDataset {
  const { n = 12, h = 16, w = 20, sessions = 2, seed = 1, nTest = 3 } = opts;
  const rng = createRng(seed);
  const images = new Uint8Array(n * h * w);
  for (let i = 0; i < n; i++) {
    const cy = rng.next() * h,
      cx = rng.next() * w,
      r = 2 + rng.next() * 4,
      base = 40 + rng.int(80);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const d = Math.hypot(y - cy, x - cx);
        images[i * h * w + y * w + x] = Math.min(255, Math.round(base + (d < r ? 120 : 0) + rng.int(20)));
      }
    }
  }
  const testIds = Array.from({ length: nTest }, (_, k) => n - nTest + k);
  const trainPool = Array.from({ length: n - nTest }, (_, k) => k);
  const ss: RawSession[] = [];
  for (let s = 0; s < sessions; s++) {
    const nNeurons = 3 + s;
    const trainIds = Int32Array.from([...trainPool, ...trainPool.slice(0, 3)]); // a few training repeats
    const testImageIds = Int32Array.from(testIds.flatMap((id) => [id, id, id, id].slice(0, 2 + (id % 3))));
    const resp = (m: number): Float32Array => Float32Array.from({ length: m * nNeurons }, () => rng.int(10));
    ss.push({
      key: `session-${s}`,
      nNeurons,
      trainResponses: resp(trainIds.length),
      trainImageIds: trainIds,
      testResponses: resp(testImageIds.length),
      testImageIds,
    });
  }
  return { images, imagesShape: [n, h, w], sessions: ss, meta: { name: 'tiny', seed } };
}

export const IDENTITY4 = { channels: ['image', 'saliency', 'grad_x', 'grad_y'] as const, mean: [0, 0, 0, 0], std: [1, 1, 1, 1], count: 1 };
