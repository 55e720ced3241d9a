#!/usr/bin/env node
// The tests again on the portable path, as a machine without a C++ compiler runs them: SAL_NATIVE=0 keeps
// @sal/native's kernels and float64 routines off, so every package runs on the plain wasm kernels and its own
// composite / JavaScript paths. @sal/native itself is left out (with the addon off its suites have nothing to test),
// and so is @sal/jobs (a job queue on PostgreSQL: no tensor code, nothing the kernels change).
// Usage: node scripts/test-portable.mjs [extra turbo arguments]
import { spawnSync } from 'node:child_process';

const args = ['turbo', 'run', 'test', '--concurrency=2', '--filter=!@sal/native', '--filter=!@sal/jobs', ...process.argv.slice(2)];
console.log(`\n## portable path: SAL_NATIVE=0 npx ${args.join(' ')}`);
const r = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, SAL_NATIVE: '0' } });
process.exit(r.status ?? 1);
