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
 * - `separableConv`: inputs `{ x [B,H,W,Ci], inKernel [1,1,Ci,C1], depthwise [k,k,C1,1], outKernel [1,1,C1,Co] }` and
 *   optionally `bias [Co]`, attrs `{ pad: 'same' | 'valid', activation: 'linear' | 'elu' }` → `y [B,Ho,Wo,Co]` =
 *   act(conv1×1(depthwise(conv1×1(x, inKernel), depthwise, stride 1, pad), outKernel) + bias): a depth-separable
 *   block in one pass (k odd for `'same'`). Forward only: callers register its gradient (`@sal/layers` does).
 * - `bilinearSample`: inputs `{ features [B,H,W,C], grid [B,N,2] or [N,2] }` (x, y in [-1, 1], align corners, zero
 *   padding) → `[B,N,C]`.
 * - `bilinearSampleGrad`: inputs `{ dy [B,N,C], features, grid }` → `[dFeatures [B,H,W,C], dGrid]` (dGrid has the
 *   grid's shape: a shared grid's is summed over the batch).
 * - `spdSolve`: inputs `{ a [n,n], b [n,m] }` (a symmetric positive definite; only its lower triangle is read), no
 *   attrs → `x [n,m]` with `a·x = b`. Throws an error whose message contains `not positive definite` otherwise.
 * - `fromFloat64`: no inputs, attrs `{ values: Float64Array, shape: number[] }` (values' length the shape's size) →
 *   a float32 tensor of that shape holding the values rounded to float32, written where the backend keeps it (no
 *   intermediate float32 copy on the host). Throws an error whose message contains `not finite at <index>` when a
 *   value's float32 is NaN or infinite (a non-finite value, or one beyond float32's range), creating no tensor.
 */
export const FUSED_KERNELS = Object.freeze({
  batchNormTrain: 'SalBatchNormTrain',
  batchNormTrainGrad: 'SalBatchNormTrainGrad',
  spdSolve: 'SalSpdSolve',
  fromFloat64: 'SalFromFloat64',
  separableConv: 'SalSeparableConv',
  bilinearSample: 'SalBilinearSample',
  bilinearSampleGrad: 'SalBilinearSampleGrad',
} as const);
