import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { type DeadLetterRecord, type ResultRecord } from '@asyncfn/contracts';
import { connectNats } from '@asyncfn/nats';
import { startStack, type Stack } from '../scripts/stack.js';
import {
  $FC,
  eventually,
  createNodeFunction,
  fcClient,
  invokeAsync,
  signedFetch,
  type FcClient,
} from './harness/api.js';
import { serverUrls, testNames } from './harness/env.js';
import { openTestTaskStore } from './harness/task-store.js';

/*
 * Destinations end to end: the five services as real processes; records received over real NATS
 * (core and JetStream), Kafka, an HTTP receiver this test serves, and a chained function.
 */

const names = testNames('dest');
const urls = serverUrls();
const SECRET = 'test-destination-secret';
const OTHER_TENANT = { accessKeyId: 'LTAIdestOtherKey', accessKeySecret: 'destOtherSecret' };
const suffix = names.namespace.slice(-8);
const TOPIC = `asyncfn-dest-ok-${suffix}`;
const FAIL_SUBJECT = `results.${suffix}.failed`;
const CE_SUBJECT = `results.${suffix}.cloudevents`;
const CE_STREAM = `DEST_TEST_CE_${suffix.toUpperCase()}`;

const WORKER = `exports.handler = async (event) => {
  const e = JSON.parse(event.toString() || '{}');
  if (e.fail) throw new Error('boom');
  return JSON.stringify({ echoed: e });
};`;
const ECHO = `exports.handler = async (event) => event.toString();`;

let stack: Stack;
let client: FcClient;
let nc: NatsConnection;
let jsm: JetStreamManager;
let consumer: Consumer;
let receiver: Server;
let receiverUrl: string;
const mongo = new MongoClient(urls.mongoUrl);

/** Everything any destination received, with the time it arrived. */
interface Received {
  via: 'kafka' | 'nats' | 'http';
  at: number;
  body: string;
  key?: string;
  path?: string;
  subject?: string;
  headers: Record<string, string>;
}
const received: Received[] = [];
/** Delivery latencies (record received - terminal state), ms. */
const latencies: { via: Received['via']; ms: number }[] = [];
/** HTTP paths that answer 500 a number of times before 200. */
const flaky = new Map<string, number>();

function receive(entry: Received): void {
  received.push(entry);
  try {
    const parsed = JSON.parse(entry.body) as ResultRecord & { data?: ResultRecord };
    const record = parsed.data ?? parsed;
    // A redelivery carries the original record (and timestamp): not a delivery latency.
    const redelivery = entry.headers['x-asyncfn-delivery-id']?.includes(':redelivery:') ?? false;
    if (typeof record.timestamp === 'number' && !redelivery) {
      latencies.push({ via: entry.via, ms: entry.at - record.timestamp });
    }
  } catch {
    // not a record
  }
}

async function arrival(match: (r: Received) => boolean, timeoutMs = 20_000): Promise<Received> {
  return eventually(async () => received.find(match), timeoutMs, 20);
}
const recordOf = (r: Received) => JSON.parse(r.body) as ResultRecord;
const flatHeaders = (h: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));

const createFunction = (name: string, source: string) => createNodeFunction(client, name, source);

/** PutAsyncInvokeConfig with a raw signed call: the SDK's model drops the cloudEvents extension. */
async function putAsyncConfig(name: string, config: Record<string, unknown>) {
  const res = await signedFetch(
    stack.ingressUrl,
    'PUT',
    `/2023-03-30/functions/${name}/async-invoke-config`,
    {
      body: JSON.stringify(config),
    },
  );
  expect(res.status, await res.clone().text()).toBe(200);
}

async function taskOf(fn: string, taskId: string) {
  return (await client.getAsyncTask(fn, taskId, new $FC.GetAsyncTaskRequest({}))).body!;
}
async function finished(fn: string, taskId: string, timeoutMs = 30_000) {
  return eventually(async () => {
    const task = await taskOf(fn, taskId);
    return ['Succeeded', 'Failed', 'Stopped', 'Expired', 'Invalid'].includes(task.status!) ? task : undefined;
  }, timeoutMs);
}
async function destinationStatusOf(fn: string, taskId: string, wanted: string, timeoutMs = 30_000) {
  return eventually(
    async () => ((await taskOf(fn, taskId)).destinationStatus === wanted ? wanted : undefined),
    timeoutMs,
  );
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (path === '/hang') return; // never answers
      const left = flaky.get(path) ?? 0;
      if (left > 0) {
        flaky.set(path, left - 1);
        received.push({
          via: 'http',
          at: Date.now(),
          body: '',
          path: `${path}#refused`,
          headers: flatHeaders(req.headers),
        });
        res.writeHead(500).end();
        return;
      }
      receive({
        via: 'http',
        at: Date.now(),
        body: Buffer.concat(chunks).toString('utf8'),
        path,
        headers: flatHeaders(req.headers),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  nc = await connectNats(urls.natsUrl, 'destinations-test', urls.natsAuth);
  jsm = await jetstreamManager(nc);
  // A stream of the user's own captures the CloudEvents subject: those records go through JetStream.
  await jsm.streams.add({ name: CE_STREAM, subjects: [CE_SUBJECT] });
  nc.subscribe(FAIL_SUBJECT, {
    callback: (_err, msg) => {
      const headers: Record<string, string> = {};
      for (const k of msg.headers?.keys() ?? []) headers[k.toLowerCase()] = msg.headers!.get(k);
      receive({ via: 'nats', at: Date.now(), body: msg.string(), subject: msg.subject, headers });
    },
  });

  const kafka = new Kafka({
    clientId: 'destinations-test',
    brokers: urls.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  consumer = kafka.consumer({ groupId: `asyncfn-dest-test-${suffix}` });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      receive({
        via: 'kafka',
        at: Date.now(),
        body: message.value!.toString(),
        key: message.key!.toString(),
        headers,
      });
    },
  });

  stack = await startStack({
    namespace: names.namespace,
    portBase: 19400,
    env: {
      ...urls.env,
      ASYNCFN_ACCESS_KEYS: `LTAIasyncfnLocalKey:asyncfnLocalSecret:default,${OTHER_TENANT.accessKeyId}:${OTHER_TENANT.accessKeySecret}:other`,
      ASYNCFN_RETRY_BASE_MS: '100',
      ASYNCFN_DESTINATION_RETRY_BASE_MS: '200',
      ASYNCFN_DESTINATION_RETRY_MAX_MS: '800',
      ASYNCFN_DESTINATION_MAX_ATTEMPTS: '3',
      ASYNCFN_DESTINATION_TIMEOUT_MS: '1500',
      ASYNCFN_DESTINATION_SIGNING_SECRET: SECRET,
    },
  });
  client = fcClient(stack.ingressUrl);
  await mongo.connect();

  await createFunction('worker', WORKER);
  await putAsyncConfig('worker', {
    maxAsyncRetryAttempts: 0,
    maxAsyncEventAgeInSeconds: 2,
    destinationConfig: {
      onSuccess: { destination: `kafka:${TOPIC}` },
      onFailure: { destination: `nats:${FAIL_SUBJECT}` },
    },
  });
  // Wait until the Kafka consumer is in its group, so the first record is not raced.
  await eventually(
    async () => ((await consumer.describeGroup()).state === 'Stable' ? true : undefined),
    30_000,
    200,
  );
}, 180_000);

afterAll(async () => {
  const summary = (label: string, values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    if (sorted.length === 0) return;
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    console.log(
      `destination delivery latency (terminal state → record received) ${label}, n=${sorted.length}: ` +
        `min ${sorted[0]} ms, p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${sorted.at(-1)} ms`,
    );
  };
  summary(
    'all',
    latencies.map((l) => l.ms),
  );
  for (const via of ['nats', 'kafka', 'http'] as const) {
    summary(
      via,
      latencies.filter((l) => l.via === via).map((l) => l.ms),
    );
  }
  await stack?.stopAll();
  await consumer?.disconnect().catch(() => undefined);
  await jsm?.streams.delete(CE_STREAM).catch(() => undefined);
  await nc?.drain().catch(() => undefined);
  receiver?.close();
  await mongo.close();
});

describe('result records in FC’s format', () => {
  it('Succeeded: a Success record on the Kafka topic, key = delivery id, trace context in headers', async () => {
    await invokeAsync(client, 'worker', JSON.stringify({ n: 1 }), { taskId: 'ok-1' });
    const got = await arrival((r) => r.via === 'kafka' && r.key === 'default:ok-1:onSuccess');
    const record = recordOf(got);
    expect(record).toEqual({
      timestamp: expect.any(Number),
      requestContext: {
        requestId: expect.any(String),
        functionArn: 'acs:fc:local:default:functions/worker',
        condition: 'Success',
        approximateInvokeCount: 1,
      },
      requestPayload: '{"n":1}',
      responseContext: { statusCode: 200, functionError: '' },
      responsePayload: JSON.stringify({ echoed: { n: 1 } }),
    });
    expect(got.headers['x-asyncfn-delivery-id']).toBe('default:ok-1:onSuccess');
    expect(got.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const task = await taskOf('worker', 'ok-1');
    expect(record.timestamp).toBe(task.endTime);
    expect(record.requestContext.requestId).toBe(task.requestId);
    expect(await destinationStatusOf('worker', 'ok-1', 'Succeeded')).toBe('Succeeded');
  });

  it('Failed (no retries left): an InvocationError record on the NATS subject', async () => {
    await invokeAsync(client, 'worker', JSON.stringify({ fail: true }), { taskId: 'fail-1' });
    const got = await arrival(
      (r) => r.via === 'nats' && r.headers['x-asyncfn-delivery-id'] === 'default:fail-1:onFailure',
    );
    const record = recordOf(got);
    expect(record.requestContext).toMatchObject({ condition: 'InvocationError', approximateInvokeCount: 1 });
    expect(record.responseContext).toEqual({ statusCode: 200, functionError: 'InvocationError' });
    expect(JSON.parse(record.responsePayload)).toEqual({ errorMessage: 'boom' });
    expect(record.requestPayload).toBe('{"fail":true}');
    expect(got.headers['nats-msg-id']).toBe('default:fail-1:onFailure');
    expect(got.headers.traceparent).toBeTruthy();
    expect(await destinationStatusOf('worker', 'fail-1', 'Succeeded')).toBe('Succeeded');
  });

  it('Expired: an EventAgeExceeded record', async () => {
    await stack.stop('executor');
    try {
      await invokeAsync(client, 'worker', '{}', { taskId: 'expire-1' });
      await new Promise((r) => setTimeout(r, 3_500));
    } finally {
      await stack.start('executor');
    }
    const got = await arrival((r) => r.headers['x-asyncfn-delivery-id'] === 'default:expire-1:onFailure');
    const record = recordOf(got);
    expect(record.requestContext).toMatchObject({ condition: 'EventAgeExceeded', approximateInvokeCount: 0 });
    expect(record.responseContext).toEqual({ statusCode: 504, functionError: 'EventAgeExceeded' });
    expect(JSON.parse(record.responsePayload).errorMessage).toMatch(/maxAsyncEventAgeInSeconds 2/);
    expect((await taskOf('worker', 'expire-1')).status).toBe('Expired');
  });

  it('Stopped: a Stopped record for a delayed task stopped before it ran', async () => {
    const res = await signedFetch(stack.ingressUrl, 'POST', '/2023-03-30/functions/worker/invocations', {
      headers: {
        'x-fc-invocation-type': 'Async',
        'x-fc-async-task-id': 'stop-1',
        // Short: if the queued message cannot be taken out early, the stop lands when it is due.
        'x-fc-async-delay': '5',
        'content-type': 'application/octet-stream',
      },
      body: 'never',
    });
    expect(res.status).toBe(202);
    await eventually(async () =>
      (await taskOf('worker', 'stop-1')).status === 'Enqueued' ? true : undefined,
    );
    await client.stopAsyncTask('worker', 'stop-1', new $FC.StopAsyncTaskRequest({}));
    const got = await arrival(
      (r) => r.headers['x-asyncfn-delivery-id'] === 'default:stop-1:onFailure',
      30_000,
    );
    const record = recordOf(got);
    expect(record.requestContext).toMatchObject({ condition: 'Stopped', approximateInvokeCount: 0 });
    expect(record.responseContext).toEqual({ statusCode: 499, functionError: 'Stopped' });
    expect(record.requestPayload).toBe('never');
  });

  it('Invalid: an InvalidTask record when the function’s instance cannot be created', async () => {
    const source = `${ECHO} // broken ${suffix}`;
    await createFunction('broken', source);
    await putAsyncConfig('broken', {
      destinationConfig: { onFailure: { destination: `nats:${FAIL_SUBJECT}` } },
    });
    // The code package disappears from the store: the executor cannot create an instance.
    const fn = (await client.getFunction('broken', new $FC.GetFunctionRequest({}))).body!;
    const db = mongo.db(names.database);
    const files = await db
      .collection('code.files')
      .find({ filename: { $regex: fn.codeChecksum! } })
      .toArray();
    expect(files.length).toBe(1);
    await db.collection('code.chunks').deleteMany({ files_id: { $in: files.map((f) => f._id) } });
    await db.collection('code.files').deleteMany({ _id: { $in: files.map((f) => f._id) } });

    await invokeAsync(client, 'broken', 'x', { taskId: 'invalid-1' });
    const got = await arrival((r) => r.headers['x-asyncfn-delivery-id'] === 'default:invalid-1:onFailure');
    const record = recordOf(got);
    expect(record.requestContext).toMatchObject({
      condition: 'InvalidTask',
      functionArn: 'acs:fc:local:default:functions/broken',
    });
    expect(record.responseContext).toEqual({ statusCode: 400, functionError: 'InvalidTask' });
    expect(JSON.parse(record.responsePayload).errorMessage).toMatch(/instance creation failed/);
    expect((await taskOf('broken', 'invalid-1')).status).toBe('Invalid');
  });

  it('a function without destinations gets no record and no destinationStatus', async () => {
    await createFunction('plain', ECHO);
    await invokeAsync(client, 'plain', 'x', { taskId: 'plain-1' });
    const task = await finished('plain', 'plain-1');
    await new Promise((r) => setTimeout(r, 500));
    expect(task.status).toBe('Succeeded');
    expect((await taskOf('plain', 'plain-1')).destinationStatus).toBeUndefined();
    expect(received.some((r) => r.headers['x-asyncfn-delivery-id']?.includes(':plain-1:'))).toBe(false);
    // Its events never reach the destination service: the service's consumer takes the terminal
    // events of the functions that have destinations only.
    const { config } = await jsm.consumers.info(names.streams.events, names.consumers.destination);
    expect(config.filter_subjects).toContain(names.subjects.event('default', 'worker', 'TaskSucceeded'));
    expect(config.filter_subjects!.some((s) => s.includes('.plain.'))).toBe(false);
  });

  it('a destination configured on a function without one applies to its very next task', async () => {
    await createFunction('late', ECHO);
    await invokeAsync(client, 'late', 'before', { taskId: 'late-0' });
    await finished('late', 'late-0');
    await putAsyncConfig('late', {
      destinationConfig: { onSuccess: { destination: `${receiverUrl}/late` } },
    });
    await invokeAsync(client, 'late', 'after', { taskId: 'late-1' });
    const got = await arrival((r) => r.path === '/late');
    expect(got.headers['x-asyncfn-delivery-id']).toBe('default:late-1:onSuccess');
    // The task that ended before the destination was configured gets no record.
    await new Promise((r) => setTimeout(r, 500));
    expect(received.filter((r) => r.path === '/late')).toHaveLength(1);
    const { config } = await jsm.consumers.info(names.streams.events, names.consumers.destination);
    expect(config.filter_subjects).toContain(names.subjects.event('default', 'late', 'TaskFailed'));
  });
});

describe('HTTP destinations', () => {
  it('POST the record signed with the tenant’s secret, with the task’s trace context; retried after 5xx', async () => {
    await createFunction('hooked', WORKER);
    await putAsyncConfig('hooked', {
      maxAsyncRetryAttempts: 0,
      destinationConfig: { onSuccess: { destination: `${receiverUrl}/hook?token=abc` } },
    });
    flaky.set('/hook?token=abc', 1); // the first attempt gets a 500
    await invokeAsync(client, 'hooked', '{"x":1}', { taskId: 'http-1' });
    const got = await arrival((r) => r.path === '/hook?token=abc');
    expect(received.filter((r) => r.path === '/hook?token=abc#refused')).toHaveLength(1);

    // What a receiver does: HMAC-SHA256 over "<timestamp>.<raw body>" with the shared secret.
    const timestamp = got.headers['x-asyncfn-timestamp']!;
    const expected = createHmac('sha256', SECRET).update(`${timestamp}.${got.body}`).digest('hex');
    expect(got.headers['x-asyncfn-signature']).toBe(`sha256=${expected}`);
    expect(Math.abs(Date.now() - Number(timestamp))).toBeLessThan(60_000);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-asyncfn-delivery-id']).toBe('default:http-1:onSuccess');
    expect(recordOf(got).requestContext.condition).toBe('Success');

    // The trace id is the task's: the receiver joins the task's trace.
    const tasks = await openTestTaskStore(names);
    const doc = await tasks.store.get('default', 'http-1').finally(() => tasks.close());
    expect(got.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(doc).toBeDefined();
    if (doc?.traceparent) expect(got.headers.traceparent!.split('-')[1]).toBe(doc.traceparent.split('-')[1]);
    expect(await destinationStatusOf('hooked', 'http-1', 'Succeeded')).toBe('Succeeded');
  });
});

describe('function destinations', () => {
  it('start a task of the other function whose event is the record, once', async () => {
    await createFunction('sink', ECHO);
    await createFunction('source', WORKER);
    await putAsyncConfig('source', {
      maxAsyncRetryAttempts: 0,
      destinationConfig: { onFailure: { destination: 'function:sink' } },
    });
    await invokeAsync(client, 'source', JSON.stringify({ fail: true }), { taskId: 'chain-1' });
    const chained = await finished('sink', 'chain-1-InvocationError');
    expect(chained.status).toBe('Succeeded');
    const event = JSON.parse(chained.taskPayload!) as ResultRecord;
    expect(event.requestContext).toMatchObject({
      condition: 'InvocationError',
      functionArn: 'acs:fc:local:default:functions/source',
    });
    expect(JSON.parse(event.responsePayload)).toEqual({ errorMessage: 'boom' });
    expect(JSON.parse(chained.returnPayload!)).toEqual(event);
    expect(await destinationStatusOf('source', 'chain-1', 'Succeeded')).toBe('Succeeded');
    const sinkTasks = (
      await client.listAsyncTasks('sink', new $FC.ListAsyncTasksRequest({ prefix: 'chain-1' }))
    ).body!;
    expect(sinkTasks.tasks!.map((t) => t.taskId)).toEqual(['chain-1-InvocationError']);
  });
});

describe('a dead destination', () => {
  it('is retried, then dead-lettered (failed), while another function’s deliveries keep arriving on time', async () => {
    // A port that refuses connections, and a server that accepts and never answers.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/dead`;
    await new Promise((r) => closed.close(r));

    await createFunction('deadhook', ECHO);
    await putAsyncConfig('deadhook', { destinationConfig: { onSuccess: { destination: deadUrl } } });
    await createFunction('hanghook', ECHO);
    await putAsyncConfig('hanghook', {
      destinationConfig: { onSuccess: { destination: `${receiverUrl}/hang` } },
    });
    await createFunction('livehook', ECHO);
    await putAsyncConfig('livehook', {
      destinationConfig: { onSuccess: { destination: `${receiverUrl}/live` } },
    });

    const bad = Array.from({ length: 10 }, (_, i) => i);
    const submit = async (fn: string, taskId: string, body: string) => {
      const res = await signedFetch(stack.ingressUrl, 'POST', `/2023-03-30/functions/${fn}/invocations`, {
        headers: { 'x-fc-invocation-type': 'Async', 'x-fc-async-task-id': taskId },
        body,
      });
      expect(res.status).toBe(202);
    };
    await Promise.all([
      ...bad.map((i) => submit('deadhook', `dead-${i}`, `d${i}`)),
      ...bad.map((i) => submit('hanghook', `hang-${i}`, `h${i}`)),
    ]);
    // Once they have run, their deliveries fail, hang and wait for retries; meanwhile the healthy
    // function's records must flow as if nothing happened.
    for (const i of bad) {
      await finished('deadhook', `dead-${i}`);
      await finished('hanghook', `hang-${i}`);
    }
    const lags: number[] = [];
    for (let i = 0; i < 10; i++) {
      await invokeAsync(client, 'livehook', `l${i}`, { taskId: `live-${i}` });
      const got = await arrival(
        (r) => r.headers['x-asyncfn-delivery-id'] === `default:live-${i}:onSuccess`,
        10_000,
      );
      lags.push(got.at - recordOf(got).timestamp);
    }
    const stillFailing = (
      await Promise.all(bad.map(async (i) => (await taskOf('hanghook', `hang-${i}`)).destinationStatus))
    ).filter((status) => status === 'Running').length;
    console.log(
      `healthy destination beside dead ones: delivery lag ms ${JSON.stringify(lags)}; ` +
        `${stillFailing}/${bad.length} hanging deliveries still retrying at the end`,
    );
    expect(Math.max(...lags)).toBeLessThan(2_000);

    for (const i of bad) expect(await destinationStatusOf('deadhook', `dead-${i}`, 'Failed')).toBe('Failed');
    const js = jetstream(nc);
    const letters = await eventually(async () => {
      const c = await js.consumers.get(names.streams.deadLetters, {
        filter_subjects: [names.subjects.deadLetter('default', 'deadhook')],
      });
      const batch = await c.fetch({ max_messages: 20, expires: 1_000 });
      const out: DeadLetterRecord[] = [];
      for await (const m of batch) out.push(m.json<DeadLetterRecord>());
      return out.length >= bad.length ? out : undefined;
    }, 30_000);
    const first = letters.find((l) => l.taskId === 'dead-0')!;
    expect(first).toMatchObject({
      deliveryId: 'default:dead-0:onSuccess',
      kind: 'onSuccess',
      destination: deadUrl,
      attempts: 3,
      functionName: 'deadhook',
    });
    expect(first.error).toMatch(/ECONNREFUSED|fetch failed/);
    expect(first.record.requestContext.condition).toBe('Success');
    expect(first.record.requestPayload).toBe('d0');
    // The hanging destination ends the same way, after its timeouts.
    for (const i of bad)
      expect(await destinationStatusOf('hanghook', `hang-${i}`, 'Failed', 40_000)).toBe('Failed');
  }, 120_000);

  it('redelivers a failed record on request, once the destination is fixed', async () => {
    await putAsyncConfig('deadhook', {
      destinationConfig: { onSuccess: { destination: `${receiverUrl}/fixed` } },
    });
    const res = await signedFetch(
      stack.ingressUrl,
      'POST',
      '/2023-03-30/functions/deadhook/async-tasks/dead-0/redeliver',
    );
    expect(res.status).toBe(202);
    const body = (await res.json()) as { requestId: string; destinationKind: string };
    expect(body.destinationKind).toBe('onSuccess');
    const got = await arrival((r) => r.path === '/fixed');
    expect(got.headers['x-asyncfn-delivery-id']).toBe(
      `default:dead-0:onSuccess:redelivery:${body.requestId}`,
    );
    expect(recordOf(got).requestPayload).toBe('d0');
    expect(await destinationStatusOf('deadhook', 'dead-0', 'Succeeded')).toBe('Succeeded');
  });

  it('redeliver: 404 for unknown or another tenant’s tasks, 409 for unfinished ones', async () => {
    const call = (path: string, creds?: typeof OTHER_TENANT) =>
      signedFetch(stack.ingressUrl, 'POST', path, creds ? { creds } : {});
    const unknown = await call('/2023-03-30/functions/deadhook/async-tasks/nope/redeliver');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { Code: string }).Code).toBe('AsyncTaskNotFound');
    const other = await call('/2023-03-30/functions/deadhook/async-tasks/dead-1/redeliver', OTHER_TENANT);
    expect(other.status).toBe(404);

    const res = await signedFetch(stack.ingressUrl, 'POST', '/2023-03-30/functions/deadhook/invocations', {
      headers: { 'x-fc-invocation-type': 'Async', 'x-fc-async-task-id': 'later-1', 'x-fc-async-delay': '60' },
      body: 'x',
    });
    expect(res.status).toBe(202);
    const early = await call('/2023-03-30/functions/deadhook/async-tasks/later-1/redeliver');
    expect(early.status).toBe(409);
    expect(((await early.json()) as { Code: string }).Code).toBe('AsyncTaskNotFinished');
    await client.stopAsyncTask('deadhook', 'later-1', new $FC.StopAsyncTaskRequest({}));
  });
});

describe('CloudEvents', () => {
  it('wraps records when destinationConfig.cloudEvents is true (JetStream subject, deduplicated by id)', async () => {
    await createFunction('ce', ECHO);
    await putAsyncConfig('ce', {
      destinationConfig: { onSuccess: { destination: `nats:${CE_SUBJECT}` }, cloudEvents: true },
    });
    const config = (await client.getAsyncInvokeConfig('ce', new $FC.GetAsyncInvokeConfigRequest({}))).body!;
    expect(config.destinationConfig?.onSuccess?.destination).toBe(`nats:${CE_SUBJECT}`);

    await invokeAsync(client, 'ce', 'hello', { taskId: 'ce-1' });
    const stored = await eventually(async () => {
      const m = await jsm.streams.getMessage(CE_STREAM, { last_by_subj: CE_SUBJECT }).catch(() => null);
      return m ?? undefined;
    }, 20_000);
    const event = stored.json<{ data: ResultRecord } & Record<string, unknown>>();
    expect(event).toMatchObject({
      specversion: '1.0',
      id: 'default:ce-1:onSuccess',
      source: 'acs:fc:local:default:functions/ce',
      type: 'com.asyncfn.task.succeeded',
      subject: 'ce-1',
      datacontenttype: 'application/json',
    });
    expect(new Date(event.time as string).getTime()).toBe(event.data.timestamp);
    expect(event.data.requestContext.condition).toBe('Success');
    expect(event.data.responsePayload).toBe('hello');
    expect(stored.header?.get('Nats-Msg-Id')).toBe('default:ce-1:onSuccess');
    expect(stored.header?.get('content-type')).toBe('application/cloudevents+json; charset=utf-8');
    expect(await destinationStatusOf('ce', 'ce-1', 'Succeeded')).toBe('Succeeded');
  });
});

describe('destination metrics', () => {
  /** The sum of a metric's samples on the destination service's /metrics whose labels include `match`. */
  async function sample(name: string, match: Record<string, string>): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${stack.ports.destination}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      const m = /^([a-z_]+)\{([^}]*)\} ([0-9.e+-]+)/.exec(line);
      if (!m || m[1] !== name) continue;
      const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
      if (Object.entries(match).every(([k, v]) => labels[k] === v)) sum += Number(m[3]);
    }
    return sum;
  }

  it('move on /metrics: deliveries by type, failed attempts, retries and dead letters', async () => {
    // The dead destination above: every record failed its 3 attempts (2 retries), then was dead-lettered.
    const dead = { function: 'deadhook', destination_type: 'http' };
    expect(await sample('asyncfn_destination_dead_letters_total', dead)).toBeGreaterThanOrEqual(1);
    expect(await sample('asyncfn_destination_failures_total', dead)).toBeGreaterThanOrEqual(3);
    expect(await sample('asyncfn_destination_retries_total', dead)).toBeGreaterThanOrEqual(2);
    // The redelivery to the fixed URL, and records delivered to Kafka and NATS earlier.
    expect(await sample('asyncfn_destination_delivery_latency_seconds_count', dead)).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      await sample('asyncfn_destination_delivery_latency_seconds_count', { destination_type: 'kafka' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await sample('asyncfn_destination_delivery_latency_seconds_count', { destination_type: 'nats' }),
    ).toBeGreaterThanOrEqual(1);

    // And they move: one more delivery counts once more.
    const before = await sample('asyncfn_destination_delivery_latency_seconds_count', dead);
    const res = await signedFetch(
      stack.ingressUrl,
      'POST',
      '/2023-03-30/functions/deadhook/async-tasks/dead-1/redeliver',
    );
    expect(res.status).toBe(202);
    await eventually(async () =>
      (await sample('asyncfn_destination_delivery_latency_seconds_count', dead)) > before ? true : undefined,
    );
  });
});
