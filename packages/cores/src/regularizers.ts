/** Weight regularisers of the cores. Kernels are tfjs-shaped `[kh, kw, in, out]`. */
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, checkNumber } from '@sal/types';

const LAPLACE = [0, -1, 0, -1, 4, -1, 0, -1, 0];

/**
 * Normalised Laplace smoothness (neuralpredictors `LaplaceL2norm`, `avg=False`): each of the in·out
 * single-channel `kh×kw` filters is convolved with the 3×3 Laplacian `[[0,-1,0],[-1,4,-1],[0,-1,0]]`
 * (zero padding `padding`, default 1) and the result is Σ(L∗w)² / Σw².
 * @param kernel `[kh, kw, in, out]`
 * @returns a scalar the caller owns
 */
export function laplaceL2Norm(kernel: tf.Tensor4D, opts: { padding?: number } = {}): tf.Scalar {
  if (kernel.rank !== 4) throw new SalShapeError('cores.laplaceL2Norm: kernel', '[kh,kw,in,out]', kernel.shape);
  const padding = checkNumber('cores.laplaceL2Norm', 'padding', opts.padding ?? 1, { min: 0, integer: true });
  const [kh, kw, cin, cout] = kernel.shape;
  if (kh + 2 * padding < 3 || kw + 2 * padding < 3) {
    throw new SalConfigError('cores.laplaceL2Norm', 'padding', `enough to fit a 3×3 Laplacian on ${kh}×${kw} filters`, padding);
  }
  return tf.tidy(() => {
    const filters = tf.reshape(tf.transpose(kernel, [2, 3, 0, 1]), [cin * cout, kh, kw, 1]) as tf.Tensor4D;
    const padded = padding > 0 ? tf.pad(filters, [[0, 0], [padding, padding], [padding, padding], [0, 0]]) : filters;
    const lap = tf.tensor4d(LAPLACE, [3, 3, 1, 1]);
    const conv = tf.conv2d(padded, lap, 1, 'valid');
    return tf.div(tf.sum(tf.square(conv)), tf.sum(tf.square(filters))) as tf.Scalar;
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
