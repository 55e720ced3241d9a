/**
 * MEIs on windows: a neuron's response depends only on the input inside a window around its read point (see
 * `WindowedResponseModel`), so an MEI restricted to that window is optimised on the window alone, with the
 * windowed forward and backward passes the gradient receptive fields use. Many small windows make one pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, type WindowedResponseModel } from '@sal/types';
import { MEI_WHERE, fullRows, optimiseBatch, planMeis, stepTransforms, type MeiOptions, type MeiResult } from './mei.js';

const WHERE = 'mei.synthesizeMeisWindowed';

/**
 * MEIs restricted to each neuron's window: the same procedure as {@link synthesizeMeis} with the MEI masked to
 * the window (pixels outside it stay at the background, where they cannot change the response), computed on the
 * windows only. It equals `synthesizeMeis(model.predict, …)` with `mask` = each neuron's window box for
 * initialisations that are the background outside the window (`'grey'`, or an image init) and no blur or
 * Fourier filtering (which here stop at the window's border instead of spreading the gradient past it).
 * Read points come from `model.positions` on `base` (zeros by default). No `jitter` or `crop`.
 * @param model a windowed model, e.g. `windowedResponseModel(encoder, session)` or an ensemble's `windowedModel(session)`
 * @param inputShape `[H,W,C]` of the full model input
 * @returns full-size MEIs, as {@link synthesizeMeis}
 * @throws SalConfigError for `jitter`/`crop`, or channels that are not `model.windowChannels`
 */
export function synthesizeMeisWindowed(model: WindowedResponseModel, inputShape: readonly [number, number, number], opts?: MeiOptions): MeiResult {
  const m = model as unknown as Record<string, unknown> | null;
  if (m === null || typeof m !== 'object' || ['positions', 'respondAt', 'windowSize', 'windowOrigin', 'predict'].some((f) => typeof m[f] !== 'function')) {
    throw new TypeError(`${WHERE}: model must be a WindowedResponseModel (e.g. from @sal/train's windowedResponseModel)`);
  }
  const p = planMeis((x) => model.predict(x), inputShape, opts);
  const { o, h: H, w: W, c, neurons, channels, K } = p;
  if (o.jitter !== 0) throw new SalConfigError(WHERE, 'jitter', '0 (the windowed path has no jitter)', o.jitter);
  if (o.crop !== null) throw new SalConfigError(WHERE, 'crop', 'null (the windowed path has no random crops)', o.crop);
  for (const ch of channels) {
    if (!model.windowChannels.includes(ch))
      throw new SalConfigError(WHERE, 'channels', `channels among the model's windowChannels ${JSON.stringify(model.windowChannels)}`, ch);
  }
  const cs = channels.length;
  const P = o.perNeuron;
  const [sh, sw] = model.windowSize([H, W]);
  if (!Number.isInteger(sh) || !Number.isInteger(sw) || sh < 1 || sw < 1)
    throw new SalShapeError(`${WHERE}: model.windowSize`, '[S_h, S_w] positive integers', [sh, sw]);
  const out = new Float32Array(K * H * W * cs);
  const activations = new Float32Array(K);
  const alphaOut = o.transparency !== null ? new Float32Array(K * H * W) : null;
  const rowNeuron = new Int32Array(K),
    rowCopy = new Int32Array(K);
  for (let r = 0; r < K; r++) {
    rowNeuron[r] = neurons[Math.floor(r / P)]!;
    rowCopy[r] = r % P;
  }
  const perBatch = Math.max(1, Math.floor(o.batchSize / P));
  const proc = { o, channels, c, ...stepTransforms(o, sh, sw) };
  const nOut = model.outDims;

  for (let g0 = 0; g0 < neurons.length; g0 += perBatch) {
    const groups = Array.from({ length: Math.min(perBatch, neurons.length - g0) }, (_, i) => g0 + i);
    const k = groups.length * P;
    const r0 = g0 * P;
    const full = fullRows(o, H, W, c, channels, groups, rowNeuron, rowCopy, r0);
    // read points on each neuron's base input
    const G = groups.length;
    const bases = new Float32Array(G * H * W * c);
    for (let g = 0; g < G; g++) bases.set(full.baseRows.subarray(g * P * H * W * c, (g * P + 1) * H * W * c), g * H * W * c);
    const bt = tf.tensor4d(bases, [G, H, W, c]);
    let pos: Float64Array;
    try {
      pos = model.positions(bt);
    } finally {
      bt.dispose();
    }
    if (!(pos instanceof Float64Array) || pos.length !== G * nOut * 2)
      throw new SalShapeError(`${MEI_WHERE}: model.positions output`, `Float64Array(${G * nOut * 2})`, pos);
    const origins = new Int32Array(2 * k);
    const positions = new Float64Array(2 * k);
    const rowsNeurons = new Int32Array(k);
    for (let r = 0; r < k; r++) {
      const g = Math.floor(r / P);
      const n = rowNeuron[r0 + r]!;
      const px = pos[(g * nOut + n) * 2]!,
        py = pos[(g * nOut + n) * 2 + 1]!;
      const [oy, ox] = model.windowOrigin(px, py, [H, W]);
      origins[2 * r] = oy;
      origins[2 * r + 1] = ox;
      positions[2 * r] = px;
      positions[2 * r + 1] = py;
      rowsNeurons[r] = n;
    }
    // cut the windows (zeros and valid = 0 outside the image)
    const baseRows = new Float32Array(k * sh * sw * c);
    const initData = new Float32Array(k * sh * sw * cs);
    const maskData = full.maskData === null ? null : new Float32Array(k * sh * sw);
    const valid = new Float32Array(k * sh * sw);
    for (let r = 0; r < k; r++) {
      const oy = origins[2 * r]!,
        ox = origins[2 * r + 1]!;
      for (let i = 0; i < sh; i++) {
        const y = oy + i;
        if (y < 0 || y >= H) continue;
        for (let j = 0; j < sw; j++) {
          const x = ox + j;
          if (x < 0 || x >= W) continue;
          const wq = (r * sh + i) * sw + j,
            fq = (r * H + y) * W + x;
          valid[wq] = 1;
          baseRows.set(full.baseRows.subarray(fq * c, (fq + 1) * c), wq * c);
          initData.set(full.initData.subarray(fq * cs, (fq + 1) * cs), wq * cs);
          if (maskData !== null) maskData[wq] = full.maskData![fq]!;
        }
      }
    }
    const placement = { origins, imageSize: [H, W] as const };
    const respond = (x: tf.Tensor4D): tf.Tensor => model.respondAt(x, placement, rowsNeurons, positions);
    const res = optimiseBatch(proc, { k, h: sh, w: sw, baseRows, initData, maskData, valid, respond, rowNeuron, rowCopy });
    // paste: the background everywhere, the window where pixels exist
    for (let r = 0; r < k; r++) {
      const dst = (r0 + r) * H * W;
      for (let q = 0; q < H * W; q++) for (let e = 0; e < cs; e++) out[(dst + q) * cs + e] = full.baseRows[(r * H * W + q) * c + channels[e]!]!;
      const oy = origins[2 * r]!,
        ox = origins[2 * r + 1]!;
      for (let i = 0; i < sh; i++) {
        for (let j = 0; j < sw; j++) {
          const wq = (r * sh + i) * sw + j;
          if (!valid[wq]) continue;
          const fq = dst + (oy + i) * W + ox + j;
          for (let e = 0; e < cs; e++) out[fq * cs + e] = res.data[wq * cs + e]!;
          if (alphaOut !== null && res.alpha !== null) alphaOut[fq] = res.alpha[wq]!;
        }
      }
    }
    activations.set(res.activations, r0);
    o.onProgress?.(r0 + k, K);
  }
  return { data: out, shape: [K, H, W, cs], neurons: rowNeuron, copies: rowCopy, activations, alpha: alphaOut };
}
