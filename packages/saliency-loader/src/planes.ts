/** Datasets whose images and saliency maps are read one plane at a time (the streaming contract of `createDataset`). */
import type { RawDataset } from '@sal/types';

/**
 * Planes `[n, h, w]` read one at a time (e.g. from an `.npy` file by offset, `openNpyPlanes` of
 * `@sal/saliency-loader/node`) instead of held as one array: memory stays bounded on large datasets.
 */
export interface PlaneSource {
  /** `[n, h, w]`. */
  readonly shape: readonly [n: number, h: number, w: number];
  /** Plane `index` (grey levels of an image, or a saliency map) into `out` (length `h·w`); returns `out`. */
  read(index: number, out: Float32Array): Float32Array;
}

/** A {@link RawDataset} whose images and saliency maps may be {@link PlaneSource}s (read as they are needed). */
export interface StreamedRawDataset extends Omit<RawDataset, 'images' | 'saliency'> {
  readonly images: Uint8Array | PlaneSource;
  readonly saliency?: Float32Array | PlaneSource;
}

/** Whether `v` is a {@link PlaneSource} (not a typed array). */
export function isPlaneSource(v: unknown): v is PlaneSource {
  return (
    v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && typeof (v as PlaneSource).read === 'function' && Array.isArray((v as PlaneSource).shape)
  );
}
