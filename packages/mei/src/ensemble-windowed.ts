/**
 * The mean of several windowed response models as one {@link WindowedResponseModel}: each member reads a
 * neuron at its own point, so the ensemble's window is the members' window widened by `spread` pixels on each
 * side, and each member gets its own window cut out of it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SalConfigError, SalDataError, SalShapeError, checkNumber, resolveOptions, type WindowPlacement, type WindowedResponseModel } from '@sal/types';

/** Options of {@link ensembleWindowedModel}. */
export interface EnsembleWindowedOptions {
  /**
   * Largest distance in input pixels, along each axis, between a member's read point of a neuron and the
   * ensemble's (the members' mean). The windows grow by `ceil(spread) + 1` pixels on each side;
   * `positions` throws a SalDataError when the members read further apart. @default 4
   */
  spread?: number;
  /** Read points remembered for `respondAt` (oldest forgotten first). @default 1048576 */
  remember?: number;
}

/** Defaults of {@link EnsembleWindowedOptions}. */
export const ENSEMBLE_WINDOWED_DEFAULTS: Readonly<Required<EnsembleWindowedOptions>> = Object.freeze({ spread: 4, remember: 1 << 20 });

const WHERE = 'mei.ensembleWindowedModel';

/**
 * The mean of `members` evaluated on windows. `positions(images)` returns the mean of the members' read
 * points and remembers each member's own point for every (neuron, mean point) pair, so `respondAt` must be
 * called with read points that this model's `positions` returned (as `windowedGradientReceptiveFields` does);
 * others throw a SalDataError. Equal to the mean of the members' `predict` (and its gradient, for the
 * `windowChannels` every member shares) up to float rounding.
 * @throws SalConfigError for no members or a bad option; SalShapeError when the members' `outDims` differ
 */
export function ensembleWindowedModel(members: readonly WindowedResponseModel[], opts?: EnsembleWindowedOptions): WindowedResponseModel {
  const o = resolveOptions<EnsembleWindowedOptions>(WHERE, ENSEMBLE_WINDOWED_DEFAULTS, opts);
  const spread = checkNumber(WHERE, 'spread', o.spread, { min: 0 });
  const remember = checkNumber(WHERE, 'remember', o.remember, { min: 1, integer: true });
  if (!Array.isArray(members) || members.length === 0) throw new SalConfigError(WHERE, 'members', 'a non-empty array of windowed response models', members);
  members.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || typeof m.respondAt !== 'function' || typeof m.positions !== 'function') {
      throw new TypeError(`${WHERE}: members[${i}] must be a WindowedResponseModel (e.g. from @sal/train's windowedResponseModel)`);
    }
    if (m.outDims !== members[0]!.outDims) throw new SalShapeError(`${WHERE}: members[${i}].outDims`, members[0]!.outDims, m.outDims);
  });
  const M = members.length;
  const n = members[0]!.outDims;
  const k = Math.ceil(spread) + 1;
  const windowChannels = Object.freeze(members[0]!.windowChannels.filter((c: number) => members.every((m) => m.windowChannels.includes(c))));
  /** (neuron, mean x, mean y) → the members' read points (x, y) × M. */
  const memory = new Map<string, Float64Array>();
  const keyOf = (neuron: number, x: number, y: number): string => `${neuron}:${x}:${y}`;

  const size = (imageSize: readonly [number, number]): [number, number] => {
    let sh = 0,
      sw = 0;
    for (const m of members) {
      const [h, w] = m.windowSize(imageSize);
      sh = Math.max(sh, h);
      sw = Math.max(sw, w);
    }
    return [sh + 2 * k, sw + 2 * k];
  };

  return {
    outDims: n,
    windowChannels,
    predict(x) {
      return tf.tidy(() => {
        const ys = members.map((m) => m.predict(x));
        return (M === 1 ? tf.clone(ys[0]!) : tf.div(tf.addN(ys), M)) as tf.Tensor2D;
      });
    },
    positions(images) {
      const all = members.map((m) => m.positions(images));
      const len = all[0]!.length;
      all.forEach((p, i) => {
        if (!(p instanceof Float64Array) || p.length !== len) throw new SalShapeError(`${WHERE}: members[${i}].positions`, `Float64Array(${len})`, p);
      });
      const out = new Float64Array(len);
      for (let q = 0; q < len; q++) {
        let s = 0;
        for (const p of all) s += p[q]!;
        out[q] = s / M;
      }
      for (let q = 0; q < len / 2; q++) {
        const cx = out[2 * q]!,
          cy = out[2 * q + 1]!;
        const own = new Float64Array(2 * M);
        for (let m = 0; m < M; m++) {
          const px = all[m]![2 * q]!,
            py = all[m]![2 * q + 1]!;
          if (Math.abs(px - cx) > spread || Math.abs(py - cy) > spread) {
            throw new SalDataError(
              `${WHERE}.positions`,
              `member read points within spread = ${spread} px of their mean (raise the 'spread' option)`,
              `members[${m}] reads neuron ${q % n} at (${px.toFixed(2)}, ${py.toFixed(2)}), the mean is (${cx.toFixed(2)}, ${cy.toFixed(2)})`,
            );
          }
          own[2 * m] = px;
          own[2 * m + 1] = py;
        }
        const key = keyOf(q % n, cx, cy);
        memory.delete(key);
        memory.set(key, own);
        if (memory.size > remember) memory.delete(memory.keys().next().value as string);
      }
      return out;
    },
    windowSize: (imageSize) => size(imageSize),
    windowOrigin(x, y, imageSize) {
      const [oy, ox] = members[0]!.windowOrigin(x, y, imageSize);
      return [oy - k, ox - k];
    },
    respondAt(windows: tf.Tensor4D, placement: WindowPlacement, neurons: Int32Array, positions: Float64Array): tf.Tensor1D {
      if (!(windows instanceof tf.Tensor) || windows.rank !== 4)
        throw new SalShapeError(`${WHERE}.respondAt: windows`, '[P,S_h,S_w,C]', windows instanceof tf.Tensor ? windows.shape : windows);
      const [p, sh, sw, c] = windows.shape;
      if (!(positions instanceof Float64Array) || positions.length !== 2 * p)
        throw new SalShapeError(`${WHERE}.respondAt: positions`, `Float64Array(${2 * p})`, positions);
      if (!(neurons instanceof Int32Array) || neurons.length !== p) throw new SalShapeError(`${WHERE}.respondAt: neurons`, `Int32Array(${p})`, neurons);
      const { origins, imageSize } = placement;
      const [h, w] = imageSize;
      const own: Float64Array[] = [];
      for (let q = 0; q < p; q++) {
        const v = memory.get(keyOf(neurons[q]!, positions[2 * q]!, positions[2 * q + 1]!));
        if (v === undefined)
          throw new SalDataError(
            `${WHERE}.respondAt`,
            "read points returned by this model's positions()",
            `neuron ${neurons[q]} at (${positions[2 * q]}, ${positions[2 * q + 1]})`,
          );
        own.push(v);
      }
      const zeroRow = p * sh * sw;
      return tf.tidy(() => {
        const flat = tf.concat([tf.reshape(windows, [p * sh * sw, c]), tf.zeros([1, c])], 0);
        const ys = members.map((member, m) => {
          const [mh, mw] = member.windowSize(imageSize);
          const idx = new Int32Array(p * mh * mw);
          const mOrigins = new Int32Array(2 * p);
          const mPos = new Float64Array(2 * p);
          for (let q = 0; q < p; q++) {
            const px = own[q]![2 * m]!,
              py = own[q]![2 * m + 1]!;
            mPos[2 * q] = px;
            mPos[2 * q + 1] = py;
            const [my, mx] = member.windowOrigin(px, py, imageSize);
            mOrigins[2 * q] = my;
            mOrigins[2 * q + 1] = mx;
            const ey = origins[2 * q]!,
              ex = origins[2 * q + 1]!;
            for (let i = 0; i < mh; i++) {
              for (let j = 0; j < mw; j++) {
                const yy = my + i - ey,
                  xx = mx + j - ex;
                const at = (q * mh + i) * mw + j;
                if (yy >= 0 && yy < sh && xx >= 0 && xx < sw) idx[at] = (q * sh + yy) * sw + xx;
                else if (my + i < 0 || my + i >= h || mx + j < 0 || mx + j >= w) idx[at] = zeroRow;
                else
                  throw new SalDataError(
                    `${WHERE}.respondAt`,
                    `members' windows inside the ensemble's window (raise 'spread')`,
                    `members[${m}]'s window at (${my}, ${mx}) for neuron ${neurons[q]}`,
                  );
              }
            }
          }
          const crop = tf.reshape(tf.gather(flat, tf.tensor1d(idx, 'int32')), [p, mh, mw, c]) as tf.Tensor4D;
          return member.respondAt(crop, { origins: mOrigins, imageSize }, neurons, mPos);
        });
        return (M === 1 ? ys[0]! : tf.div(tf.addN(ys), M)) as tf.Tensor1D;
      });
    },
  };
}
