import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SalBackendError, SalDataError } from '@sal/types';
import { setSvgRasterizer } from './svg.js';

/**
 * Renders SVG to PNG with sharp (librsvg), loaded on first use. sharp is an optional peer dependency: missing, a
 * `SalBackendError` says what to install. Importing `@sal/viz/node` registers it for every PNG figure.
 */
export async function sharpSvgToPng(svg: string, density: number): Promise<Uint8Array> {
  let sharp: typeof import('sharp')['default'];
  try {
    sharp = (await import('sharp')).default;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw e;
    throw new SalBackendError('sharp', '@sal/viz renders SVG figures to PNG with sharp, which is not installed', 'npm install sharp');
  }
  const buf = await sharp(Buffer.from(svg), { density }).ensureAlpha().png().toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

setSvgRasterizer(sharpSvgToPng);

/**
 * Write `data` to `path` atomically: write a temp file in the same directory, flush it to disk, then
 * rename it over `path`. Readers see the old file or the new one, never a partial file; on failure the
 * temp file is removed and `path` is untouched. Parent directories are created.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(tmp, 'wx');
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (err) {
    if (fh) await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw new SalDataError('viz.writeFileAtomic', 'a writable path', (err as Error).message, path);
  }
}

/** Write an HTML report (from `buildReport`) atomically to `path` (UTF-8). */
export async function writeReport(path: string, html: string): Promise<void> {
  if (typeof html !== 'string') throw new TypeError('viz.writeReport: html must be a string');
  await writeFileAtomic(path, html);
}

/** Write a figure (PNG bytes or an SVG string) atomically to `path`. */
export async function writeFigure(path: string, figure: Uint8Array | string): Promise<void> {
  await writeFileAtomic(path, figure);
}
