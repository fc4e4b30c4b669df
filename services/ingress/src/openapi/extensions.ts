import { Type } from 'typebox';
import { BulkOperationRequestSchema, BulkOperationSchema, ref } from '@asyncfn/contracts';
import { MAX_QUEUE_BATCH, MAX_QUEUE_WAIT_SECONDS } from '@asyncfn/core';
import { deleted, error, json, name, ok, query } from './common.js';

/* Route schemas: asyncfn's own routes (queues, bulk operations, metrics, console sign-in, probes). */

const bulkDescription =
  'extension: stops (action Stop) or re-runs (action Rerun) every task of the account that the filter matches, ' +
  'as StopAsyncTask and the rerun extension do one by one. Only tasks accepted before the request are part of ' +
  'it. Answers at once: DryRun (dryRun: only counted), Running (then poll GET), or Completed when nothing ' +
  'matched. A re-run task gets the id <taskId>-rerun-<last 8 characters of the operationId> (longer ids are ' +
  'shortened with a hash). The work is persisted with its cursor: if the ingress running it stops or dies, ' +
  'another ingress (or the same one, restarted) resumes it. Paced at ASYNCFN_BULK_TASKS_PER_SECOND. ' +
  '400 InvalidArgument for a bad filter (e.g. Stop with a finished status), 404 FunctionNotFound.';

export const bulkSchemas = {
  create: {
    operationId: 'CreateAsyncTaskBulkOperation',
    'x-asyncfn-extension': true,
    description: bulkDescription,
    body: ref(BulkOperationRequestSchema),
    response: ok(ref(BulkOperationSchema)),
  },
  get: {
    operationId: 'GetAsyncTaskBulkOperation',
    'x-asyncfn-extension': true,
    description: 'extension: a bulk operation and its progress; 404 BulkOperationNotFound.',
    params: Type.Object({ operationId: Type.String() }),
    response: ok(ref(BulkOperationSchema)),
  },
};

export const queueSchemas = {
  receive: {
    operationId: 'ReceiveQueueMessages',
    'x-asyncfn-extension': true,
    description:
      'extension: receives from a local MNS-style queue of the caller’s tenant — where a destination ' +
      '`acs:mns:<region>:<account>:/queues/<queueName>/messages` delivers its result records (region and ' +
      'account are ignored). Oldest first; received messages are removed from the queue (no visibility ' +
      'timeout, no second receiver). With waitSeconds > 0 the call waits until the first message arrives ' +
      'or the time is up, then answers what it has. An empty or never-used queue answers no messages. ' +
      'Unreceived messages are kept 4 days, at most 100,000 per queue (oldest dropped). 400 InvalidArgument ' +
      'for a bad queue name, numOfMessages or waitSeconds.',
    params: Type.Object({ queueName: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9-]{0,119}$' }) }),
    querystring: Type.Object({
      numOfMessages: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_QUEUE_BATCH, default: 1 })),
      waitSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_QUEUE_WAIT_SECONDS, default: 0 })),
    }),
    response: ok(
      Type.Object(
        {
          messages: Type.Array(
            Type.Object({
              messageId: Type.String({
                description: 'the message’s sequence in the queues stream (unique, increasing)',
              }),
              body: Type.String({ description: 'the record as sent (JSON text)' }),
              publishTime: Type.Integer({ description: 'epoch ms' }),
            }),
          ),
        },
        { description: 'the messages taken (possibly none)' },
      ),
    ),
  },
};

export const metricsSummarySchema = {
  operationId: 'GetMetricsSummary',
  description:
    "extension: your asyncfn_* metrics from every service's Prometheus endpoint, merged across processes " +
    '(counters and histograms summed, queue depth the largest report): {timestamp, samples[{name, labels, value, type}], sources{url: answered}}.',
  response: ok(
    json('samples', {
      timestamp: Type.Integer(),
      samples: Type.Array(json('a sample')),
      sources: Type.Object({}, { additionalProperties: Type.Boolean() }),
    }),
  ),
};

const Session = json('signed in', {
  tenant: Type.String(),
  accessKeyId: Type.String(),
  csrfToken: Type.String(),
  expiresAt: Type.Integer(),
});

export const sessionSchemas = {
  create: {
    security: [],
    operationId: 'CreateConsoleSession',
    description:
      'console sign-in: body {accessKeyId, accessKeySecret}; sets an HttpOnly, SameSite=Strict cookie (asyncfn_session) and ' +
      'answers {tenant, accessKeyId, csrfToken, expiresAt}. Requests with the cookie instead of a signature must send ' +
      'csrfToken in x-asyncfn-csrf unless they are GET/HEAD. 403 InvalidAccessKeyID / InvalidAccessKeySecret.',
    body: json('the AccessKey', { accessKeyId: Type.String(), accessKeySecret: Type.String() }),
    response: ok(Session),
  },
  get: {
    security: [],
    operationId: 'GetConsoleSession',
    description: 'the current console session (401 InvalidSession without one)',
    response: ok(Session),
  },
  delete: {
    security: [],
    operationId: 'DeleteConsoleSession',
    description: 'signs out (needs x-asyncfn-csrf) and clears the cookie',
    response: { ...deleted, 204: Type.Null({ description: 'signed out' }) },
  },
};

/** The console's page (its hashed assets are @fastify/static's routes, hidden from the document). */
export const consolePageSchema = {
  security: [],
  description: 'the web console: a single page (browsers asking for / are sent here)',
  response: {
    200: { description: 'the page', content: { 'text/html': { schema: Type.String() } } },
    ...error,
  },
};

export const probeSchemas = {
  healthz: { security: [], response: { 200: json('alive', { status: Type.String() }) } },
  readyz: {
    security: [],
    response: {
      200: json('ready', { status: Type.String() }),
      503: json('not ready', { status: Type.String(), reason: Type.String() }),
    },
  },
  metrics: {
    security: [],
    description:
      'extension: Prometheus metrics of this ingress (text exposition format); the other services serve theirs on their own ports',
    response: { 200: { description: 'metrics', content: { 'text/plain': { schema: Type.String() } } } },
  },
};

/** The console's "Log on to an instance": a WebSocket (docs/console.md). */
export const terminalSchema = {
  operationId: 'OpenInstanceTerminal',
  description:
    'extension: the console\'s "Log on to an instance": a WebSocket upgrade to a shell inside the instance\'s sandbox, ' +
    "with the function's rights (docs/console.md). Binary frames carry keystrokes and output; text frames carry JSON " +
    '({"type":"resize","cols","rows"} in, {"type":"exit","exitCode"} out). A console session offers its CSRF token ' +
    'as the subprotocol `csrf.<token>` next to `asyncfn-terminal`. 404 InstanceNotFound for an unknown instance, ' +
    "one that is gone, or another account's; 409 InstanceTerminalUnavailable when it runs unsandboxed. " +
    'Close codes: 1000 the shell ended, 4404 the instance is gone, 4401 signed out, 4503 the executor went away.',
  params: Type.Object({ functionName: name(), instanceId: name() }),
  querystring: query(['cols', 'rows'], { cols: 'terminal columns, 1–1000', rows: 'terminal rows, 1–500' }),
  response: { 101: Type.Null({ description: 'switched to the WebSocket' }), ...error },
};
