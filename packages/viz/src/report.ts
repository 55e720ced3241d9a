import { SalConfigError, SalDataError } from '@sal/types';
import { escapeXml } from './svg.js';

/** A figure of the report: PNG bytes or an SVG document, with a caption. */
export interface ReportFigure {
  kind: 'figure';
  /** PNG bytes (inlined as a data URI). Exactly one of `png` and `svg`. */
  png?: Uint8Array;
  /** An SVG document (inlined as a data URI, so any script in it never runs). */
  svg?: string;
  /** Caption under the figure (escaped). */
  caption?: string;
  /** Alternative text (escaped); defaults to the caption. */
  alt?: string;
}
/** A paragraph of plain text (escaped; blank lines are not interpreted). */
export interface ReportParagraph {
  kind: 'paragraph';
  text: string;
}
/** A bulleted list of plain-text items (escaped). */
export interface ReportList {
  kind: 'list';
  items: readonly string[];
}
/** A table; numbers are shown with 4 significant digits. Every cell and header is escaped. */
export interface ReportTable {
  kind: 'table';
  columns: readonly string[];
  rows: readonly (readonly (string | number | boolean | null)[])[];
  caption?: string;
}
/** One block of a section. */
export type ReportBlock = ReportFigure | ReportParagraph | ReportList | ReportTable;

/** A section: a heading and its blocks, in order. */
export interface ReportSection {
  heading: string;
  blocks: readonly ReportBlock[];
}

/** Options of {@link buildReport}. */
export interface ReportOptions {
  /** Document title (`<title>` and the top heading; escaped). @default 'sal report' */
  title?: string;
  /** A line under the title, e.g. the data set and date (escaped). @default '' */
  subtitle?: string;
  /** Add a table of contents linking to the sections. @default true */
  toc?: boolean;
}

const CSS = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0 auto;max-width:60rem;padding:1.5rem 1.25rem 4rem;font:16px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d1d1f;background:#fff}
h1{font-size:1.9rem;line-height:1.25;margin:.5rem 0 .25rem}
h2{font-size:1.35rem;margin:2.25rem 0 .75rem;padding-bottom:.25rem;border-bottom:1px solid #ddd}
.subtitle{color:#555;margin:0 0 1.5rem}
p{margin:.75rem 0}
nav ol{padding-left:1.25rem;margin:.5rem 0 1.5rem}
figure{margin:1.25rem 0;text-align:center}
figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption,caption{font-size:.9rem;color:#444;margin-top:.4rem;text-align:left}
caption{caption-side:bottom;margin-top:.4rem}
.table-wrap{overflow-x:auto;margin:1rem 0}
table{border-collapse:collapse;font-size:.92rem;min-width:50%}
th,td{border:1px solid #d0d0d0;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
@media (max-width:600px){body{font-size:15px;padding:1rem .75rem}}
`.trim();

function cell(v: string | number | boolean | null): { html: string; num: boolean } {
  if (typeof v === 'number') return { html: escapeXml(Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v)), num: true };
  if (v === null) return { html: '', num: false };
  return { html: escapeXml(String(v)), num: false };
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function figureHtml(f: ReportFigure, where: string): string {
  if ((f.png === undefined) === (f.svg === undefined)) throw new SalConfigError(where, 'png/svg', 'exactly one of png and svg', Object.keys(f));
  let src: string;
  if (f.png !== undefined) {
    if (!(f.png instanceof Uint8Array) || !PNG_SIGNATURE.every((b, i) => f.png![i] === b))
      throw new SalDataError(where, 'PNG bytes', 'bytes without the PNG signature');
    src = `data:image/png;base64,${base64(f.png)}`;
  } else {
    const svg = String(f.svg).trimStart();
    if (!/^(<\?xml[^>]*>\s*)?<svg[\s>]/.test(svg)) throw new SalDataError(where, 'an SVG document', svg.slice(0, 40));
    src = `data:image/svg+xml;base64,${base64(new TextEncoder().encode(svg))}`;
  }
  const alt = f.alt ?? f.caption ?? '';
  const cap = f.caption ? `<figcaption>${escapeXml(f.caption)}</figcaption>` : '';
  return `<figure><img src="${src}" alt="${escapeXml(alt)}" loading="lazy">${cap}</figure>`;
}

function blockHtml(b: ReportBlock, where: string): string {
  switch (b?.kind) {
    case 'paragraph':
      return `<p>${escapeXml(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${escapeXml(i)}</li>`).join('')}</ul>`;
    case 'table': {
      const head = `<thead><tr>${b.columns.map((c) => `<th scope="col">${escapeXml(c)}</th>`).join('')}</tr></thead>`;
      const body = b.rows
        .map((r, i) => {
          if (r.length !== b.columns.length) throw new SalDataError(`${where}.rows[${i}]`, `${b.columns.length} cells`, r.length);
          return `<tr>${r
            .map((v) => {
              const c = cell(v);
              return `<td${c.num ? ' class="num"' : ''}>${c.html}</td>`;
            })
            .join('')}</tr>`;
        })
        .join('');
      const cap = b.caption ? `<caption>${escapeXml(b.caption)}</caption>` : '';
      return `<div class="table-wrap"><table>${cap}${head}<tbody>${body}</tbody></table></div>`;
    }
    case 'figure':
      return figureHtml(b, where);
    default:
      throw new SalConfigError(where, 'kind', "one of 'paragraph', 'list', 'table', 'figure'", (b as { kind?: unknown })?.kind);
  }
}

/**
 * Assemble one self-contained HTML document: inline CSS, every figure inlined as a data URI, no
 * external request (a Content-Security-Policy forbids any), every supplied string escaped.
 * The output depends only on the input (no timestamps), so the same input gives the same bytes.
 */
export function buildReport(sections: readonly ReportSection[], opts: ReportOptions = {}): string {
  const where = 'viz.buildReport';
  if (!Array.isArray(sections)) throw new TypeError(`${where}: sections must be an array`);
  const { title = 'sal report', subtitle = '', toc = true } = opts;
  const body = sections
    .map((s, i) => {
      if (typeof s?.heading !== 'string' || !Array.isArray(s.blocks)) throw new TypeError(`${where}: sections[${i}] needs a heading and blocks`);
      return `<section id="s${i + 1}"><h2>${escapeXml(s.heading)}</h2>${s.blocks.map((b: ReportBlock, j: number) => blockHtml(b, `${where}: sections[${i}].blocks[${j}]`)).join('\n')}</section>`;
    })
    .join('\n');
  const nav =
    toc && sections.length > 1
      ? `<nav aria-label="Contents"><ol>${sections.map((s, i) => `<li><a href="#s${i + 1}">${escapeXml(s.heading)}</a></li>`).join('')}</ol></nav>`
      : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`,
    `<title>${escapeXml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    `<header><h1>${escapeXml(title)}</h1>${subtitle ? `<p class="subtitle">${escapeXml(subtitle)}</p>` : ''}</header>`,
    nav,
    `<main>${body}</main>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
