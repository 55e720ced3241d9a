/**
 * Registers tfjs-core's gradients. `@tensorflow/tfjs-core` alone registers none (the umbrella
 * `@tensorflow/tfjs` does); without them `tf.grad` fails with "gradient function not found".
 */
import { TFJS_CORE_VERSION } from '../vendor/tfjs-gradients.js';
import { version_core } from '@tensorflow/tfjs-core';

/** Version of tfjs-core the gradient bundle was made from, and the one installed. */
export function gradientBundleVersions(): { bundled: string; installed: string } {
  return { bundled: TFJS_CORE_VERSION, installed: version_core };
}
