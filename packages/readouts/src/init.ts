/**
 * Seeded parameter initialisers of the readouts. The shared ones (uniform, normal, Xavier/Glorot, fresh
 * variables) are `@sal/layers`'s; PyTorch's default conv initialisation is the readouts' own.
 */
import { uniformValues } from '@sal/layers';
import type { Rng } from '@sal/types';

export { newVariable, normalValues, uniformValues, xavierNormalKernel } from '@sal/layers';

/**
 * PyTorch's default `Conv2d` initialisation (kaiming-uniform with a = √5): weights and biases uniform in
 * ±1/√fanIn.
 */
export function torchDefaultConv(rng: Rng, k: number, cin: number, cout: number): { kernel: Float32Array; bias: Float32Array } {
  const bound = 1 / Math.sqrt(k * k * cin);
  return {
    kernel: uniformValues(rng, k * k * cin * cout, -bound, bound),
    bias: uniformValues(rng, cout, -bound, bound),
  };
}
