import type { FastifyInstance } from 'fastify';
import { Kvm } from '@nats-io/kv';
import { parseFunctionName } from '@asyncfn/core';
import { createTaskLogs } from '@asyncfn/nats';
import type { IngressDeps } from '../deps.js';
import { taskSchemas } from '../openapi/tasks.js';
import { findTask } from '../find-task.js';
import { API } from '../http.js';

type TaskParams = { Params: { functionName: string; taskId: string } };

/**
 * Extension: a task's captured stdout/stderr, every attempt under its own header (written by the
 * executors, capped at 256 KB per task, oldest output dropped first). JSON `{ logs, truncated,
 * attempts }` by default; the bare text with `Accept: text/plain` or `?format=text`.
 */
export async function logRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const logs = createTaskLogs(await new Kvm(deps.nc).open(deps.names.kv.logs));

  app.get<TaskParams & { Querystring: { format?: string } }>(
    `${API}/functions/:functionName/async-tasks/:taskId/logs`,
    { schema: taskSchemas.logs },
    async (request, reply) => {
      const name = parseFunctionName(request.params.functionName);
      const { doc } = await findTask(deps, request.tenant, name, request.params.taskId);
      const record = await logs.read(request.tenant, doc.taskId);
      const accept = request.headers.accept ?? '';
      const asText =
        request.query.format === 'text' || (accept.includes('text/plain') && !accept.includes('json'));
      if (asText) {
        return reply
          .header('content-type', 'text/plain; charset=utf-8')
          .header('x-fc-log-truncated', String(record?.truncated ?? false))
          .send(record?.logs ?? '');
      }
      return {
        taskId: doc.taskId,
        logs: record?.logs ?? '',
        truncated: record?.truncated ?? false,
        attempts: record?.attempts ?? 0,
        requestId: request.id,
      };
    },
  );
}
