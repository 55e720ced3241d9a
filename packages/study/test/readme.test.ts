/** The README's first example runs and prints what the README says it prints. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as study from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README example', () => {
  it('prints the lines given after each console.log', async () => {
    const block = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    const imports = /^import \{ ([^}]+) \} from '@sal\/study';\n/.exec(block)!;
    const names = imports[1]!.split(',').map((n) => n.trim());
    const body = block.slice(imports[0].length);
    const expected = body
      .split('\n')
      .filter((l) => l.startsWith('// → '))
      .map((l) => l.slice('// → '.length));
    const printed: string[] = [];
    const log = (...args: unknown[]) => printed.push(args.join(' '));
    // the example is plain JavaScript apart from its import; run it with the package's exports in scope
    const run = new Function('console', ...names, body) as (...a: unknown[]) => void;
    run({ log }, ...names.map((n) => (study as Record<string, unknown>)[n]));
    expect(expected.length).toBe(2);
    expect(printed).toEqual(expected);
  });
});
