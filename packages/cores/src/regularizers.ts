/** Weight regularisers of the cores. Kernels are tfjs-shaped `[kh, kw, in, out]`. */
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, checkNumber } from '@sal/types';

const LAPLACE = [0, -1, 0, -1, 4, -1, 0, -1, 0];

/** (L∗w) for every single-channel filter of a `[kh,kw,in,out]` kernel, and the filters, as `[in·out, …, 1]`. */
function laplaceResponses(where: string, kernel: tf.Tensor4D, padding: number): { conv: tf.Tensor4D; filters: tf.Tensor4D } {
  const [kh, kw, cin, cout] = kernel.shape;
  if (kh + 2 * padding < 3 || kw + 2 * padding < 3) {
    throw new SalConfigError(where, 'padding', `enough to fit a 3×3 Laplacian on ${kh}×${kw} filters`, padding);
  }
  const filters = tf.reshape(tf.transpose(kernel, [2, 3, 0, 1]), [cin * cout, kh, kw, 1]) as tf.Tensor4D;
  const padded =
    padding > 0
      ? tf.pad(filters, [
          [0, 0],
          [padding, padding],
          [padding, padding],
          [0, 0],
        ])
      : filters;
  const lap = tf.tensor4d(LAPLACE, [3, 3, 1, 1]);
  return { conv: tf.conv2d(padded, lap, 1, 'valid'), filters };
}

/**
 * Normalised Laplace smoothness (neuralpredictors `LaplaceL2norm`, `avg=False`, the SE2dCore's): each of
 * the in·out single-channel `kh×kw` filters is convolved with the 3×3 Laplacian
 * `[[0,-1,0],[-1,4,-1],[0,-1,0]]` (zero padding `padding`, default 1) and the result is Σ(L∗w)² / Σw².
 * @param kernel `[kh, kw, in, out]`
 * @returns a scalar the caller owns
 */
export function laplaceL2Norm(kernel: tf.Tensor4D, opts: { padding?: number } = {}): tf.Scalar {
  const where = 'cores.laplaceL2Norm';
  if (kernel.rank !== 4) throw new SalShapeError(`${where}: kernel`, '[kh,kw,in,out]', kernel.shape);
  const padding = checkNumber(where, 'padding', opts.padding ?? 1, { min: 0, integer: true });
  return tf.tidy(() => {
    const { conv, filters } = laplaceResponses(where, kernel, padding);
    return tf.div(tf.sum(tf.square(conv)), tf.sum(tf.square(filters))) as tf.Scalar;
  });
}

/**
 * Unnormalised Laplace smoothness (neuralpredictors `LaplaceL2`): Σ(L∗w)²/2, or the mean over the
 * Laplacian outputs /2 with `avg` (what neuralpredictors' `Stacked2dCore` uses by default,
 * `use_avg_reg=True`).
 * @param kernel `[kh, kw, in, out]`
 * @returns a scalar the caller owns
 */
export function laplaceL2(kernel: tf.Tensor4D, opts: { padding?: number; avg?: boolean } = {}): tf.Scalar {
  const where = 'cores.laplaceL2';
  if (kernel.rank !== 4) throw new SalShapeError(`${where}: kernel`, '[kh,kw,in,out]', kernel.shape);
  const padding = checkNumber(where, 'padding', opts.padding ?? 1, { min: 0, integer: true });
  const avg = opts.avg ?? false;
  if (typeof avg !== 'boolean') throw new SalConfigError(where, 'avg', 'a boolean', avg);
  return tf.tidy(() => {
    const sq = tf.square(laplaceResponses(where, kernel, padding).conv);
    return tf.div(avg ? tf.mean(sq) : tf.sum(sq), 2) as tf.Scalar;
  });
}

/**
 * Group sparsity of a kernel (neuralpredictors `Stacked2dCore.group_sparsity`): the L2 norm of each
 * spatial `kh×kw` filter (one per input/output pair), averaged over the pairs.
 * @param kernel `[kh, kw, in, out]` (a depthwise kernel `[kh, kw, channels, 1]` works the same way)
 * @returns a scalar the caller owns
 */
export function groupSparsity(kernel: tf.Tensor4D): tf.Scalar {
  if (kernel.rank !== 4) throw new SalShapeError('cores.groupSparsity: kernel', '[kh,kw,in,out]', kernel.shape);
  return tf.tidy(() => tf.mean(tf.sqrt(tf.sum(tf.square(kernel), [0, 1]))) as tf.Scalar);
}
