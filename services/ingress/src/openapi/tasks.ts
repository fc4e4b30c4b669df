import { Type } from 'typebox';
import { AsyncTaskSchema, ListAsyncTasksOutputSchema, ref } from '@asyncfn/contracts';
import { delayHeader, error, FunctionParams, json, ok, query, TaskParams, taskIdHeader } from './common.js';

/* Route schemas: invoking, and the async tasks (FC 3.0 and asyncfn's extensions). */

const LIST_QUERY = [
  'prefix',
  'status',
  'startedTimeBegin',
  'startedTimeEnd',
  'limit',
  'nextToken',
  'sortOrderByTime',
  'includePayload',
  'qualifier',
];

const bytes = (description: string) => ({
  description,
  content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } },
});

const accepted = (description: string) =>
  Type.Null({
    description,
    headers: {
      'x-fc-async-task-id': Type.String(),
      'x-asyncfn-due-time': Type.Integer({ description: 'extension: when the task is due (epoch ms)' }),
    },
  });

export const taskSchemas = {
  invoke: {
    operationId: 'InvokeFunction',
    params: FunctionParams,
    querystring: query(['qualifier']),
    headers: Type.Object({
      'x-fc-invocation-type': Type.Optional(Type.Unsafe<string>({ type: 'string', enum: ['Sync', 'Async'] })),
      'x-fc-async-task-id': Type.Optional(taskIdHeader),
      'x-fc-async-delay': Type.Optional(delayHeader),
      'x-fc-log-type': Type.Optional(Type.Unsafe<string>({ type: 'string', enum: ['None', 'Tail'] })),
    }),
    body: {
      description: 'the event, as bytes',
      content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } },
    },
    response: {
      200: bytes('Sync: the function result'),
      202: accepted('Async: accepted, empty body (as FC)'),
      ...error,
    },
  },
  get: {
    operationId: 'GetAsyncTask',
    params: TaskParams,
    querystring: query(['qualifier']),
    response: ok(ref(AsyncTaskSchema)),
  },
  list: {
    operationId: 'ListAsyncTasks',
    params: FunctionParams,
    querystring: query(LIST_QUERY),
    response: ok(ref(ListAsyncTasksOutputSchema)),
  },
  stop: {
    operationId: 'StopAsyncTask',
    description:
      'Running → Stopping: context.signal aborts, the PreStop hook runs within its timeout, then the instance is killed → Stopped. Also from Enqueued, Dequeued and Retrying. 409 AsyncTaskAlreadyFinished for a finished task.',
    params: TaskParams,
    querystring: Type.Object({
      forceAfterMs: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: 3600000,
          description:
            'extension (also header x-fc-stop-force-after-ms): kill the instance this many ms after the request, without waiting for PreStop; on a task already Stopping it brings the deadline forward',
        }),
      ),
    }),
    response: {
      200: Type.Null({
        description: 'stop requested; empty body (as FC)',
        headers: {
          'x-asyncfn-force-at': Type.Integer({
            description: 'extension: the kill deadline (epoch ms), when forceAfterMs was given',
          }),
        },
      }),
      ...error,
    },
  },
  rerun: {
    operationId: 'RerunAsyncTask',
    description:
      'extension: runs a finished task again as a new task with rerunOf = the original. A request body replaces the payload (none: the original payload); x-fc-async-task-id names the new task, x-fc-async-delay delays it. 409 AsyncTaskNotFinished while the original task is not finished.',
    params: TaskParams,
    headers: Type.Object({
      'x-fc-async-task-id': Type.Optional(taskIdHeader),
      'x-fc-async-delay': Type.Optional(delayHeader),
    }),
    response: {
      202: json('accepted', {
        taskId: Type.String(),
        requestId: Type.String(),
        dueTime: Type.Integer(),
        rerunOf: Type.String(),
      }),
      ...error,
    },
  },
  redeliver: {
    operationId: 'RedeliverAsyncTaskResult',
    description:
      "extension: sends a finished task's result record to its onSuccess / onFailure destination again " +
      '(e.g. after destinationStatus became failed and the destination was fixed). The redelivery is a ' +
      'delivery of its own (delivery id <tenant>:<taskId>:<kind>:redelivery:<requestId>). 404 ' +
      'AsyncTaskNotFound for an unknown task, 409 AsyncTaskNotFinished for an unfinished one, 404 ' +
      'AsyncConfigNotExists when the function has no destination for the outcome.',
    params: TaskParams,
    response: {
      202: Type.Object(
        {
          taskId: Type.String(),
          requestId: Type.String(),
          destinationKind: Type.Unsafe<string>({ type: 'string', enum: ['onSuccess', 'onFailure'] }),
          destination: Type.String(),
        },
        { description: 'redelivery queued' },
      ),
      ...error,
    },
  },
  logs: {
    operationId: 'GetAsyncTaskLogs',
    description:
      "extension: the task's captured stdout/stderr (function and lifecycle hooks), every attempt under a header line, at most 256 KB per task (oldest output dropped first, truncated: true). JSON by default; Accept: text/plain or format=text gives the bare text (header x-fc-log-truncated).",
    params: TaskParams,
    querystring: Type.Object({
      format: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: ['json', 'text'] })),
    }),
    response: {
      200: {
        description: 'the logs',
        content: {
          'application/json': {
            schema: Type.Object({
              taskId: Type.String(),
              logs: Type.String(),
              truncated: Type.Boolean(),
              attempts: Type.Integer(),
              requestId: Type.String(),
            }),
          },
          'text/plain': { schema: Type.String() },
        },
      },
      ...error,
    },
  },
  trace: {
    operationId: 'GetAsyncTaskTrace',
    description:
      "extension: the task's trace from Jaeger's query API: {traceId, jaegerUrl, startTime, durationMs, services, " +
      'spans[{spanId, parentSpanId, service, operation, startTime, offsetMs, durationMs, error, attributes}]}. ' +
      'Spans reach Jaeger a moment after they end; spans is empty until then. 503 ServiceUnavailable when Jaeger does not answer.',
    params: TaskParams,
    response: ok(json('the trace')),
  },
  listAll: {
    operationId: 'ListAllAsyncTasks',
    description:
      'extension: ListAsyncTasks over all your functions (or one with functionName): the same query (prefix, status, ' +
      'startedTimeBegin/End, limit, nextToken, sortOrderByTime, includePayload) and answer as the per-function route.',
    querystring: query(['functionName', ...LIST_QUERY]),
    response: ok(ref(ListAsyncTasksOutputSchema)),
  },
  counts: {
    operationId: 'CountAsyncTasks',
    description: 'extension: {counts: {<status>: n}} for every task status, over all your functions or one.',
    querystring: query(['functionName']),
    response: ok(
      json('counts per status', { counts: Type.Object({}, { additionalProperties: Type.Integer() }) }),
    ),
  },
  events: {
    operationId: 'WatchAsyncTasks',
    description:
      'extension: Server-Sent Events (text/event-stream) of your task changes as the status service records them: ' +
      'an `open` event, then `changes` events with [{taskId, functionName, type, status, attempt, timestamp}]. ' +
      'Nothing is replayed on (re)connect: read the list first.',
    querystring: query(['functionName']),
    response: {
      200: { description: 'the stream', content: { 'text/event-stream': { schema: Type.String() } } },
      ...error,
    },
  },
};
