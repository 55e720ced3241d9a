import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { SalShapeError } from '@sal/types';
import {
  heatmapPng,
  hotPixelMask,
  hotPixelsPng,
  imageGridImage,
  imageGridPng,
  overlayPng,
  panelFigureSvg,
  panelFigurePng,
  heatmapImage,
  saliencyPanelPng,
  sampleColormap,
} from '../src/index.js';

function decode(bytes: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(bytes));
}
function px(p: PNG, x: number, y: number): number[] {
  const i = (y * p.width + x) * 4;
  return [p.data[i]!, p.data[i + 1]!, p.data[i + 2]!, p.data[i + 3]!];
}
const VIR0 = [0x44, 0x01, 0x54, 255],
  VIR255 = [0xfd, 0xe7, 0x25, 255];

describe('heatmapPng', () => {
  it('a ramp: first and last pixels are the colormap ends, size is exact', async () => {
    const h = 3,
      w = 5;
    const ramp = Float32Array.from({ length: h * w }, (_, i) => i);
    const p = decode(await heatmapPng(ramp, h, w));
    expect([p.width, p.height]).toEqual([5, 3]);
    expect(px(p, 0, 0)).toEqual(VIR0);
    expect(px(p, 4, 2)).toEqual(VIR255);
    // value 7 of [0,14] → t = 0.5 → entry floor(128) = #21918c
    expect(px(p, 2, 1)).toEqual([0x21, 0x91, 0x8c, 255]);
  });

  it('scale makes each value a block; explicit limits clamp', async () => {
    const p = decode(await heatmapPng([0, 1, 2, 3], 2, 2, { scale: 3, cmap: 'grey', min: 1, max: 2 }));
    expect([p.width, p.height]).toEqual([6, 6]);
    expect(px(p, 0, 0)).toEqual([0, 0, 0, 255]); // 0 clamps to min
    expect(px(p, 2, 2)).toEqual([0, 0, 0, 255]); // value 0 block covers 0..2
    expect(px(p, 3, 0)).toEqual([0, 0, 0, 255]); // value 1 = min
    expect(px(p, 0, 3)).toEqual([255, 255, 255, 255]); // value 2 = max
    expect(px(p, 5, 5)).toEqual([255, 255, 255, 255]); // value 3 clamps
  });

  it('with a colour bar and title the map pixels are still exact and the bar spans the colormap', async () => {
    const ramp = Array.from({ length: 16 }, (_, i) => i);
    const fig = panelFigureSvg([{ image: heatmapImage(ramp, 4, 4), title: 't', colorbar: { min: 0, max: 15, cmap: 'viridis' } }], { cellSize: 40 });
    const p = decode(await heatmapPng(ramp, 4, 4, { scale: 10, colorbar: true, title: 't' }));
    expect([p.width, p.height]).toEqual([fig.width, fig.height]);
    const b = fig.boxes[0]!;
    expect(px(p, b.x, b.y)).toEqual(VIR0);
    expect(px(p, b.x + b.width - 1, b.y + b.height - 1)).toEqual(VIR255);
    // colour bar: right of the map, max on top
    expect(px(p, b.x + b.width + 4 + 5, b.y)).toEqual(VIR255);
    expect(px(p, b.x + b.width + 4 + 5, b.y + b.height - 1)).toEqual(VIR0);
  });

  it('checks the data length against h×w', async () => {
    await expect(heatmapPng([1, 2, 3], 2, 2)).rejects.toThrow(SalShapeError);
  });

  it('is deterministic', async () => {
    const d = Array.from({ length: 64 }, (_, i) => Math.sin(i));
    expect(
      Buffer.from(await heatmapPng(d, 8, 8, { colorbar: true, title: 'x' })).equals(Buffer.from(await heatmapPng(d, 8, 8, { colorbar: true, title: 'x' }))),
    ).toBe(true);
  });
});

describe('image grid', () => {
  it('places image i at row floor(i/cols), column i%cols with gaps', () => {
    const h = 2,
      w = 3,
      gap = 1;
    // image i is constant i/5 except its top-left pixel which is 0 and bottom-right which is 1
    const images = Array.from({ length: 5 }, (_, i) => {
      const a = new Float32Array(h * w).fill(0.5);
      a[0] = 0;
      a[h * w - 1] = 1;
      a[1] = i / 5; // varies per image, inside [0,1]
      return a;
    });
    const img = imageGridImage(images, h, w, { rows: 2, cols: 3, gap, normalize: 'shared', min: 0, max: 1 });
    expect([img.width, img.height]).toEqual([gap + 3 * (w + gap), gap + 2 * (h + gap)]);
    const at = (x: number, y: number): number => img.data[(y * img.width + x) * 4]!;
    for (let i = 0; i < 5; i++) {
      const x0 = gap + (i % 3) * (w + gap),
        y0 = gap + Math.floor(i / 3) * (h + gap);
      expect(at(x0, y0)).toBe(0);
      expect(at(x0 + w - 1, y0 + h - 1)).toBe(255);
      expect(at(x0 + 1, y0)).toBe(Math.round((255 * i) / 5));
    }
    expect(at(0, 0)).toBe(255); // gap is white
    // the sixth cell is empty (white)
    expect(at(gap + 2 * (w + gap), gap + (h + gap))).toBe(255);
  });

  it('200 thumbnails as 10×20 with cellSize and per-image normalisation', async () => {
    const images = Array.from({ length: 200 }, (_, i) => Float32Array.from({ length: 16 }, (_, j) => j * (i + 1)));
    const p = decode(await imageGridPng(images, 4, 4, { rows: 10, cols: 20, cellSize: 8, gap: 2 }));
    expect([p.width, p.height]).toEqual([2 + 20 * 10, 2 + 10 * 10]);
    // image 199 at row 9, col 19: its first pixel black, last white under its own range
    const x0 = 2 + 19 * 10,
      y0 = 2 + 9 * 10;
    expect(px(p, x0, y0)).toEqual([0, 0, 0, 255]);
    expect(px(p, x0 + 7, y0 + 7)).toEqual([255, 255, 255, 255]);
    expect(px(p, x0 + 1, y0 + 1)).toEqual([0, 0, 0, 255]); // nearest-neighbour 2×2 block
  });

  it('labels are drawn through the panel layout and the thumbnails stay exact', async () => {
    const images = [
      [0, 1, 1, 0],
      [1, 0, 0, 1],
    ];
    const p = decode(await imageGridPng(images, 2, 2, { cols: 2, cellSize: 20, labels: ['a & b', '<c>'] }));
    const labels = ['a & b', '<c>'];
    const fig = panelFigureSvg(
      images.map((d, i) => ({ image: heatmapImage(d, 2, 2, { cmap: 'grey' }), title: labels[i]! })),
      { cols: 2, cellSize: 20, gap: 4 },
    );
    expect([p.width, p.height]).toEqual([fig.width, fig.height]);
    const b = fig.boxes[1]!;
    expect(px(p, b.x, b.y)).toEqual([255, 255, 255, 255]);
    expect(px(p, b.x + 10, b.y)).toEqual([0, 0, 0, 255]);
  });
});

describe('overlays', () => {
  it('blends by hand at a pixel: (1−α)·grey + α·heat', async () => {
    const grey = [0, 1, 0.25, 0.5];
    const heat = [-2, 2, 0, 1];
    const alpha = 0.3;
    const p = decode(await overlayPng(grey, heat, 2, 2, { alpha }));
    // pixel 3: grey value 0.5 of [0,1] → 128; heat 1 of ±2 → t = 0.75
    const g = 128,
      c = sampleColormap('diverging', 0.75);
    expect(px(p, 1, 1)).toEqual([0, 1, 2].map((k) => Math.round((1 - alpha) * g + alpha * c[k]!)).concat(255));
    // pixel 2: heat 0 → white; grey 0.25 → 64
    expect(px(p, 0, 1)).toEqual([0, 1, 2].map(() => Math.round(0.7 * 64 + 0.3 * 255)).concat(255));
    // pixel 0: grey black, heat = −max → lowest blue
    const lo = sampleColormap('diverging', 0);
    expect(px(p, 0, 0)).toEqual([0, 1, 2].map((k) => Math.round(0.3 * lo[k]!)).concat(255));
  });

  it('weighted overlay: opacity scales with the distance from the centre of the diverging map', async () => {
    const grey = [0, 1, 0.5, 0.5];
    const heat = [0, -4, 2, 4]; // limits ±4 → t = 0.5, 0, 0.75, 1 → weights 0, 1, 0.5, 1
    const p = decode(await overlayPng(grey, heat, 2, 2, { alpha: 0.8, weighted: true }));
    expect(px(p, 0, 0)).toEqual([0, 0, 0, 255]); // heat 0: the image alone
    const lo = sampleColormap('diverging', 0),
      mid = sampleColormap('diverging', 0.75);
    expect(px(p, 1, 0)).toEqual([0, 1, 2].map((k) => Math.round(0.2 * 255 + 0.8 * lo[k]!)).concat(255));
    expect(px(p, 0, 1)).toEqual([0, 1, 2].map((k) => Math.round(0.6 * 128 + 0.4 * mid[k]!)).concat(255));
  });

  it('hot pixels are painted dark red over the grey image', async () => {
    const p = decode(await hotPixelsPng([0, 1, 0.5, 0.5], [0, 1, 0, 0], 2, 2, { scale: 2 }));
    expect([p.width, p.height]).toEqual([4, 4]);
    expect(px(p, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(px(p, 3, 1)).toEqual([139, 0, 0, 255]);
    expect(px(p, 1, 3)).toEqual([128, 128, 128, 255]);
  });

  it('hotPixelMask pools the top fraction of each map', () => {
    const a = [0, 9, 1, 2],
      b = [5, 0, 1, 0];
    expect([...hotPixelMask([a, b], { fraction: 0.25 })]).toEqual([1, 1, 0, 0]);
    expect([...hotPixelMask([[-7, 1, 2, 3]], { fraction: 0.25, absolute: true })]).toEqual([1, 0, 0, 0]);
  });
});

describe('panels', () => {
  it('saliency panel: image grey, saliency viridis, gradients grey with 0 at mid-grey', async () => {
    const img = [0, 1, 0, 1],
      sal = [0, 0.5, 0.5, 1],
      gx = [-1, 0, 0, 1],
      gy = [0, 0, 0, 2];
    const panels = panelFigureSvg(
      [0, 1, 2, 3].map(() => ({ image: heatmapImage([0, 0, 0, 0], 2, 2), title: 't' })),
      { cellSize: 128 },
    );
    const p = decode(await saliencyPanelPng(img, sal, gx, gy, 2, 2));
    expect([p.width, p.height]).toEqual([panels.width, panels.height]);
    const [b0, b1, b2, b3] = panels.boxes as [(typeof panels.boxes)[0], (typeof panels.boxes)[0], (typeof panels.boxes)[0], (typeof panels.boxes)[0]];
    expect(px(p, b0.x, b0.y)).toEqual([0, 0, 0, 255]);
    expect(px(p, b0.x + 127, b0.y)).toEqual([255, 255, 255, 255]);
    expect(px(p, b1.x, b1.y)).toEqual(VIR0);
    expect(px(p, b1.x + 127, b1.y + 127)).toEqual(VIR255);
    expect(px(p, b2.x + 127, b2.y)).toEqual([128, 128, 128, 255]);
    expect(px(p, b3.x, b3.y)).toEqual([128, 128, 128, 255]);
    expect(px(p, b3.x + 127, b3.y + 127)).toEqual([255, 255, 255, 255]);
  });

  it('panel titles are escaped in the SVG and the layout is row-major', async () => {
    const im = heatmapImage([1], 1, 1);
    const fig = panelFigureSvg([{ image: im, title: '<b>&"' }, { image: im }, { image: im }], { cols: 2, title: "it's", rowLabels: ['r1', 'r2'] });
    expect(fig.svg).toContain('&lt;b&gt;&amp;&quot;');
    expect(fig.svg).toContain('it&#39;s');
    expect(fig.svg).not.toContain('<b>');
    expect(fig.boxes[1]!.y).toBe(fig.boxes[0]!.y);
    expect(fig.boxes[2]!.x).toBe(fig.boxes[0]!.x);
    expect(fig.boxes[2]!.y).toBeGreaterThan(fig.boxes[0]!.y);
    const p = decode(await panelFigurePng([{ image: im }], { gap: 3 }));
    expect([p.width, p.height]).toEqual([7, 7]);
  });
});

describe('layout sizes', () => {
  it('a long figure title widens the figure and the panels are centred under it', () => {
    const im = heatmapImage([1, 2, 3, 4], 2, 2);
    const narrow = panelFigureSvg([{ image: im }], { gap: 4 });
    expect([narrow.width, narrow.boxes[0]!.x]).toEqual([10, 4]);
    const title = 'a long title of forty characters........';
    const wide = panelFigureSvg([{ image: im }], { gap: 4, title });
    expect(wide.width).toBeGreaterThan(title.length * 15 * 0.5);
    const b = wide.boxes[0]!;
    expect(Math.abs(b.x - (wide.width - b.x - b.width))).toBeLessThanOrEqual(1);
  });
});
