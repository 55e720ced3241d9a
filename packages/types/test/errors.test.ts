import { describe, expect, it } from 'vitest';
import { assertShape, checkNumber, checkOneOf, resolveOptions, SalConfigError, SalShapeError, SalDataError, SalBackendError } from '../src/index.js';

describe('typed errors', () => {
  it('SalShapeError is a RangeError carrying expected and actual', () => {
    const e = new SalShapeError('readouts.gaussian: x', [null, 32, 32, 64], [8, 32, 32, 3]);
    expect(e).toBeInstanceOf(RangeError);
    expect(e.expected).toEqual([null, 32, 32, 64]);
    expect(e.actual).toEqual([8, 32, 32, 3]);
    expect(e.message).toBe('readouts.gaussian: x: expected [null,32,32,64], got [8,32,32,3]');
  });
  it('assertShape accepts wildcards and names the mismatch', () => {
    expect(() => assertShape('f: x', [2, 3], [null, 3])).not.toThrow();
    expect(() => assertShape('f: x', [2, 4], [null, 3])).toThrow('f: x: expected ["*",3], got [2,4]');
    expect(() => assertShape('f: x', [2, 3, 1], [null, 3])).toThrow(SalShapeError);
  });
  it('resolveOptions fills defaults and rejects unknown keys', () => {
    const D = Object.freeze({ sigma: 0.1, kind: 'a' as string });
    expect(resolveOptions('f', D, { sigma: 2 })).toEqual({ sigma: 2, kind: 'a' });
    expect(resolveOptions('f', D, undefined)).toEqual({ sigma: 0.1, kind: 'a' });
    expect(() => resolveOptions('f', D, { sigm: 2 } as never)).toThrow(/option 'sigm' expected one of sigma, kind/);
  });
  it('checkNumber and checkOneOf report expected vs actual', () => {
    expect(checkNumber('f', 'sigma', 0.5, { min: 0 })).toBe(0.5);
    expect(() => checkNumber('f', 'sigma', -1, { min: 0 })).toThrow("f: option 'sigma' expected a finite number >= 0, got -1");
    expect(() => checkNumber('f', 'layers', 2.5, { integer: true })).toThrow(SalConfigError);
    expect(() => checkNumber('f', 'x', Number.NaN)).toThrow(SalConfigError);
    expect(checkOneOf('f', 'type', 'full', ['isotropic', 'full'])).toBe('full');
    expect(() => checkOneOf('f', 'type', 'diag', ['isotropic', 'full'])).toThrow(/one of 'isotropic', 'full'/);
  });
  it('data and backend errors name the file and the install step', () => {
    expect(new SalDataError('loader.npy', 'magic \\x93NUMPY', 'PK', 'a.npy').message).toContain('[a.npy]');
    expect(new SalBackendError('node', 'module not found', 'npm install @tensorflow/tfjs-node').message).toContain('npm install @tensorflow/tfjs-node');
  });
});

describe('describeValue', () => {
  it('summarises typed arrays and cuts long values, so a message never dumps a large array', async () => {
    const { describeValue, MAX_DESCRIBED_LENGTH } = await import('../src/index.js');
    expect(describeValue(new Uint8Array(409600))).toBe('Uint8Array(409600)');
    expect(describeValue({ masks: new Uint8Array(5), neurons: [1, 2] })).toBe('{"masks":"Uint8Array(5)","neurons":[1,2]}');
    const many = describeValue(Array.from({ length: 1000 }, (_, i) => i));
    expect(many.startsWith('[0,1,2,')).toBe(true);
    expect(many.endsWith(',…] (1000 items)')).toBe(true);
    const long = describeValue('x'.repeat(5000));
    expect(long.length).toBeLessThan(MAX_DESCRIBED_LENGTH + 40);
    expect(long.endsWith('… (5002 characters)')).toBe(true);
    expect(describeValue([8, 32, 32, 3])).toBe('[8,32,32,3]');
  });
});
