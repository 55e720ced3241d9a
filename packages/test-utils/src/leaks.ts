import * as tf from '@tensorflow/tfjs-core';

/**
 * Run `fn` and check that the number of live tensors afterwards equals the count before plus the
 * tensors `fn` returned (counted through arrays and plain objects). Returns what `fn` returned; the
 * caller owns it.
 */
export function expectNoLeaks<T>(fn: () => T, label = 'function'): T {
  const before = tf.memory().numTensors;
  const out = fn();
  const returned = countTensors(out);
  const after = tf.memory().numTensors;
  if (after !== before + returned) {
    throw new Error(`${label} leaked ${after - before - returned} tensor(s): ${before} before, ${after} after, ${returned} returned`);
  }
  return out;
}

/** Async variant of {@link expectNoLeaks}. */
export async function expectNoLeaksAsync<T>(fn: () => Promise<T>, label = 'function'): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const returned = countTensors(out);
  const after = tf.memory().numTensors;
  if (after !== before + returned) {
    throw new Error(`${label} leaked ${after - before - returned} tensor(s): ${before} before, ${after} after, ${returned} returned`);
  }
  return out;
}

/** Number of distinct tensors reachable in `value` through arrays and plain objects. */
export function countTensors(value: unknown, seen: Set<unknown> = new Set()): number {
  if (value === null || typeof value !== 'object' || seen.has(value)) return 0;
  seen.add(value);
  if (value instanceof tf.Tensor) return value.isDisposed ? 0 : 1;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countTensors(v, seen), 0);
  if (Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).reduce((n: number, v) => n + countTensors(v, seen), 0);
  }
  return 0;
}
