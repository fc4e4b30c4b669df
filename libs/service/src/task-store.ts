import type { Db } from 'mongodb';
import type { Config } from '@asyncfn/config';
import type { Names, TaskStore } from '@asyncfn/contracts';
import { createTaskStore } from '@asyncfn/mongo';
import { connectPostgres, createPgTaskStore, ensureTaskTable, startTaskRetention } from '@asyncfn/postgres';
import type { Logger } from '@asyncfn/telemetry';

export interface OpenedTaskStore {
  store: TaskStore;
  /** The store's server answers (a health check). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The task store the configuration names (ASYNCFN_TASK_STORE). MongoDB's lives in the service's
 * database, whose indexes and retention the status service sets up itself; PostgreSQL's gets its
 * own connections, its table and, with `retention` (the status service), the minute's delete.
 */
export async function openTaskStore(options: {
  config: Config;
  names: Names;
  db: Db;
  logger: Logger;
  retention?: boolean;
}): Promise<OpenedTaskStore> {
  const { config, names, db, logger } = options;
  if (config.taskStore === 'mongodb') {
    return {
      store: createTaskStore(db, names),
      ping: async () => void (await db.command({ ping: 1 })),
      close: async () => undefined,
    };
  }
  const pool = await connectPostgres(config.postgresUrl, {
    onIdleError: (err) => logger.warn({ err: err.message }, 'PostgreSQL connection lost; reconnecting'),
  });
  await ensureTaskTable(pool, names);
  const retention = options.retention
    ? startTaskRetention({
        pool,
        names,
        onError: (err) => logger.error({ err }, 'task retention sweep failed'),
      })
    : undefined;
  return {
    store: createPgTaskStore(pool, names),
    ping: async () => void (await pool.query('SELECT 1')),
    async close() {
      retention?.stop();
      await pool.end();
    },
  };
}
