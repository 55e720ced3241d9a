import * as tf from '@tensorflow/tfjs-core';

/** Adam with PyTorch's conventions: bias-corrected moments, `eps` added to `sqrt(v̂)`, L2 weight decay added to the gradient. */
export interface AdamState {
  /** Steps taken. */
  step: number;
  /** First and second moments per weight name (kept tensors the optimiser owns). */
  m: Record<string, tf.Tensor>;
  v: Record<string, tf.Tensor>;
}

export const ADAM_BETAS = Object.freeze({ beta1: 0.9, beta2: 0.999, eps: 1e-8 });

export function createAdamState(): AdamState {
  return { step: 0, m: {}, v: {} };
}

/** One Adam step on `weights` with `grads` (same names). Updates `state` in place; disposes replaced moments. */
export function adamStep(state: AdamState, weights: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>, lr: number, weightDecay: number): void {
  const { beta1, beta2, eps } = ADAM_BETAS;
  state.step += 1;
  const c1 = 1 - beta1 ** state.step,
    c2 = 1 - beta2 ** state.step;
  for (const [name, g0] of Object.entries(grads)) {
    const w = weights[name]!;
    const prevM = state.m[name],
      prevV = state.v[name];
    const [m, v] = tf.tidy(() => {
      const g = weightDecay > 0 ? tf.add(g0, tf.mul(w, weightDecay)) : g0;
      const m1 = prevM ? tf.add(tf.mul(prevM, beta1), tf.mul(g, 1 - beta1)) : tf.mul(g, 1 - beta1);
      const v1 = prevV ? tf.add(tf.mul(prevV, beta2), tf.mul(tf.square(g), 1 - beta2)) : tf.mul(tf.square(g), 1 - beta2);
      const upd = tf.div(tf.mul(m1, lr / c1), tf.add(tf.sqrt(tf.div(v1, c2)), eps));
      w.assign(tf.sub(w, upd));
      return [m1, v1];
    });
    prevM?.dispose();
    prevV?.dispose();
    state.m[name] = m!;
    state.v[name] = v!;
  }
}

export function disposeAdamState(state: AdamState): void {
  tf.dispose([...Object.values(state.m), ...Object.values(state.v)]);
  state.m = {};
  state.v = {};
}
