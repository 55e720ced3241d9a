import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { SalConfigError, SalShapeError } from '@sal/types';
import { meiFigure, type MeiFigureRow } from '../src/index.js';

const decode = (bytes: Uint8Array | undefined): PNG => PNG.sync.read(Buffer.from(bytes!));
function countColour(p: PNG, rgb: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < p.data.length; i += 4) if (p.data[i] === rgb[0] && p.data[i + 1] === rgb[1] && p.data[i + 2] === rgb[2]) n++;
  return n;
}
const ramp = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i);
const RED = [220, 20, 60];

function row(centre: readonly [number, number] | null): MeiFigureRow {
  return {
    neuron: 'sim0/1',
    meis: [
      { title: 'seed 2: 1.10×', image: new Float32Array(16) },
      { title: 'ensemble: 1.20×', image: new Float32Array(16).fill(127.5) },
    ],
    grf: ramp(16),
    trueRf: ramp(16),
    centre,
  };
}

describe('meiFigure', () => {
  it('rows of MEIs (fixed grey limits), gRF and true RF, the true centre marked on every panel', async () => {
    // 4×4 maps at 16 px: every value is a 4×4 block
    const f = await meiFigure([row([1, 2]), row([3, 0])], 4, 4, { cellSize: 16 });
    expect(f.kind).toBe('figure');
    const p = decode(f.png);
    // 2 rows × 4 panels × one 4×4 red block
    expect(countColour(p, RED)).toBe(2 * 4 * 16);
    // fixed limits 0–255, not the panel's own range: grey level 0 is black and 127.5 mid-grey (15 unmarked blocks each per row)
    expect(countColour(p, [0, 0, 0])).toBeGreaterThanOrEqual(2 * 15 * 16);
    let mid = 0;
    for (let i = 0; i < p.data.length; i += 4) if (p.data[i] === p.data[i + 1] && p.data[i] === p.data[i + 2] && p.data[i]! >= 120 && p.data[i]! <= 135) mid++;
    expect(mid).toBeGreaterThanOrEqual(2 * 15 * 16);
    // gRF and true RF ramps: both viridis ends in each panel (the marked pixels are not at the ends)
    expect(countColour(p, [0x44, 0x01, 0x54])).toBe(2 * 2 * 16);
    expect(countColour(p, [0xfd, 0xe7, 0x25])).toBe(2 * 2 * 16);
    expect(f.caption).toContain('2 most exciting inputs');
  });

  it('no mark without a centre or outside the map; a given caption is kept', async () => {
    const p = decode((await meiFigure([row(null), row([9, 1])], 4, 4, { cellSize: 16, caption: 'what is plotted' })).png);
    expect(countColour(p, RED)).toBe(0);
    const f = await meiFigure([row(null)], 4, 4, { caption: 'what is plotted' });
    expect(f.caption).toBe('what is plotted');
  });

  it('refuses bad input with typed errors', async () => {
    await expect(meiFigure([], 4, 4)).rejects.toThrow(SalConfigError);
    await expect(meiFigure([row(null), { ...row(null), meis: [row(null).meis[0]!] }], 4, 4)).rejects.toThrow(SalShapeError);
    await expect(meiFigure([{ ...row(null), grf: ramp(15) }], 4, 4)).rejects.toThrow(SalShapeError);
    await expect(meiFigure([{ ...row(null), meis: [] }], 4, 4)).rejects.toThrow(SalConfigError);
    await expect(meiFigure([row(null)], 4, 4, { cellSise: 3 } as never)).rejects.toThrow(SalConfigError);
  });
});
