import pg from 'pg';
import { ServerUnreachableError } from '@asyncfn/contracts';

/** Redacts the password so a URL can be logged or shown. */
export function redactPostgresUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/**
 * A connection pool, checked with one query. `onIdleError` hears of connections that fail while
 * idle (a restarted server): the pool drops them and connects again when asked.
 */
export async function connectPostgres(
  url: string,
  options: { max?: number; onIdleError: (err: Error) => void },
): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5_000,
    application_name: 'asyncfn',
  });
  pool.on('error', options.onIdleError);
  try {
    await pool.query('SELECT 1');
    return pool;
  } catch (cause) {
    await pool.end().catch(() => undefined);
    throw new ServerUnreachableError('PostgreSQL', redactPostgresUrl(url), { cause });
  }
}
