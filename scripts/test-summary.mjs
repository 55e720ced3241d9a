#!/usr/bin/env node
// Sums the per-package vitest summaries ("Tests  3 failed | 40 passed (43)") in a log and prints one closing line
// "N passed, N failed" (", N skipped" when any). Exits 1 when the log holds no test summary at all.
// Usage: node scripts/test-summary.mjs <log>
import { readFileSync } from 'node:fs';

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips the ANSI colour codes (ESC [ … m) of the runners' output
const text = readFileSync(process.argv[2] ?? 0, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0,
  failed = 0,
  skipped = 0,
  summaries = 0;
for (const line of text.split('\n')) {
  const m = /\bTests\s+(.*)\(\d+\)\s*$/.exec(line);
  if (!m) continue;
  summaries++;
  for (const part of m[1].split('|')) {
    const n = /(\d+)\s+(passed|failed|skipped|todo)/.exec(part);
    if (!n) continue;
    const v = Number(n[1]);
    if (n[2] === 'passed') passed += v;
    else if (n[2] === 'failed') failed += v;
    else skipped += v;
  }
}
if (summaries === 0) {
  console.log('0 passed, 0 failed (no test summary found)');
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
