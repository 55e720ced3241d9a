/** Variables made from freshly built tensors. */
import * as tf from '@tensorflow/tfjs-core';

/** A variable from a freshly made tensor, without keeping that tensor alive (`tf.variable` would): `initial` is disposed. */
export function newVariable(initial: tf.Tensor, trainable: boolean): tf.Variable {
  const v = tf.variable(initial, trainable);
  initial.dispose();
  return v;
}
