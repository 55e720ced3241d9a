#!/usr/bin/env node
// Runs every benchmark in bench/ (or those named) one after another and prints their tables.
// Benchmarks import the built packages: `npm run bench` builds first.
// Usage: node bench/run.mjs [name ...] [-- args passed to each benchmark]
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const names = sep >= 0 ? argv.slice(0, sep) : argv;
const passed = sep >= 0 ? argv.slice(sep + 1) : [];
const all = readdirSync(here).filter((f) => f.endsWith('.mjs') && f !== 'run.mjs').sort();
const chosen = names.length ? all.filter((f) => names.some((n) => f.startsWith(n))) : all;
let failed = 0;
for (const f of chosen) {
  console.log(`\n## ${f}`);
  const r = spawnSync(process.execPath, [join(here, f), ...passed], { stdio: 'inherit' });
  if (r.status !== 0) { failed++; console.log(`(${f} exited with ${r.status})`); }
}
process.exit(failed ? 1 : 0);
