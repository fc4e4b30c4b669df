import type pg from 'pg';
import type { Names } from '@asyncfn/contracts';

/*
 * A namespace's tasks live in one table of the schema named after it. The document is jsonb as
 * the status service computes it; the columns queries filter and sort on are generated from it,
 * so a write is the document alone and can never disagree with them.
 */

/** `"<namespace>".tasks`, quoted (namespaces are lower-case letters, digits and _). */
export const taskTable = (names: Names) => `"${names.database}".tasks`;

/** Creates the schema, the table and its indexes unless they exist; idempotent, safe to race. */
export async function ensureTaskTable(pool: pg.Pool, names: Names): Promise<void> {
  const table = taskTable(names);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Two services starting at once would race on the catalogue: one creates, the other waits.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`asyncfn:${names.database}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${names.database}"`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${table} (
        id text COLLATE "C" PRIMARY KEY,
        doc jsonb NOT NULL,
        history jsonb NOT NULL DEFAULT '[]',
        tenant text GENERATED ALWAYS AS (doc->>'tenant') STORED,
        function_name text GENERATED ALWAYS AS (doc->>'functionName') STORED,
        task_id text COLLATE "C" GENERATED ALWAYS AS (doc->>'taskId') STORED,
        status text GENERATED ALWAYS AS (doc->>'status') STORED,
        qualifier text GENERATED ALWAYS AS (doc->>'qualifier') STORED,
        version float8 GENERATED ALWAYS AS ((doc->>'version')::float8) STORED,
        started_time float8 GENERATED ALWAYS AS ((doc->>'startedTime')::float8) STORED,
        due_at float8 GENERATED ALWAYS AS ((doc->>'dueAt')::float8) STORED,
        expire_at float8 GENERATED ALWAYS AS ((doc->>'expireAt')::float8) STORED
      )`);
    await client.query(
      `CREATE INDEX IF NOT EXISTS tasks_list ON ${table} (tenant, function_name, started_time, id)`,
    );
    await client.query(`CREATE INDEX IF NOT EXISTS tasks_sweep ON ${table} (status, started_time, id)`);
    await client.query(
      `CREATE INDEX IF NOT EXISTS tasks_queue ON ${table} (tenant, function_name, status, due_at, id)`,
    );
    await client.query(`CREATE INDEX IF NOT EXISTS tasks_retention ON ${table} (expire_at)`);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Drops a namespace's tasks (tests and the bench, when their namespace goes). */
export async function dropTaskSchema(pool: pg.Pool, namespace: string): Promise<void> {
  if (!/^[a-z][a-z0-9_]{0,39}$/.test(namespace)) throw new Error(`invalid namespace "${namespace}"`);
  await pool.query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`);
}

/**
 * Retention: each minute, deletes the tasks whose expireAt has passed (an index serves it). A
 * task goes at most a minute or so after it expires, as with the MongoDB reaper.
 */
export function startTaskRetention(options: {
  pool: pg.Pool;
  names: Names;
  everyMs?: number;
  clock?: () => number;
  onError: (err: unknown) => void;
}): { stop(): void } {
  const clock = options.clock ?? Date.now;
  const sweep = () =>
    options.pool
      .query(`DELETE FROM ${taskTable(options.names)} WHERE expire_at < $1`, [clock()])
      .then(() => undefined, options.onError);
  let running = sweep();
  const timer = setInterval(() => {
    running = running.then(sweep);
  }, options.everyMs ?? 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
