/**
 * The root entry stays free of file-system code (that lives behind `@sal/viz/node`), and every public
 * figure is deterministic: the same input gives the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SalConfigError } from '@sal/types';
import * as viz from '../src/index.js';
import { sharpSvgToPng } from '../src/node.js';

describe('entry boundaries', () => {
  it('no module reachable from src/index.ts imports node:fs or node.ts', () => {
    const src = join(import.meta.dirname, '..', 'src');
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(join(src, file), 'utf8');
      expect(text, file).not.toMatch(/from '(node:)?fs(\/promises)?'/);
      expect(text, file).not.toMatch(/from 'node:|import\('node:|from 'sharp'|import\('sharp'\)/);
      for (const m of text.matchAll(/from '\.\/([\w-]+)\.js'/g)) visit(`${m[1]}.ts`);
    };
    visit('index.ts');
    expect(seen.has('node.ts')).toBe(false);
    expect(seen.size).toBe(readdirSync(src).filter((f) => f.endsWith('.ts')).length - 1);
    expect('writeReport' in viz).toBe(false);
  });
});

describe('SVG to PNG', () => {
  it('without a registered rasterizer fails with a SalConfigError naming @sal/viz/node and sharp', async () => {
    viz.setSvgRasterizer(null);
    try {
      const err = await viz.svgToPng(viz.modelSchemaSvg()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SalConfigError);
      expect((err as Error).message).toMatch(/import '@sal\/viz\/node' \(renders with sharp: npm install sharp\)/);
    } finally {
      viz.setSvgRasterizer(sharpSvgToPng);
    }
    const png = viz.decodePng(
      await viz.svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="3" height="2"><rect width="3" height="2" fill="#ff0000"/></svg>'),
    );
    expect([png.width, png.height, ...png.data.slice(0, 4)]).toEqual([3, 2, 255, 0, 0, 255]);
  });
});

describe('determinism', () => {
  it('the same input gives the same PNG and SVG bytes', async () => {
    const img = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i / 3));
    const make = async (): Promise<string[]> => [
      Buffer.from((await viz.grfPanelFigure([{ image: img, grfs: [img, img.map((v) => -v)] }], 8, 8)).png!).toString('base64'),
      Buffer.from(await viz.imageGridPng([img, img], 8, 8, { labels: ['a', 'b'] })).toString('base64'),
      (await viz.testCorrelationFigure([{ variant: 'images', cropSize: 41, correlations: [0.3, 0.4] }])).svg!,
      await viz.histogramSvg([{ name: 'h', values: img }]),
      viz.modelSchemaSvg(),
    ];
    expect(await make()).toEqual(await make());
  });
});
