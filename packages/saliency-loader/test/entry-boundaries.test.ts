/** The main entry must stay free of Node-only code (fs, sharp): only the `./node` subpath may use it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../src/', import.meta.url);

function importsOf(file: string): string[] {
  const text = readFileSync(new URL(file, SRC), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

describe('entry boundaries', () => {
  it('src/index.ts never reaches node:*, sharp or node.ts', () => {
    const seen = new Set<string>();
    const external = new Set<string>();
    const stack = ['index.ts'];
    while (stack.length) {
      const f = stack.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      for (const spec of importsOf(f)) {
        if (spec.startsWith('./')) stack.push(spec.slice(2).replace(/\.js$/, '.ts'));
        else external.add(spec);
      }
    }
    expect(seen.has('dataset.ts')).toBe(true);
    expect(seen.has('node.ts')).toBe(false);
    expect([...external].sort()).toEqual(['@sal/types', 'fflate', 'ndarray']); // ndarray: toNdarray views
    expect(importsOf('node.ts')).toContain('sharp');
  });
});
