/**
 * Bilinear sampling of a feature map at continuous positions, with gradients to the features and to the
 * positions: PyTorch's `F.grid_sample(..., mode='bilinear', padding_mode='zeros', align_corners=True)` in NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalShapeError } from '@sal/types';

const WHERE = 'readouts.bilinearSample';

/** Corner indices and weights of every sample point; all tensors are new and owned by the caller. */
interface Corners {
  /** Flat row indices into `[B*H*W, C]`, one `[B*N]` int32 tensor per corner (00, 01, 10, 11 as (y, x)). */
  idx: tf.Tensor1D[];
  /** Bilinear weight × in-bounds mask, one `[B*N, 1]` tensor per corner. */
  w: tf.Tensor2D[];
  /** In-bounds masks `[B*N, 1]` per corner. */
  valid: tf.Tensor2D[];
  /** Fractional parts `[B*N, 1]`: fx = px - x0, fy = py - y0. */
  fx: tf.Tensor2D;
  fy: tf.Tensor2D;
}

/**
 * Corner indices and weights. Only forward-mode computations on the positions' values: the integer
 * indices never reach the gradient tape (this runs inside `tf.customGrad`).
 */
function corners(grid: tf.Tensor3D, h: number, w: number): Corners {
  const [b, n] = grid.shape;
  const flat = tf.reshape(grid, [b * n, 2]);
  const gx = tf.slice(flat, [0, 0], [-1, 1]);
  const gy = tf.slice(flat, [0, 1], [-1, 1]);
  // align corners: -1 → centre of pixel 0, +1 → centre of pixel size-1
  const px = tf.mul(tf.add(gx, 1), (w - 1) / 2);
  const py = tf.mul(tf.add(gy, 1), (h - 1) / 2);
  const x0f = tf.floor(px);
  const y0f = tf.floor(py);
  const fx = tf.sub(px, x0f) as tf.Tensor2D;
  const fy = tf.sub(py, y0f) as tf.Tensor2D;
  // index arithmetic in float32 (exact below 2^24), cast to int32 once
  const base = tf.reshape(tf.mul(tf.range(0, b, 1, 'float32'), h * w), [b, 1]);
  const baseFlat = tf.reshape(tf.tile(base, [1, n]), [b * n, 1]);
  const idx: tf.Tensor1D[] = [];
  const wts: tf.Tensor2D[] = [];
  const valid: tf.Tensor2D[] = [];
  for (const dy of [0, 1]) {
    for (const dx of [0, 1]) {
      const xi = tf.add(x0f, dx);
      const yi = tf.add(y0f, dy);
      const ok = tf.cast(
        tf.logicalAnd(
          tf.logicalAnd(tf.greaterEqual(xi, 0), tf.lessEqual(xi, w - 1)),
          tf.logicalAnd(tf.greaterEqual(yi, 0), tf.lessEqual(yi, h - 1)),
        ),
        'float32',
      ) as tf.Tensor2D;
      const xc = tf.clipByValue(xi, 0, w - 1);
      const yc = tf.clipByValue(yi, 0, h - 1);
      const lin = tf.add(baseFlat, tf.add(tf.mul(yc, w), xc));
      idx.push(tf.cast(tf.reshape(lin, [b * n]), 'int32') as tf.Tensor1D);
      const wxk = dx === 0 ? tf.sub(1, fx) : fx;
      const wyk = dy === 0 ? tf.sub(1, fy) : fy;
      wts.push(tf.mul(tf.mul(wxk, wyk), ok) as tf.Tensor2D);
      valid.push(ok);
    }
  }
  return { idx, w: wts, valid, fx, fy };
}

/** Differentiable core on a per-image grid `[B,N,2]`. */
const sampleBatched = tf.customGrad(((features: tf.Tensor, grid: tf.Tensor, save: tf.GradSaveFunc) => {
  const f = features as tf.Tensor4D;
  const g = grid as tf.Tensor3D;
  const [b, h, w, c] = f.shape;
  const n = g.shape[1];
  save([f, g]);
  const value = tf.tidy(() => {
    const flat = tf.reshape(f, [b * h * w, c]);
    const k = corners(g, h, w);
    let acc: tf.Tensor = tf.zeros([b * n, c]);
    for (let i = 0; i < 4; i++) acc = tf.add(acc, tf.mul(tf.gather(flat, k.idx[i]!), k.w[i]!));
    return tf.reshape(acc, [b, n, c]);
  });
  const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
    const [sf, sg] = saved as [tf.Tensor4D, tf.Tensor3D];
    const [bb, hh, ww, cc] = sf.shape;
    const nn = sg.shape[1];
    const flat = tf.reshape(sf, [bb * hh * ww, cc]);
    const dyFlat = tf.reshape(dy, [bb * nn, cc]);
    const k = corners(sg, hh, ww);
    // d features: scatter dy × weight onto each corner's pixel
    const allIdx = tf.concat(k.idx, 0);
    const allVals = tf.concat(k.w.map((wk) => tf.mul(dyFlat, wk)), 0);
    const dFeat = tf.reshape(tf.unsortedSegmentSum(allVals, allIdx, bb * hh * ww), [bb, hh, ww, cc]);
    // d positions: derivative of the bilinear form with respect to the fractional coordinates
    const v = k.idx.map((ix, i) => tf.mul(tf.gather(flat, ix), k.valid[i]!));
    const [v00, v01, v10, v11] = v as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const oneMinusFy = tf.sub(1, k.fy);
    const oneMinusFx = tf.sub(1, k.fx);
    const dVdFx = tf.add(tf.mul(tf.sub(v01, v00), oneMinusFy), tf.mul(tf.sub(v11, v10), k.fy));
    const dVdFy = tf.add(tf.mul(tf.sub(v10, v00), oneMinusFx), tf.mul(tf.sub(v11, v01), k.fx));
    const gx = tf.mul(tf.sum(tf.mul(dyFlat, dVdFx), 1, true), (ww - 1) / 2);
    const gy = tf.mul(tf.sum(tf.mul(dyFlat, dVdFy), 1, true), (hh - 1) / 2);
    const dGrid = tf.reshape(tf.concat([gx, gy], 1), [bb, nn, 2]);
    return [dFeat, dGrid];
  };
  return { value, gradFunc };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (features: tf.Tensor4D, grid: tf.Tensor3D) => tf.Tensor3D;

/**
 * Sample `features` bilinearly at continuous positions.
 *
 * Positions are (x, y) = (width, height) in [-1, 1] with align-corners semantics: -1 and +1 are the centres
 * of the first and last pixel. Points outside the map read zeros (each missing corner contributes 0),
 * exactly as PyTorch's `grid_sample(..., align_corners=True, padding_mode='zeros')`.
 * Differentiable with respect to both `features` and `grid` (on every backend; the feature gradient uses
 * `UnsortedSegmentSum`).
 *
 * @param features `[B, H, W, C]`
 * @param grid `[B, N, 2]` per-image positions, or `[N, 2]` shared by every image of the batch
 * @returns `[B, N, C]`
 */
export function bilinearSample(features: tf.Tensor4D, grid: tf.Tensor3D | tf.Tensor2D): tf.Tensor3D {
  if (!(features instanceof tf.Tensor)) throw new TypeError(`${WHERE}: features must be a tf.Tensor`);
  if (!(grid instanceof tf.Tensor)) throw new TypeError(`${WHERE}: grid must be a tf.Tensor`);
  if (features.rank !== 4) throw new SalShapeError(`${WHERE} features`, '[B,H,W,C]', features.shape);
  const b = features.shape[0];
  if (grid.rank === 2) {
    if (grid.shape[1] !== 2) throw new SalShapeError(`${WHERE} grid`, '[N,2] or [B,N,2]', grid.shape);
  } else if (grid.rank === 3) {
    if (grid.shape[2] !== 2 || grid.shape[0] !== b) {
      throw new SalShapeError(`${WHERE} grid`, [b, '*', 2], grid.shape, 'per-image grid must match the batch');
    }
  } else {
    throw new SalShapeError(`${WHERE} grid`, '[N,2] or [B,N,2]', grid.shape);
  }
  return tf.tidy(() => {
    const f = tf.cast(features, 'float32') as tf.Tensor4D;
    const g = tf.cast(grid, 'float32') as tf.Tensor;
    const g3 = (g.rank === 2 ? tf.broadcastTo(tf.expandDims(g, 0), [b, g.shape[0]!, 2]) : g) as tf.Tensor3D;
    return sampleBatched(f, g3);
  });
}
