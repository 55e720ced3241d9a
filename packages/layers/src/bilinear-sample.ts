/**
 * Bilinear sampling of a feature map at continuous positions, with gradients to the features and to the
 * positions: PyTorch's `F.grid_sample(..., mode='bilinear', padding_mode='zeros', align_corners=True)` in NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, SalShapeError } from '@sal/types';
import { forEachCorner, gridToPixel } from './bilinear-corners.js';

const WHERE = 'layers.bilinearSample';

/**
 * Corner indices and coefficients of every sample point, computed on the host from the positions' values
 * (a few numbers per point), so the integer indices never touch the gradient tape and each sample costs a
 * handful of tensor ops. Corner k = 2·dy + dx (00, 01, 10, 11 as (y, x)); arrays are corner-major `[4, B·N]`.
 */
interface Corners {
  /** Flat row indices into `[B·H·W, C]`, clamped into range (masked by the coefficients). */
  idx: Int32Array;
  /** Bilinear weight × in-bounds mask. */
  w: Float32Array;
  /** ∂weight/∂px × (W-1)/2 and ∂weight/∂py × (H-1)/2, × in-bounds mask: the position gradient per corner. */
  dwx: Float32Array;
  dwy: Float32Array;
}

function corners(gridValues: ArrayLike<number>, b: number, n: number, h: number, w: number, shared: boolean): Corners {
  const m = b * n;
  const idx = new Int32Array(4 * m);
  const wt = new Float32Array(4 * m);
  const dwx = new Float32Array(4 * m);
  const dwy = new Float32Array(4 * m);
  const sx = (w - 1) / 2;
  const sy = (h - 1) / 2;
  let i = 0;
  let bi = 0;
  const visit = (k: number, yi: number, xi: number, wx: number, wy: number): void => {
    const j = k * m + i;
    idx[j] = (bi * h + yi) * w + xi;
    wt[j] = wx * wy;
    dwx[j] = ((k & 1) === 0 ? -1 : 1) * wy * sx;
    dwy[j] = ((k & 2) === 0 ? -1 : 1) * wx * sy;
  };
  for (i = 0; i < m; i++) {
    bi = Math.floor(i / n);
    const p = shared ? i - bi * n : i; // a shared grid [N,2] is read for every image
    forEachCorner(gridToPixel(gridValues[2 * p]!, w), gridToPixel(gridValues[2 * p + 1]!, h), h, w, visit);
  }
  return { idx, w: wt, dwx, dwy };
}

/**
 * Differentiable core on a per-image grid `[B,N,2]` or a shared grid `[N,2]`. The corner rows are read
 * with `GatherNd` (no gradient of its own is needed here, and on wasm it is far faster than `GatherV2`);
 * only those rows `[4, B·N, C]` are kept for the backward pass, not the feature map, and the corner
 * coefficients stay on the host in the closure. A shared grid's gradient is the sum over the batch.
 */
const sampleBatched = tf.customGrad(((features: tf.Tensor, grid: tf.Tensor, save: tf.GradSaveFunc) => {
  const f = features as tf.Tensor4D;
  const [b, h, w, c] = f.shape;
  const shared = grid.rank === 2;
  const n = shared ? grid.shape[0]! : grid.shape[1]!;
  const m = b * n;
  const k = corners(grid.dataSync(), b, n, h, w, shared);
  const idx = tf.tensor2d(k.idx, [4 * m, 1], 'int32');
  const v = tf.reshape(tf.gatherND(tf.reshape(f, [b * h * w, c]), idx), [4, m, c]);
  const value = tf.reshape(tf.sum(tf.mul(v, tf.tensor3d(k.w, [4, m, 1])), 0), [b, n, c]);
  save([v]);
  const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
    const [sv] = saved as [tf.Tensor3D];
    const dy3 = tf.reshape(dy, [1, m, c]);
    // d features: scatter dy × weight onto each corner's pixel
    const contrib = tf.reshape(tf.mul(dy3, tf.tensor3d(k.w, [4, m, 1])), [4 * m, c]);
    // ScatterNd sums duplicate indices on every backend; UnsortedSegmentSum on cpu loops over all segments
    const dFeat = tf.reshape(tf.scatterND(tf.tensor2d(k.idx, [4 * m, 1], 'int32'), contrib, [b * h * w, c]), [b, h, w, c]);
    // d positions: Σ_corner ∂weight/∂position · ⟨dy, value at corner⟩
    const dots = tf.sum(tf.mul(sv, dy3), 2); // [4, m]
    const gx = tf.sum(tf.mul(dots, tf.tensor2d(k.dwx, [4, m])), 0);
    const gy = tf.sum(tf.mul(dots, tf.tensor2d(k.dwy, [4, m])), 0);
    const dGrid = tf.reshape(tf.stack([gx, gy], 1), [b, n, 2]);
    return [dFeat, shared ? tf.sum(dGrid, 0) : dGrid];
  };
  return { value, gradFunc };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (features: tf.Tensor4D, grid: tf.Tensor3D | tf.Tensor2D) => tf.Tensor3D;

/** Whether the backend in use registers both fused bilinear kernels of `FUSED_KERNELS` (`@sal/native` on wasm). */
export function hasFusedBilinearSample(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(FUSED_KERNELS.bilinearSample, backend) !== undefined && tf.getKernel(FUSED_KERNELS.bilinearSampleGrad, backend) !== undefined;
}

/**
 * The fused path: one kernel each way, the corners computed from the grid where it lives (no read-back to the host),
 * the same arithmetic and order of summation as the host path, so the same bits.
 */
const sampleFused = tf.customGrad(((features: tf.Tensor, grid: tf.Tensor, save: tf.GradSaveFunc) => {
  const value = tf.engine().runKernel(FUSED_KERNELS.bilinearSample, { features, grid }) as tf.Tensor3D;
  save([features, grid]);
  const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
    const [sf, sg] = saved as [tf.Tensor4D, tf.Tensor];
    return tf.engine().runKernel(FUSED_KERNELS.bilinearSampleGrad, { dy, features: sf, grid: sg }) as tf.Tensor[];
  };
  return { value, gradFunc };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (features: tf.Tensor4D, grid: tf.Tensor3D | tf.Tensor2D) => tf.Tensor3D;

/**
 * Sample `features` bilinearly at continuous positions.
 *
 * Positions are (x, y) = (width, height) in [-1, 1] with align-corners semantics: -1 and +1 are the centres
 * of the first and last pixel. Points outside the map read zeros (each missing corner contributes 0),
 * exactly as PyTorch's `grid_sample(..., align_corners=True, padding_mode='zeros')`.
 * Differentiable with respect to both `features` and `grid` on every backend (the feature gradient is a
 * `ScatterNd`, which sums duplicate indices). The corner indices are computed on the host from the
 * positions' values (a small synchronous read of the grid), except where the backend registers the fused kernels
 * ({@link hasFusedBilinearSample}): then one kernel each way computes them where the grid lives. Where a position sits exactly on a pixel centre
 * the position derivative is the one-sided one towards the next pixel, as PyTorch's.
 *
 * @param features `[B, H, W, C]`
 * @param grid `[B, N, 2]` per-image positions, or `[N, 2]` shared by every image of the batch
 * @returns `[B, N, C]`
 */
export function bilinearSample(features: tf.Tensor4D, grid: tf.Tensor3D | tf.Tensor2D): tf.Tensor3D {
  // (the fused kernels take maps of at least one pixel and channel: empty ones go through the host path)
  const nonEmpty = features instanceof tf.Tensor && features.rank === 4 && features.shape.slice(1).every((d) => d > 0);
  return run(WHERE, features, grid, nonEmpty && hasFusedBilinearSample() ? sampleFused : sampleBatched);
}

/**
 * {@link bilinearSample} through the host path whatever the backend registers (the portable path, and the reference
 * the fused kernels are tested against).
 * @returns `[B, N, C]`
 */
export function bilinearSampleHost(features: tf.Tensor4D, grid: tf.Tensor3D | tf.Tensor2D): tf.Tensor3D {
  return run(`${WHERE}Host`, features, grid, sampleBatched);
}

type Sampler = (features: tf.Tensor4D, grid: tf.Tensor3D | tf.Tensor2D) => tf.Tensor3D;

function run(where: string, features: tf.Tensor4D, grid: tf.Tensor3D | tf.Tensor2D, sample: Sampler): tf.Tensor3D {
  if (!(features instanceof tf.Tensor)) throw new TypeError(`${where}: features must be a tf.Tensor`);
  if (!(grid instanceof tf.Tensor)) throw new TypeError(`${where}: grid must be a tf.Tensor`);
  if (features.rank !== 4) throw new SalShapeError(`${where} features`, '[B,H,W,C]', features.shape);
  const b = features.shape[0];
  if (grid.rank === 2) {
    if (grid.shape[1] !== 2) throw new SalShapeError(`${where} grid`, '[N,2] or [B,N,2]', grid.shape);
  } else if (grid.rank === 3) {
    if (grid.shape[2] !== 2 || grid.shape[0] !== b) {
      throw new SalShapeError(`${where} grid`, [b, '*', 2], grid.shape, 'per-image grid must match the batch');
    }
  } else {
    throw new SalShapeError(`${where} grid`, '[N,2] or [B,N,2]', grid.shape);
  }
  return tf.tidy(() => {
    // float32 inputs are used as they are (a cast would copy the feature map)
    const f = (features.dtype === 'float32' ? features : tf.cast(features, 'float32')) as tf.Tensor4D;
    const g = (grid.dtype === 'float32' ? grid : tf.cast(grid, 'float32')) as tf.Tensor3D | tf.Tensor2D;
    return sample(f, g);
  });
}
