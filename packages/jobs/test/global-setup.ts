/**
 * Starts a real PostgreSQL server (this machine's, found under /usr/lib/postgresql/<v>/bin) in a temporary folder
 * for the tests, on a Unix socket in that folder and 127.0.0.1, and removes it after. Builds this package's dist/
 * too: the worker processes the tests start are plain Node, which runs JavaScript.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalPostgres, type LocalPostgres } from '../src/local-server.js';

let server: LocalPostgres | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  execFileSync(process.execPath, [join(import.meta.dirname, '../../../node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: join(import.meta.dirname, '..'),
    stdio: 'inherit',
  });
  server = await startLocalPostgres(mkdtempSync(join(tmpdir(), 'sal-pg-')), { unsafeFast: true });
  project.provide('pgUrl', server.url);
  project.provide('pgTcpUrl', server.tcpUrl);
  return async () => {
    await server?.destroy();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    pgTcpUrl: string;
  }
}
