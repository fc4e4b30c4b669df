import { AUTH_ERROR_CODES } from '@asyncfn/auth';
import { ErrorCodes } from '@asyncfn/core';
import { ALL_TASK_STATUSES } from '@asyncfn/contracts';

/**
 * The API document served at /openapi.json: FC 3.0 routes this product has, the extensions, and
 * every error code with its status (a test keeps this table and the code in step).
 */
export function openApiDocument(): Record<string, unknown> {
  const errorCodes = [
    ...Object.entries(ErrorCodes).map(([code, { status, description }]) => ({ code, status, description })),
    ...AUTH_ERROR_CODES.map(({ code, httpStatus, description }) => ({
      code,
      status: httpStatus,
      description,
    })),
  ];
  const error = { $ref: '#/components/responses/Error' };
  const fn = { name: 'functionName', in: 'path', required: true, schema: { type: 'string' } };
  const task = { name: 'taskId', in: 'path', required: true, schema: { type: 'string' } };
  const json = (ref: string) => ({
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
  });
  const ok = (ref: string, description = 'OK') => ({ description, ...json(ref) });
  return {
    openapi: '3.0.3',
    info: {
      title: 'asyncfn API',
      version: '2023-03-30',
      description:
        'Function Compute 3.0 compatible API for asynchronous function tasks. Requests are signed with ACS3-HMAC-SHA256 (as the official SDK @alicloud/fc20230330 does); the AccessKey decides the tenant.',
    },
    components: {
      securitySchemes: {
        acs3: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=...',
        },
      },
      responses: {
        Error: {
          description:
            'An error, FC-style. Codes: ' + errorCodes.map((e) => `${e.code} (${e.status})`).join(', '),
          ...json('Error'),
        },
      },
      schemas: {
        Error: {
          type: 'object',
          properties: {
            Code: { type: 'string', enum: errorCodes.map((e) => e.code) },
            Message: { type: 'string' },
            RequestId: { type: 'string' },
          },
        },
        AsyncTaskEvent: {
          type: 'object',
          properties: {
            eventId: { type: 'integer' },
            status: { type: 'string', enum: ALL_TASK_STATUSES },
            timestamp: { type: 'integer' },
            eventDetail: { type: 'string' },
          },
        },
        AsyncTask: {
          type: 'object',
          properties: {
            taskId: { type: 'string' },
            status: { type: 'string', enum: ALL_TASK_STATUSES },
            requestId: { type: 'string' },
            functionArn: { type: 'string' },
            qualifier: { type: 'string' },
            startedTime: { type: 'integer', description: 'accepted at, epoch ms' },
            endTime: { type: 'integer' },
            durationMs: { type: 'integer', description: 'endTime - startedTime' },
            alreadyRetriedTimes: { type: 'integer' },
            returnPayload: { type: 'string' },
            taskErrorMessage: { type: 'string' },
            taskPayload: { type: 'string' },
            instanceId: { type: 'string' },
            destinationStatus: { type: 'string' },
            events: { type: 'array', items: { $ref: '#/components/schemas/AsyncTaskEvent' } },
            invokeCount: {
              type: 'integer',
              description: 'extension: attempts started, crash redeliveries included',
            },
            dueTime: { type: 'integer', description: 'extension: when a delayed task becomes due' },
            rerunOf: { type: 'string', description: 'extension: the task this one re-runs' },
          },
        },
        ListAsyncTaskOutput: {
          type: 'object',
          properties: {
            tasks: { type: 'array', items: { $ref: '#/components/schemas/AsyncTask' } },
            nextToken: { type: 'string' },
          },
        },
        AsyncConfig: {
          type: 'object',
          properties: {
            asyncTask: { type: 'boolean' },
            maxAsyncEventAgeInSeconds: { type: 'integer', minimum: 1, maximum: 604800 },
            maxAsyncRetryAttempts: { type: 'integer', minimum: 0, maximum: 8 },
            destinationConfig: { type: 'object' },
            functionArn: { type: 'string' },
            createdTime: { type: 'string' },
            lastModifiedTime: { type: 'string' },
          },
        },
        Function: { type: 'object', additionalProperties: true },
        ErrorCodeTable: { type: 'array', items: { type: 'object' }, example: errorCodes },
      },
    },
    security: [{ acs3: [] }],
    'x-error-codes': errorCodes,
    paths: {
      '/2023-03-30/functions': {
        post: { operationId: 'CreateFunction', responses: { '200': ok('Function'), default: error } },
        get: {
          operationId: 'ListFunctions',
          parameters: [
            { name: 'prefix', in: 'query' },
            { name: 'limit', in: 'query' },
            { name: 'nextToken', in: 'query' },
          ],
          responses: { '200': { description: 'functions, nextToken' }, default: error },
        },
      },
      '/2023-03-30/functions/{functionName}': {
        parameters: [fn],
        get: { operationId: 'GetFunction', responses: { '200': ok('Function'), default: error } },
        put: { operationId: 'UpdateFunction', responses: { '200': ok('Function'), default: error } },
        delete: {
          operationId: 'DeleteFunction',
          responses: { '204': { description: 'deleted' }, default: error },
        },
      },
      '/2023-03-30/functions/{functionName}/async-invoke-config': {
        parameters: [fn],
        put: { operationId: 'PutAsyncInvokeConfig', responses: { '200': ok('AsyncConfig'), default: error } },
        get: { operationId: 'GetAsyncInvokeConfig', responses: { '200': ok('AsyncConfig'), default: error } },
        delete: {
          operationId: 'DeleteAsyncInvokeConfig',
          responses: { '204': { description: 'deleted' }, default: error },
        },
      },
      '/2023-03-30/async-invoke-configs': {
        get: {
          operationId: 'ListAsyncInvokeConfigs',
          responses: { '200': { description: 'configs, nextToken' }, default: error },
        },
      },
      '/2023-03-30/functions/{functionName}/invocations': {
        parameters: [fn],
        post: {
          operationId: 'InvokeFunction',
          parameters: [
            {
              name: 'x-fc-invocation-type',
              in: 'header',
              schema: { type: 'string', enum: ['Sync', 'Async'] },
            },
            {
              name: 'x-fc-async-task-id',
              in: 'header',
              schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' },
            },
            {
              name: 'x-fc-async-delay',
              in: 'header',
              schema: { type: 'integer', minimum: 0, maximum: 3600 },
              description: 'extension: seconds before the task is due',
            },
            { name: 'x-fc-log-type', in: 'header', schema: { type: 'string', enum: ['None', 'Tail'] } },
          ],
          responses: {
            '200': { description: 'Sync: the function result' },
            '202': { description: 'Async: accepted; x-fc-async-task-id names the task' },
            default: error,
          },
        },
      },
      '/2023-03-30/functions/{functionName}/async-tasks': {
        parameters: [fn],
        get: {
          operationId: 'ListAsyncTasks',
          parameters: [
            'prefix',
            'status',
            'startedTimeBegin',
            'startedTimeEnd',
            'limit',
            'nextToken',
            'sortOrderByTime',
            'includePayload',
          ].map((name) => ({ name, in: 'query' })),
          responses: { '200': ok('ListAsyncTaskOutput'), default: error },
        },
      },
      '/2023-03-30/functions/{functionName}/async-tasks/{taskId}': {
        parameters: [fn, task],
        get: { operationId: 'GetAsyncTask', responses: { '200': ok('AsyncTask'), default: error } },
      },
      '/2023-03-30/functions/{functionName}/async-tasks/{taskId}/stop': {
        parameters: [fn, task],
        put: {
          operationId: 'StopAsyncTask',
          responses: { '200': { description: 'stop requested' }, default: error },
        },
      },
      '/healthz': { get: { security: [], responses: { '200': { description: 'alive' } } } },
      '/readyz': {
        get: {
          security: [],
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
        },
      },
    },
  };
}
