/**
 * The study's data: both simulated populations (same images, same neurons; with and without RF shifts),
 * written in the dataset directory layout and read back through the same path users' data takes,
 * saliency maps computed once on the full images, and one dataset per population and crop.
 */
import { join } from 'node:path';
import { simulateDataset, groundTruthFromJson, type GroundTruth } from '@sal/sim';
import { createDataset, type SalDataset } from '@sal/saliency-loader';
import { readDatasetDir, readNpyFile, writeDatasetDir, writeNpyFile } from '@sal/saliency-loader/node';
import type { RawDataset, JsonObject } from '@sal/types';
import type { CropFractions, StudyConfig } from './config.js';
import type { Reporter } from './reporter.js';
import { SALIENCY_LABELS, studySaliencyMaps, type SaliencyModelKey } from './saliency-source.js';

export { STUDY_SALIENCY } from './saliency-source.js';

/**
 * The populations a study runs on: the demo's simulated `shift` population and its `noShift` control, or `data`,
 * a user's own dataset (`runStudyOnData`), which has no ground truth.
 */
export type Population = 'shift' | 'noShift' | 'data';
/** The demo's two simulated populations. */
export const POPULATIONS: readonly Population[] = ['shift', 'noShift'];

export interface CropGeometry {
  name: string;
  /** Pixels removed `[[top, bottom], [left, right]]` of the full image. */
  pixels: [[number, number], [number, number]];
  scale: number;
}

export interface StudyData {
  raw: Partial<Record<Population, RawDataset>>;
  /** The simulation's ground truth per population; absent for a user's data (no true RF shifts, no true saliency). */
  truth: Partial<Record<Population, GroundTruth>>;
  /** Saliency log-density maps of the full images `[n, h, w]` used by the models (the same images in both populations). */
  saliency: Float32Array;
  /** Correlation between the built-in model's maps and the simulation's true saliency, over all pixels (NaN without a true saliency). */
  saliencyAgreement: number;
  /** Every built-in model's agreement with the true saliency (Pearson r of the log-density maps over all pixels). */
  saliencyAgreements?: Record<SaliencyModelKey, number>;
  crops: CropGeometry[];
  datasets: Partial<Record<Population, Record<string, SalDataset>>>;
}

/** Pixel crop of a fractional one on an image of `h × w`. */
export function cropPixels(f: CropFractions, h: number, w: number): [[number, number], [number, number]] {
  return [
    [Math.round(f[0][0] * h), Math.round(f[0][1] * h)],
    [Math.round(f[1][0] * w), Math.round(f[1][1] * w)],
  ];
}

/**
 * Map full-image pixel coordinates (x = column, y = row) into the cropped, rescaled input: crop offset, then
 * the rescale's pixel-centre convention (output pixel i covers input (i + 0.5)/scale − 0.5).
 */
export function toInputCoords(x: number, y: number, crop: CropGeometry): [number, number] {
  const [[top], [left]] = crop.pixels;
  return [(x - left + 0.5) * crop.scale - 0.5, (y - top + 0.5) * crop.scale - 0.5];
}

export async function prepareStudyData(config: StudyConfig, outDir: string, reporter: Reporter): Promise<StudyData> {
  const sim = config.simulation;
  const raw = {} as Record<Population, RawDataset>;
  const truth = {} as Record<Population, GroundTruth>;
  for (const population of POPULATIONS) {
    const t0 = Date.now();
    const { dataset } = simulateDataset({ ...sim, seed: config.seed, population: population as 'shift' | 'noShift', includeSaliency: true });
    const dir = join(outDir, 'data', population);
    await writeDatasetDir(dir, dataset);
    raw[population] = await readDatasetDir(dir);
    const meta = raw[population].meta as JsonObject | undefined;
    truth[population] = groundTruthFromJson(meta?.['simulation'] as JsonObject);
    reporter.info(
      `simulated the '${population}' population: ${sim.nTrainImages} + ${sim.nTestImages} images of ${sim.height}×${sim.width}, ` +
        `${sim.nSessions} sessions × ${sim.neuronsPerSession} neurons, written to ${dir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
  }
  // saliency of the full images, once (both populations show the same images)
  const [n, h, w] = raw.shift.imagesShape;
  const task = reporter.task('saliency maps (centre–surround, image signature)', 2 * n);
  const { maps: saliency, agreements } = studySaliencyMaps(raw.shift, config.saliency, () => task.tick());
  task.done();
  const saliencyAgreement = agreements.builtin;
  reporter.info(
    `saliency: ${SALIENCY_LABELS[config.saliency]}; agreement with the true saliency: centre–surround r = ${agreements.builtin.toFixed(2)}, image signature r = ${agreements['image-signature'].toFixed(2)}`,
  );

  await writeNpyFile(join(outDir, 'data', 'saliency.npy'), { data: saliency, shape: [n, h, w], dtype: 'f4' });
  const { crops, datasets } = buildDatasets(raw, saliency, config);
  return { raw, truth, saliency, saliencyAgreement, saliencyAgreements: agreements, crops, datasets };
}

/** The crops of the config and one dataset per population and crop (channels [image, saliency, grad_x, grad_y]). */
export function buildDatasets(
  raw: Partial<Record<Population, RawDataset>>,
  saliency: Float32Array,
  config: StudyConfig,
): Pick<StudyData, 'crops' | 'datasets'> {
  const pops = Object.keys(raw) as Population[];
  const [, h, w] = raw[pops[0]!]!.imagesShape;
  const crops: CropGeometry[] = Object.entries(config.crops).map(([name, f]) => ({ name, pixels: cropPixels(f, h, w), scale: config.scale }));
  const datasets: Partial<Record<Population, Record<string, SalDataset>>> = {};
  for (const population of pops) {
    const byCrop: Record<string, SalDataset> = {};
    datasets[population] = byCrop;
    for (const crop of crops) {
      byCrop[crop.name] = createDataset(raw[population]!, {
        crop: crop.pixels,
        scale: crop.scale,
        channels: 'all',
        saliency: { maps: saliency, kind: 'logDensity' },
        gradientSigma: config.gradientSigma,
        splitSeed: config.seed,
      });
    }
  }
  return { crops, datasets };
}

/** Read back what {@link prepareStudyData} wrote under `outDir/data` (used by training workers). */
export async function readStudyData(config: StudyConfig, outDir: string): Promise<Pick<StudyData, 'crops' | 'datasets'>> {
  const raw = {} as Record<Population, RawDataset>;
  for (const population of POPULATIONS) raw[population] = await readDatasetDir(join(outDir, 'data', population));
  const sal = await readNpyFile(join(outDir, 'data', 'saliency.npy'));
  return buildDatasets(raw, Float32Array.from(sal.data as ArrayLike<number>), config);
}

/**
 * Load what a finished study wrote under `outDir/data`: both populations, their ground truth and the saliency
 * maps (used by `sal report` to redo the analyses without retraining).
 */
export async function loadStudyData(config: StudyConfig, outDir: string, saliencyAgreement: number): Promise<StudyData> {
  const raw = {} as Record<Population, RawDataset>;
  const truth = {} as Record<Population, GroundTruth>;
  for (const population of POPULATIONS) {
    raw[population] = await readDatasetDir(join(outDir, 'data', population));
    truth[population] = groundTruthFromJson((raw[population].meta as JsonObject | undefined)?.['simulation'] as JsonObject);
  }
  const sal = await readNpyFile(join(outDir, 'data', 'saliency.npy'));
  const saliency = Float32Array.from(sal.data as ArrayLike<number>);
  return { raw, truth, saliency, saliencyAgreement, ...buildDatasets(raw, saliency, config) };
}
