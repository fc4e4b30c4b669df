import type { FastifyInstance } from 'fastify';
import { parseDelaySeconds, parseFunctionName, parseTaskId } from '@asyncfn/core';
import { currentTraceparent } from '@asyncfn/nats';
import type { IngressDeps } from '../deps.js';
import { taskSchemas } from '../openapi/tasks.js';
import { sendAccepted } from '../invoke.js';
import { API, header } from '../http.js';
import { findTask } from '../find-task.js';
import { rerunTask } from '../task-control.js';

type TaskParams = { Params: { functionName: string; taskId: string } };

/**
 * Extension (FC's console "re-execute"): runs a finished task again as a new task that records
 * `rerunOf`. The body, when there is one, is the new payload; without a body the original payload
 * is used. `x-fc-async-task-id` names the new task (default: the request id), `x-fc-async-delay`
 * delays it. Answered 202 like an async invocation; 409 AsyncTaskNotFinished while the original
 * task is still going.
 */
export async function rerunRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  app.post<TaskParams>(
    `${API}/functions/:functionName/async-tasks/:taskId/rerun`,
    { schema: taskSchemas.rerun, bodyLimit: deps.limits.maxAsyncPayloadBytes + 1 },
    async (request, reply) => {
      const name = parseFunctionName(request.params.functionName);
      const { doc: original } = await findTask(deps, request.tenant, name, request.params.taskId);
      const body = Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
      const givenId = header(request, 'x-fc-async-task-id');
      const traceparent = currentTraceparent();
      const { taskId, dueAt } = await rerunTask(deps, {
        original,
        taskId: givenId !== undefined ? parseTaskId(givenId) : request.id,
        requestId: request.id,
        ...(body ? { payload: body } : {}),
        delaySeconds: parseDelaySeconds(header(request, 'x-fc-async-delay')),
        ...(traceparent ? { traceparent } : {}),
        ...(original.qualifier ? { qualifier: original.qualifier } : {}),
        ...(original.resolvedVersion ? { resolvedVersion: original.resolvedVersion } : {}),
      });
      return sendAccepted(reply, request, { taskId, dueAt }, { rerunOf: original.taskId });
    },
  );
}
