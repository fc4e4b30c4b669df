import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ApiError,
  FUNCTION_NAME,
  HTTP_METHODS,
  TRIGGER_NAME,
  httpTriggerEvent,
  httpTriggerPath,
  httpTriggerResponse,
  notFound,
} from '@asyncfn/core';
import { authenticate } from './auth.js';
import type { IngressDeps } from './deps.js';
import { httpTriggerSchema } from './openapi/triggers.js';
import { header } from './http.js';
import { acceptAsyncRequest, invokeSync, sendSyncFailure } from './invoke.js';
import { requestTraceparent } from './task-telemetry.js';

type TriggerParams = { Params: { tenant: string; functionName: string; triggerName: string } };

const TENANT = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
/** Framing headers are the server's to set, whatever the function's result says. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/**
 * HTTP triggers: `<ingress>/http/<tenant>/<function>/<trigger>[/<path...>]`. The request becomes
 * FC's HTTP trigger event (see trigger-events.ts) and invokes the function:
 * - asynchronously (202, `x-fc-async-task-id`; `x-fc-async-task-id` / `x-fc-async-delay` honoured
 *   as by InvokeFunction) when the trigger has `asyncInvocation: true` or the request says
 *   `x-fc-invocation-type: Async`;
 * - otherwise synchronously: a result with `statusCode` is mapped to the response (FC's rule).
 * authType `anonymous` needs no signature; `function` needs an ACS3 signature (as the API) by an
 * AccessKey of the trigger's tenant. The trace continues an incoming `traceparent`.
 */
export async function httpTriggerRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const bodyLimit = Math.max(deps.limits.maxAsyncPayloadBytes, deps.limits.maxSyncPayloadBytes);
  const auth = { accessKeys: deps.accessKeys, nonces: deps.nonces, clock: deps.clock ?? Date.now };
  const clock = deps.clock ?? Date.now;

  async function handle(request: FastifyRequest<TriggerParams>, reply: FastifyReply) {
    const { tenant, functionName, triggerName } = request.params;
    const notTrigger = () =>
      new ApiError(
        'TriggerNotFound',
        `no HTTP trigger at ${httpTriggerPath(tenant, functionName, triggerName)}`,
      );
    if (!TENANT.test(tenant) || !FUNCTION_NAME.test(functionName) || !TRIGGER_NAME.test(triggerName)) {
      throw notTrigger();
    }
    const trigger = await deps.triggers.directory.get(tenant, functionName, triggerName);
    if (!trigger || trigger.triggerType !== 'http') throw notTrigger();
    const config = trigger.triggerConfig;
    if (config.authType === 'function') {
      await authenticate(request, auth);
      if (request.tenant !== tenant) {
        throw new ApiError('AccessDenied', 'the request is signed by another account than the trigger’s');
      }
    } else {
      request.tenant = tenant;
    }
    if (!config.methods.includes(request.method)) {
      throw new ApiError('MethodNotAllowed', `the trigger accepts ${config.methods.join(', ')}`);
    }
    const type = (header(request, 'x-fc-invocation-type') ?? 'Sync').toLowerCase();
    if (type !== 'async' && type !== 'sync') {
      throw new ApiError('InvalidArgument', 'x-fc-invocation-type: must be Sync or Async');
    }
    const fn = await deps.directory.get(tenant, functionName);
    if (!fn) throw notFound.function(functionName);

    const raw = request.raw.url ?? request.url;
    const query = raw.indexOf('?');
    const path = query >= 0 ? raw.slice(0, query) : raw;
    const event = httpTriggerEvent({
      method: request.method,
      rawPath: path.slice(httpTriggerPath(tenant, functionName, triggerName).length) || '/',
      rawQuery: query >= 0 ? raw.slice(query + 1) : '',
      headers: request.headers,
      body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      protocol: `HTTP/${request.raw.httpVersion}`,
      sourceIp: request.ip,
      requestId: request.id,
      accountId: tenant,
      domainName: request.host,
      domainPrefix: trigger.triggerId,
      now: clock(),
    });
    const payload = Buffer.from(JSON.stringify(event));
    const incoming = header(request, 'traceparent');
    const traceparent =
      requestTraceparent() ?? (incoming && TRACEPARENT.test(incoming) ? incoming : undefined);

    if (config.asyncInvocation === true || type === 'async') {
      return acceptAsyncRequest(deps, request, reply, { fn, payload, traceparent });
    }
    const answer = await invokeSync(deps, request, { fn, payload, traceparent });
    if (!answer.ok) return sendSyncFailure(reply, answer, functionName);
    const response = httpTriggerResponse(Buffer.from(answer.payload, 'base64'));
    const headers = Object.fromEntries(
      Object.entries(response.headers).filter(([name]) => !FRAMING.has(name)),
    );
    return reply.status(response.statusCode).headers(headers).send(response.body);
  }

  const method = [...HTTP_METHODS];
  app.route<TriggerParams>({
    method,
    url: '/http/:tenant/:functionName/:triggerName',
    schema: httpTriggerSchema(false),
    bodyLimit,
    handler: handle,
  });
  app.route<TriggerParams>({
    method,
    url: '/http/:tenant/:functionName/:triggerName/*',
    schema: httpTriggerSchema(true),
    bodyLimit,
    handler: handle,
  });
}
