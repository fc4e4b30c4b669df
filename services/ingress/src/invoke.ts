import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  Messages,
  type FunctionRecord,
  type SyncInvokeReply,
  type SyncInvokeRequest,
} from '@asyncfn/contracts';
import { requestByContract } from '@asyncfn/nats';
import { ApiError, fcError, notFound, parseDelaySeconds, parseTaskId } from '@asyncfn/core';
import type { IngressDeps } from './deps.js';
import { checkPayloadSize } from './accept-task.js';
import { header } from './http.js';
import { asyncInvocationTarget, resolveInvocation } from './invocation-target.js';
import { recordAccepted } from './task-telemetry.js';

/*
 * Invoking a function from an HTTP request, shared by InvokeFunction and HTTP triggers: an async
 * invocation is accepted as a task (202), a sync one is a request/reply to the executors.
 */

/** Time a sync call may take beyond the function's own timeout (instance start, transport). */
const SYNC_GRACE_MS = 15_000;

/**
 * Accepts an async invocation (task mode on: a recorded task; off: queued only) and answers 202.
 * The task id and delay come from the x-fc-async-task-id and x-fc-async-delay headers (the request
 * id names the task when no id is given).
 */
export async function acceptAsyncRequest(
  deps: IngressDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  input: {
    fn: FunctionRecord;
    payload: Buffer;
    traceparent: string | undefined;
    /** The FC 2.0 API names the task in its own header (X-Fc-Stateful-Async-Invocation-Id). */
    taskId?: string;
    /** Overrides the function's task mode (FC 2.0: X-Fc-Stateful-Async-Invocation-Enable). */
    tracked?: boolean;
    qualifier?: unknown;
  },
): Promise<FastifyReply> {
  const { fn, payload, traceparent } = input;
  const { tracked, ...target } = asyncInvocationTarget(fn, input.qualifier, {
    defaultTaskMode: deps.defaultTaskMode ?? true,
    tracked: input.tracked,
  });
  // Before the headers are read (a too-large body is refused as such); the acceptor checks again.
  checkPayloadSize(payload, deps.limits.maxAsyncPayloadBytes, 'async');
  const requested = input.taskId ?? header(request, 'x-fc-async-task-id');
  const taskId = requested !== undefined ? parseTaskId(requested) : request.id;
  const { dueAt } = await deps.acceptor.acceptInvocation(tracked, {
    tenant: request.tenant,
    functionName: fn.functionName,
    taskId,
    requestId: request.id,
    payload,
    delaySeconds: parseDelaySeconds(header(request, 'x-fc-async-delay')),
    ...(traceparent ? { traceparent } : {}),
    ...target,
  });
  recordAccepted(request, deps.logger, { taskId, functionName: fn.functionName, tenant: request.tenant });
  // As FC: 202 with an empty body; the request id (x-fc-request-id, set for every answer) and the
  // task id travel in headers. Extension: x-asyncfn-due-time, when the task becomes due (epoch ms).
  return reply
    .status(202)
    .header('x-fc-async-task-id', taskId)
    .header('x-asyncfn-due-time', String(dueAt))
    .send();
}

/** The 202 of an accepted re-run (an extension route): the task id in x-fc-async-task-id and in the body. */
export function sendAccepted(
  reply: FastifyReply,
  request: FastifyRequest,
  accepted: { taskId: string; dueAt: number },
  extra: Record<string, string> = {},
): FastifyReply {
  return reply
    .status(202)
    .header('x-fc-async-task-id', accepted.taskId)
    .send({ taskId: accepted.taskId, requestId: request.id, dueTime: accepted.dueAt, ...extra });
}

/** Runs a sync invocation on an executor and returns its answer (errors of transport as ApiError). */
export async function invokeSync(
  deps: IngressDeps,
  request: FastifyRequest,
  input: { fn: FunctionRecord; payload: Buffer; traceparent: string | undefined; qualifier?: unknown },
): Promise<SyncInvokeReply> {
  const { fn, payload, traceparent } = input;
  const { resolvedVersion } = resolveInvocation(fn, input.qualifier);
  checkPayloadSize(payload, deps.limits.maxSyncPayloadBytes, 'sync');
  const message: SyncInvokeRequest = {
    v: 1,
    tenant: request.tenant,
    functionName: fn.functionName,
    requestId: request.id,
    payload: payload.toString('base64'),
    ...(traceparent ? { traceparent } : {}),
    ...(resolvedVersion !== 'LATEST' ? { resolvedVersion } : {}),
  };
  // A slot under the function's and the tenant's concurrency limits for the call's duration.
  const holder = `sync:${request.id}`;
  if (deps.leases && !(await deps.leases.acquire(fn, holder))) {
    throw fcError('ResourceThrottled', {
      functionName: fn.functionName,
      limit: fn.reservedConcurrency ?? 'the account limit',
    });
  }
  try {
    return await requestByContract(deps.nc, deps.names, Messages.syncInvoke, message, {
      timeout: fn.timeout * 1000 + SYNC_GRACE_MS,
    });
  } catch (cause) {
    const message = (cause as Error).message ?? '';
    if (/no responders/i.test(message) || (cause as Error).name === 'NoRespondersError') {
      throw new ApiError('ServiceUnavailable', 'no executor is running', { cause });
    }
    if (/timeout/i.test(message))
      throw new ApiError('FunctionTimeout', `function did not answer within ${fn.timeout} seconds`, {
        cause,
      });
    throw cause;
  } finally {
    await deps.leases?.release(fn, holder).catch(() => undefined);
  }
}

/** The answer to a sync invocation whose function failed (FC: x-fc-error-type and the error). */
export function sendSyncFailure(
  reply: FastifyReply,
  answer: Extract<SyncInvokeReply, { ok: false }>,
  functionName: string,
): FastifyReply {
  if (answer.statusCode === 404) throw notFound.function(functionName);
  return reply
    .status(answer.statusCode === 504 ? 504 : answer.statusCode >= 500 ? 502 : 200)
    .header(
      'x-fc-error-type',
      answer.errorType === 'FunctionTimeout' ? 'FunctionTimeout' : 'UnhandledInvocationError',
    )
    .send({ errorMessage: answer.errorMessage, errorType: answer.errorType });
}
