/** `sal convert --from filetree|hdf5 IN --out DIR`: a dataset in the field's formats → sal's dataset layout. */
import { resolve } from 'node:path';
import { SalConfigError } from '@sal/types';
import { CONVERT_FORMATS, convertDataset, type ConvertFormat } from '@sal/formats/node';
import { createReporter } from '../progress.js';

export interface ConvertFlags {
  from: string;
  out: string;
  session?: string;
  testTiers?: string;
  trainTiers?: string;
  quiet?: boolean;
}

const tierList = (s: string | undefined): string[] | undefined =>
  s
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);

export async function convertCommand(input: string, flags: ConvertFlags): Promise<void> {
  const reporter = createReporter({ quiet: flags.quiet });
  if (!(CONVERT_FORMATS as readonly string[]).includes(flags.from)) throw new SalConfigError('sal convert', 'from', CONVERT_FORMATS.join(' | '), flags.from);
  const t0 = Date.now();
  const trainTiers = tierList(flags.trainTiers),
    testTiers = tierList(flags.testTiers);
  const { dataset } = await convertDataset(flags.from as ConvertFormat, resolve(input), resolve(flags.out), {
    ...(flags.session ? { sessionKey: flags.session } : {}),
    ...(trainTiers ? { trainTiers } : {}),
    ...(testTiers ? { testTiers } : {}),
  });
  const [n, h, w] = dataset.imagesShape;
  const s = dataset.sessions[0]!;
  reporter.info(
    `converted ${flags.from} ${input}: ${n} images of ${h}×${w}, ${s.nNeurons} neurons, ${s.trainImageIds.length} training and ${s.testImageIds.length} test trials → ${resolve(flags.out)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}
