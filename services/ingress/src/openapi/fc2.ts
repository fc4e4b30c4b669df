import { Type } from 'typebox';
import { fc2Error, json, query } from './common.js';

/*
 * Route schemas: the FC 2.0 (2021-04-06) task surface of FC's 2.0 SDK (@alicloud/fc-open20210406),
 * translated to 3.0 functions (docs/fc2-api.md). Errors in FC 2.0's shape.
 */

const service = Type.String({ description: 'service[.qualifier]; a qualifier names the one live service' });
const ServiceParams = Type.Object({ serviceName: service });
const FunctionParams = Type.Object({ serviceName: service, functionName: Type.String() });
const InvocationParams = Type.Object({
  serviceName: service,
  functionName: Type.String(),
  invocationId: Type.String(),
});

const ok = (description: string) => ({ 200: json(description), ...fc2Error });
const deleted = { 204: Type.Null({ description: 'deleted' }), ...fc2Error };

export const fc2Schemas = {
  createService: {
    operationId: 'Fc2CreateService',
    description:
      'FC 2.0 CreateService: serviceName, description; role, logConfig, vpcConfig, nasConfig, ossMountConfig, tracingConfig and internetAccess are kept and returned as given (nothing applies them here). 409 ServiceAlreadyExists.',
    body: json('serviceName, description, …'),
    response: ok('the service'),
  },
  listServices: {
    operationId: 'Fc2ListServices',
    querystring: query(['prefix', 'limit', 'nextToken', 'startKey']),
    response: ok('services, nextToken'),
  },
  getService: { operationId: 'Fc2GetService', params: ServiceParams, response: ok('the service') },
  updateService: {
    operationId: 'Fc2UpdateService',
    params: ServiceParams,
    body: json('description, …'),
    response: ok('the service'),
  },
  deleteService: {
    operationId: 'Fc2DeleteService',
    description: '409 ServiceNotEmpty while the service has functions.',
    params: ServiceParams,
    response: deleted,
  },
  createFunction: {
    operationId: 'Fc2CreateFunction',
    description:
      'FC 2.0 CreateFunction: the 3.0 function fc2_<length of serviceName>_<serviceName>_<functionName> (at most 128 characters). initializer / initializationTimeout become instanceLifecycleConfig.initializer; code.zipFile only (no OSS). Runtimes, limits and errors as 3.0 CreateFunction.',
    params: ServiceParams,
    body: json('functionName, runtime, handler, code {zipFile}, …'),
    response: ok('the function, in 2.0 shape'),
  },
  listFunctions: {
    operationId: 'Fc2ListFunctions',
    params: ServiceParams,
    querystring: query(['prefix', 'limit', 'nextToken']),
    response: ok('functions, nextToken'),
  },
  getFunction: { operationId: 'Fc2GetFunction', params: FunctionParams, response: ok('the function') },
  updateFunction: {
    operationId: 'Fc2UpdateFunction',
    params: FunctionParams,
    body: json('the fields to change'),
    response: ok('the function'),
  },
  deleteFunction: { operationId: 'Fc2DeleteFunction', params: FunctionParams, response: deleted },
  putAsyncConfig: {
    operationId: 'Fc2PutFunctionAsyncInvokeConfig',
    description:
      'statefulInvocation (the 3.0 asyncTask: tasks recorded, queryable and stoppable), maxAsyncEventAgeInSeconds, maxAsyncRetryAttempts, destinationConfig (destinations as for 3.0).',
    params: FunctionParams,
    body: json('statefulInvocation, maxAsyncEventAgeInSeconds, maxAsyncRetryAttempts, destinationConfig'),
    response: ok(
      'service, function, qualifier, statefulInvocation, maxAsyncEventAgeInSeconds, maxAsyncRetryAttempts, destinationConfig, createdTime, lastModifiedTime',
    ),
  },
  getAsyncConfig: {
    operationId: 'Fc2GetFunctionAsyncInvokeConfig',
    params: FunctionParams,
    response: ok('the config'),
  },
  deleteAsyncConfig: {
    operationId: 'Fc2DeleteFunctionAsyncInvokeConfig',
    params: FunctionParams,
    response: deleted,
  },
  invoke: {
    operationId: 'Fc2InvokeFunction',
    params: FunctionParams,
    headers: Type.Object({
      'x-fc-invocation-type': Type.Optional(Type.Unsafe<string>({ type: 'string', enum: ['Sync', 'Async'] })),
      'x-fc-stateful-async-invocation-id': Type.Optional(
        Type.String({
          pattern: '^[A-Za-z0-9_-]{1,128}$',
          description: 'the task id (409 AsyncTaskAlreadyExists while a task of that id is retained)',
        }),
      ),
      'x-fc-stateful-async-invocation-enable': Type.Optional(
        Type.Unsafe<string>({
          type: 'string',
          enum: ['true', 'false'],
          description: "overrides the function's statefulInvocation for this request",
        }),
      ),
    }),
    response: {
      200: {
        description: 'Sync: the function result',
        content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } },
      },
      202: Type.Null({ description: 'Async: accepted; x-fc-stateful-async-invocation-id names the task' }),
      ...fc2Error,
    },
  },
  listInvocations: {
    operationId: 'ListStatefulAsyncInvocations',
    params: FunctionParams,
    querystring: query([
      'invocationIdPrefix',
      'status',
      'startedTimeBegin',
      'startedTimeEnd',
      'limit',
      'nextToken',
      'sortOrderByTime',
      'includePayload',
    ]),
    response: ok('invocations (StatefulAsyncInvocation), nextToken'),
  },
  getInvocation: {
    operationId: 'GetStatefulAsyncInvocation',
    description:
      'StatefulAsyncInvocation: invocationId, serviceName, functionName, qualifier, status, requestId, startedTime, endTime, durationMs, alreadyRetriedTimes, destinationStatus, instanceId, invocationErrorMessage, invocationPayload, returnPayload, events[{eventId, status, timestamp, eventDetail}].',
    params: InvocationParams,
    response: ok('the invocation'),
  },
  stopInvocation: {
    operationId: 'StopStatefulAsyncInvocation',
    description: 'As 3.0 StopAsyncTask; 409 AsyncTaskAlreadyFinished for a finished task. Empty body.',
    params: InvocationParams,
    querystring: query(['forceAfterMs'], { forceAfterMs: 'extension: as for StopAsyncTask' }),
    response: { 200: Type.Null({ description: 'stop requested' }), ...fc2Error },
  },
  statefulFunctions: {
    operationId: 'ListStatefulAsyncInvocationFunctions',
    description:
      'The 2.0 functions whose async config has statefulInvocation: data[{serviceName, functionName, qualifier}].',
    querystring: query(['limit', 'nextToken']),
    response: ok('data, nextToken'),
  },
};
