/** A tiny hand-made dataset (5 images 6×8, 3 neurons, test images repeated) for the format round trips. */
import type { RawDataset } from '@sal/types';

export function tinyRaw(): RawDataset {
  const n = 5,
    h = 6,
    w = 8,
    k = 3;
  const images = Uint8Array.from({ length: n * h * w }, (_, i) => (i * 37 + 11) % 256);
  const trainIds = Int32Array.from([0, 1, 2, 2, 3, 1]);
  const testIds = Int32Array.from([4, 4, 4, 0, 0]);
  const resp = (ids: Int32Array, salt: number): Float32Array => Float32Array.from({ length: ids.length * k }, (_, i) => ((i * 7 + salt) % 11) / 4);
  return {
    images,
    imagesShape: [n, h, w],
    sessions: [
      {
        key: 'mouse 1/scan.2',
        nNeurons: k,
        trainResponses: resp(trainIds, 1),
        trainImageIds: trainIds,
        testResponses: resp(testIds, 5),
        testImageIds: testIds,
      },
    ],
  };
}

/** Per-trial behaviour (3 columns) and pupil centre (2 columns) for the 11 trials of {@link tinyRaw}. */
export function tinyTrialArrays(): { behavior: { data: Float32Array; width: number }; pupil_center: { data: Float32Array; width: number } } {
  return {
    behavior: { data: Float32Array.from({ length: 33 }, (_, i) => i / 8), width: 3 },
    pupil_center: { data: Float32Array.from({ length: 22 }, (_, i) => 100 - i), width: 2 },
  };
}
