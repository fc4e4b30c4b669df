import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readSecretFile, secretsDir } from '@asyncfn/config';
import pg from 'pg';

/*
 * pg-boss's database: a database of its own on the stack's PostgreSQL (deploy/local's cluster, the
 * one under FerretDB), created on first use. PGBOSS_URL points the peer at another server.
 */

/** deploy/local's PostgreSQL as its superuser (the password from the generated secrets, when there are some). */
function localServerUrl(): string {
  const file = join(secretsDir(), 'pg-postgres.password');
  const password = existsSync(file)
    ? `:${encodeURIComponent(readSecretFile(file, 'PostgreSQL password'))}`
    : '';
  return `postgres://postgres${password}@127.0.0.1:54329`;
}

export const PG_SERVER_URL = process.env.PGBOSS_SERVER_URL ?? localServerUrl();
export const PGBOSS_DATABASE = 'asyncfn_bench_pgboss';

export function pgbossUrl(): string {
  return process.env.PGBOSS_URL ?? `${PG_SERVER_URL}/${PGBOSS_DATABASE}`;
}

/** Creates the peer's database unless it exists (or PGBOSS_URL names one elsewhere). */
export async function ensurePgbossDatabase(): Promise<void> {
  if (process.env.PGBOSS_URL) return;
  const client = new pg.Client({ connectionString: `${PG_SERVER_URL}/postgres` });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      PGBOSS_DATABASE,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE ${PGBOSS_DATABASE}`);
  } finally {
    await client.end();
  }
}

/** pg-boss ids are UUIDs: the bench's task id, hashed into one (the same id, the same job). */
export function jobIdOf(taskId: string): string {
  const h = createHash('sha1').update(taskId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
