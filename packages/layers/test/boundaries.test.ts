/**
 * `@sal/layers` is a portable leaf: its entry reaches no Node module, no backend and no other `@sal` package
 * than `@sal/types` (cores and readouts import it, never the other way round).
 */
import { expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

it('every module reachable from src/index.ts imports only tfjs-core, @sal/types and its siblings', () => {
  const src = join(import.meta.dirname, '..', 'src');
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(src, file), 'utf8');
    for (const m of text.matchAll(/from '([^']+)'/g)) {
      const spec = m[1]!;
      if (spec.startsWith('./')) visit(spec.slice(2).replace(/\.js$/, '.ts'));
      else expect(['@tensorflow/tfjs-core', '@sal/types'], `${file} imports ${spec}`).toContain(spec);
    }
  };
  visit('index.ts');
  expect([...seen].sort()).toEqual(
    readdirSync(src)
      .filter((f) => f.endsWith('.ts'))
      .sort(),
  );
});
