/** Checks of a {@link RawDataset}: sizes, image ids, responses. */
import { FORBIDDEN_KEYS, SalDataError, SalShapeError, type RawDataset } from '@sal/types';
import { isPlaneSource, type StreamedRawDataset } from './planes.js';

/**
 * Throw a typed error unless `raw` is consistent: `images` `[n,h,w]` uint8, optional `saliency` of the
 * same size and finite, at least one session, unique keys, response matrices `[trials, neurons]` matching
 * their image ids, ids in `[0, n)`, responses finite and non-negative.
 */
export function validateRawDataset(raw: RawDataset | StreamedRawDataset, where = 'createDataset'): void {
  if (raw === null || typeof raw !== 'object') throw new TypeError(`${where}: raw must be a RawDataset object`);
  const shape = raw.imagesShape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new SalShapeError(`${where}(raw.imagesShape)`, '[n, h, w] positive integers', shape);
  }
  const [n, h, w] = shape;
  if (isPlaneSource(raw.images)) {
    if (raw.images.shape.join() !== [n, h, w].join())
      throw new SalShapeError(`${where}(raw.images)`, [n, h, w], raw.images.shape, "the images' planes must match imagesShape");
  } else {
    if (!(raw.images instanceof Uint8Array)) throw new TypeError(`${where}(raw.images): must be a Uint8Array of grey levels 0–255 or a PlaneSource`);
    if (raw.images.length !== n * h * w)
      throw new SalShapeError(`${where}(raw.images)`, [n, h, w], [raw.images.length], `length ${raw.images.length} ≠ ${n}·${h}·${w}`);
  }
  if (isPlaneSource(raw.saliency)) {
    // streamed maps are checked finite as each is read (createDataset)
    if (raw.saliency.shape.join() !== [n, h, w].join())
      throw new SalShapeError(`${where}(raw.saliency)`, [n, h, w], raw.saliency.shape, "saliency maps must have the images' size");
  } else if (raw.saliency !== undefined) {
    if (!(raw.saliency instanceof Float32Array)) throw new TypeError(`${where}(raw.saliency): must be a Float32Array`);
    if (raw.saliency.length !== n * h * w)
      throw new SalShapeError(`${where}(raw.saliency)`, [n, h, w], [raw.saliency.length], "saliency maps must have the images' size");
    for (let i = 0; i < raw.saliency.length; i++) {
      if (!Number.isFinite(raw.saliency[i]))
        throw new SalDataError(`${where}(raw.saliency)`, 'finite values', `${raw.saliency[i]} at image ${Math.floor(i / (h * w))}`);
    }
  }
  if (!Array.isArray(raw.sessions) || raw.sessions.length === 0)
    throw new SalDataError(`${where}(raw.sessions)`, 'at least one session', raw.sessions?.length ?? raw.sessions);
  const keys = new Set<string>();
  for (const s of raw.sessions) {
    const at = `${where}(session ${JSON.stringify(s.key)})`;
    if (typeof s.key !== 'string' || s.key.length === 0) throw new SalDataError(`${where}(session key)`, 'a non-empty string', s.key);
    // keys name readouts in objects: these would reach the prototype
    if (FORBIDDEN_KEYS.has(s.key)) throw new SalDataError(`${where}(session key)`, 'a key other than __proto__, constructor, prototype', s.key);
    if (keys.has(s.key)) throw new SalDataError(at, 'unique session keys', `${s.key} twice`);
    keys.add(s.key);
    if (!Number.isInteger(s.nNeurons) || s.nNeurons < 1) throw new SalDataError(`${at}.nNeurons`, 'a positive integer', s.nNeurons);
    for (const part of ['train', 'test'] as const) {
      const resp = part === 'train' ? s.trainResponses : s.testResponses;
      const ids = part === 'train' ? s.trainImageIds : s.testImageIds;
      if (!(resp instanceof Float32Array)) throw new TypeError(`${at}.${part}Responses: must be a Float32Array`);
      if (!(ids instanceof Int32Array)) throw new TypeError(`${at}.${part}ImageIds: must be an Int32Array`);
      if (resp.length !== ids.length * s.nNeurons) {
        throw new SalShapeError(
          `${at}.${part}Responses`,
          [ids.length, s.nNeurons],
          [resp.length / s.nNeurons, s.nNeurons],
          `${ids.length} image ids but ${resp.length / s.nNeurons} response rows`,
        );
      }
      for (let t = 0; t < ids.length; t++) {
        const id = ids[t] as number;
        if (id < 0 || id >= n) throw new SalDataError(`${at}.${part}ImageIds`, `image ids in [0, ${n})`, `unknown id ${id} at trial ${t}`);
      }
      for (let i = 0; i < resp.length; i++) {
        const v = resp[i] as number;
        if (!Number.isFinite(v) || v < 0) {
          throw new SalDataError(
            `${at}.${part}Responses`,
            'finite non-negative responses',
            `${v} at trial ${Math.floor(i / s.nNeurons)}, neuron ${i % s.nNeurons}`,
          );
        }
      }
    }
    if (s.trainImageIds.length === 0) throw new SalDataError(`${at}.trainImageIds`, 'at least one training trial', 0);
  }
}
