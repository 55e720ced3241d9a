/** The README's example runs as written and prints what the README says it prints. */
import { afterEach, expect, it, vi } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

afterEach(() => {
  vi.restoreAllMocks();
});

it('the README example prints its documented output', async () => {
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const example = readme.split('## Example')[1]!;
  const code = /```ts\n([\s\S]*?)```/.exec(example)![1]!;
  const printed = /prints\n\n```text\n([\s\S]*?)```/.exec(example)![1]!;
  // inside the package (git-ignored), so that '@sal/layers' resolves as for a user
  const dir = join(here, '..', 'node_modules', '.readme');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'example.ts');
  writeFileSync(file, code);
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  await import(pathToFileURL(file).href);
  expect(lines.join('\n') + '\n').toBe(printed);
});
