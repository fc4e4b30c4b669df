import type { FastifyRequest } from 'fastify';
import { TaskStatus } from '@asyncfn/contracts';
import { currentTraceparent } from '@asyncfn/nats';
import { annotateTask, metrics, taskLogger, type Logger } from '@asyncfn/telemetry';

/**
 * The traceparent a task is stored with: the span of the HTTP request that submitted it (the
 * active one), so every later span of the task (dispatch, attempts, the function, status,
 * destinations) hangs under that request.
 */
export function requestTraceparent(): string | undefined {
  return currentTraceparent();
}

/** A task was accepted (202): tag the request's spans with it, count it, log it (debug). */
export function recordAccepted(
  request: FastifyRequest,
  logger: Logger,
  task: { taskId: string; functionName: string; tenant: string },
): void {
  const ref = { ...task, attempt: 0, status: TaskStatus.Enqueued };
  annotateTask(ref);
  metrics.taskAccepted(task.tenant, task.functionName);
  // The service logger, not request.log: the API's request logger is kept at warn.
  taskLogger(logger, task).debug({ requestId: request.id }, 'task accepted');
}
