import { fileURLToPath } from 'node:url';
import PgBoss from 'pg-boss';
import { startChild } from '../lib/child.js';
import type { ProcTarget } from '../lib/resources.js';
import type { SystemUnderTest } from '../lib/system-under-test.js';
import { consumerSource } from './peer-child.js';
import { ensurePgbossDatabase, jobIdOf, pgbossUrl } from './pgboss-db.js';

/*
 * Peer: pg-boss 10, a durable queue that keeps every job's state in PostgreSQL, on the stack's own
 * PostgreSQL in a database of its own. `send` with a job id (a second send of the same id is
 * ignored, as asyncfn answers 409); the workers (a child process) fetch in batches and complete
 * them (see pgboss-worker-child.ts). Completed jobs are kept, as asyncfn keeps finished tasks.
 */

export interface PgbossPeer extends SystemUnderTest {
  close(): Promise<void>;
}

/** What did best here: 16 workers, 200 jobs a fetch, 0.5 s between empty fetches. */
export const PGBOSS_WORKERS = 16;
export const PGBOSS_BATCH = 200;
export const PGBOSS_POLL_MS = 500;

export async function startPgbossPeer(options: { namespace: string; clients: number }): Promise<PgbossPeer> {
  await ensurePgbossDatabase();
  const queueName = `${options.namespace}-peer`;
  // The producer side: no maintenance or schedules here (the worker's instance supervises).
  const boss = new PgBoss({
    connectionString: pgbossUrl(),
    max: options.clients,
    supervise: false,
    schedule: false,
  });
  boss.on('error', (err: Error) => console.error(`pg-boss: ${err.message}`));
  await boss.start();
  await boss.createQueue(queueName);
  const child = await startChild(
    'pgboss-worker',
    fileURLToPath(new URL('./pgboss-worker-child.ts', import.meta.url)),
    {
      BENCH_QUEUE: queueName,
      BENCH_PGBOSS_URL: pgbossUrl(),
      BENCH_WORKERS: String(PGBOSS_WORKERS),
      BENCH_BATCH: String(PGBOSS_BATCH),
      BENCH_POLL_MS: String(PGBOSS_POLL_MS),
    },
  );
  await child.call('run');
  const source = consumerSource(child);
  return {
    name: 'pgboss',
    async submit(id, payload) {
      await boss.send(queueName, { id, p: payload.toString('utf8') }, { id: jobIdOf(id) });
    },
    sources: () => [source],
    pauseConsumers: () => child.call('pause'),
    resumeConsumers: () => child.call('run'),
    // A sent job is in its table, where the next fetch takes it: nothing to wait for.
    settle: async () => undefined,
    targets: (): ProcTarget[] => [
      { label: 'pgboss-worker', group: 'peer', pid: child.pid, self: true, descendants: true },
    ],
    async close() {
      await child.stop();
      await boss.deleteQueue(queueName).catch(() => undefined);
      await boss.stop({ graceful: false, close: true }).catch(() => undefined);
    },
  };
}
