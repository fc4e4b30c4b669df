import type { FastifyInstance } from 'fastify';
import { ALL_TASK_STATUSES } from '@asyncfn/contracts';
import { parseFunctionName } from '@asyncfn/core';
import type { IngressDeps } from '../deps.js';
import { taskSchemas } from '../openapi/tasks.js';
import { API } from '../http.js';
import { listTaskPage } from './tasks.js';

type Overview = { Querystring: { functionName?: string } };

/**
 * Extensions for looking across functions (the console's task table):
 * - `GET /async-tasks`: ListAsyncTasks over all the tenant's functions, or one with
 *   `functionName`; the same query, page tokens and answer as the per-function route.
 * - `GET /async-task-counts`: `{counts: {Enqueued: n, ...}}`, every status listed (0 included).
 */
export async function taskOverviewRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const fnOf = (request: { query: { functionName?: string } }) =>
    request.query.functionName ? parseFunctionName(request.query.functionName) : undefined;

  app.get<Overview>(`${API}/async-tasks`, { schema: taskSchemas.listAll }, async (request) =>
    listTaskPage(deps, request.tenant, fnOf(request), request.query),
  );

  app.get<Overview>(`${API}/async-task-counts`, { schema: taskSchemas.counts }, async (request) => {
    const found = await deps.tasks.countByStatus(request.tenant, fnOf(request));
    return { counts: Object.fromEntries(ALL_TASK_STATUSES.map((s) => [s, found[s] ?? 0])) };
  });
}
