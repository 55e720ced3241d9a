/**
 * The sal jobs schema: what each job is (its kind, canonical config and key), which sweeps hold it, its results and
 * artefacts. The queue itself (states, leases, retries, dead letters) is pg-boss's, in its own schema. A version row
 * says which sal wrote the schema: a newer one is refused with SalSchemaVersionError rather than misread.
 */
import type pg from 'pg';
import { SalSchemaVersionError } from './errors.js';
import { withClient } from './connect.js';

/** The schema version this sal writes and understands. */
export const SCHEMA_VERSION = 1;
/** PostgreSQL schema of sal's tables. */
export const SAL_SCHEMA = 'sal_jobs';
/** PostgreSQL schema of pg-boss's tables. */
export const BOSS_SCHEMA = 'sal_boss';

const CREATE = `
CREATE SCHEMA IF NOT EXISTS ${SAL_SCHEMA};
CREATE TABLE IF NOT EXISTS ${SAL_SCHEMA}.version (
  id int PRIMARY KEY CHECK (id = 1),
  version int NOT NULL
);
CREATE TABLE IF NOT EXISTS ${SAL_SCHEMA}.job (
  key text PRIMARY KEY,
  kind text NOT NULL,
  config jsonb NOT NULL,
  queue_id uuid NOT NULL,
  created_on timestamptz NOT NULL DEFAULT now(),
  claimed_by text,
  claimed_on timestamptz,
  attempts int NOT NULL DEFAULT 0,
  last_error text
);
CREATE TABLE IF NOT EXISTS ${SAL_SCHEMA}.sweep (
  name text PRIMARY KEY,
  created_on timestamptz NOT NULL DEFAULT now(),
  submitted_on timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${SAL_SCHEMA}.sweep_job (
  sweep text NOT NULL REFERENCES ${SAL_SCHEMA}.sweep(name),
  key text NOT NULL REFERENCES ${SAL_SCHEMA}.job(key),
  position int NOT NULL,
  PRIMARY KEY (sweep, key)
);
CREATE TABLE IF NOT EXISTS ${SAL_SCHEMA}.result (
  key text PRIMARY KEY REFERENCES ${SAL_SCHEMA}.job(key),
  kind text NOT NULL,
  result jsonb NOT NULL,
  artefacts jsonb NOT NULL,
  host text NOT NULL,
  duration_ms double precision NOT NULL,
  finished_on timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${SAL_SCHEMA}.artefact (
  key text NOT NULL REFERENCES ${SAL_SCHEMA}.job(key),
  name text NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (key, name)
);
`;

/** Create the schema if absent (under an advisory lock, so racing processes are safe) and check its version. */
export async function ensureSchema(pool: pg.Pool): Promise<void> {
  await withClient(pool, async (client) => {
    try {
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('sal_jobs.schema'))");
      const exists = await client.query(`SELECT to_regclass('${SAL_SCHEMA}.version') AS t`);
      if (exists.rows[0].t !== null) {
        const v = await client.query(`SELECT version FROM ${SAL_SCHEMA}.version WHERE id = 1`);
        const actual = v.rows[0] ? Number(v.rows[0].version) : SCHEMA_VERSION;
        if (actual !== SCHEMA_VERSION) throw new SalSchemaVersionError(SCHEMA_VERSION, actual);
      }
      await client.query(CREATE);
      await client.query(`INSERT INTO ${SAL_SCHEMA}.version (id, version) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [SCHEMA_VERSION]);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  });
}
