/** Connecting to the job database: a `pg` pool with a bounded connect timeout and typed errors. */
import pg from 'pg';
import { SalConfigError } from '@sal/types';
import { SalConnectionError, maskUrl } from './errors.js';

/** Options of {@link connectPool}. */
export interface ConnectOptions {
  /** Give up connecting after this long (each attempt of each connection). @default 5000 */
  connectTimeoutMs?: number;
  /** Connections this process keeps at most. @default 4 */
  poolSize?: number;
  /** `application_name` shown in `pg_stat_activity`. @default 'sal' */
  applicationName?: string;
}

/** Check that `url` looks like a PostgreSQL URL; a SalConfigError names `--db` otherwise. */
export function checkDbUrl(url: unknown, where = '--db'): string {
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) {
    throw new SalConfigError(where, 'db', 'a PostgreSQL URL such as postgresql://user@host:5432/sal', typeof url === 'string' ? maskUrl(url) : url);
  }
  return url;
}

/**
 * Open a pool and check that one connection works (`SELECT 1`); a SalConnectionError with the server's or the
 * network's reason otherwise, within `connectTimeoutMs`. Idle connections that the server drops (a restart) are
 * replaced on the next query, not fatal.
 */
export async function connectPool(url: string, options: ConnectOptions = {}): Promise<pg.Pool> {
  checkDbUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    max: options.poolSize ?? 4,
    application_name: options.applicationName ?? 'sal',
    idleTimeoutMillis: 30_000,
  });
  // an idle client losing its server emits here; without a listener the process would crash
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => undefined);
    const err = e as Error & { code?: string };
    throw new SalConnectionError(maskUrl(url), `${err.message || err.code || String(e)}${err.code ? ` (${err.code})` : ''}`);
  }
  return pool;
}

/**
 * Check out a client for a transaction. A checked-out client whose server goes away emits 'error'; without a listener
 * that event would crash the process (the pool listens only on idle clients), so one is attached while it is out and
 * the query in flight fails instead; a client that saw an error is destroyed, not returned to the pool.
 */
export async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (e: Error) => {
    broken = e;
  };
  client.on('error', onError);
  try {
    return await fn(client);
  } finally {
    client.off('error', onError);
    client.release(broken ?? false);
  }
}
