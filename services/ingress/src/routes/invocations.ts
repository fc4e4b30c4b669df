import type { FastifyInstance } from 'fastify';
import type { SyncInvokeReply, SyncInvokeRequest } from '@asyncfn/contracts';
import { ApiError, notFound, parseDelaySeconds, parseFunctionName, parseTaskId } from '@asyncfn/core';
import { currentTraceparent } from '@asyncfn/nats';
import type { IngressDeps } from '../deps.js';
import { API, header } from '../http.js';

type NameParams = { Params: { functionName: string } };

const LOG_TAIL_BYTES = 4 * 1024;
/** Time a sync call may take beyond the function's own timeout (instance start, transport). */
const SYNC_GRACE_MS = 15_000;

export async function invocationRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const bodyLimit = Math.max(deps.limits.maxAsyncPayloadBytes, deps.limits.maxSyncPayloadBytes);
  const encoder = new TextEncoder();

  app.post<NameParams>(
    `${API}/functions/:functionName/invocations`,
    { bodyLimit },
    async (request, reply) => {
      const name = parseFunctionName(request.params.functionName);
      const payload = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const type = (header(request, 'x-fc-invocation-type') ?? 'Sync').toLowerCase();
      if (type !== 'async' && type !== 'sync') {
        throw new ApiError('InvalidArgument', 'x-fc-invocation-type: must be Sync or Async');
      }
      const fn = await deps.directory.get(request.tenant, name);
      if (!fn) throw notFound.function(name);
      const traceparent = currentTraceparent();

      if (type === 'async') {
        if (payload.length > deps.limits.maxAsyncPayloadBytes) {
          throw new ApiError(
            'PayloadTooLarge',
            `async payload is ${payload.length} bytes; the limit is ${deps.limits.maxAsyncPayloadBytes}`,
          );
        }
        const givenId = header(request, 'x-fc-async-task-id');
        const taskId = givenId !== undefined ? parseTaskId(givenId) : request.id;
        const accept =
          fn.asyncConfig?.asyncTask === false ? deps.acceptor.acceptUntracked : deps.acceptor.accept;
        const { dueAt } = await accept({
          tenant: request.tenant,
          functionName: name,
          taskId,
          requestId: request.id,
          payload,
          delaySeconds: parseDelaySeconds(header(request, 'x-fc-async-delay')),
          ...(traceparent ? { traceparent } : {}),
        });
        return reply
          .status(202)
          .header('x-fc-async-task-id', taskId)
          .send({ taskId, requestId: request.id, dueTime: dueAt });
      }

      if (payload.length > deps.limits.maxSyncPayloadBytes) {
        throw new ApiError(
          'PayloadTooLarge',
          `sync payload is ${payload.length} bytes; the limit is ${deps.limits.maxSyncPayloadBytes}`,
        );
      }
      const message: SyncInvokeRequest = {
        v: 1,
        tenant: request.tenant,
        functionName: name,
        requestId: request.id,
        payload: payload.toString('base64'),
        ...(traceparent ? { traceparent } : {}),
      };
      let answer: SyncInvokeReply;
      try {
        const msg = await deps.nc.request(
          deps.names.subjects.sync(request.tenant, name),
          encoder.encode(JSON.stringify(message)),
          {
            timeout: fn.timeout * 1000 + SYNC_GRACE_MS,
          },
        );
        answer = msg.json<SyncInvokeReply>();
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
      }
      if (header(request, 'x-fc-log-type')?.toLowerCase() === 'tail') {
        const logs = Buffer.from(answer.logs, 'utf8');
        reply.header(
          'x-fc-log-result',
          logs.subarray(Math.max(0, logs.length - LOG_TAIL_BYTES)).toString('base64'),
        );
      }
      if (answer.ok)
        return reply
          .status(200)
          .header('content-type', 'application/octet-stream')
          .send(Buffer.from(answer.payload, 'base64'));
      if (answer.statusCode === 404) throw notFound.function(name);
      return reply
        .status(answer.statusCode === 504 ? 504 : answer.statusCode >= 500 ? 502 : 200)
        .header(
          'x-fc-error-type',
          answer.errorType === 'FunctionTimeout' ? 'FunctionTimeout' : 'UnhandledInvocationError',
        )
        .send({ errorMessage: answer.errorMessage, errorType: answer.errorType });
    },
  );
}
