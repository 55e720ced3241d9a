/**
 * An encoder's session model as a {@link WindowedResponseModel}: the response of neuron n on image i computed
 * from a window of the input around the neuron's read point, for gradient receptive fields on windows.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalShapeError, type SessionKey, type WindowPlacement, type WindowedResponseModel } from '@sal/types';
import { selectChannels, type Encoder } from './encoder.js';

const WHERE = 'train.windowedResponseModel';

/**
 * The evaluation-mode model of one session of `encoder` evaluated on windows. Exact (equal to
 * `encoder.predict` up to float rounding) when:
 * - the core has a `receptiveRadius` (local, stride 1, no global operations such as squeeze-and-excitation);
 * - the readout reads each neuron at one point (`readPositions` and `applyAt`: the Gaussian and
 *   saliency-shifter readouts, not the attention readout);
 * - gradients are taken only for `windowChannels`: the core's input channels that do not also feed the
 *   readout's context. A shift computed from the context (the saliency shifter) is computed once on the
 *   whole image, so it is exact for channels that reach the response through the core only.
 *
 * Windows are `2r + 2` pixels wide around the 2×2 feature pixels each neuron reads (r = the core's radius).
 * Cores with `applyWindows` compute just what those need (windows may reach past the image); other cores run
 * `apply` on crops held inside the image so that its borders stay real borders.
 * @throws SalConfigError naming the part that prevents windowing
 */
export function windowedResponseModel(encoder: Encoder, sessionKey: SessionKey): WindowedResponseModel {
  if (encoder === null || typeof encoder !== 'object' || typeof encoder.predict !== 'function') throw new TypeError(`${WHERE}: encoder must be an Encoder`);
  const readout = encoder.readouts[sessionKey];
  if (!readout) throw new SalConfigError(WHERE, 'sessionKey', `one of ${encoder.sessionKeys.map((k) => `'${k}'`).join(', ')}`, sessionKey);
  const { core, routing, eluOffset } = encoder;
  const r = core.receptiveRadius;
  if (typeof r !== 'number') {
    throw new SalConfigError(WHERE, 'encoder.core', 'a core with a receptiveRadius (local, stride 1, no squeeze-and-excitation or pooling)', core.kind);
  }
  if (typeof readout.readPositions !== 'function' || typeof readout.applyAt !== 'function') {
    throw new SalConfigError(
      WHERE,
      `encoder.readouts['${sessionKey}']`,
      'a readout that reads each neuron at one point (readPositions and applyAt)',
      readout.kind,
    );
  }
  const readPositions = readout.readPositions.bind(readout);
  const applyAt = readout.applyAt.bind(readout);
  const applyWindows = core.applyWindows?.bind(core);
  const usesContext = readout.contextChannels > 0;
  const contextInputs: readonly number[] =
    !usesContext || routing.context === 'ones' || routing.context === 'none'
      ? []
      : routing.context === 'image'
        ? [routing.imageChannel]
        : (routing.context as readonly number[]);
  const windowChannels = Object.freeze(routing.core.filter((ch) => !contextInputs.includes(ch)));
  const side = 2 * r + 2;

  /** Offset o between feature-map and input pixels for images of this size (checked against the readout). */
  const offsetFor = (h: number, w: number): number => {
    const [fh, fw] = core.computeOutputShape([h, w, core.inChannels]);
    const o = (h - fh) / 2;
    if (!Number.isInteger(o) || (w - fw) / 2 !== o) {
      throw new SalShapeError(`${WHERE}: core output`, `a map smaller than the input by the same even amount on both axes`, [
        [h, w],
        [fh, fw],
      ]);
    }
    if (readout.inShape[0] !== fh || readout.inShape[1] !== fw) {
      throw new SalShapeError(`${WHERE}: images`, `images whose features match the readout's inShape ${JSON.stringify(readout.inShape)}`, [h, w]);
    }
    return o;
  };

  const context = (x: tf.Tensor4D): tf.Tensor4D | undefined => {
    if (!usesContext) return undefined;
    const [b, h, w] = x.shape;
    const n = readout.contextChannels;
    if (routing.context === 'ones') return tf.ones([b, h, w, n]);
    if (routing.context === 'image') return tf.tile(selectChannels(x, [routing.imageChannel]), [1, 1, 1, n]);
    return selectChannels(x, routing.context as readonly number[]);
  };

  const size = (imageSize: readonly [number, number]): [number, number] =>
    applyWindows ? [side, side] : [Math.min(side, imageSize[0]), Math.min(side, imageSize[1])];

  return {
    outDims: readout.outDims,
    windowChannels,
    predict: (x) => encoder.predict(x, sessionKey, { training: false }),
    positions(images) {
      if (!(images instanceof tf.Tensor) || images.rank !== 4)
        throw new SalShapeError(`${WHERE}.positions: images`, '[B,H,W,C]', images instanceof tf.Tensor ? images.shape : images);
      const [b, h, w] = images.shape;
      const o = offsetFor(h, w);
      const ctx = tf.tidy(() => context(images));
      try {
        const pos = readPositions(b, ctx ? { context: ctx } : {});
        for (let i = 0; i < pos.length; i++) pos[i]! += o;
        return pos;
      } finally {
        ctx?.dispose();
      }
    },
    windowSize: (imageSize) => size(imageSize),
    windowOrigin(x, y, imageSize) {
      const oy = Math.floor(y) - r;
      const ox = Math.floor(x) - r;
      if (applyWindows) return [oy, ox];
      const [sh, sw] = size(imageSize);
      return [Math.min(Math.max(oy, 0), imageSize[0] - sh), Math.min(Math.max(ox, 0), imageSize[1] - sw)];
    },
    respondAt(windows: tf.Tensor4D, placement: WindowPlacement, neurons: Int32Array, positions: Float64Array): tf.Tensor1D {
      if (!(windows instanceof tf.Tensor) || windows.rank !== 4)
        throw new SalShapeError(`${WHERE}.respondAt: windows`, '[P,S_h,S_w,C]', windows instanceof tf.Tensor ? windows.shape : windows);
      const p = windows.shape[0];
      if (!(positions instanceof Float64Array) || positions.length !== 2 * p)
        throw new SalShapeError(`${WHERE}.respondAt: positions`, `Float64Array(${2 * p})`, positions);
      const { origins, imageSize } = placement;
      // read points relative to each window's feature map: applyWindows maps window pixel r + i to feature
      // pixel i; apply on an in-image crop maps crop feature pixel i to input pixel origin + o + i
      const shift = applyWindows ? r : offsetFor(imageSize[0], imageSize[1]);
      const rel = new Float64Array(2 * p);
      for (let k = 0; k < p; k++) {
        rel[2 * k] = positions[2 * k]! - origins[2 * k + 1]! - shift;
        rel[2 * k + 1] = positions[2 * k + 1]! - origins[2 * k]! - shift;
      }
      return tf.tidy(() => {
        const x = selectChannels(windows, routing.core);
        const feats = applyWindows ? applyWindows(x, placement) : core.apply(x, { training: false });
        const y = applyAt(feats, neurons, rel);
        return tf.add(tf.elu(tf.add(y, eluOffset)), 1) as tf.Tensor1D;
      });
    },
  };
}
