import { checkNumber, resolveOptions, SalConfigError } from '@sal/types';
import { FONT_FAMILY, escapeXml, svgToPng } from './svg.js';

/** Options of {@link modelSchemaSvg}. */
export interface ModelSchemaOptions {
  /** Title drawn at the top (escaped). @default 'Saliency-shifter model' */
  title?: string;
  /** Label of the remapper's input (e.g. 'ones (control)', 'image (control)'). @default 'saliency + ∂x, ∂y' */
  remapperInput?: string;
  /** The remapper's amplitude: its field is tanh(·) × this, in [−1, 1] grid units (the run's `maxRemapAmplitude`). @default 0.2 */
  maxRemapAmplitude?: number;
  /** Whether each neuron's shift is scaled by a learned per-neuron gain gₙ (the run's `neuronShiftGain`). @default false */
  neuronShiftGain?: boolean;
}

/** Defaults of {@link ModelSchemaOptions} (those of the saliency-shifter readout). */
export const MODEL_SCHEMA_DEFAULTS: Readonly<Required<ModelSchemaOptions>> = Object.freeze({
  title: 'Saliency-shifter model',
  remapperInput: 'saliency + ∂x, ∂y',
  maxRemapAmplitude: 0.2,
  neuronShiftGain: false,
});

/** The amplitude as written in the schema and its caption: up to 4 significant digits, no trailing zeros. */
export const formatAmplitude = (a: number): string => String(Number(a.toPrecision(4)));

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  lines: string[];
  fill: string;
}

const W = 820,
  H = 330;

function box(b: Box): string {
  const cy = b.y + b.h / 2 - ((b.lines.length - 1) * 15) / 2 + 4;
  const text = b.lines
    .map(
      (l, i) =>
        `<text x="${b.x + b.w / 2}" y="${cy + i * 15}" text-anchor="middle" font-size="${i === 0 ? 13 : 11}" font-weight="${i === 0 ? 'bold' : 'normal'}">${escapeXml(l)}</text>`,
    )
    .join('');
  return `<g class="schema-box"><rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="8" fill="${b.fill}" stroke="#444" stroke-width="1.2"/>${text}</g>`;
}

function arrow(x1: number, y1: number, x2: number, y2: number, label = ''): string {
  const l = label
    ? `<text x="${(x1 + x2) / 2 + (x1 === x2 ? 6 : 0)}" y="${(y1 + y2) / 2 - (x1 === x2 ? 0 : 6)}" text-anchor="${x1 === x2 ? 'start' : 'middle'}" font-size="10" fill="#555">${escapeXml(label)}</text>`
    : '';
  return `<line class="schema-arrow" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#444" stroke-width="1.5" marker-end="url(#sal-schema-arrowhead)"/>${l}`;
}

/**
 * Figure 2: a diagram of the saliency-shifter model. The core sees the image and yields a feature map;
 * the remapper sees the saliency map and its gradients and yields a shift field (tanh × `maxRemapAmplitude`, grid
 * units), read per neuron at its position (times a learned gain gₙ with `neuronShiftGain`) as the shift of its
 * readout position; the Gaussian readout samples the features at μₙ + Δμₙ; ELU + 1 gives the rate.
 * Returns a standalone SVG document (hand-drawn, deterministic).
 */
export function modelSchemaSvg(opts: ModelSchemaOptions = {}): string {
  const where = 'viz.modelSchemaSvg';
  const o = resolveOptions(where, MODEL_SCHEMA_DEFAULTS, opts);
  checkNumber(where, 'maxRemapAmplitude', o.maxRemapAmplitude, { min: 0 });
  if (typeof o.neuronShiftGain !== 'boolean') throw new SalConfigError(where, 'neuronShiftGain', 'a boolean', o.neuronShiftGain);
  const title = o.title;
  const remapIn = o.remapperInput;
  const shiftLines = o.neuronShiftGain
    ? ['per-neuron shift', 'Δμₙ = gₙ · field(μₙ), gₙ learned', '[B,N,2] per image']
    : ['per-neuron shift', 'Δμₙ = field(μₙ)', '[B,N,2] per image'];
  const top = 60,
    bot = 210,
    bh = 70;
  const boxes: Box[] = [
    { x: 20, y: top, w: 120, h: bh, lines: ['image', 'x [B,H,W,1]'], fill: '#eeeeee' },
    { x: 185, y: top, w: 140, h: bh, lines: ['core', 'conv stack (SE)', 'features [B,h,w,F]'], fill: '#dbe9f6' },
    { x: 420, y: top, w: 180, h: bh, lines: ['Gaussian readout', 'features at μₙ + Δμₙ', '· weights wₙ + bₙ'], fill: '#e5f5e0' },
    { x: 650, y: top, w: 150, h: bh, lines: ['ELU + 1', 'rate per neuron [B,N]'], fill: '#fdeadd' },
    { x: 20, y: bot, w: 120, h: bh, lines: ['remapper input', remapIn], fill: '#eeeeee' },
    { x: 185, y: bot, w: 140, h: bh, lines: ['remapper', 'conv stack, tanh', `× ${formatAmplitude(o.maxRemapAmplitude)} (grid units)`], fill: '#f2e6f7' },
    { x: 420, y: bot, w: 180, h: bh, lines: shiftLines, fill: '#fff7cc' },
  ];
  const parts = [
    `<defs><marker id="sal-schema-arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>`,
    `<text x="${W / 2}" y="30" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    ...boxes.map(box),
    arrow(140, top + bh / 2, 183, top + bh / 2),
    arrow(325, top + bh / 2, 418, top + bh / 2, 'features'),
    arrow(600, top + bh / 2, 648, top + bh / 2),
    arrow(140, bot + bh / 2, 183, bot + bh / 2),
    arrow(325, bot + bh / 2, 418, bot + bh / 2, 'shift'),
    arrow(510, bot, 510, top + bh + 2, 'moves μₙ'),
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle" font-size="11" fill="#555">${escapeXml('Controls: the remapper sees a tensor of ones or the image itself instead of the saliency channels.')}</text>`,
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT_FAMILY}" fill="#222"><rect width="${W}" height="${H}" fill="#ffffff"/>${parts.join('')}</svg>`;
}

/** {@link modelSchemaSvg} rendered to PNG. */
export async function modelSchemaPng(opts: ModelSchemaOptions = {}, scale = 1): Promise<Uint8Array> {
  return svgToPng(modelSchemaSvg(opts), { scale });
}
