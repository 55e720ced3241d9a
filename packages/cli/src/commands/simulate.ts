/** `sal simulate`: write a simulated dataset in the dataset directory layout. */
import { resolve } from 'node:path';
import { simulateDataset, type SimulationOptions } from '@sal/sim';
import { writeDatasetDir } from '@sal/saliency-loader/node';
import { readConfigFile, intFlag } from '../config.js';
import { createReporter } from '../progress.js';

export interface SimulateFlags { out: string; seed?: string; population?: string; config?: string; quiet?: boolean }

export async function simulateCommand(flags: SimulateFlags): Promise<void> {
  const reporter = createReporter({ quiet: flags.quiet });
  const opts: SimulationOptions = { ...(flags.config ? (readConfigFile(flags.config) as SimulationOptions) : {}) };
  if (flags.seed !== undefined) opts.seed = intFlag('--seed', flags.seed, 0);
  if (flags.population !== undefined) opts.population = flags.population as SimulationOptions['population'];
  const t0 = Date.now();
  const { dataset, truth } = simulateDataset({ includeSaliency: true, ...opts });
  const dir = resolve(flags.out);
  await writeDatasetDir(dir, dataset);
  const [n, h, w] = dataset.imagesShape;
  reporter.info(`wrote ${n} images of ${h}×${w}, ${dataset.sessions.length} sessions (${truth.neurons.length} neurons, ${truth.neurons.filter((x) => x.shifts).length} shifting) to ${dir} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
