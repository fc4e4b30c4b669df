import { DEFAULT_LOCAL_TENANT } from '@asyncfn/auth';
import { createNames, TERMINAL_STATUSES, type TaskStatus } from '@asyncfn/contracts';
import { connectPostgres, taskTable } from '@asyncfn/postgres';
import { monoMs, monoOf, wallOf } from '../lib/clock.js';
import type { Completion } from '../lib/completions.js';
import { CLOCK_SLACK_MS, GROUPS_PER_POLL, type ReadModel } from './read-model.js';

/* The read model of read-model.ts, where the task store is PostgreSQL: the same queries in SQL. */

const TERMINAL = [...TERMINAL_STATUSES];

export async function openPgReadModel(postgresUrl: string, namespace: string): Promise<ReadModel> {
  const pool = await connectPostgres(postgresUrl, { max: 4, onIdleError: () => undefined });
  const table = taskTable(createNames(namespace));
  const count = async (sql: string, params: unknown[]) =>
    (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${sql}`, params)).rows[0]!
      .n;
  return {
    source(functionName) {
      return {
        name: 'readModel',
        loadsSystem: true,
        async take(pending): Promise<Completion[]> {
          const found = await Promise.all(
            pending()
              .slice(0, GROUPS_PER_POLL)
              .map(async (g) => {
                const { rows } = await pool.query<{
                  task_id: string;
                  status: TaskStatus;
                  end_time: number | null;
                }>(
                  `SELECT task_id, status, (doc->>'endTime')::float8 AS end_time FROM ${table}
                    WHERE tenant = $1 AND function_name = $2 AND started_time >= $3 AND doc->>'payload' = $4`,
                  [
                    DEFAULT_LOCAL_TENANT,
                    functionName,
                    wallOf(g.oldestDueMs) - CLOCK_SLACK_MS,
                    g.payload.toString('base64'),
                  ],
                );
                return rows;
              }),
          );
          const seenMs = monoMs();
          return found
            .flat()
            .filter((r) => TERMINAL_STATUSES.has(r.status))
            .map((r) => ({ id: r.task_id, status: r.status, atMs: monoOf(r.end_time ?? 0), seenMs }));
        },
      };
    },
    async statusCounts(functionName, idPrefix) {
      const { rows } = await pool.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM ${table}
          WHERE function_name = $1 AND starts_with(task_id, $2) GROUP BY status`,
        [functionName, idPrefix],
      );
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
    multipleTerminals(idPrefix) {
      return count(
        `starts_with(task_id, $1) AND
         (SELECT count(*) FROM jsonb_array_elements(history) AS e WHERE e->>'status' = ANY($2)) > 1`,
        [idPrefix, TERMINAL],
      );
    },
    countDocs(functionName, idPrefix) {
      return count('function_name = $1 AND starts_with(task_id, $2)', [functionName, idPrefix]);
    },
    countRetried(functionName, idPrefix) {
      return count(
        `function_name = $1 AND starts_with(task_id, $2) AND (doc->>'alreadyRetriedTimes')::float8 >= 1`,
        [functionName, idPrefix],
      );
    },
    close: () => pool.end(),
  };
}
