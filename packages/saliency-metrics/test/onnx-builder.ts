/**
 * A tiny ONNX model writer for tests: the protobuf wire format of onnx.proto (ModelProto → GraphProto →
 * NodeProto / TensorProto / ValueInfoProto), written field by field, so no model is downloaded.
 */
const utf8 = new TextEncoder();

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const key = (field: number, wire: number): number[] => varint((field << 3) | wire);
const int = (field: number, n: number): number[] => [...key(field, 0), ...varint(n)];
const bytes = (field: number, b: readonly number[]): number[] => [...key(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string): number[] => bytes(field, [...utf8.encode(s)]);

/** TensorProto of float32 values: dims (1), data_type FLOAT = 1 (2), name (8), raw_data little-endian (9). */
function floatTensor(name: string, dims: readonly number[], values: readonly number[]): number[] {
  return [...dims.flatMap((d) => int(1, d)), ...int(2, 1), ...str(8, name), ...bytes(9, [...new Uint8Array(Float32Array.from(values).buffer)])];
}

/** ValueInfoProto: name (1), TypeProto (2) → tensor_type (1) → elem_type FLOAT (1), shape (2) → dims (1) of dim_value (1) or dim_param (2). */
function valueInfo(name: string, dims: readonly (number | string)[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, typeof d === 'string' ? str(2, d) : int(1, d)));
  return [...str(1, name), ...bytes(2, bytes(1, [...int(1, 1), ...bytes(2, shape)]))];
}

/** AttributeProto of one int: name (1), i (3), type INT = 2 (20). */
const intAttribute = (name: string, v: number): number[] => [...str(1, name), ...int(3, v), ...int(20, 2)];

/** NodeProto: input (1), output (2), op_type (4), attribute (5). */
function node(op: string, inputs: string[], outputs: string[], attributes: number[][] = []): number[] {
  return [...inputs.flatMap((i) => str(1, i)), ...outputs.flatMap((o) => str(2, o)), ...str(4, op), ...attributes.flatMap((a) => bytes(5, a))];
}

/**
 * A "saliency model" of standard operators: input `image` `[1, C, h, w]` (C = `channels`), output `map` `[1, h·w]`: `ReduceMean` over the channels, `Flatten`, times `k`, then `LogSoftmax`
 * (a log-density: `k·x_i − log Σ_j exp(k·x_j)`) when `logSoftmax`, else the raw `k·x` (an unnormalised log-density).
 * `anyShape` declares every input dimension symbolic (the engine then takes any 4-d input).
 * ONNX IR version 8, opset 13 (ReduceMean takes its axes as an attribute there).
 */
export function tinySaliencyModel(k: number, opts: { logSoftmax?: boolean; channels?: number; anyShape?: boolean } = {}): Uint8Array {
  const C = opts.channels ?? 1;
  const last = opts.logSoftmax ?? true;
  const axes = [...str(1, 'axes'), ...int(8, 1), ...int(20, 7)]; // INTS attribute: ints (8), type INTS = 7
  const nodes = [
    node('ReduceMean', ['image'], ['grey'], [axes, intAttribute('keepdims', 1)]),
    node('Flatten', ['grey'], ['flat'], [intAttribute('axis', 1)]),
    node('Mul', ['flat', 'k'], last ? ['scaled'] : ['map']),
    ...(last ? [node('LogSoftmax', ['scaled'], ['map'], [intAttribute('axis', 1)])] : []),
  ];
  const graph = [
    ...nodes.flatMap((n) => bytes(1, n)),
    ...str(2, 'tiny-saliency'),
    ...bytes(5, floatTensor('k', [], [k])),
    ...bytes(11, valueInfo('image', opts.anyShape ? ['n', 'c', 'h', 'w'] : [1, C, 'h', 'w'])),
    ...bytes(12, valueInfo('map', [1, 'hw'])),
  ];
  // ModelProto: ir_version (1), graph (7), opset_import (8) → domain (1) '', version (2)
  return Uint8Array.from([...int(1, 8), ...bytes(7, graph), ...bytes(8, [...str(1, ''), ...int(2, 13)])]);
}
