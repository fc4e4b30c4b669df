import type { FastifyInstance } from 'fastify';
import { ApiError, FC2_API, fc2ListInvocationsQuery, notFound, statefulInvocationView } from '@asyncfn/core';
import type { IngressDeps } from '../../deps.js';
import { fc2Schemas as schemas } from '../../openapi/fc2.js';
import { header } from '../../http.js';
import { acceptAsyncRequest, invokeSync, sendSyncFailure } from '../../invoke.js';
import { requestTraceparent } from '../../task-telemetry.js';
import { getTaskView, listTaskPage, parseForceAfterMs, stopTaskById } from '../tasks.js';
import { resolveFunction, type FunctionParams } from './functions.js';

type InvocationParams = { Params: FunctionParams['Params'] & { invocationId: string } };

/**
 * FC 2.0 InvokeFunction and the stateful-async-invocation API: the 3.0 invocation and task code
 * under the mapped function name, with 2.0's headers and shapes.
 */
export async function fc2InvocationRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const bodyLimit = Math.max(deps.limits.maxAsyncPayloadBytes, deps.limits.maxSyncPayloadBytes);
  const base = `${FC2_API}/services/:serviceName/functions/:functionName`;

  app.post<FunctionParams>(
    `${base}/invocations`,
    { schema: schemas.invoke, bodyLimit },
    async (request, reply) => {
      const pair = await resolveFunction(deps, request.tenant, request.params);
      const fn = await deps.directory.get(request.tenant, pair.mapped);
      if (!fn) throw notFound.function(pair.mapped);
      const payload = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const type = (header(request, 'x-fc-invocation-type') ?? 'Sync').toLowerCase();
      if (type !== 'async' && type !== 'sync') {
        throw new ApiError('InvalidArgument', 'x-fc-invocation-type: must be Sync or Async');
      }
      const traceparent = requestTraceparent();
      if (type === 'async') {
        const invocationId = header(request, 'x-fc-stateful-async-invocation-id');
        const enable = header(request, 'x-fc-stateful-async-invocation-enable')?.toLowerCase();
        reply.header('x-fc-stateful-async-invocation-id', invocationId ?? request.id);
        return acceptAsyncRequest(deps, request, reply, {
          fn,
          payload,
          traceparent,
          // 2.0 names the task in its own header; the 3.0 header still works when it is absent.
          ...(invocationId !== undefined ? { taskId: invocationId } : {}),
          ...(enable === 'true' ? { tracked: true } : enable === 'false' ? { tracked: false } : {}),
        });
      }
      const answer = await invokeSync(deps, request, { fn, payload, traceparent });
      if (answer.ok) {
        return reply
          .status(200)
          .header('content-type', 'application/octet-stream')
          .send(Buffer.from(answer.payload, 'base64'));
      }
      return sendSyncFailure(reply, answer, pair.functionName);
    },
  );

  app.get<FunctionParams>(
    `${base}/stateful-async-invocations`,
    { schema: schemas.listInvocations },
    async (request) => {
      const pair = await resolveFunction(deps, request.tenant, request.params);
      const list = await listTaskPage(
        deps,
        request.tenant,
        pair.mapped,
        fc2ListInvocationsQuery(request.query),
      );
      return {
        invocations: list.tasks.map((task) => statefulInvocationView(task, pair)),
        ...(list.nextToken ? { nextToken: list.nextToken } : {}),
      };
    },
  );

  app.get<InvocationParams>(
    `${base}/stateful-async-invocations/:invocationId`,
    { schema: schemas.getInvocation },
    async (request) => {
      const pair = await resolveFunction(deps, request.tenant, request.params);
      const task = await getTaskView(deps, request.tenant, pair.mapped, request.params.invocationId);
      return statefulInvocationView(task, pair);
    },
  );

  app.put<InvocationParams & { Querystring: { forceAfterMs?: string } }>(
    `${base}/stateful-async-invocations/:invocationId`,
    { schema: schemas.stopInvocation },
    async (request, reply) => {
      const pair = await resolveFunction(deps, request.tenant, request.params);
      const forceAfterMs = parseForceAfterMs(
        request.query.forceAfterMs ?? header(request, 'x-fc-stop-force-after-ms'),
      );
      await stopTaskById(deps, request.tenant, pair.mapped, request.params.invocationId, forceAfterMs);
      // 2.0's StopStatefulAsyncInvocation answers with an empty body.
      return reply.status(200).send();
    },
  );
}
