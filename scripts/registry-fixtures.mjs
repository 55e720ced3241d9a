// What a README example expects to find where a user runs it, prepared by the registry test before the example runs
// (scripts/test-registry.mjs): the example stays literal; the data or server it names is made here, the way a user
// would have it. Each fixture returns extra environment variables and a `stop` to call after the example.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './package-meta.mjs';

const dist = (pkg, file) => pathToFileURL(join(ROOT, 'packages', pkg, 'dist', file)).href;

/** A tiny static dataset (5 images 6×8, 3 neurons, repeated test images) as the formats examples read it. */
function tinyRaw() {
  const n = 5,
    h = 6,
    w = 8,
    k = 3;
  const images = Uint8Array.from({ length: n * h * w }, (_, i) => (i * 37 + 11) % 256);
  const trainIds = Int32Array.from([0, 1, 2, 2, 3, 1]);
  const testIds = Int32Array.from([4, 4, 4, 0, 0]);
  const resp = (ids, salt) => Float32Array.from({ length: ids.length * k }, (_, i) => ((i * 7 + salt) % 11) / 4);
  return {
    images,
    imagesShape: [n, h, w],
    sessions: [
      { key: 'session-1', nNeurons: k, trainResponses: resp(trainIds, 1), trainImageIds: trainIds, testResponses: resp(testIds, 5), testImageIds: testIds },
    ],
  };
}

export const EXAMPLE_FIXTURES = {
  /** `@sal/formats`: the FileTree folder and the HDF5 file its example reads. */
  '@sal/formats': async (app) => {
    const { writeFileTree, writeStaticH5 } = await import(dist('formats', 'node.js'));
    await writeFileTree(join(app, 'static26872-17-20-GrayImageNet'), tinyRaw());
    await writeStaticH5(join(app, 'static.h5'), tinyRaw());
    return { env: {}, stop: async () => {} };
  },
  /** `@sal/jobs`: a PostgreSQL server of this machine's, started in a temp folder; its URL in `SAL_DB`. */
  '@sal/jobs': async () => {
    const { startLocalPostgres } = await import(dist('jobs', 'index.js'));
    const dir = mkdtempSync(join(tmpdir(), 'sal-registry-pg-'));
    const server = await startLocalPostgres(dir, { unsafeFast: true });
    return {
      env: { SAL_DB: server.url },
      stop: async () => {
        await server.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
