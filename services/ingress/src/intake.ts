import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { Messages, type IntakeReply, type IntakeRequest, type Names } from '@asyncfn/contracts';
import { ANY_TASK_ID, ApiError, notFound, parseFunctionName, parseTaskId } from '@asyncfn/core';
import { asyncInvocationTarget } from './invocation-target.js';
import { serveRequests, type FunctionDirectory, type ServingRequests } from '@asyncfn/nats';
import type { Logger } from '@asyncfn/telemetry';
import type { TaskAcceptor } from './accept-task.js';

/**
 * The intake: asynchronous invocations from inside the platform (the destination service's
 * `function:` destinations, trigger runners) over core NATS request/reply, in the ingress queue
 * group. Accepting goes through the same acceptor as the HTTP API, so the dedupe claim, the
 * Enqueued history and the queue are the same; the reply carries the API's error code.
 */
export function startIntake(deps: {
  nc: NatsConnection;
  names: Names;
  directory: FunctionDirectory;
  acceptor: TaskAcceptor;
  /** See IngressDeps.defaultTaskMode. */
  defaultTaskMode?: boolean;
  logger: Logger;
}): ServingRequests {
  async function accept(request: IntakeRequest): Promise<IntakeReply> {
    const name = parseFunctionName(request.functionName);
    if (!request.tenant) throw new ApiError('InvalidArgument', 'tenant: required');
    const payload = Buffer.from(request.payload, 'base64');
    const fn = await deps.directory.get(request.tenant, name);
    if (!fn) throw notFound.function(name);
    const requestId = request.requestId ?? randomUUID();
    const taskId = request.taskId !== undefined ? parseTaskId(request.taskId, ANY_TASK_ID) : requestId;
    const delaySeconds = request.delaySeconds ?? 0;
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > 3600) {
      throw new ApiError('InvalidArgument', 'delaySeconds: an integer number of seconds, 0-3600');
    }
    const { tracked, ...target } = asyncInvocationTarget(fn, request.qualifier, {
      defaultTaskMode: deps.defaultTaskMode ?? true,
    });
    await deps.acceptor.acceptInvocation(tracked, {
      tenant: request.tenant,
      functionName: name,
      taskId,
      requestId,
      payload,
      delaySeconds,
      ...(request.traceparent ? { traceparent: request.traceparent } : {}),
      ...target,
    });
    return { ok: true, taskId, requestId };
  }

  return serveRequests<IntakeRequest, IntakeReply>({
    nc: deps.nc,
    subject: deps.names.subjects.intake,
    queue: deps.names.queueGroups.ingress,
    contract: Messages.intake,
    logger: deps.logger,
    handle: accept,
    invalid: (reason) => ({ ok: false, code: 'InvalidArgument', message: reason }),
    failed(err): IntakeReply {
      if (err instanceof ApiError) {
        if (err.status >= 500) deps.logger.error({ err: err.cause ?? err }, 'intake: task not accepted');
        return { ok: false, code: err.code, message: err.message };
      }
      deps.logger.error({ err }, 'intake: task not accepted');
      return { ok: false, code: 'ServiceUnavailable', message: (err as Error).message };
    },
  });
}
