/**
 * The FC 2.0 (2021-04-06) routes in the API document: the task surface of FC's 2.0 SDK
 * (@alicloud/fc-open20210406), translated to the 3.0 functions (docs/fc2-api.md).
 */
export function fc2OpenApiPaths(error: Record<string, unknown>): Record<string, unknown> {
  const p = (name: string, description?: string) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
    ...(description ? { description } : {}),
  });
  const service = p('serviceName', 'service[.qualifier]; a qualifier names the one live service');
  const fn = p('functionName');
  const invocation = p('invocationId');
  const json = (description: string) => ({ description, content: { 'application/json': {} } });
  const base = '/2021-04-06/services/{serviceName}/functions/{functionName}';
  return {
    '/2021-04-06/services': {
      post: {
        operationId: 'Fc2CreateService',
        description:
          'FC 2.0 CreateService: serviceName, description; role, logConfig, vpcConfig, nasConfig, ossMountConfig, tracingConfig and internetAccess are kept and returned as given (nothing applies them here). 409 ServiceAlreadyExists.',
        responses: { '200': json('the service'), default: error },
      },
      get: {
        operationId: 'Fc2ListServices',
        parameters: ['prefix', 'limit', 'nextToken', 'startKey'].map((name) => ({ name, in: 'query' })),
        responses: { '200': json('services, nextToken'), default: error },
      },
    },
    '/2021-04-06/services/{serviceName}': {
      parameters: [service],
      get: { operationId: 'Fc2GetService', responses: { '200': json('the service'), default: error } },
      put: { operationId: 'Fc2UpdateService', responses: { '200': json('the service'), default: error } },
      delete: {
        operationId: 'Fc2DeleteService',
        description: '409 ServiceNotEmpty while the service has functions.',
        responses: { '204': { description: 'deleted' }, default: error },
      },
    },
    '/2021-04-06/services/{serviceName}/functions': {
      parameters: [service],
      post: {
        operationId: 'Fc2CreateFunction',
        description:
          'FC 2.0 CreateFunction: the 3.0 function fc2_<length of serviceName>_<serviceName>_<functionName> (at most 128 characters). initializer / initializationTimeout become instanceLifecycleConfig.initializer; code.zipFile only (no OSS). Runtimes, limits and errors as 3.0 CreateFunction.',
        responses: { '200': json('the function, in 2.0 shape'), default: error },
      },
      get: {
        operationId: 'Fc2ListFunctions',
        parameters: ['prefix', 'limit', 'nextToken'].map((name) => ({ name, in: 'query' })),
        responses: { '200': json('functions, nextToken'), default: error },
      },
    },
    [base]: {
      parameters: [service, fn],
      get: { operationId: 'Fc2GetFunction', responses: { '200': json('the function'), default: error } },
      put: { operationId: 'Fc2UpdateFunction', responses: { '200': json('the function'), default: error } },
      delete: {
        operationId: 'Fc2DeleteFunction',
        responses: { '204': { description: 'deleted' }, default: error },
      },
    },
    [`${base}/async-invoke-config`]: {
      parameters: [service, fn],
      put: {
        operationId: 'Fc2PutFunctionAsyncInvokeConfig',
        description:
          'statefulInvocation (the 3.0 asyncTask: tasks recorded, queryable and stoppable), maxAsyncEventAgeInSeconds, maxAsyncRetryAttempts, destinationConfig (destinations as for 3.0).',
        responses: {
          '200': json(
            'service, function, qualifier, statefulInvocation, maxAsyncEventAgeInSeconds, maxAsyncRetryAttempts, destinationConfig, createdTime, lastModifiedTime',
          ),
          default: error,
        },
      },
      get: {
        operationId: 'Fc2GetFunctionAsyncInvokeConfig',
        responses: { '200': json('the config'), default: error },
      },
      delete: {
        operationId: 'Fc2DeleteFunctionAsyncInvokeConfig',
        responses: { '204': { description: 'deleted' }, default: error },
      },
    },
    [`${base}/invocations`]: {
      parameters: [service, fn],
      post: {
        operationId: 'Fc2InvokeFunction',
        parameters: [
          { name: 'x-fc-invocation-type', in: 'header', schema: { type: 'string', enum: ['Sync', 'Async'] } },
          {
            name: 'x-fc-stateful-async-invocation-id',
            in: 'header',
            schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' },
            description: 'the task id (409 AsyncTaskAlreadyExists while a task of that id is retained)',
          },
          {
            name: 'x-fc-stateful-async-invocation-enable',
            in: 'header',
            schema: { type: 'string', enum: ['true', 'false'] },
            description: "overrides the function's statefulInvocation for this request",
          },
        ],
        responses: {
          '200': { description: 'Sync: the function result' },
          '202': { description: 'Async: accepted; x-fc-stateful-async-invocation-id names the task' },
          default: error,
        },
      },
    },
    [`${base}/stateful-async-invocations`]: {
      parameters: [service, fn],
      get: {
        operationId: 'ListStatefulAsyncInvocations',
        parameters: [
          'invocationIdPrefix',
          'status',
          'startedTimeBegin',
          'startedTimeEnd',
          'limit',
          'nextToken',
          'sortOrderByTime',
          'includePayload',
        ].map((name) => ({ name, in: 'query' })),
        responses: { '200': json('invocations (StatefulAsyncInvocation), nextToken'), default: error },
      },
    },
    [`${base}/stateful-async-invocations/{invocationId}`]: {
      parameters: [service, fn, invocation],
      get: {
        operationId: 'GetStatefulAsyncInvocation',
        description:
          'StatefulAsyncInvocation: invocationId, serviceName, functionName, qualifier, status, requestId, startedTime, endTime, durationMs, alreadyRetriedTimes, destinationStatus, instanceId, invocationErrorMessage, invocationPayload, returnPayload, events[{eventId, status, timestamp, eventDetail}].',
        responses: { '200': json('the invocation'), default: error },
      },
      put: {
        operationId: 'StopStatefulAsyncInvocation',
        description: 'As 3.0 StopAsyncTask; 409 AsyncTaskAlreadyFinished for a finished task. Empty body.',
        responses: { '200': { description: 'stop requested' }, default: error },
      },
    },
    '/2021-04-06/stateful-async-invocation-functions': {
      get: {
        operationId: 'ListStatefulAsyncInvocationFunctions',
        description:
          'The 2.0 functions whose async config has statefulInvocation: data[{serviceName, functionName, qualifier}].',
        parameters: ['limit', 'nextToken'].map((name) => ({ name, in: 'query' })),
        responses: { '200': json('data, nextToken'), default: error },
      },
    },
  };
}
