import type { FastifyInstance } from 'fastify';
import { ApiError, notFound, parseFunctionName } from '@asyncfn/core';
import type { IngressDeps } from '../deps.js';
import { taskSchemas } from '../openapi/tasks.js';
import { API, header } from '../http.js';
import { acceptAsyncRequest, invokeSync, sendSyncFailure } from '../invoke.js';
import { requestTraceparent } from '../task-telemetry.js';

type NameParams = { Params: { functionName: string } };

const LOG_TAIL_BYTES = 4 * 1024;

export async function invocationRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const bodyLimit = Math.max(deps.limits.maxAsyncPayloadBytes, deps.limits.maxSyncPayloadBytes);

  app.post<NameParams>(
    `${API}/functions/:functionName/invocations`,
    { schema: taskSchemas.invoke, bodyLimit },
    async (request, reply) => {
      const name = parseFunctionName(request.params.functionName);
      const payload = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const type = (header(request, 'x-fc-invocation-type') ?? 'Sync').toLowerCase();
      if (type !== 'async' && type !== 'sync') {
        throw new ApiError('InvalidArgument', 'x-fc-invocation-type: must be Sync or Async');
      }
      const fn = await deps.directory.get(request.tenant, name);
      if (!fn) throw notFound.function(name);
      const traceparent = requestTraceparent();
      const { qualifier } = request.query as { qualifier?: unknown };

      if (type === 'async') {
        return acceptAsyncRequest(deps, request, reply, { fn, payload, traceparent, qualifier });
      }

      const answer = await invokeSync(deps, request, { fn, payload, traceparent, qualifier });
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
      return sendSyncFailure(reply, answer, name);
    },
  );
}
