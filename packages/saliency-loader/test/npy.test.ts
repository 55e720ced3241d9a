import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { SalDataError } from '@sal/types';
import { encodeNpy, encodeNpz, NPY_DTYPES, parseNpy, parseNpz, type NpyData, type NpyDtype } from '../src/index.js';
import { FIXTURES, refs } from './refs.js';

const read = (name: string): Uint8Array => new Uint8Array(readFileSync(`${FIXTURES}${name}`));
const num = (d: NpyData): number[] => Array.from(d as ArrayLike<number | bigint>, Number);

const EXPECTED_DTYPE: Record<string, NpyDtype> = {
  u1_c: 'u1',
  i1_c: 'i1',
  u2_be: 'u2',
  i2_le: 'i2',
  u4_le: 'u4',
  i4_be: 'i4',
  f4_le: 'f4',
  f8_be: 'f8',
  b1: 'b1',
  f4_fortran: 'f4',
  i2_fortran_be: 'i2',
  scalar_f8: 'f8',
  empty_f4: 'f4',
};

function sample(dtype: NpyDtype, n: number): NpyData {
  const v = (i: number): number => {
    switch (dtype) {
      case 'u1':
        return (i * 37) % 256;
      case 'b1':
        return i % 3 === 0 ? 1 : 0;
      case 'i1':
        return ((i * 37) % 256) - 128;
      case 'u2':
        return (i * 4099) % 65536;
      case 'i2':
        return ((i * 4099) % 65536) - 32768;
      case 'u4':
        return (i * 2654435761) % 4294967296;
      case 'i4':
        return ((i * 2654435761) % 4294967296) - 2147483648;
      default:
        return (i - 7.25) / 3;
    }
  };
  const arr = Array.from({ length: n }, (_, i) => v(i));
  switch (dtype) {
    case 'u1':
    case 'b1':
      return Uint8Array.from(arr);
    case 'i1':
      return Int8Array.from(arr);
    case 'u2':
      return Uint16Array.from(arr);
    case 'i2':
      return Int16Array.from(arr);
    case 'u4':
      return Uint32Array.from(arr);
    case 'i4':
      return Int32Array.from(arr);
    case 'f4':
      return Float32Array.from(arr);
    case 'f8':
      return Float64Array.from(arr);
    case 'i8':
      return BigInt64Array.from(arr.map((x) => BigInt(Math.round(x * 1e6)) - 5n));
    case 'u8':
      return BigUint64Array.from(arr.map((_, i) => BigInt(i) * 123456789012n));
  }
}

describe('npy', () => {
  it('loads numpy-written files bit-exactly (every dtype, both byte orders, Fortran transposed to C)', () => {
    for (const [name, dtype] of Object.entries(EXPECTED_DTYPE)) {
      const a = parseNpy(read(`${name}.npy`), { file: name });
      const ref = refs.npy[name]!;
      expect(a.dtype, name).toBe(dtype);
      expect(a.shape, name).toEqual(ref.shape);
      const want = dtype === 'f4' ? Array.from(Float32Array.from(ref.values)) : ref.values;
      expect(num(a.data), name).toEqual(want);
    }
  });

  it('round-trips every dtype in C and Fortran order, little and big endian', () => {
    const shapes = [[2, 3, 4], [5], [3, 1, 2, 2], []];
    for (const dtype of NPY_DTYPES) {
      for (const shape of shapes) {
        const n = shape.reduce((a, b) => a * b, 1);
        const data = sample(dtype, n);
        for (const fortranOrder of [false, true]) {
          for (const endian of ['little', 'big'] as const) {
            const bytes = encodeNpy({ data, shape, dtype }, { fortranOrder, endian });
            expect(bytes.length % 64 === (n * data.BYTES_PER_ELEMENT) % 64).toBe(true); // header padded to 64
            const back = parseNpy(bytes);
            expect(back.dtype).toBe(dtype);
            expect(back.shape).toEqual(shape);
            expect(num(back.data)).toEqual(num(data));
          }
        }
      }
    }
  });

  it('writes what numpy writes for the same array (C order, little endian)', () => {
    const ours = encodeNpy({ data: Float32Array.from(refs.npy['f4_le']!.values), shape: [2, 3, 4] });
    expect(Array.from(ours)).toEqual(Array.from(read('f4_le.npy')));
    const u1 = encodeNpy({ data: Uint8Array.from(refs.npy['u1_c']!.values), shape: [2, 3, 4] });
    expect(Array.from(u1)).toEqual(Array.from(read('u1_c.npy')));
  });

  it('reads format versions 2.0 and 3.0 (4-byte header length)', () => {
    for (const v of [2, 3]) {
      const bytes = read(`f4_v${v}.npy`);
      expect(bytes[6]).toBe(v);
      const a = parseNpy(bytes);
      expect(a.shape).toEqual([2, 3, 4]);
      expect(num(a.data)).toEqual(Array.from(Float32Array.from(refs.npy['f4_le']!.values)));
    }
  });

  it('a Fortran-order array is really transposed (hand-checked element)', () => {
    const a = parseNpy(read('f4_fortran.npy'));
    // base[i,j,k] = 12i + 4j + k, divided by 3; C index of (1,2,3) = 23
    expect(a.data[23]).toBeCloseTo(23 / 3, 5);
    expect(a.data[1]).toBeCloseTo(1 / 3, 5);
  });

  it('refuses object arrays and pickles without executing them', () => {
    expect(() => parseNpy(read('object.npy'), { file: 'object.npy' })).toThrow(/object arrays are refused/);
    expect(() => parseNpy(read('object.npy'), { file: 'object.npy' })).toThrow(/object\.npy/);
    expect(() => parseNpy(Uint8Array.from([0x80, 4, 0x95, 0, 0]), { file: 'x.pkl' })).toThrow(SalDataError);
  });

  it('refuses truncated, corrupt and wrong-dtype files with SalDataError naming the file', () => {
    const good = read('f8_be.npy');
    const cut = good.subarray(0, good.length - 3);
    expect(() => parseNpy(cut, { file: 'cut.npy' })).toThrow(/cut\.npy.*truncated/);
    expect(() => parseNpy(good.subarray(0, 40), { file: 'hdr.npy' })).toThrow(SalDataError);
    const bad = good.slice();
    bad[1] = 0;
    expect(() => parseNpy(bad, { file: 'bad.npy' })).toThrow(/bad\.npy.*magic/);
    expect(() => parseNpy(good, { file: 'img.npy', dtype: 'u1' })).toThrow(/img\.npy.*dtype u1.*f8/);
    const extra = new Uint8Array(good.length + 8);
    extra.set(good);
    expect(() => parseNpy(extra, { file: 'long.npy' })).toThrow(/trailing/);
    const hdr = new TextDecoder().decode(good.subarray(10, 80)).replace("'<f8'", "'<c8'").replace("'>f8'", "'>c8'");
    const weird = good.slice();
    weird.set(new TextEncoder().encode(hdr), 10);
    expect(() => parseNpy(weird, { file: 'c8.npy' })).toThrow(SalDataError);
  });
});

describe('npz', () => {
  it('reads numpy savez (stored) and savez_compressed (deflated) archives', () => {
    for (const f of ['stored.npz', 'deflated.npz']) {
      const z = parseNpz(read(f), f);
      expect(Object.keys(z).sort()).toEqual(['a', 'b']);
      expect(z['a']!.shape).toEqual([2, 3, 4]);
      expect(num(z['a']!.data)).toEqual(Array.from({ length: 24 }, (_, i) => i));
      expect(num(z['b']!.data)).toEqual([0, 1, 2, 3, 4]);
      expect(z['b']!.dtype).toBe('i4');
    }
  });

  it('round-trips stored and deflated', () => {
    const arrays = {
      x: { data: Float64Array.from([1.5, -2, 3]), shape: [3] },
      y: { data: Uint8Array.from([1, 0, 1, 1]), shape: [2, 2], dtype: 'b1' as const },
    };
    for (const compress of [false, true]) {
      const z = parseNpz(encodeNpz(arrays, { compress }));
      expect(num(z['x']!.data)).toEqual([1.5, -2, 3]);
      expect(z['y']!.dtype).toBe('b1');
      expect(z['y']!.shape).toEqual([2, 2]);
    }
  });

  it('corrupt archives and members name the file', () => {
    const good = read('deflated.npz');
    expect(() => parseNpz(good.subarray(0, 100), 's.npz')).toThrow(/s\.npz/);
    const broken = zipSync({ 'a.npy': Uint8Array.from([1, 2, 3]) });
    expect(() => parseNpz(broken, 'm.npz')).toThrow(/m\.npz:a\.npy/);
  });
});
