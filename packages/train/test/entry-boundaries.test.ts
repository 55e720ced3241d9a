/** The main entry must stay free of Node-only code (fs, path, crypto, native addons): only `./node` may use it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../src/', import.meta.url);

function importsOf(file: string): string[] {
  const text = readFileSync(new URL(file, SRC), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm), ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!);
}

/** Every file reached from `entry` through relative imports, and every package it names. */
function reach(entry: string): { files: Set<string>; external: Set<string> } {
  const files = new Set<string>();
  const external = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const f = stack.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    for (const spec of importsOf(f)) {
      if (spec.startsWith('./')) stack.push(spec.slice(2).replace(/\.js$/, '.ts'));
      else external.add(spec);
    }
  }
  return { files, external };
}

describe('entry boundaries', () => {
  it('src/index.ts reaches no node:* module, no native addon, no file writer and not node.ts', () => {
    const { files, external } = reach('index.ts');
    expect(files.has('trainer.ts')).toBe(true);
    for (const f of ['node.ts', 'checkpoint.ts', 'atomic.ts', 'experiments.ts']) expect(files.has(f)).toBe(false);
    expect([...external].sort()).toEqual(['@sal/types', '@tensorflow/tfjs-core']);
  });

  it('the file writers sit behind ./node, and no import circle is left', () => {
    const { files, external } = reach('node.ts');
    expect(files.has('checkpoint.ts')).toBe(true);
    expect([...external]).toContain('node:fs/promises');
    expect(importsOf('checkpoint.ts').filter((s) => s === './trainer.js')).toEqual([]);
  });
});
