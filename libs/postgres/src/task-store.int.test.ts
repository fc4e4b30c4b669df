import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { TaskStore } from '@asyncfn/contracts';
import { acceptedDocument } from '@asyncfn/core';
import { serverUrls, testNames } from '../../../test/harness/env.js';
import { describeTaskStoreContract } from '../../../test/harness/task-store-contract.js';
import { acceptedTask } from '../../../test/harness/accepted-task.js';
import { connectPostgres } from './connect.js';
import { dropTaskSchema, ensureTaskTable, startTaskRetention, taskTable } from './task-table.js';
import { createPgTaskStore } from './task-store.js';

const names = testNames('pgtaskstore');
let pool: pg.Pool;
let store: TaskStore;

beforeAll(async () => {
  const url = serverUrls().postgresUrl;
  if (!url) throw new Error('no PostgreSQL configured: deploy/local writes <secrets>/postgres-url on start');
  pool = await connectPostgres(url, { onIdleError: () => undefined });
  // Two services starting at once both make the table: neither fails.
  await Promise.all([ensureTaskTable(pool, names), ensureTaskTable(pool, names)]);
  store = createPgTaskStore(pool, names);
});

afterAll(async () => {
  await dropTaskSchema(pool, names.namespace);
  await pool.end();
});

describeTaskStoreContract(() => store);

describe('the PostgreSQL task store', () => {
  it('deletes the tasks whose retention ended, and only those', async () => {
    const now = Date.now();
    const expired = { ...acceptedDocument(acceptedTask('old').claim, 1_000), history: [] };
    const kept = { ...acceptedDocument(acceptedTask('new').claim, 3_600_000), history: [] };
    expired.expireAt = new Date(now - 5_000);
    await store.applyWrites([], [expired, kept], []);
    const retention = startTaskRetention({
      pool,
      names,
      everyMs: 60_000,
      onError: (err) => {
        throw err;
      },
    });
    await expect
      .poll(async () => (await store.get('default', 'old')) === undefined, { timeout: 5_000 })
      .toBe(true);
    retention.stop();
    expect(await store.get('default', 'new')).toBeDefined();
  });

  it('names a database that refuses the login in its error, without the password', async () => {
    const url = new URL(serverUrls().postgresUrl!);
    url.password = 'wrong-password';
    const failed = connectPostgres(url.href, { onIdleError: () => undefined });
    await expect(failed).rejects.toThrow(/PostgreSQL is not reachable at postgres:\/\/asyncfn:\*\*\*@/);
    await expect(failed).rejects.not.toThrow(/wrong-password/);
  });

  it('keeps each namespace in its own schema, dropped whole', async () => {
    const other = testNames('pgdrop');
    await ensureTaskTable(pool, other);
    await createPgTaskStore(pool, other).applyWrites(
      [],
      [acceptedDocument(acceptedTask('x').claim, 60_000)],
      [],
    );
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${taskTable(other)}`)).rows[0].n).toBe(1);
    expect(await store.get('default', 'x')).toBeUndefined();
    await dropTaskSchema(pool, other.namespace);
    await expect(pool.query(`SELECT 1 FROM ${taskTable(other)}`)).rejects.toThrow(/does not exist/);
  });
});
