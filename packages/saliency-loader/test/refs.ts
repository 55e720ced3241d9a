/** The scipy/skimage/numpy reference outputs written by `fixtures/make_fixtures.py`. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

interface Arr {
  shape: number[];
  values: number[];
}
export interface References {
  npy: Record<string, Arr>;
  filters: Record<string, unknown> & { img: Arr; big: Arr };
}

export const refs: References = JSON.parse(readFileSync(`${FIXTURES}references.json`, 'utf8')) as References;

/** Largest |a-b| / max(1, |b|). */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)) / Math.max(1, Math.abs(b[i] as number)));
  return m;
}
