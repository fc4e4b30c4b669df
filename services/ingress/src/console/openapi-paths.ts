/** The OpenAPI entries of the console's routes and of the API extensions it reads. */
export function consoleOpenApiPaths(): Record<string, unknown> {
  const error = { $ref: '#/components/responses/Error' };
  const fnParam = { name: 'functionName', in: 'path', required: true, schema: { type: 'string' } };
  const taskParam = { name: 'taskId', in: 'path', required: true, schema: { type: 'string' } };
  const fnQuery = { name: 'functionName', in: 'query', required: false, schema: { type: 'string' } };
  const ok = (description: string) => ({ description, content: { 'application/json': {} } });
  return {
    '/2023-03-30/async-tasks': {
      get: {
        operationId: 'ListAllAsyncTasks',
        description:
          'extension: ListAsyncTasks over all your functions (or one with functionName): the same query (prefix, status, ' +
          'startedTimeBegin/End, limit, nextToken, sortOrderByTime, includePayload) and answer as the per-function route.',
        parameters: [fnQuery],
        responses: {
          '200': {
            description: 'tasks',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ListAsyncTaskOutput' } } },
          },
          default: error,
        },
      },
    },
    '/2023-03-30/async-task-counts': {
      get: {
        operationId: 'CountAsyncTasks',
        description:
          'extension: {counts: {<status>: n}} for every task status, over all your functions or one.',
        parameters: [fnQuery],
        responses: { '200': ok('counts per status'), default: error },
      },
    },
    '/2023-03-30/async-task-events': {
      get: {
        operationId: 'WatchAsyncTasks',
        description:
          'extension: Server-Sent Events (text/event-stream) of your task changes as the status service records them: ' +
          'an `open` event, then `changes` events with [{taskId, functionName, type, status, attempt, timestamp}]. ' +
          'Nothing is replayed on (re)connect: read the list first.',
        parameters: [fnQuery],
        responses: {
          '200': { description: 'the stream', content: { 'text/event-stream': {} } },
          default: error,
        },
      },
    },
    '/2023-03-30/functions/{functionName}/async-tasks/{taskId}/trace': {
      parameters: [fnParam, taskParam],
      get: {
        operationId: 'GetAsyncTaskTrace',
        description:
          "extension: the task's trace from Jaeger's query API: {traceId, jaegerUrl, startTime, durationMs, services, " +
          'spans[{spanId, parentSpanId, service, operation, startTime, offsetMs, durationMs, error, attributes}]}. ' +
          'Spans reach Jaeger a moment after they end; spans is empty until then. 503 ServiceUnavailable when Jaeger does not answer.',
        responses: { '200': ok('the trace'), default: error },
      },
    },
    '/2023-03-30/functions/{functionName}/instances/{instanceId}/terminal': {
      parameters: [fnParam, { name: 'instanceId', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        operationId: 'OpenInstanceTerminal',
        description:
          'extension: the console\'s "Log on to an instance": a WebSocket upgrade to a shell inside the instance\'s sandbox, ' +
          "with the function's rights (docs/console.md). Binary frames carry keystrokes and output; text frames carry JSON " +
          '({"type":"resize","cols","rows"} in, {"type":"exit","exitCode"} out). A console session offers its CSRF token ' +
          'as the subprotocol `csrf.<token>` next to `asyncfn-terminal`. 404 InstanceNotFound for an unknown instance, ' +
          "one that is gone, or another account's; 409 InstanceTerminalUnavailable when it runs unsandboxed. " +
          'Close codes: 1000 the shell ended, 4404 the instance is gone, 4401 signed out, 4503 the executor went away.',
        parameters: [
          {
            name: 'cols',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 1000 },
          },
          {
            name: 'rows',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 500 },
          },
        ],
        responses: { '101': { description: 'switched to the WebSocket' }, default: error },
      },
    },
    '/2023-03-30/metrics-summary': {
      get: {
        operationId: 'GetMetricsSummary',
        description:
          "extension: your asyncfn_* metrics from every service's Prometheus endpoint, merged across processes " +
          '(counters and histograms summed, queue depth the largest report): {timestamp, samples[{name, labels, value, type}], sources{url: answered}}.',
        responses: { '200': ok('samples'), default: error },
      },
    },
    '/console/api/session': {
      post: {
        security: [],
        operationId: 'CreateConsoleSession',
        description:
          'console sign-in: body {accessKeyId, accessKeySecret}; sets an HttpOnly, SameSite=Strict cookie (asyncfn_session) and ' +
          'answers {tenant, accessKeyId, csrfToken, expiresAt}. Requests with the cookie instead of a signature must send ' +
          'csrfToken in x-asyncfn-csrf unless they are GET/HEAD. 403 InvalidAccessKeyID / InvalidAccessKeySecret.',
        responses: { '200': ok('signed in'), default: error },
      },
      get: {
        security: [],
        operationId: 'GetConsoleSession',
        description: 'the current console session (401 InvalidSession without one)',
        responses: { '200': ok('signed in'), default: error },
      },
      delete: {
        security: [],
        operationId: 'DeleteConsoleSession',
        description: 'signs out (needs x-asyncfn-csrf) and clears the cookie',
        responses: { '204': { description: 'signed out' }, default: error },
      },
    },
  };
}
