import type { FastifyInstance } from 'fastify';
import { isTerminal } from '@asyncfn/contracts';
import { ApiError, notFound, parseDelaySeconds, parseFunctionName, parseTaskId } from '@asyncfn/core';
import { currentTraceparent } from '@asyncfn/nats';
import type { IngressDeps } from '../deps.js';
import { resolveInvocation, sendAccepted } from '../invoke.js';
import { API, header } from '../http.js';
import { findTask } from '../find-task.js';

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
    { bodyLimit: deps.limits.maxAsyncPayloadBytes + 1 },
    async (request, reply) => {
      const name = parseFunctionName(request.params.functionName);
      const { doc: original } = await findTask(deps, request.tenant, name, request.params.taskId);
      if (!isTerminal(original.status)) {
        throw new ApiError(
          'AsyncTaskNotFinished',
          `async task '${original.taskId}' is ${original.status}; only a finished task can be re-run`,
        );
      }
      const fn = await deps.functions.get(request.tenant, name);
      if (!fn) throw notFound.function(name);
      // Refused while disabled; a re-run runs the version the original ran (its qualifier kept).
      resolveInvocation(fn, undefined);
      const body = Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
      const payload = body ?? Buffer.from(original.payload, 'base64');
      if (payload.length > deps.limits.maxAsyncPayloadBytes) {
        throw new ApiError(
          'EntityTooLarge',
          `payload size exceeds maximum allowed size (${deps.limits.maxAsyncPayloadBytes} bytes): the async payload is ${payload.length} bytes`,
        );
      }
      const givenId = header(request, 'x-fc-async-task-id');
      const taskId = givenId !== undefined ? parseTaskId(givenId) : request.id;
      const traceparent = currentTraceparent();
      const { dueAt } = await deps.acceptor.accept({
        tenant: request.tenant,
        functionName: name,
        taskId,
        requestId: request.id,
        payload,
        delaySeconds: parseDelaySeconds(header(request, 'x-fc-async-delay')),
        rerunOf: original.taskId,
        ...(traceparent ? { traceparent } : {}),
        ...(original.qualifier ? { qualifier: original.qualifier } : {}),
        ...(original.resolvedVersion ? { resolvedVersion: original.resolvedVersion } : {}),
      });
      return sendAccepted(reply, request, { taskId, dueAt }, { rerunOf: original.taskId });
    },
  );
}
