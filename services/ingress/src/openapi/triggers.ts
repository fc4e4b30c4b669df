import { Type } from 'typebox';
import { TriggerSchema, ref } from '@asyncfn/contracts';
import { delayHeader, deleted, error, FunctionParams, json, ok, PageQuery, taskIdHeader } from './common.js';

/* Route schemas: triggers (FC 3.0) and the HTTP triggers' own URLs. */

const TriggerParams = Type.Object({ functionName: Type.String(), triggerName: Type.String() });

export const triggerSchemas = {
  create: {
    operationId: 'CreateTrigger',
    description:
      "FC's CreateTrigger. triggerConfig is JSON text, per triggerType: " +
      'http {authType: anonymous | function (default: ACS3-signed by the function’s account), methods (default GET, POST), ' +
      'asyncInvocation (extension: every request async)}; ' +
      'kafka {topic, groupId (default one group per trigger), fromBeginning (default false)}; ' +
      'nats {subject} (core NATS, queue group per trigger) or {stream, subject?, fromBeginning?} (JetStream durable consumer); ' +
      'timer {cronExpression: "@every 5m" or 6 fields with seconds, optionally "CRON_TZ=<zone> " first (UTC by default), payload, enable (default true)}. ' +
      'Events: http → FC HTTP trigger event (version v1, rawPath, headers, queryParameters, body, isBase64Encoded, requestContext); ' +
      'kafka → {topic, partition, offset, timestamp, key, value, isBase64Encoded, headers}; ' +
      'nats → {subject, body, isBase64Encoded, headers, stream?, sequence?}; ' +
      'timer → {triggerTime, triggerName, payload}. ' +
      'Task ids: kafka k-<hash>-<partition>-<offset>, JetStream j-<hash>-<sequence>, core NATS n-<hash>-<hash(Nats-Msg-Id) or random>, ' +
      'timer t-<hash>-<scheduled epoch second>: a redelivered record or a firing seen by several dispatchers is one task. ' +
      '409 TriggerAlreadyExists, 404 FunctionNotFound, 400 InvalidArgument for an unknown type or a bad config.',
    params: FunctionParams,
    body: json(
      'CreateTriggerInput: triggerName, triggerType, triggerConfig (JSON text), description, qualifier',
    ),
    response: ok(ref(TriggerSchema)),
  },
  list: {
    operationId: 'ListTriggers',
    params: FunctionParams,
    querystring: PageQuery,
    response: ok(
      Type.Object({ triggers: Type.Array(ref(TriggerSchema)), nextToken: Type.Optional(Type.String()) }),
    ),
  },
  get: { operationId: 'GetTrigger', params: TriggerParams, response: ok(ref(TriggerSchema)) },
  update: {
    operationId: 'UpdateTrigger',
    description: 'A new triggerConfig replaces the old one (same type); runners restart with it.',
    params: TriggerParams,
    body: json('UpdateTriggerInput: triggerConfig, description, …'),
    response: ok(ref(TriggerSchema)),
  },
  delete: { operationId: 'DeleteTrigger', params: TriggerParams, response: deleted },
};

const invokeDescription =
  "An HTTP trigger's URL (httpTrigger.urlInternet); every method in its config is served the same way. " +
  'authType anonymous: no signature; function: ACS3-signed by an AccessKey of the tenant (403 AccessDenied otherwise). ' +
  'Async (202, x-fc-async-task-id) when the trigger has asyncInvocation or the request sends x-fc-invocation-type: Async ' +
  '(x-fc-async-task-id and x-fc-async-delay work as for InvokeFunction); otherwise sync: a function result that is a JSON ' +
  'object with statusCode (headers, body, isBase64Encoded) is the response, anything else the body of a 200. ' +
  'A traceparent header is continued. 405 MethodNotAllowed for a method the trigger does not accept.';

/** One schema per URL form (with and without a path after the trigger name); no operationId: one route, many methods. */
export const httpTriggerSchema = (withPath: boolean) => ({
  security: [],
  description:
    invokeDescription + (withPath ? ' The path after the trigger name is passed on as rawPath.' : ''),
  params: Type.Object({
    tenant: Type.String(),
    functionName: Type.String(),
    triggerName: Type.String(),
    ...(withPath ? { '*': Type.String({ description: 'any path' }) } : {}),
  }),
  headers: Type.Object({
    'x-fc-invocation-type': Type.Optional(Type.String({ description: 'Async for an async invocation' })),
    'x-fc-async-task-id': Type.Optional(taskIdHeader),
    'x-fc-async-delay': Type.Optional(delayHeader),
  }),
  response: {
    200: { description: 'sync: the function’s response', content: { '*/*': { schema: Type.String() } } },
    202: Type.Null({ description: 'async: accepted' }),
    ...error,
  },
});
