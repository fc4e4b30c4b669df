import { ALL_TASK_STATUSES, errorTable } from '@asyncfn/contracts';
import { queuePaths } from './openapi-queues.js';
import { bulkOperationPaths, bulkOperationSchemas } from './openapi-bulk.js';
import { fc2OpenApiPaths } from './openapi-fc2.js';
import { consoleOpenApiPaths } from './console/openapi-paths.js';
import { controlPaths } from './openapi-controls.js';

/**
 * The API document served at /openapi.json: FC 3.0 routes this product has, the extensions, and
 * every error code with its status (a test keeps this table and the code in step).
 */
export function openApiDocument(): Record<string, unknown> {
  const errorCodes = errorTable();
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
        fc2: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'FC 2.0 scheme, /2021-04-06 routes only: FC <accessKeyId>:<base64 HMAC-SHA256 of method, Content-MD5, Content-Type, Date, x-fc-* headers and the path>',
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
            resources: {
              type: 'object',
              description:
                'extension: what the last attempt that ended cost. durationMs: from the attempt start on the executor to its outcome (cold start included); peakMemoryMB: RSS high-water mark (VmHWM) of the instance process over the attempt; cpuTimeMs: user+system CPU time of the instance process over the attempt (10 ms steps). With instanceConcurrency > 1 memory and CPU include invocations that ran beside it on the same instance. Linux only for memory and CPU.',
              properties: {
                durationMs: { type: 'integer' },
                peakMemoryMB: { type: 'integer' },
                cpuTimeMs: { type: 'integer' },
              },
            },
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
            destinationConfig: {
              type: 'object',
              description:
                'onSuccess / onFailure: {destination: nats:<subject> | kafka:<topic> | http(s)://<url> | ' +
                'function:<name> | acs:mns:<region>:<account>:/queues/<queue>/messages (a local queue of the tenant, ' +
                'read with GET /2023-03-30/queues/{queueName}/messages)}. Extension: cloudEvents (boolean, default false) wraps each record as a ' +
                "CloudEvents 1.0 structured JSON event. Records follow FC's format: timestamp, " +
                'requestContext{requestId, functionArn, condition (Success | InvocationError | ' +
                'EventAgeExceeded | InvalidTask | Stopped), approximateInvokeCount}, requestPayload, ' +
                'responseContext{statusCode, functionError}, responsePayload. HTTP deliveries carry ' +
                'x-asyncfn-delivery-id, x-asyncfn-timestamp and x-asyncfn-signature: sha256=<hex ' +
                'HMAC-SHA256(secret, "<timestamp>.<body>")>.',
              properties: {
                onSuccess: { type: 'object', properties: { destination: { type: 'string' } } },
                onFailure: { type: 'object', properties: { destination: { type: 'string' } } },
                cloudEvents: { type: 'boolean' },
              },
            },
            functionArn: { type: 'string' },
            createdTime: { type: 'string' },
            lastModifiedTime: { type: 'string' },
          },
        },
        Function: { type: 'object', additionalProperties: true },
        ...bulkOperationSchemas,
        Trigger: {
          type: 'object',
          properties: {
            triggerName: { type: 'string' },
            triggerId: { type: 'string' },
            triggerType: { type: 'string', enum: ['http', 'kafka', 'nats', 'timer'] },
            triggerConfig: { type: 'string', description: 'JSON text' },
            description: { type: 'string' },
            qualifier: { type: 'string', enum: ['LATEST'] },
            sourceArn: { type: 'string' },
            invocationRole: { type: 'string' },
            targetArn: { type: 'string' },
            status: { type: 'string', enum: ['Enabled', 'Disabled'] },
            createdTime: { type: 'string' },
            lastModifiedTime: { type: 'string' },
            httpTrigger: {
              type: 'object',
              properties: { urlInternet: { type: 'string' }, urlIntranet: { type: 'string' } },
            },
          },
        },
        ErrorCodeTable: { type: 'array', items: { type: 'object' }, example: errorCodes },
      },
    },
    security: [{ acs3: [] }],
    'x-error-codes': errorCodes,
    paths: {
      ...bulkOperationPaths(error),
      ...controlPaths(),
      '/2023-03-30/functions': {
        post: {
          operationId: 'CreateFunction',
          description:
            "FC's CreateFunction. Runtimes: nodejs16/18/20/22, python3, python3.9, python3.10, python3.12 (native Python: handler(event, context), run on the executor's python3 unless ASYNCFN_PYTHON_BINARIES maps the runtime) and custom (custom.debian10/11/12): customRuntimeConfig.command is started with cwd = the code and must serve HTTP on $FC_SERVER_PORT (POST /invoke; hooks POST /initialize, /pre-freeze, /pre-stop). Extension: code.localDirectory (an absolute path inside ASYNCFN_LOCAL_CODE_ROOTS on the server) instead of code.zipFile runs the directory in place, for development.",
          responses: { '200': ok('Function'), default: error },
        },
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
              schema: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,127}$' },
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
            '202': {
              description:
                'Async: accepted, empty body (as FC); headers x-fc-request-id, x-fc-async-task-id and (extension) x-asyncfn-due-time (epoch ms)',
            },
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
          description:
            'Running → Stopping: context.signal aborts, the PreStop hook runs within its timeout, then the instance is killed → Stopped. Also from Enqueued, Dequeued and Retrying. 409 AsyncTaskAlreadyFinished for a finished task.',
          parameters: [
            {
              name: 'forceAfterMs',
              in: 'query',
              schema: { type: 'integer', minimum: 0, maximum: 3600000 },
              description:
                'extension (also header x-fc-stop-force-after-ms): kill the instance this many ms after the request, without waiting for PreStop; on a task already Stopping it brings the deadline forward',
            },
          ],
          responses: {
            '200': {
              description:
                'stop requested; empty body (as FC). Extension: x-asyncfn-force-at (epoch ms) when forceAfterMs was given',
            },
            default: error,
          },
        },
      },
      '/2023-03-30/functions/{functionName}/async-tasks/{taskId}/redeliver': {
        parameters: [fn, task],
        post: {
          operationId: 'RedeliverAsyncTaskResult',
          description:
            "extension: sends a finished task's result record to its onSuccess / onFailure destination again " +
            '(e.g. after destinationStatus became failed and the destination was fixed). The redelivery is a ' +
            'delivery of its own (delivery id <tenant>:<taskId>:<kind>:redelivery:<requestId>). 404 ' +
            'AsyncTaskNotFound for an unknown task, 409 AsyncTaskNotFinished for an unfinished one, 404 ' +
            'AsyncConfigNotExists when the function has no destination for the outcome.',
          responses: {
            '202': {
              description: 'redelivery queued: taskId, requestId, destinationKind, destination',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      taskId: { type: 'string' },
                      requestId: { type: 'string' },
                      destinationKind: { type: 'string', enum: ['onSuccess', 'onFailure'] },
                      destination: { type: 'string' },
                    },
                  },
                },
              },
            },
            default: error,
          },
        },
      },
      '/2023-03-30/functions/{functionName}/async-tasks/{taskId}/logs': {
        parameters: [fn, task],
        get: {
          operationId: 'GetAsyncTaskLogs',
          description:
            "extension: the task's captured stdout/stderr (function and lifecycle hooks), every attempt under a header line, at most 256 KB per task (oldest output dropped first, truncated: true). JSON by default; Accept: text/plain or format=text gives the bare text (header x-fc-log-truncated).",
          parameters: [{ name: 'format', in: 'query', schema: { type: 'string', enum: ['json', 'text'] } }],
          responses: {
            '200': {
              description: 'the logs',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      taskId: { type: 'string' },
                      logs: { type: 'string' },
                      truncated: { type: 'boolean' },
                      attempts: { type: 'integer' },
                      requestId: { type: 'string' },
                    },
                  },
                },
                'text/plain': {},
              },
            },
            default: error,
          },
        },
      },
      '/2023-03-30/functions/{functionName}/async-tasks/{taskId}/rerun': {
        parameters: [fn, task],
        post: {
          operationId: 'RerunAsyncTask',
          description:
            'extension: runs a finished task again as a new task with rerunOf = the original. A request body replaces the payload (none: the original payload); x-fc-async-task-id names the new task, x-fc-async-delay delays it. 409 AsyncTaskNotFinished while the original task is not finished.',
          parameters: [
            {
              name: 'x-fc-async-task-id',
              in: 'header',
              schema: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,127}$' },
            },
            {
              name: 'x-fc-async-delay',
              in: 'header',
              schema: { type: 'integer', minimum: 0, maximum: 3600 },
            },
          ],
          responses: {
            '202': { description: 'accepted: taskId, requestId, dueTime, rerunOf' },
            default: error,
          },
        },
      },
      '/2023-03-30/functions/{functionName}/instances': {
        parameters: [fn],
        get: {
          operationId: 'ListInstances',
          description:
            "FC's ListInstances: the function's instances as executors last recorded them (on each status change and every 5 s). status: starting, initializing, busy, freezing (PreFreeze running), frozen (idle), stopping, destroyed (listed for about 30 s). versionId: the code+config version the instance runs. Extensions: inFlight, invocations.",
          parameters: [
            { name: 'instanceStatus', in: 'query', description: 'JSON array or comma list of statuses' },
            { name: 'instanceIds', in: 'query', description: 'JSON array or comma list of instance ids' },
            { name: 'startTimeMs', in: 'query', description: 'created at or after (epoch ms)' },
            { name: 'endTimeMs', in: 'query', description: 'created at or before (epoch ms)' },
            { name: 'startKey', in: 'query', description: 'first instance id listed (listed by id)' },
            { name: 'limit', in: 'query', description: 'at most this many (1-1000); all if absent' },
          ],
          responses: {
            '200': {
              description: 'instances, requestId',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      instances: {
                        type: 'array',
                        items: {
                          type: 'object',
                          properties: {
                            instanceId: { type: 'string' },
                            status: { type: 'string' },
                            createdTimeMs: { type: 'integer' },
                            destroyedTimeMs: { type: 'integer' },
                            qualifier: { type: 'string' },
                            versionId: { type: 'string' },
                            inFlight: { type: 'integer' },
                            invocations: { type: 'integer' },
                          },
                        },
                      },
                      requestId: { type: 'string' },
                    },
                  },
                },
              },
            },
            default: error,
          },
        },
      },
      '/2023-03-30/functions/{functionName}/triggers': {
        parameters: [fn],
        post: {
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
          responses: { '200': ok('Trigger'), default: error },
        },
        get: {
          operationId: 'ListTriggers',
          parameters: [
            { name: 'prefix', in: 'query' },
            { name: 'limit', in: 'query' },
            { name: 'nextToken', in: 'query' },
          ],
          responses: { '200': { description: 'triggers, nextToken' }, default: error },
        },
      },
      '/2023-03-30/functions/{functionName}/triggers/{triggerName}': {
        parameters: [fn, { name: 'triggerName', in: 'path', required: true, schema: { type: 'string' } }],
        get: { operationId: 'GetTrigger', responses: { '200': ok('Trigger'), default: error } },
        put: {
          operationId: 'UpdateTrigger',
          description: 'A new triggerConfig replaces the old one (same type); runners restart with it.',
          responses: { '200': ok('Trigger'), default: error },
        },
        delete: {
          operationId: 'DeleteTrigger',
          responses: { '204': { description: 'deleted' }, default: error },
        },
      },
      '/http/{tenant}/{functionName}/{triggerName}/{path}': {
        parameters: [
          { name: 'tenant', in: 'path', required: true, schema: { type: 'string' } },
          fn,
          { name: 'triggerName', in: 'path', required: true, schema: { type: 'string' } },
          {
            name: 'path',
            in: 'path',
            required: true,
            schema: { type: 'string' },
            description: 'any path, or none',
          },
        ],
        post: {
          operationId: 'InvokeHttpTrigger',
          security: [],
          description:
            "An HTTP trigger's URL (httpTrigger.urlInternet); every method in its config is served the same way. " +
            'authType anonymous: no signature; function: ACS3-signed by an AccessKey of the tenant (403 AccessDenied otherwise). ' +
            'Async (202, x-fc-async-task-id) when the trigger has asyncInvocation or the request sends x-fc-invocation-type: Async ' +
            '(x-fc-async-task-id and x-fc-async-delay work as for InvokeFunction); otherwise sync: a function result that is a JSON ' +
            'object with statusCode (headers, body, isBase64Encoded) is the response, anything else the body of a 200. ' +
            'A traceparent header is continued. 405 MethodNotAllowed for a method the trigger does not accept.',
          responses: {
            '200': { description: 'sync: the function’s response' },
            '202': { description: 'async: accepted' },
            default: error,
          },
        },
      },
      ...queuePaths(error),
      ...fc2OpenApiPaths(error),
      ...consoleOpenApiPaths(),
      '/healthz': { get: { security: [], responses: { '200': { description: 'alive' } } } },
      '/readyz': {
        get: {
          security: [],
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
        },
      },
      '/metrics': {
        get: {
          security: [],
          description:
            'extension: Prometheus metrics of this ingress (text exposition format); the other services serve theirs on their own ports',
          responses: { '200': { description: 'metrics', content: { 'text/plain': {} } } },
        },
      },
    },
  };
}
