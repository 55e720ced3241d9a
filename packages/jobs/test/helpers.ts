/** Test helpers: a fresh database per test on the suite's server, and worker child processes. */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';

/** A new empty database on the server at `url`; returns its URL. */
export async function freshDatabase(url: string): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  return url.replace(/\/postgres(\?|$)/, `/${name}$1`);
}

/** Run SQL against `url` and return the rows. */
export async function sql<T = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, values)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Start a worker process (test/fixtures/worker.mjs on the built package) with the test handlers. */
export function startWorker(url: string, env: Record<string, string> = {}): ChildProcess & { exited: Promise<number | null> } {
  const child = fork(join(import.meta.dirname, 'fixtures/worker.mjs'), [], {
    // not vitest's execArgv (its --conditions would load TypeScript sources): the built package, as users run it
    execArgv: [],
    env: { ...process.env, SAL_TEST_DB: url, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  }) as ChildProcess & { exited: Promise<number | null> };
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.exited = new Promise((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null && err) process.stderr.write(`worker ${child.pid}: ${err}\n`);
      resolve(code);
    }),
  );
  return child;
}

/** Wait until `check` is true, polling every 100 ms, at most `ms`. */
export async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}
