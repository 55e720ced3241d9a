import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SalConfigError, SalDataError } from '@sal/types';
import { buildReport, heatmapPng, modelSchemaSvg, type ReportSection } from '../src/index.js';
import { writeFigure, writeReport } from '../src/node.js';

const HOSTILE = `<script>alert("x")</script> & 'q' "dq"`;

async function sections(): Promise<ReportSection[]> {
  const png = await heatmapPng([0, 1, 2, 3], 2, 2, { scale: 4 });
  return [
    {
      heading: HOSTILE,
      blocks: [
        { kind: 'paragraph', text: HOSTILE },
        { kind: 'list', items: [HOSTILE, 'plain'] },
        {
          kind: 'table',
          columns: [HOSTILE, 'r'],
          rows: [
            [HOSTILE, 0.123456789],
            ['b', null],
          ],
          caption: HOSTILE,
        },
        { kind: 'figure', png, caption: HOSTILE },
      ],
    },
    { heading: 'Model', blocks: [{ kind: 'figure', svg: modelSchemaSvg({ title: HOSTILE }), caption: 'schema' }] },
  ];
}

function base64Count(html: string, mime: string): number {
  return (html.match(new RegExp(`src="data:${mime.replace('+', '\\+')};base64,[A-Za-z0-9+/=]+"`, 'g')) ?? []).length;
}

describe('buildReport', () => {
  it('escapes every supplied string: no raw <script>, quotes or bare ampersands from the input', async () => {
    const html = buildReport(await sections(), { title: HOSTILE, subtitle: HOSTILE });
    expect(html).not.toContain('<script');
    expect(html).not.toContain('alert("x")');
    expect(html).not.toContain("'q'");
    const esc = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; &quot;dq&quot;';
    // title, h1, subtitle, h2, toc, paragraph, list item, th, td, table caption, figcaption, img alt
    expect(html.split(esc).length - 1).toBe(12);
    // every & in the document starts an entity
    const text = html.replace(/src="data:[^"]*"/g, '');
    expect(text.match(/&(?!(amp|lt|gt|quot|#39);)/g)).toBeNull();
  });

  it('is self-contained: no external URL, every figure inlined as a data URI', async () => {
    const html = buildReport(await sections(), { title: 'r' });
    expect(html).not.toMatch(/https?:|\/\/[a-z]|<link|<script|@import|url\(/i);
    expect(base64Count(html, 'image/png')).toBe(1);
    expect(base64Count(html, 'image/svg+xml')).toBe(1);
    expect((html.match(/<img /g) ?? []).length).toBe(2);
    // the inlined bytes round-trip
    const src = /src="data:image\/png;base64,([^"]+)"/.exec(html)![1]!;
    const secs = await sections();
    expect(Buffer.from(src, 'base64').equals(Buffer.from((secs[0]!.blocks[3] as { png: Uint8Array }).png))).toBe(true);
    expect(html).toContain('<style>');
    expect(html).toContain('max-width:100%');
  });

  it('numbers in tables have 4 significant digits; same input gives the same document', async () => {
    const s = await sections();
    const html = buildReport(s);
    expect(html).toContain('<td class="num">0.1235</td>');
    expect(buildReport(s)).toBe(html);
  });

  it('rejects malformed blocks', () => {
    expect(() => buildReport([{ heading: 'h', blocks: [{ kind: 'figure', png: new Uint8Array([1, 2, 3]) }] }])).toThrow(SalDataError);
    expect(() => buildReport([{ heading: 'h', blocks: [{ kind: 'figure', svg: '<div>' }] }])).toThrow(SalDataError);
    expect(() => buildReport([{ heading: 'h', blocks: [{ kind: 'figure' }] }])).toThrow(SalConfigError);
    expect(() => buildReport([{ heading: 'h', blocks: [{ kind: 'table', columns: ['a'], rows: [[1, 2]] }] }])).toThrow(SalDataError);
    expect(() => buildReport([{ heading: 'h', blocks: [{ kind: 'video' } as never] }])).toThrow(SalConfigError);
  });
});

describe('writeReport / writeFigure', () => {
  it('replaces an existing file whole and leaves no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sal-viz-'));
    try {
      const path = join(dir, 'report.html');
      await writeFile(path, 'x'.repeat(100_000));
      const html = buildReport(await sections());
      await writeReport(path, html);
      expect(await readFile(path, 'utf8')).toBe(html);
      expect(await readdir(dir)).toEqual(['report.html']);
      await writeFigure(join(dir, 'sub', 'f.svg'), '<svg/>');
      expect(await readFile(join(dir, 'sub', 'f.svg'), 'utf8')).toBe('<svg/>');
      expect(await readdir(join(dir, 'sub'))).toEqual(['f.svg']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on failure the target is untouched and no temp file remains', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sal-viz-'));
    try {
      // the target is a directory: the final rename fails
      const target = join(dir, 'taken');
      await writeFile(join(dir, 'keep.html'), 'old');
      await (await import('node:fs/promises')).mkdir(join(target, 'inner'), { recursive: true });
      await expect(writeReport(target, '<p>new</p>')).rejects.toThrow(SalDataError);
      expect((await readdir(dir)).sort()).toEqual(['keep.html', 'taken']);
      expect(await readFile(join(dir, 'keep.html'), 'utf8')).toBe('old');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
