/**
 * Where the study's saliency maps come from, and how each built-in model agrees with the simulation's true
 * saliency: `'true'` (the simulation's own maps, an oracle saliency model), `'builtin'` (the centre–surround
 * model of `@sal/saliency-loader`) or `'image-signature'` (Hou, Harel & Koch's image signature of
 * `@sal/saliency-metrics`, the best weight-free model on the simulation in that package's README table).
 */
import { builtinSaliency, type SaliencyModelOptions } from '@sal/saliency-loader';
import { weightFreeSaliency } from '@sal/saliency-metrics';
import { pearson, type RawDataset } from '@sal/types';

/** The study's saliency sources (the `saliency` field of its config). */
export type StudySaliency = 'true' | 'builtin' | 'image-signature';
export const STUDY_SALIENCY_SOURCES: readonly StudySaliency[] = Object.freeze(['true', 'builtin', 'image-signature']);

/** The built-in models whose agreement with the true maps the study reports. */
export type SaliencyModelKey = 'builtin' | 'image-signature';
const MODEL_KEYS: readonly SaliencyModelKey[] = ['builtin', 'image-signature'];

/** Options of the centre–surround model for the simulated images (their scale: ~16 px per degree). */
export const STUDY_SALIENCY: Readonly<Omit<SaliencyModelOptions, 'output'>> = Object.freeze({ pixelsPerDegree: 16 });

/** How people read each source in the report. */
export const SALIENCY_LABELS: Readonly<Record<StudySaliency, string>> = Object.freeze({
  true: "the simulation's true saliency (an oracle saliency model, as a perfect DeepGaze would be)",
  builtin: 'the built-in centre–surround model (Itti–Koch style, @sal/saliency-loader)',
  'image-signature': 'the image signature (Hou, Harel & Koch 2012; @sal/saliency-metrics), the best weight-free model on the simulation',
});

/** Log-density map of one grey image `[h, w]` (0–255) by a built-in model. */
export function modelMap(model: SaliencyModelKey, img: Float32Array, h: number, w: number): Float32Array {
  return model === 'builtin' ? builtinSaliency(img, h, w, { ...STUDY_SALIENCY, output: 'logDensity' }) : weightFreeSaliency('imageSignature')(img, h, w);
}

/** What {@link studySaliencyMaps} returns. */
export interface StudySaliencyMaps {
  /** Log-density maps `[n, h, w]` the models use. */
  maps: Float32Array;
  /** Per built-in model: Pearson r between its log-density maps and the true ones over all pixels (NaN without true maps). */
  agreements: Record<SaliencyModelKey, number>;
}

/**
 * The study's saliency maps of every image of `raw` (log-densities on the full images), from `source`, and
 * every built-in model's agreement with the true maps (`raw.saliency`). `onImage` is called per image and model.
 */
export function studySaliencyMaps(raw: RawDataset, source: StudySaliency, onImage?: () => void): StudySaliencyMaps {
  const [n, h, w] = raw.imagesShape;
  const P = h * w;
  const trueSal = raw.saliency;
  if (source === 'true' && !trueSal) throw new Error("saliency 'true': the dataset holds no true saliency maps");
  const agreements = {} as Record<SaliencyModelKey, number>;
  let maps: Float32Array | null = source === 'true' ? Float32Array.from(trueSal!) : null;
  for (const model of MODEL_KEYS) {
    const out = new Float32Array(n * P);
    for (let i = 0; i < n; i++) {
      out.set(modelMap(model, Float32Array.from(raw.images.subarray(i * P, (i + 1) * P)), h, w), i * P);
      onImage?.();
    }
    agreements[model] = trueSal ? pearson(out, trueSal) : Number.NaN;
    if (model === source) maps = out;
  }
  return { maps: maps!, agreements };
}
