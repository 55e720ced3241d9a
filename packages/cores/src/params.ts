/**
 * A named store of the variables of one module: creation from a seed (Xavier-normal, uniform, constants),
 * stable names, disposal. Variable names given to tfjs are left to tfjs (they must be globally unique);
 * the stable names live in this store.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, type Rng } from '@sal/types';
import { convFans, normalValues, xavierNormalValues } from '@sal/layers';

/** Variables of one module keyed by stable names. */
export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = createRng(seed);
  }

  /** The random stream of parameter `name` (independent of creation order). */
  stream(name: string): Rng {
    return this.rng.child(name);
  }

  add(name: string, values: Float32Array, shape: number[], trainable = true): tf.Variable {
    if (this.vars.has(name)) throw new Error(`cores: duplicate parameter name '${name}'`);
    const v = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), trainable));
    this.vars.set(name, v);
    return v;
  }

  /**
   * A convolution kernel `[kh, kw, inPerGroup, outOrMultiplier]` with Xavier-normal values. `fanIn` and
   * `fanOut` follow PyTorch: fanIn = inPerGroup·kh·kw, fanOut = outChannels·kh·kw
   * (a depthwise kernel `[k, k, C, 1]` has `inPerGroup` 1).
   */
  convKernel(name: string, shape: [number, number, number, number], outChannels: number, inPerGroup = shape[2]): tf.Variable {
    const { fanIn, fanOut } = convFans(shape[0], shape[1], inPerGroup, outChannels);
    const size = shape.reduce((a, b) => a * b, 1);
    return this.add(name, xavierNormalValues(this.stream(name), size, fanIn, fanOut), shape);
  }

  /** PyTorch `nn.Linear` default init: U(-1/√fanIn, 1/√fanIn) for kernel and bias. */
  uniform(name: string, shape: number[], fanIn: number): tf.Variable {
    const bound = 1 / Math.sqrt(fanIn);
    const r = this.stream(name);
    const size = shape.reduce((a, b) => a * b, 1);
    return this.add(
      name,
      Float32Array.from({ length: size }, () => (2 * r.next() - 1) * bound),
      shape,
    );
  }

  normal(name: string, shape: number[], std = 1): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    return this.add(name, normalValues(this.stream(name), size, std), shape);
  }

  constant(name: string, shape: number[], value: number, trainable = true): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    return this.add(name, new Float32Array(size).fill(value), shape, trainable);
  }

  /** A fresh record of every variable, in creation order. */
  record(): Record<string, tf.Variable> {
    return Object.fromEntries(this.vars);
  }

  get disposed(): boolean {
    return this.isDisposed;
  }

  private isDisposed = false;

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.isDisposed = true;
  }
}
