/** Typed errors of @sal/jobs, beside the shared ones of @sal/types (SalConfigError for a malformed plan). */

/** The database could not be reached or refused us (wrong URL, host, port, user, database, or a timeout). */
export class SalConnectionError extends Error {
  override readonly name = 'SalConnectionError';
  constructor(
    /** The URL with any password masked. */
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot connect to the job database ${url}: ${reason}`);
  }
}

/** The database holds a sal jobs schema of another version than this sal understands. */
export class SalSchemaVersionError extends Error {
  override readonly name = 'SalSchemaVersionError';
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      actual > expected
        ? `the job database has sal jobs schema version ${actual}, written by a newer sal; this sal understands up to version ${expected}: upgrade sal on this machine`
        : `the job database has sal jobs schema version ${actual}, expected ${expected}`,
    );
  }
}

/** Mask the password of a connection URL for messages. */
export function maskUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
