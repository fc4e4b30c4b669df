import type { FastifyInstance } from 'fastify';
import { Messages, type RedeliveryRequest } from '@asyncfn/contracts';
import {
  ApiError,
  asTerminalStatus,
  asyncConfigFor,
  destinationFor,
  destinationKindOf,
  notFound,
  parseFunctionName,
} from '@asyncfn/core';
import { createPublisher, currentTraceparent } from '@asyncfn/nats';
import type { IngressDeps } from '../deps.js';
import { taskSchemas } from '../openapi/tasks.js';
import { findTask } from '../find-task.js';
import { API } from '../http.js';

type TaskParams = { Params: { functionName: string; taskId: string } };

/**
 * Extension: RedeliverAsyncTaskResult. Sends a finished task's result record to its destination
 * again (typically after destinationStatus became failed and the destination was fixed). The
 * destination service does the work; this route checks the request and queues it. A redelivery
 * is a delivery of its own: its delivery id (and a chained function's task id) carry this
 * request's id, so it is not deduplicated against the first delivery.
 */
export async function destinationRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const clock = deps.clock ?? Date.now;
  const publisher = createPublisher(deps.nc, deps.names);

  app.post<TaskParams>(
    `${API}/functions/:functionName/async-tasks/:taskId/redeliver`,
    { schema: taskSchemas.redeliver },
    async (request, reply) => {
      const name = parseFunctionName(request.params.functionName);
      const { doc: task } = await findTask(deps, request.tenant, name, request.params.taskId);
      const status = asTerminalStatus(task.status);
      if (!status) {
        throw new ApiError(
          'AsyncTaskNotFinished',
          `async task '${task.taskId}' is ${task.status}; only a finished task's result can be redelivered`,
        );
      }
      const fn = await deps.functions.get(request.tenant, name);
      if (!fn) throw notFound.function(name);
      const kind = destinationKindOf(status);
      const target = destinationFor(asyncConfigFor(fn, task.qualifier), kind);
      if (!target) {
        throw new ApiError(
          'AsyncConfigNotExists',
          `function '${name}' has no ${kind} destination for this ${status} task`,
        );
      }
      const traceparent = currentTraceparent() ?? task.traceparent;
      const message: RedeliveryRequest = {
        v: 1,
        tenant: request.tenant,
        functionName: name,
        taskId: task.taskId,
        requestId: request.id,
        requestedAt: clock(),
        ...(traceparent ? { traceparent } : {}),
      };
      await publisher.publish(Messages.redeliveryRequest, message, {
        msgID: `${request.tenant}:${task.taskId}:redeliver:${request.id}`,
      });
      return reply.status(202).send({
        taskId: task.taskId,
        requestId: request.id,
        destinationKind: kind,
        destination: target.uri,
      });
    },
  );
}
