import { describe, expect, it } from 'vitest';
import { SalConfigError } from '@sal/types';
import { applyColormap, colorLimits, sampleColormap, VIRIDIS } from '../src/index.js';

describe('colormaps', () => {
  it('viridis has 256 entries with the published ends and middle', () => {
    expect(VIRIDIS.length).toBe(256 * 3);
    expect([...VIRIDIS.slice(0, 3)]).toEqual([0x44, 0x01, 0x54]); // #440154
    expect([...VIRIDIS.slice(255 * 3)]).toEqual([0xfd, 0xe7, 0x25]); // #fde725
    expect([...VIRIDIS.slice(128 * 3, 128 * 3 + 3)]).toEqual([0x21, 0x91, 0x8c]); // #21918c
    expect(sampleColormap('viridis', 0)).toEqual([0x44, 0x01, 0x54]);
    expect(sampleColormap('viridis', 1)).toEqual([0xfd, 0xe7, 0x25]);
    expect(sampleColormap('viridis', 0.5)).toEqual([0x21, 0x91, 0x8c]);
  });

  it('diverging goes blue → white at the centre → red', () => {
    expect(sampleColormap('diverging', 0.5)).toEqual([255, 255, 255]);
    const lo = sampleColormap('diverging', 0),
      hi = sampleColormap('diverging', 1);
    expect(lo[2]).toBeGreaterThan(lo[0]);
    expect(hi[0]).toBeGreaterThan(hi[2]);
  });

  it('grey is linear from black to white', () => {
    expect(sampleColormap('grey', 0)).toEqual([0, 0, 0]);
    expect(sampleColormap('grey', 1)).toEqual([255, 255, 255]);
    expect(sampleColormap('grey', 0.5)).toEqual([128, 128, 128]);
  });

  it('diverging limits are symmetric by default, so 0 maps to white', () => {
    expect(colorLimits([-1, 3, 2], { cmap: 'diverging' })).toEqual({ min: -3, max: 3, cmap: 'diverging' });
    const rgba = applyColormap([-1, 0, 3], { cmap: 'diverging' });
    expect([...rgba.slice(4, 8)]).toEqual([255, 255, 255, 255]);
    expect([...rgba.slice(8, 11)]).toEqual([...sampleColormap('diverging', 1)]);
    expect(colorLimits([0.1], { cmap: 'diverging', max: 2 })).toMatchObject({ min: -2, max: 2 });
  });

  it('applyColormap maps [min,max] linearly and clamps; non-finite becomes transparent', () => {
    const rgba = applyColormap([0, 10, 5, -3, 20, NaN], { min: 0, max: 10, cmap: 'grey' });
    expect([...rgba]).toEqual([0, 0, 0, 255, 255, 255, 255, 255, 128, 128, 128, 255, 0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 0]);
    // automatic limits: data range
    const auto = applyColormap([2, 4], { cmap: 'viridis' });
    expect([...auto.slice(0, 3)]).toEqual([0x44, 0x01, 0x54]);
    expect([...auto.slice(4, 7)]).toEqual([0xfd, 0xe7, 0x25]);
  });

  it('rejects unknown colormaps, unknown options and inverted limits', () => {
    expect(() => applyColormap([1], { cmap: 'jet' as never })).toThrow(SalConfigError);
    expect(() => applyColormap([1], { colour: 1 } as never)).toThrow(SalConfigError);
    expect(() => applyColormap([1], { min: 2, max: 1 })).toThrow(SalConfigError);
  });
});
