import { MongoClient } from 'mongodb';
import { readSetting } from '@asyncfn/config';
import type { Names, TaskStore } from '@asyncfn/contracts';
import { createTaskStore } from '@asyncfn/mongo';
import { connectPostgres, createPgTaskStore } from '@asyncfn/postgres';
import { serverUrls } from './env.js';

/**
 * The task store the services under test write (ASYNCFN_TASK_STORE, as the int-postgres project
 * sets it), for tests that check the read model below the API.
 */
export async function openTestTaskStore(names: Names): Promise<{ store: TaskStore; close(): Promise<void> }> {
  const urls = serverUrls();
  if (readSetting('ASYNCFN_TASK_STORE') === 'postgresql') {
    if (!urls.postgresUrl) throw new Error('ASYNCFN_TASK_STORE=postgresql, but no PostgreSQL is configured');
    const pool = await connectPostgres(urls.postgresUrl, { onIdleError: () => undefined });
    return { store: createPgTaskStore(pool, names), close: () => pool.end() };
  }
  const client = await new MongoClient(urls.mongoUrl).connect();
  return { store: createTaskStore(client.db(names.database), names), close: () => client.close() };
}
