/** The README's example, run against the test server; its printed output is compared with the README's. */
import { expect, it, inject } from 'vitest';
import { readFileSync } from 'node:fs';
import { format } from 'node:util';
import { JobDatabase, parsePlan, runWorker } from '../src/index.js';
import { freshDatabase } from './helpers.js';

it('the README example prints what the README says', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const printed = /prints\n\n```\n([\s\S]*?)```/.exec(readme)![1]!;
  const lines: string[] = [];
  const log = (v: unknown) => lines.push(format(v)); // what console.log prints;
  const db = await JobDatabase.open(await freshDatabase(inject('pgUrl')));
  const plan = parsePlan({ name: 'squares', grids: [{ kind: 'square', axes: { x: [1, 2, 3] } }] });
  log(await db.submit(plan));
  await runWorker(db, { square: async ({ config }) => ({ result: (config['x'] as number) ** 2 }) }, { exitWhenIdleMs: 500 });
  log(await db.submit(plan));
  log((await db.results('squares')).map((r) => r.result));
  await db.close();
  expect(lines.join('\n') + '\n').toBe(printed);
});
