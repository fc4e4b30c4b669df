import { randomUUID } from 'node:crypto';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { IntakeReply, IntakeRequest, Names } from '@asyncfn/contracts';
import {
  ANY_TASK_ID,
  ApiError,
  asyncConfigFor,
  notFound,
  parseFunctionName,
  parseTaskId,
  taskModeOf,
} from '@asyncfn/core';
import { resolveInvocation } from './invoke.js';
import type { FunctionDirectory } from '@asyncfn/nats';
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
  maxAsyncPayloadBytes: number;
  /** See IngressDeps.defaultTaskMode. */
  defaultTaskMode?: boolean;
  logger: Logger;
}): { stop(): Promise<void> } {
  const encoder = new TextEncoder();
  const sub: Subscription = deps.nc.subscribe(deps.names.subjects.intake, {
    queue: deps.names.queueGroups.ingress,
  });
  const inFlight = new Set<Promise<void>>();

  async function accept(request: IntakeRequest): Promise<IntakeReply> {
    const name = parseFunctionName(String(request.functionName ?? ''));
    if (typeof request.tenant !== 'string' || !request.tenant) {
      throw new ApiError('InvalidArgument', 'tenant: required');
    }
    const payload = Buffer.from(typeof request.payload === 'string' ? request.payload : '', 'base64');
    if (payload.length > deps.maxAsyncPayloadBytes) {
      throw new ApiError(
        'EntityTooLarge',
        `payload size exceeds maximum allowed size (${deps.maxAsyncPayloadBytes} bytes): the async payload is ${payload.length} bytes`,
      );
    }
    const fn = await deps.directory.get(request.tenant, name);
    if (!fn) throw notFound.function(name);
    const requestId = request.requestId ?? randomUUID();
    const taskId = request.taskId !== undefined ? parseTaskId(request.taskId, ANY_TASK_ID) : requestId;
    const delaySeconds = request.delaySeconds ?? 0;
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > 3600) {
      throw new ApiError('InvalidArgument', 'delaySeconds: an integer number of seconds, 0-3600');
    }
    const target = resolveInvocation(fn, request.qualifier);
    const accept = taskModeOf(asyncConfigFor(fn, target.qualifier), deps.defaultTaskMode ?? true)
      ? deps.acceptor.accept
      : deps.acceptor.acceptUntracked;
    await accept({
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

  async function handle(msg: Msg): Promise<void> {
    let reply: IntakeReply;
    try {
      reply = await accept(msg.json<IntakeRequest>());
    } catch (err) {
      if (err instanceof ApiError) {
        reply = { ok: false, code: err.code, message: err.message };
        if (err.status >= 500) deps.logger.error({ err: err.cause ?? err }, 'intake: task not accepted');
      } else if (err instanceof SyntaxError) {
        reply = { ok: false, code: 'InvalidArgument', message: 'intake request: not valid JSON' };
      } else {
        deps.logger.error({ err }, 'intake: task not accepted');
        reply = { ok: false, code: 'ServiceUnavailable', message: (err as Error).message };
      }
    }
    msg.respond(encoder.encode(JSON.stringify(reply)));
  }

  const loop = (async () => {
    for await (const msg of sub) {
      const p = handle(msg).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  })();

  return {
    async stop() {
      await sub.drain().catch(() => undefined);
      await loop.catch(() => undefined);
      await Promise.allSettled(inFlight);
    },
  };
}
