/** The model shape MEIs are synthesised on (the same as `@sal/grf`'s `ResponseModel`). */
import type * as tf from '@tensorflow/tfjs-core';

/**
 * A response model in evaluation mode: inputs `[B,H,W,C]` → predicted responses `[B,N]`, rows independent
 * (no batch statistics, no sampling). E.g. `(x) => encoder.predict(x, session)` or an ensemble's
 * `responseModel(session)`.
 */
export type ResponseModel = (x: tf.Tensor4D) => tf.Tensor2D;
