/**
 * User saliency models from ONNX (e.g. DeepGaze exported from PyTorch with `torch.onnx.export`), run on the CPU
 * with `onnxruntime-node`, an optional peer dependency: `npm install onnxruntime-node` (its install script would
 * download GPU libraries from outside npm on Linux x64; set `ONNXRUNTIME_NODE_INSTALL=skip` or the npm config
 * `onnxruntime-node-install=skip`: the CPU build ships inside the npm package). An ONNX model is a graph of
 * standard operators, data only; no custom-operator library is ever loaded.
 *
 * The model gets one grey image as a float tensor (values 0–255, as DeepGaze takes them), `[1, C, h, w]` (NCHW,
 * PyTorch's layout) or `[1, h, w, C]`, the grey plane repeated over `C` channels, and returns one map with `h·w`
 * values. The map is turned into a normalised natural-log density (a log-density output has its log-sum-exp
 * subtracted, a density output is divided by its sum), what `createDataset`'s `saliency: { maps, kind: 'logDensity' }`
 * and the study's stored maps hold.
 */
import { checkNumber, checkOneOf, resolveOptions, SalConfigError, SalDataError, SalShapeError } from '@sal/types';

/** Options of {@link loadOnnxSaliency}. */
export interface OnnxSaliencyOptions {
  /** Layout of the model's input: `'NCHW'` `[1, C, h, w]` or `'NHWC'` `[1, h, w, C]`. @default 'NCHW' */
  layout?: 'NCHW' | 'NHWC';
  /** Channels of the input (the grey image repeated): 1, or 3 for RGB models such as DeepGaze. @default 3 */
  channels?: number;
  /** What the model outputs: a (natural) log-density or a density (non-negative). @default 'logDensity' */
  output?: 'logDensity' | 'density';
  /** The input to feed ('' for the model's first input). @default '' */
  inputName?: string;
  /** The output to read ('' for the model's first output). @default '' */
  outputName?: string;
}

export const ONNX_SALIENCY_DEFAULTS: Readonly<Required<OnnxSaliencyOptions>> = Object.freeze({
  layout: 'NCHW',
  channels: 3,
  output: 'logDensity',
  inputName: '',
  outputName: '',
});

/** A loaded ONNX saliency model. */
export interface OnnxSaliencyModel {
  readonly inputName: string;
  readonly outputName: string;
  /** The normalised log-density map `[h, w]` of one grey image `[h, w]` (0–255). */
  map(img: ArrayLike<number>, h: number, w: number): Promise<Float32Array>;
  /**
   * Log-density maps of a stack of grey images `[n, h, w]` (0–255), one image at a time; `onProgress(done, n)`
   * after each. Pass them on as `createDataset(raw, { saliency: { maps, kind: 'logDensity' } })`.
   * @returns `[n, h, w]`
   */
  maps(images: ArrayLike<number>, shape: readonly [n: number, h: number, w: number], onProgress?: (done: number, total: number) => void): Promise<Float32Array>;
  /** Free the session's native memory. */
  release(): Promise<void>;
}

/** The part of onnxruntime's API this module uses. */
interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface Ort {
  InferenceSession: { create(model: string | Uint8Array, opts?: object): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
}

const WHERE = 'loadOnnxSaliency';

async function importOrt(): Promise<Ort> {
  const name = 'onnxruntime-node';
  try {
    const m = (await import(name)) as Ort & { default?: Ort };
    return m.InferenceSession ? m : m.default!;
  } catch (e) {
    throw new SalConfigError(
      WHERE,
      'engine',
      "the optional peer 'onnxruntime-node' installed (npm install onnxruntime-node)",
      `not loadable: ${(e as Error).message.split('\n')[0]}`,
    );
  }
}

/** A map of `h·w` values → normalised natural-log density, checked finite. */
export function toLogDensity(out: ArrayLike<number>, h: number, w: number, kind: 'logDensity' | 'density', where = 'onnx saliency model'): Float32Array {
  if (out.length !== h * w) throw new SalShapeError(where, [h, w], [out.length], 'the model must return one value per pixel');
  const res = new Float32Array(h * w);
  if (kind === 'density') {
    let s = 0;
    for (let i = 0; i < out.length; i++) {
      const v = out[i]!;
      if (!(v >= 0) || !Number.isFinite(v)) throw new SalDataError(where, 'a density of finite values ≥ 0', `${v} at pixel ${i}`);
      s += v;
    }
    if (!(s > 0)) throw new SalDataError(where, 'a density with a positive sum', s);
    for (let i = 0; i < res.length; i++) res[i] = Math.log(Math.max(out[i]! / s, 1e-30));
    return res;
  }
  let max = -Infinity;
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (!Number.isFinite(v)) throw new SalDataError(where, 'a log-density of finite values', `${v} at pixel ${i}`);
    if (v > max) max = v;
  }
  let s = 0;
  for (let i = 0; i < out.length; i++) s += Math.exp(out[i]! - max);
  const lse = max + Math.log(s);
  for (let i = 0; i < res.length; i++) res[i] = out[i]! - lse;
  return res;
}

/**
 * Load an ONNX saliency model (a file path or the model's bytes) into a CPU session of `onnxruntime-node`.
 * A missing engine or unknown input/output names are {@link SalConfigError}s; a map of the wrong size a
 * {@link SalShapeError}; non-finite values a {@link SalDataError}.
 */
export async function loadOnnxSaliency(model: string | Uint8Array, opts?: OnnxSaliencyOptions): Promise<OnnxSaliencyModel> {
  const o = resolveOptions(WHERE, ONNX_SALIENCY_DEFAULTS, opts);
  const layout = checkOneOf(WHERE, 'layout', o.layout, ['NCHW', 'NHWC'] as const);
  const kind = checkOneOf(WHERE, 'output', o.output, ['logDensity', 'density'] as const);
  const C = checkNumber(WHERE, 'channels', o.channels, { integer: true, min: 1, max: 4 });
  if (typeof model !== 'string' && !(model instanceof Uint8Array))
    throw new SalConfigError(WHERE, 'model', "a file path or the model's bytes (Uint8Array)", model);
  const ort = await importOrt();
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  const pick = (what: 'inputName' | 'outputName', names: readonly string[]): string => {
    const want = o[what];
    if (want === '') return names[0]!;
    if (!names.includes(want)) throw new SalConfigError(WHERE, what, `one of ${names.join(', ')}`, want);
    return want;
  };
  let inputName: string, outputName: string;
  try {
    inputName = pick('inputName', session.inputNames);
    outputName = pick('outputName', session.outputNames);
  } catch (e) {
    await session.release();
    throw e;
  }

  async function map(img: ArrayLike<number>, h: number, w: number): Promise<Float32Array> {
    const where = 'OnnxSaliencyModel.map';
    if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1 || img.length !== h * w) throw new SalShapeError(`${where}(img)`, [h, w], [img.length]);
    const P = h * w;
    const x = new Float32Array(P * C);
    if (layout === 'NCHW') for (let c = 0; c < C; c++) for (let i = 0; i < P; i++) x[c * P + i] = img[i]!;
    else for (let i = 0; i < P; i++) for (let c = 0; c < C; c++) x[i * C + c] = img[i]!;
    const dims = layout === 'NCHW' ? [1, C, h, w] : [1, h, w, C];
    let result: Record<string, OrtTensor>;
    try {
      result = await session.run({ [inputName]: new ort.Tensor('float32', x, dims) });
    } catch (e) {
      // the engine refuses inputs its graph cannot take (e.g. channels or layout other than the model declares)
      throw new SalShapeError(
        `${where}(model input '${inputName}')`,
        'the input shape the model declares',
        dims,
        (e as Error).message.replace(/\s+/g, ' ').trim(),
      );
    }
    const out = result[outputName];
    if (!out || !(out.data instanceof Float32Array || out.data instanceof Float64Array))
      throw new SalDataError(where, `a float tensor '${outputName}'`, out ? typeof out.data : 'none');
    return toLogDensity(out.data, h, w, kind, where);
  }

  return {
    inputName,
    outputName,
    map,
    async maps(images, shape, onProgress) {
      const [n, h, w] = shape;
      if (!shape.every((d) => Number.isInteger(d) && d >= 1) || images.length !== n * h * w)
        throw new SalShapeError('OnnxSaliencyModel.maps(images)', [n, h, w], [images.length]);
      const P = h * w;
      const res = new Float32Array(n * P);
      const plane = new Float32Array(P);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < P; k++) plane[k] = images[i * P + k]!;
        res.set(await map(plane, h, w), i * P);
        onProgress?.(i + 1, n);
      }
      return res;
    },
    release: () => session.release(),
  };
}
