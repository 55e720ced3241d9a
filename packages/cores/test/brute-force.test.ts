/** Whole small cores against plain-JS loop implementations of the same maths (float64). */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectArraysClose } from '@sal/test-utils';
import { resnetCore, stacked2dCore } from '../src/index.js';
import { arr, convRef, eluRef, idx, mapArr, maxPoolRef, randn, randValues, type Arr } from './helpers.js';

/** Give every trainable weight random values (biases and SE weights included) so nothing is trivially zero. */
function randomise(core: { getWeights(): Record<string, tf.Variable> }, seed: number): void {
  Object.entries(core.getWeights()).forEach(([_name, v], i) => {
    if (!v.trainable) return;
    tf.tidy(() => v.assign(tf.tensor(randValues(v.size, seed + i, 0.5), v.shape)));
  });
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

describe('stacked2dCore against brute force', () => {
  it('conv + bias + ELU, same-padded hidden conv, squeeze-and-excitation', () => {
    const C = 4;
    const core = stacked2dCore({
      inChannels: 2,
      hiddenChannels: C,
      inputKern: 3,
      hiddenKern: 3,
      layers: 2,
      batchNorm: false,
      bias: true,
      nSeBlocks: 1,
      seReduction: 2,
      stack: -1,
      seed: 3,
    });
    randomise(core, 100);
    const w = core.getWeights();
    const d = (n: string): Float32Array => w[n]!.dataSync() as Float32Array;
    const x = randn([2, 6, 5, 2], 7);
    const y = core.apply(x as tf.Tensor4D);

    const addBias = (a: Arr, b: Float32Array): Arr => ({ data: a.data.map((v, i) => v + b[i % a.shape[3]]!), shape: a.shape });
    const y0 = mapArr(addBias(convRef(arr(x), d('layer0.conv.kernel'), 3, 3, C, 0), d('layer0.conv.bias')), eluRef);
    const y1 = mapArr(addBias(convRef(y0, d('layer1.conv.kernel'), 3, 3, C, 1), d('layer1.conv.bias')), eluRef);
    // SE: global average pool → dense C→C/2 → ReLU → dense → sigmoid → scale
    const [B, H, W] = y1.shape;
    const k1 = d('layer1.se.dense1.kernel'),
      b1 = d('layer1.se.dense1.bias'),
      k2 = d('layer1.se.dense2.kernel'),
      b2 = d('layer1.se.dense2.bias');
    const M = C / 2;
    const out = new Float64Array(y1.data.length);
    for (let b = 0; b < B; b++) {
      const pooled = Array.from({ length: C }, (_, c) => {
        let s = 0;
        for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) s += y1.data[idx(y1.shape, b, i, j, c)]!;
        return s / (H * W);
      });
      const hidden = Array.from({ length: M }, (_, m) =>
        Math.max(
          0,
          pooled.reduce((s, p, c) => s + p * k1[c * M + m]!, b1[m]!),
        ),
      );
      const gate = Array.from({ length: C }, (_, c) => sigmoid(hidden.reduce((s, h, m) => s + h * k2[m * C + c]!, b2[c]!)));
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++)
          for (let c = 0; c < C; c++) {
            const k = idx(y1.shape, b, i, j, c);
            out[k] = y1.data[k]! * gate[c]!;
          }
    }
    expectArraysClose(y.dataSync(), out, 1e-4, 1e-5);
    tf.dispose([x, y]);
    core.dispose();
  });

  it('depth-separable hidden conv (1×1 → depthwise k×k → 1×1), skip and stack', () => {
    const C = 3;
    const core = stacked2dCore({
      hiddenChannels: C,
      inputKern: 2,
      hiddenKern: 3,
      layers: 3,
      depthSeparable: true,
      batchNorm: false,
      linear: true,
      nSeBlocks: 0,
      skip: 2,
      stack: [0, 2],
      seed: 5,
    });
    randomise(core, 200);
    const w = core.getWeights();
    const d = (n: string): Float32Array => w[n]!.dataSync() as Float32Array;
    const x = randn([1, 5, 6, 1], 8);
    const y = core.apply(x as tf.Tensor4D);
    const concat = (a: Arr, b: Arr): Arr => {
      const [B, H, W, ca] = a.shape,
        cb = b.shape[3];
      const out = new Float64Array(B * H * W * (ca + cb));
      for (let p = 0; p < B * H * W; p++) {
        for (let c = 0; c < ca; c++) out[p * (ca + cb) + c] = a.data[p * ca + c]!;
        for (let c = 0; c < cb; c++) out[p * (ca + cb) + ca + c] = b.data[p * cb + c]!;
      }
      return { data: out, shape: [B, H, W, ca + cb] };
    };
    const depthwise = (a: Arr, k: Float32Array): Arr => {
      // a depthwise conv is a full conv with a block-diagonal kernel
      const c = a.shape[3];
      const full = new Float64Array(9 * c * c);
      for (let t = 0; t < 9; t++) for (let ch = 0; ch < c; ch++) full[(t * c + ch) * c + ch] = k[t * c + ch]!;
      return convRef(a, full, 3, 3, c, 1);
    };
    const sep = (a: Arr, l: number): Arr =>
      convRef(
        depthwise(convRef(a, d(`layer${l}.conv.in.kernel`), 1, 1, C, 0), d(`layer${l}.conv.depthwise.kernel`)),
        d(`layer${l}.conv.out.kernel`),
        1,
        1,
        C,
        0,
      );
    const y0 = convRef(arr(x), d('layer0.conv.kernel'), 2, 2, C, 0);
    const y1 = sep(y0, 1); // skip 2 at layer 1: min(2, 1) = 1 previous output
    const y2 = sep(concat(y0, y1), 2); // layer 2 sees layers 0 and 1
    expectArraysClose(y.dataSync(), concat(y0, y2).data, 1e-4, 1e-5);
    tf.dispose([x, y]);
    core.dispose();
  });

  it('attention conv: per-channel softmax over the k×k window of q·(k + relative embedding), values weighted', () => {
    const C = 4,
      K = 3;
    const core = stacked2dCore({
      hiddenChannels: C,
      inputKern: 1,
      hiddenKern: K,
      layers: 2,
      attentionConv: true,
      batchNorm: false,
      linear: true,
      nSeBlocks: 0,
      stack: -1,
      seed: 6,
    });
    randomise(core, 300);
    const w = core.getWeights();
    const d = (n: string): Float32Array => w[n]!.dataSync() as Float32Array;
    const x = randn([2, 4, 5, 1], 9);
    const y = core.apply(x as tf.Tensor4D);
    const y0 = convRef(arr(x), d('layer0.conv.kernel'), 1, 1, C, 0);
    const q = convRef(y0, d('layer1.conv.query.kernel'), 1, 1, C, 0);
    const k = convRef(y0, d('layer1.conv.key.kernel'), 1, 1, C, 0);
    const v = convRef(y0, d('layer1.conv.value.kernel'), 1, 1, C, 0);
    const relH = d('layer1.conv.relH'),
      relW = d('layer1.conv.relW');
    const [B, H, W] = q.shape;
    const out = new Float64Array(q.data.length);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++)
          for (let c = 0; c < C; c++) {
            const logits: number[] = [],
              vals: number[] = [];
            for (let a = 0; a < K; a++)
              for (let e = 0; e < K; e++) {
                const ii = i + a - 1,
                  jj = j + e - 1;
                const inside = ii >= 0 && jj >= 0 && ii < H && jj < W;
                const key = inside ? k.data[idx(k.shape, b, ii, jj, c)]! : 0;
                const rel = c < C / 2 ? relH[c * K + a]! : relW[(c - C / 2) * K + e]!;
                logits.push(q.data[idx(q.shape, b, i, j, c)]! * (key + rel));
                vals.push(inside ? v.data[idx(v.shape, b, ii, jj, c)]! : 0);
              }
            const mx = Math.max(...logits);
            const ex = logits.map((l) => Math.exp(l - mx));
            const z = ex.reduce((s, t) => s + t, 0);
            out[idx(q.shape, b, i, j, c)] = ex.reduce((s, t, n) => s + (t / z) * vals[n]!, 0);
          }
    expectArraysClose(y.dataSync(), out, 1e-4, 1e-5);
    tf.dispose([x, y]);
    core.dispose();
  });

  it('finalNonlinearity=false drops only the last ELU; linear=true drops every ELU', () => {
    for (const [opts, eluFirst, eluLast] of [
      [{ finalNonlinearity: false }, true, false],
      [{ linear: true }, false, false],
      [{}, true, true],
    ] as const) {
      const C = 2;
      const core = stacked2dCore({ ...opts, hiddenChannels: C, inputKern: 2, hiddenKern: 3, layers: 2, batchNorm: false, nSeBlocks: 0, stack: -1, seed: 15 });
      randomise(core, 800);
      const d = (n: string): Float32Array => core.getWeights()[n]!.dataSync() as Float32Array;
      const x = randn([1, 5, 5, 1], 16, 2);
      const y = core.apply(x as tf.Tensor4D);
      let h = convRef(arr(x), d('layer0.conv.kernel'), 2, 2, C, 0);
      if (eluFirst) h = mapArr(h, eluRef);
      h = convRef(h, d('layer1.conv.kernel'), 3, 3, C, 1);
      if (eluLast) h = mapArr(h, eluRef);
      expectArraysClose(y.dataSync(), h.data, 1e-4, 1e-5);
      tf.dispose([x, y]);
      core.dispose();
    }
  });

  it('evaluation-mode batch-norm folded into plain (with bias) and depth-separable convs', () => {
    for (const depthSeparable of [false, true]) {
      const C = 3;
      const core = stacked2dCore({
        hiddenChannels: C,
        inputKern: 3,
        hiddenKern: 3,
        layers: 2,
        depthSeparable,
        bias: true,
        nSeBlocks: 0,
        stack: null,
        seed: 12,
      });
      randomise(core, 400);
      const w = core.getWeights();
      // non-trivial running statistics
      for (const l of [0, 1]) {
        tf.tidy(() => {
          w[`layer${l}.bn.runningMean`]!.assign(tf.tensor1d(randValues(C, 500 + l)));
          w[`layer${l}.bn.runningVar`]!.assign(tf.tensor1d(Array.from(randValues(C, 600 + l), (v) => 0.2 + v * v)));
        });
      }
      const d = (n: string): Float32Array => w[n]!.dataSync() as Float32Array;
      const bnEval = (a: Arr, l: number): Arr => {
        const g = d(`layer${l}.bn.gamma`),
          b = d(`layer${l}.bn.beta`),
          m = d(`layer${l}.bn.runningMean`),
          v = d(`layer${l}.bn.runningVar`);
        return {
          data: a.data.map((t, i) => {
            const c = i % C;
            return ((t - m[c]!) / Math.sqrt(v[c]! + 1e-5)) * g[c]! + b[c]!;
          }),
          shape: a.shape,
        };
      };
      const addBias = (a: Arr, b: Float32Array): Arr => ({ data: a.data.map((v, i) => v + b[i % a.shape[3]]!), shape: a.shape });
      const x = randn([2, 7, 6, 1], 13);
      const y = core.apply(x as tf.Tensor4D);
      const y0 = mapArr(bnEval(addBias(convRef(arr(x), d('layer0.conv.kernel'), 3, 3, C, 0), d('layer0.conv.bias')), 0), eluRef);
      let c1: Arr;
      if (depthSeparable) {
        const a = convRef(y0, d('layer1.conv.in.kernel'), 1, 1, C, 0);
        const dw = d('layer1.conv.depthwise.kernel');
        const full = new Float64Array(9 * C * C);
        for (let t = 0; t < 9; t++) for (let ch = 0; ch < C; ch++) full[(t * C + ch) * C + ch] = dw[t * C + ch]!;
        c1 = convRef(convRef(a, full, 3, 3, C, 1), d('layer1.conv.out.kernel'), 1, 1, C, 0);
      } else {
        c1 = addBias(convRef(y0, d('layer1.conv.kernel'), 3, 3, C, 1), d('layer1.conv.bias'));
      }
      const y1 = mapArr(bnEval(c1, 1), eluRef);
      const expected = new Float64Array(y0.data.length * 2);
      for (let p = 0; p < y0.data.length / C; p++)
        for (let c = 0; c < C; c++) {
          expected[p * 2 * C + c] = y0.data[p * C + c]!;
          expected[p * 2 * C + C + c] = y1.data[p * C + c]!;
        }
      expectArraysClose(y.dataSync(), expected, 1e-4, 1e-5);
      tf.dispose([x, y]);
      core.dispose();
    }
  });
});

describe('resnetCore against brute force', () => {
  it('strided stem, −∞-padded max-pool, identity and projection shortcuts, final batch-norm (eval, ELU)', () => {
    const core = resnetCore({ stemChannels: 2, stemKern: 3, stemStride: 2, stageChannels: [2, 3], blocksPerStage: 1, activation: 'elu', seed: 1 });
    randomise(core, 700);
    const w = core.getWeights();
    // non-trivial running statistics
    Object.entries(w).forEach(([name, v], i) => {
      if (name.endsWith('runningMean')) tf.tidy(() => v.assign(tf.tensor(randValues(v.size, 900 + i, 0.3), v.shape)));
      if (name.endsWith('runningVar'))
        tf.tidy(() =>
          v.assign(
            tf.tensor(
              Array.from(randValues(v.size, 900 + i), (t) => 0.5 + t * t),
              v.shape,
            ),
          ),
        );
    });
    const d = (n: string): Float32Array => w[n]!.dataSync() as Float32Array;
    const x = randn([2, 9, 10, 1], 14);
    const y = core.apply(x as tf.Tensor4D);
    const bn = (a: Arr, name: string): Arr => {
      const g = d(`${name}.gamma`),
        b = d(`${name}.beta`),
        m = d(`${name}.runningMean`),
        v = d(`${name}.runningVar`),
        c = a.shape[3];
      return { data: a.data.map((t, i) => ((t - m[i % c]!) / Math.sqrt(v[i % c]! + 1e-5)) * g[i % c]! + b[i % c]!), shape: a.shape };
    };
    const add = (a: Arr, b: Arr): Arr => ({ data: a.data.map((t, i) => t + b.data[i]!), shape: a.shape });
    const cb = (a: Arr, name: string, k: number, cout: number, stride: number): Arr =>
      bn(convRef(a, d(`${name}.kernel`), k, k, cout, k >> 1, stride), `${name}.bn`);
    let h = mapArr(cb(arr(x), 'stem', 3, 2, 2), eluRef); // 9×10 → 5×5
    h = maxPoolRef(h, 3, 2, 1); // → 3×3
    h = mapArr(add(cb(mapArr(cb(h, 'stage0.block0.conv1', 3, 2, 1), eluRef), 'stage0.block0.conv2', 3, 2, 1), h), eluRef);
    const sc = cb(h, 'stage1.block0.shortcut', 1, 3, 2); // → 2×2
    h = mapArr(add(cb(mapArr(cb(h, 'stage1.block0.conv1', 3, 3, 2), eluRef), 'stage1.block0.conv2', 3, 3, 1), sc), eluRef);
    h = mapArr(bn(h, 'final.bn'), eluRef);
    expect(y.shape).toEqual(h.shape);
    expectArraysClose(y.dataSync(), h.data, 1e-4, 1e-5);
    tf.dispose([x, y]);
    core.dispose();
  });
});
