/**
 * Names of optional fused kernels: a backend extension may register them (`@sal/native` does, on the wasm
 * backend), and packages call them through `tf.engine().runKernel` when `tf.getKernel(name, backend)` finds them,
 * else compute the same thing from tfjs ops. The names and tensor contracts live here so that neither side
 * imports the other.
 *
 * - `batchNormTrain`: inputs `{ x [B,H,W,C], gamma [C], beta [C] }`, attrs `{ epsilon, activation: 'linear' | 'elu' }`
 *   → `[y [B,H,W,C], mean [C], variance [C]]`: training-mode batch-norm over B·H·W (biased variance), then the
 *   activation.
 * - `batchNormTrainGrad`: inputs `{ dy, x, y, gamma, mean, variance }` (y, mean, variance from `batchNormTrain`),
 *   same attrs → `[dx, dgamma, dbeta]`.
 * - `spdSolve`: inputs `{ a [n,n], b [n,m] }` (a symmetric positive definite; only its lower triangle is read), no
 *   attrs → `x [n,m]` with `a·x = b`. Throws an error whose message contains `not positive definite` otherwise.
 */
export const FUSED_KERNELS = Object.freeze({
  batchNormTrain: 'SalBatchNormTrain',
  batchNormTrainGrad: 'SalBatchNormTrainGrad',
  spdSolve: 'SalSpdSolve',
} as const);
