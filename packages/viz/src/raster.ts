import { PNG } from 'pngjs';
import { SalShapeError, SalConfigError } from '@sal/types';

/** An RGBA image: `data` holds `height*width*4` bytes, row-major, top row first. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

/** A new image filled with one colour (default opaque white). */
export function createImage(width: number, height: number, fill: readonly [number, number, number, number] = [255, 255, 255, 255]): RgbaImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new SalShapeError('viz.createImage', '[height>=1,width>=1]', [height, width]);
  }
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = fill[0];
    data[i + 1] = fill[1];
    data[i + 2] = fill[2];
    data[i + 3] = fill[3];
  }
  return { width, height, data };
}

/** Check that a flat array holds `h*w` values; `where` names the function and argument. */
export function checkPlane(where: string, data: ArrayLike<number>, h: number, w: number): void {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) throw new SalShapeError(where, '[h>=1,w>=1]', [h, w]);
  if (!data || typeof data.length !== 'number') throw new TypeError(`${where}: expected an array of numbers`);
  if (data.length !== h * w) throw new SalShapeError(where, [h * w], [data.length], `a flat [${h},${w}] array`);
}

/** Wrap RGBA bytes `[h*w*4]` as an image. */
export function rgbaImage(data: Uint8ClampedArray, height: number, width: number): RgbaImage {
  if (data.length !== height * width * 4) throw new SalShapeError('viz.rgbaImage', [height * width * 4], [data.length]);
  return { width, height, data };
}

/** Scale an image up by an integer factor with nearest-neighbour sampling (each pixel becomes a k×k block). */
export function upscale(img: RgbaImage, k: number): RgbaImage {
  if (!Number.isInteger(k) || k < 1) throw new SalConfigError('viz.upscale', 'k', 'an integer >= 1', k);
  if (k === 1) return img;
  const W = img.width * k,
    H = img.height * k;
  const out = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) {
    const sy = Math.floor(y / k);
    for (let x = 0; x < W; x++) {
      const s = (sy * img.width + Math.floor(x / k)) * 4,
        d = (y * W + x) * 4;
      out[d] = img.data[s]!;
      out[d + 1] = img.data[s + 1]!;
      out[d + 2] = img.data[s + 2]!;
      out[d + 3] = img.data[s + 3]!;
    }
  }
  return { width: W, height: H, data: out };
}

/** Resize to exactly `width`×`height` with nearest-neighbour sampling (pixel centres). */
export function resizeNearest(img: RgbaImage, width: number, height: number): RgbaImage {
  if (width === img.width && height === img.height) return img;
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(img.height - 1, Math.floor(((y + 0.5) * img.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(img.width - 1, Math.floor(((x + 0.5) * img.width) / width));
      const s = (sy * img.width + sx) * 4,
        d = (y * width + x) * 4;
      out[d] = img.data[s]!;
      out[d + 1] = img.data[s + 1]!;
      out[d + 2] = img.data[s + 2]!;
      out[d + 3] = img.data[s + 3]!;
    }
  }
  return { width, height, data: out };
}

/** Copy `src` into `dst` with its top-left corner at (x, y), clipped to `dst` (opaque copy, no blending). */
export function blit(dst: RgbaImage, src: RgbaImage, x: number, y: number): void {
  for (let r = 0; r < src.height; r++) {
    const ty = y + r;
    if (ty < 0 || ty >= dst.height) continue;
    for (let c = 0; c < src.width; c++) {
      const tx = x + c;
      if (tx < 0 || tx >= dst.width) continue;
      const s = (r * src.width + c) * 4,
        d = (ty * dst.width + tx) * 4;
      dst.data[d] = src.data[s]!;
      dst.data[d + 1] = src.data[s + 1]!;
      dst.data[d + 2] = src.data[s + 2]!;
      dst.data[d + 3] = src.data[s + 3]!;
    }
  }
}

/** Encode an image as PNG bytes (8-bit RGBA, deterministic). */
export function encodePng(img: RgbaImage): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height, colorType: 6, inputHasAlpha: true });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const buf = PNG.sync.write(png, { colorType: 6 });
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Decode PNG bytes into an RGBA image (any PNG colour type). */
export function decodePng(bytes: Uint8Array): RgbaImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

/** PNG bytes as a `data:image/png;base64,…` URI. */
export function pngDataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
}
