/** `sal simulate`: write a simulated dataset in the dataset directory layout. */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { simulateDataset, type SimulationOptions } from '@sal/sim';
import { writeDatasetDir } from '@sal/saliency-loader/node';
import { readConfigFile, intFlag } from '../config.js';
import { createReporter, type Reporter } from '../progress.js';

export interface SimulateFlags {
  out: string;
  seed?: string;
  population?: string;
  config?: string;
  quiet?: boolean;
}

/**
 * What `sal simulate` simulates unless the config file says otherwise: the demo's size (96×160 images, 800 training
 * + 60 test images with 10 repeats, 2 sessions × 16 neurons, about 70 MB on disk, seconds to write), so a first
 * `sal train` runs in minutes. The original's size is `{"height": 236, "width": 420, "nTrainImages": 2000,
 * "nTestImages": 50, "nSessions": 4, "neuronsPerSession": 25}` (about 1 GB), `@sal/sim`'s own defaults.
 */
export const SIMULATE_COMMAND_DEFAULTS: Readonly<SimulationOptions> = Object.freeze({
  height: 96,
  width: 160,
  nTrainImages: 800,
  nTestImages: 60,
  testRepeats: 10,
  nSessions: 2,
  neuronsPerSession: 16,
});

/** A reporter task per stage, created on its first report and closed on its last. */
function stageProgress(reporter: Reporter): (stage: string, done: number, total: number) => void {
  let current: { stage: string; task: ReturnType<Reporter['task']> } | null = null;
  return (stage, done, total) => {
    if (current?.stage !== stage) current = { stage, task: reporter.task(stage, total) };
    current.task.tick(1);
    if (done === total) {
      current.task.done();
      current = null;
    }
  };
}

export async function simulateCommand(flags: SimulateFlags): Promise<void> {
  const reporter = createReporter({ quiet: flags.quiet });
  const opts: SimulationOptions = { ...SIMULATE_COMMAND_DEFAULTS, ...(flags.config ? (readConfigFile(flags.config) as SimulationOptions) : {}) };
  if (flags.seed !== undefined) opts.seed = intFlag('--seed', flags.seed, 0);
  if (flags.population !== undefined) opts.population = flags.population as SimulationOptions['population'];
  const t0 = Date.now();
  const progress = stageProgress(reporter);
  const label = { images: 'simulating images and responses', saliency: 'true saliency maps' } as const;
  const { dataset, truth } = simulateDataset({ includeSaliency: true, ...opts }, { onProgress: (stage, done, total) => progress(label[stage], done, total) });
  const dir = resolve(flags.out);
  let bytes = 0;
  await writeDatasetDir(dir, dataset, {
    onProgress: (file, done, total) => {
      bytes += statSync(join(dir, file)).size;
      progress('writing files', done, total);
    },
  });
  const [n, h, w] = dataset.imagesShape;
  reporter.info(
    `wrote ${n} images of ${h}×${w}, ${dataset.sessions.length} sessions (${truth.neurons.length} neurons, ${truth.neurons.filter((x) => x.shifts).length} shifting) to ${dir} (${(bytes / 1e6).toFixed(1)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}
