/**
 * The root entry stays free of file-system code (that lives behind `@sal/viz/node`), and every public
 * figure is deterministic: the same input gives the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as viz from '../src/index.js';

describe('entry boundaries', () => {
  it('no module reachable from src/index.ts imports node:fs or node.ts', () => {
    const src = join(import.meta.dirname, '..', 'src');
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(join(src, file), 'utf8');
      expect(text, file).not.toMatch(/from '(node:)?fs(\/promises)?'/);
      for (const m of text.matchAll(/from '\.\/([\w-]+)\.js'/g)) visit(`${m[1]}.ts`);
    };
    visit('index.ts');
    expect(seen.has('node.ts')).toBe(false);
    expect(seen.size).toBe(readdirSync(src).filter((f) => f.endsWith('.ts')).length - 1);
    expect('writeReport' in viz).toBe(false);
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
