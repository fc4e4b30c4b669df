import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { taskDocumentId, type TaskDocument } from '@asyncfn/contracts';
import { triggerTaskIds, type HttpTriggerEvent, type KafkaTriggerEvent } from '@asyncfn/core';
import { connectNats } from '@asyncfn/nats';
import { ROOT, serviceArgs, startStack, tail, waitReady, type Stack } from '../scripts/stack.js';
import { $FC, createNodeFunction, eventually, fcClient, signedFetch, type FcClient } from './harness/api.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * Triggers end to end: the five services as real processes, the trigger API through FC's official
 * SDK, HTTP triggers over real sockets, Kafka and NATS triggers fed through the real servers, and
 * a timer trigger with two dispatcher replicas.
 */

const names = testNames('trg');
const urls = serverUrls();
const suffix = names.namespace.slice(-8);
const TOPIC = `asyncfn-trg-${suffix}`;
const CORE_SUBJECT = `trg.${suffix}.orders`;
const JS_STREAM = `TRG_${suffix.toUpperCase()}`;
const JS_SUBJECT = `trgjs.${suffix}`;
const OTHER_TENANT = { accessKeyId: 'LTAItrgOtherKey', accessKeySecret: 'trgOtherSecret' };
const SECOND_DISPATCHER_PORT = 19705;

/** Returns its event: the task's returnPayload is what the trigger handed over. */
const ECHO = `exports.handler = async (event) => event.toString();`;
/** Answers an HTTP trigger with FC's response struct. */
const WEB = `exports.handler = async (event) => {
  const e = JSON.parse(event.toString());
  return JSON.stringify({ statusCode: 201, headers: { 'x-from': 'fn' }, body: e.requestContext.http.method + ' ' + e.rawPath });
};`;

let stack: Stack;
let client: FcClient;
let nc: NatsConnection;
let jsm: JetStreamManager;
let kafkaAdmin: Admin;
let producer: Producer;
let secondDispatcher: ChildProcess | undefined;
const mongo = new MongoClient(urls.mongoUrl);
const kafka = new Kafka({
  clientId: 'triggers-test',
  brokers: urls.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});

const createFunction = (name: string, source: string) => createNodeFunction(client, name, source);

async function createTrigger(fn: string, triggerName: string, triggerType: string, config: object) {
  return (
    await client.createTrigger(
      fn,
      new $FC.CreateTriggerRequest({
        body: new $FC.CreateTriggerInput({ triggerName, triggerType, triggerConfig: JSON.stringify(config) }),
      }),
    )
  ).body!;
}

async function tasksWithPrefix(fn: string, prefix: string) {
  const tasks: $FC.AsyncTask[] = [];
  let nextToken: string | undefined;
  do {
    const page = (
      await client.listAsyncTasks(
        fn,
        new $FC.ListAsyncTasksRequest({
          prefix,
          limit: 100,
          sortOrderByTime: 'asc',
          ...(nextToken ? { nextToken } : {}),
        }),
      )
    ).body!;
    tasks.push(...(page.tasks ?? []));
    nextToken = page.nextToken || undefined;
  } while (nextToken);
  return tasks;
}

/** Waits until exactly `count` tasks with the prefix exist and all Succeeded. */
async function succeeded(fn: string, prefix: string, count: number, timeoutMs = 60_000) {
  return eventually(
    async () => {
      const tasks = await tasksWithPrefix(fn, prefix);
      expect(tasks.length).toBeLessThanOrEqual(count);
      return tasks.length === count && tasks.every((t) => t.status === 'Succeeded') ? tasks : undefined;
    },
    timeoutMs,
    250,
  );
}

const eventOf = <T>(task: $FC.AsyncTask) => JSON.parse(task.returnPayload!) as T;

async function storedTask(taskId: string): Promise<TaskDocument | null> {
  return mongo
    .db(names.database)
    .collection<TaskDocument>(names.collections.tasks)
    .findOne({ _id: taskDocumentId('default', taskId) });
}

beforeAll(async () => {
  stack = await startStack({
    namespace: names.namespace,
    portBase: 19700,
    env: {
      ...urls.env,
      ASYNCFN_ACCESS_KEYS: `LTAIasyncfnLocalKey:asyncfnLocalSecret:default,${OTHER_TENANT.accessKeyId}:${OTHER_TENANT.accessKeySecret}:other`,
      ASYNCFN_RETRY_BASE_MS: '100',
    },
  });
  client = fcClient(stack.ingressUrl);
  await createFunction('echo', ECHO);
  await createFunction('web', WEB);
  await mongo.connect();
  nc = await connectNats(urls.natsUrl, 'triggers-test', urls.natsAuth);
  jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: JS_STREAM, subjects: [`${JS_SUBJECT}.>`] });
  kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  await kafkaAdmin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }], waitForLeaders: true });
  producer = kafka.producer();
  await producer.connect();
}, 180_000);

afterAll(async () => {
  secondDispatcher?.kill('SIGKILL');
  await producer?.disconnect().catch(() => undefined);
  await kafkaAdmin?.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
  await kafkaAdmin?.disconnect().catch(() => undefined);
  await jsm?.streams.delete(JS_STREAM).catch(() => undefined);
  await nc?.drain().catch(() => undefined);
  await mongo.close();
  await stack?.stopAll();
}, 60_000);

describe('the trigger API (FC SDK)', () => {
  it('creates, reads, updates, lists and deletes triggers', async () => {
    const created = await createTrigger('echo', 'crud-a', 'http', {
      authType: 'anonymous',
      methods: ['GET'],
    });
    expect(created).toMatchObject({
      triggerName: 'crud-a',
      triggerType: 'http',
      qualifier: 'LATEST',
      status: 'Enabled',
      targetArn: 'acs:fc:local:default:functions/echo',
      httpTrigger: {
        urlInternet: `${stack.ingressUrl}/http/default/echo/crud-a`,
        urlIntranet: `${stack.ingressUrl}/http/default/echo/crud-a`,
      },
    });
    expect(JSON.parse(created.triggerConfig!)).toEqual({ authType: 'anonymous', methods: ['GET'] });
    expect(created.triggerId).toMatch(/^[0-9a-f-]{36}$/);

    const got = (await client.getTrigger('echo', 'crud-a')).body!;
    expect(got).toEqual(created);

    await new Promise((r) => setTimeout(r, 5));
    const updated = (
      await client.updateTrigger(
        'echo',
        'crud-a',
        new $FC.UpdateTriggerRequest({
          body: new $FC.UpdateTriggerInput({
            description: 'now POST too',
            triggerConfig: JSON.stringify({ authType: 'function', methods: ['GET', 'POST'] }),
          }),
        }),
      )
    ).body!;
    expect(updated).toMatchObject({ triggerId: created.triggerId, description: 'now POST too' });
    expect(JSON.parse(updated.triggerConfig!)).toEqual({ authType: 'function', methods: ['GET', 'POST'] });
    expect(updated.lastModifiedTime! > created.lastModifiedTime!).toBe(true);
    expect(updated.createdTime).toBe(created.createdTime);

    await createTrigger('echo', 'crud-b', 'timer', { cronExpression: '0 0 4 * * *', enable: false });
    await createTrigger('echo', 'crud-c', 'nats', { subject: `trg.${suffix}.unused` });
    const first = (
      await client.listTriggers('echo', new $FC.ListTriggersRequest({ prefix: 'crud-', limit: 2 }))
    ).body!;
    expect(first.triggers!.map((t) => t.triggerName)).toEqual(['crud-a', 'crud-b']);
    expect(first.triggers![1]!.status).toBe('Disabled');
    const second = (
      await client.listTriggers(
        'echo',
        new $FC.ListTriggersRequest({ prefix: 'crud-', limit: 2, nextToken: first.nextToken! }),
      )
    ).body!;
    expect(second.triggers!.map((t) => t.triggerName)).toEqual(['crud-c']);
    expect(second.nextToken).toBeFalsy();

    for (const name of ['crud-a', 'crud-b', 'crud-c']) {
      const res = await client.deleteTrigger('echo', name);
      expect(res.statusCode).toBe(204);
    }
    await expect(client.getTrigger('echo', 'crud-a')).rejects.toMatchObject({
      statusCode: 404,
      code: 'TriggerNotFound',
    });
  });

  it('answers 409, 404 and 400 the FC way', async () => {
    await createTrigger('echo', 'dup', 'http', {});
    await expect(createTrigger('echo', 'dup', 'http', {})).rejects.toMatchObject({
      statusCode: 409,
      code: 'TriggerAlreadyExists',
    });
    await expect(client.getTrigger('echo', 'nope')).rejects.toMatchObject({
      statusCode: 404,
      code: 'TriggerNotFound',
    });
    await expect(client.deleteTrigger('echo', 'nope')).rejects.toMatchObject({
      statusCode: 404,
      code: 'TriggerNotFound',
    });
    await expect(createTrigger('missing', 'x', 'http', {})).rejects.toMatchObject({
      statusCode: 404,
      code: 'FunctionNotFound',
    });
    await expect(createTrigger('echo', 'bad-type', 'oss', {})).rejects.toMatchObject({
      statusCode: 400,
      code: 'InvalidArgument',
      message: expect.stringMatching(/triggerType/),
    });
    await expect(createTrigger('echo', 'bad-kafka', 'kafka', { groupId: 'g' })).rejects.toMatchObject({
      statusCode: 400,
      code: 'InvalidArgument',
      message: expect.stringMatching(/topic/),
    });
    await expect(
      createTrigger('echo', 'bad-cron', 'timer', { cronExpression: '* * * *' }),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: 'InvalidArgument',
    });
    await expect(
      createTrigger('echo', 'bad-subject', 'nats', { subject: `${names.namespace}.tasks.>` }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
    // Another tenant sees none of them.
    const other = fcClient(stack.ingressUrl, OTHER_TENANT);
    expect((await other.listTriggers('echo', new $FC.ListTriggersRequest({}))).body!.triggers).toEqual([]);
    await expect(other.getTrigger('echo', 'dup')).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('HTTP triggers', () => {
  it('anonymous and async: 202 with the task id, the task gets FC’s HTTP event, the trace continues', async () => {
    const trigger = await createTrigger('echo', 'hook', 'http', {
      authType: 'anonymous',
      methods: ['POST'],
      asyncInvocation: true,
    });
    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const res = await fetch(`${trigger.httpTrigger!.urlInternet}/orders/42?a=1&b=2&a=3`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', traceparent: `00-${traceId}-0102030405060708-01` },
      body: 'hello trigger',
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const taskId = res.headers.get('x-fc-async-task-id')!;
    expect(taskId).toBeTruthy();
    const [task] = await succeeded('echo', taskId, 1);
    const event = eventOf<HttpTriggerEvent>(task!);
    expect(event).toMatchObject({
      version: 'v1',
      rawPath: '/orders/42',
      body: 'hello trigger',
      isBase64Encoded: false,
      queryParameters: { a: '1,3', b: '2' },
      headers: { 'content-type': 'text/plain' },
      requestContext: {
        accountId: 'default',
        domainPrefix: trigger.triggerId,
        http: { method: 'POST', path: '/orders/42', protocol: 'HTTP/1.1' },
      },
    });
    expect((await storedTask(taskId))?.traceparent).toContain(traceId);

    // A method the trigger does not accept.
    const get = await fetch(trigger.httpTrigger!.urlInternet!, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(await get.json()).toMatchObject({ Code: 'MethodNotAllowed' });
  });

  it('synchronous: the function’s {statusCode, headers, body} is the response', async () => {
    const trigger = await createTrigger('web', 'page', 'http', {
      authType: 'anonymous',
      methods: ['GET', 'PUT'],
    });
    const res = await fetch(`${trigger.httpTrigger!.urlInternet}/a/b`, { method: 'PUT', body: 'x' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-from')).toBe('fn');
    expect(await res.text()).toBe('PUT /a/b');
    // x-fc-invocation-type: Async makes one request async.
    const async = await fetch(trigger.httpTrigger!.urlInternet!, {
      method: 'GET',
      headers: { 'x-fc-invocation-type': 'Async', 'x-fc-async-task-id': 'web-async-1' },
    });
    expect(async.status).toBe(202);
    expect(async.headers.get('x-fc-async-task-id')).toBe('web-async-1');
    await succeeded('web', 'web-async-1', 1);
  });

  it('authType function: unsigned is 401, another account 403, signed by the owner runs', async () => {
    const trigger = await createTrigger('echo', 'signed', 'http', {
      authType: 'function',
      methods: ['POST'],
    });
    const url = new URL(trigger.httpTrigger!.urlInternet!);
    const unsigned = await fetch(url, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ Code: 'MissingAuthorization' });
    const foreign = await signedFetch(stack.ingressUrl, 'POST', url.pathname, {
      body: '{}',
      creds: OTHER_TENANT,
    });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ Code: 'AccessDenied' });
    const signed = await signedFetch(stack.ingressUrl, 'POST', url.pathname, {
      body: '{"signed":true}',
      headers: { 'x-fc-invocation-type': 'Async', 'x-fc-async-task-id': 'signed-1' },
    });
    expect(signed.status, await signed.clone().text()).toBe(202);
    const [task] = await succeeded('echo', 'signed-1', 1);
    expect(eventOf<{ body: string }>(task!).body).toBe('{"signed":true}');
  });
});

describe('NATS triggers', () => {
  it('core NATS: each message becomes a task; a republished Nats-Msg-Id is the same task', async () => {
    await createTrigger('echo', 'core', 'nats', { subject: `trg.${suffix}.*` });
    const publish = (id: string, body: string) => {
      const h = natsHeaders();
      h.set('Nats-Msg-Id', id);
      nc.publish(CORE_SUBJECT, new TextEncoder().encode(body), { headers: h });
    };
    // Core NATS keeps nothing for a subscriber that is not there yet: publish until it is. Every
    // publish carries the same Nats-Msg-Id, so all that arrive make one task.
    await eventually(
      async () => {
        publish('order-1', '{"order":1}');
        const tasks = await tasksWithPrefix('echo', 'n-');
        return tasks.length > 0 ? tasks : undefined;
      },
      30_000,
      300,
    );
    publish('order-2', '{"order":2}');
    publish('order-2', '{"order":2}');
    const tasks = await succeeded('echo', 'n-', 2);
    expect(tasks.map((t) => eventOf<{ body: string }>(t).body).sort()).toEqual([
      '{"order":1}',
      '{"order":2}',
    ]);
    const first = tasks.find((t) => eventOf<{ body: string }>(t).body === '{"order":1}')!;
    expect(eventOf(first)).toMatchObject({
      subject: CORE_SUBJECT,
      isBase64Encoded: false,
      headers: { 'Nats-Msg-Id': 'order-1' },
    });
  });

  it('JetStream: a durable consumer on the user’s stream, one task per stream sequence', async () => {
    const js = jetstream(nc);
    await js.publish(`${JS_SUBJECT}.a`, 'one');
    await createTrigger('echo', 'stream', 'nats', { stream: JS_STREAM, fromBeginning: true });
    await js.publish(`${JS_SUBJECT}.b`, 'two');
    await js.publish(`${JS_SUBJECT}.c`, new Uint8Array([0xff, 0xfe]));
    const tasks = await succeeded('echo', 'j-', 3);
    const events = tasks
      .map((t) => eventOf<Record<string, unknown>>(t))
      .sort((a, b) => Number(a.sequence) - Number(b.sequence));
    expect(events).toEqual([
      expect.objectContaining({ stream: JS_STREAM, sequence: 1, subject: `${JS_SUBJECT}.a`, body: 'one' }),
      expect.objectContaining({ sequence: 2, body: 'two', isBase64Encoded: false }),
      expect.objectContaining({ sequence: 3, body: '//4=', isBase64Encoded: true }),
    ]);
    // Deleting the trigger removes its durable consumer.
    await client.deleteTrigger('echo', 'stream');
    await eventually(async () => {
      const consumers = await (await jsm.consumers.list(JS_STREAM)).next();
      return consumers.length === 0 ? true : undefined;
    }, 20_000);
  });
});

describe('Kafka triggers', () => {
  const N = 6;
  let groupId: string;

  it('each record becomes one task, its trace continued from the record’s headers', async () => {
    const trigger = await createTrigger('echo', 'orders', 'kafka', { topic: TOPIC, fromBeginning: true });
    groupId = names.triggers.kafkaGroupId(trigger.triggerId!);
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await producer.send({
      topic: TOPIC,
      messages: Array.from({ length: N }, (_, i) => ({
        key: `key-${i}`,
        value: JSON.stringify({ n: i }),
        headers: i === 0 ? { traceparent: `00-${traceId}-b7ad6b7169203331-01` } : {},
      })),
    });
    const tasks = await succeeded('echo', 'k-', N);
    const events = tasks.map((t) => eventOf<KafkaTriggerEvent>(t));
    expect(events.map((e) => (JSON.parse(e.value!) as { n: number }).n).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const zero = events.find((e) => e.key === 'key-0')!;
    expect(zero).toMatchObject({
      topic: TOPIC,
      isBase64Encoded: false,
      headers: { traceparent: expect.any(String) },
    });
    const zeroTask = tasks[events.indexOf(zero)]!;
    expect(zeroTask.taskId).toMatch(new RegExp(`^k-[0-9a-f]{16}-${zero.partition}-${zero.offset}$`));
    expect((await storedTask(zeroTask.taskId!))?.traceparent).toContain(traceId);
  });

  it('records read again after an offset reset and a dispatcher restart give no second task', async () => {
    const committed = async () => {
      const [offsets] = await kafkaAdmin.fetchOffsets({ groupId, topics: [TOPIC] });
      return offsets!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    };
    await eventually(async () => ((await committed()) === N ? true : undefined), 30_000, 250);
    await stack.stop('dispatcher');
    // The group is empty now: rewind it, as an operator (or a lost commit after a crash) would.
    await eventually(
      async () => {
        await kafkaAdmin.resetOffsets({ groupId, topic: TOPIC, earliest: true });
        return (await committed()) === 0 ? true : undefined;
      },
      30_000,
      500,
    );
    await stack.start('dispatcher');
    // Every record is read and committed again (the intake answered duplicate for each) ...
    await eventually(async () => ((await committed()) === N ? true : undefined), 60_000, 250);
    // ... and no task was added.
    expect((await tasksWithPrefix('echo', 'k-')).length).toBe(N);
  });

  it('a new trigger reads the records produced since its creation, even before its group has joined', async () => {
    // The topic holds N older records; these two are produced the moment CreateTrigger answers.
    const trigger = await createTrigger('echo', 'since', 'kafka', { topic: TOPIC });
    await producer.send({
      topic: TOPIC,
      messages: [0, 1].map((i) => ({ key: `since-${i}`, value: JSON.stringify({ since: i }) })),
    });
    const prefix = triggerTaskIds.kafka(trigger.triggerId!, TOPIC, 0, '0').replace(/0-0$/, '');
    // Exactly these two: none of the older records, none skipped.
    const tasks = await succeeded('echo', prefix, 2);
    expect(tasks.map((t) => eventOf<KafkaTriggerEvent>(t).key).sort()).toEqual(['since-0', 'since-1']);
  });
});

describe('timer triggers', () => {
  it('@every 2s fires on time, each firing exactly once with two dispatchers running', async () => {
    const log = join(dirname(stack.logFile('dispatcher')), 'dispatcher-2.log');
    const fd = openSync(log, 'a');
    secondDispatcher = spawn(process.execPath, serviceArgs('dispatcher'), {
      cwd: ROOT,
      env: { ...stack.env, ASYNCFN_DISPATCHER_PORT: String(SECOND_DISPATCHER_PORT) },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    const child = secondDispatcher;
    const ready = await waitReady(SECOND_DISPATCHER_PORT, 60_000, () => child.exitCode === null);
    expect(ready, tail(log)).toBe(true);

    const trigger = await createTrigger('echo', 'tick', 'timer', {
      cronExpression: '@every 2s',
      payload: 'tock',
    });
    // Both replicas run the timer ...
    await eventually(async () => {
      const started = [stack.logFile('dispatcher'), log].filter((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .some((line) => line.includes('trigger runner started') && line.includes('"trigger":"tick"')),
      );
      return started.length === 2 ? true : undefined;
    }, 20_000);
    // ... for a while.
    await new Promise((r) => setTimeout(r, 9_000));
    await client.deleteTrigger('echo', 'tick');
    await new Promise((r) => setTimeout(r, 1_500));
    const fired = await succeeded('echo', 't-', (await tasksWithPrefix('echo', 't-')).length);
    expect(fired.length).toBeGreaterThanOrEqual(3);

    const byTime = fired
      .map((task) => ({
        task,
        event: eventOf<{ triggerTime: string; triggerName: string; payload: string }>(task),
      }))
      .sort((a, b) => a.event.triggerTime.localeCompare(b.event.triggerTime));
    const tasks = byTime.map((f) => f.task);
    for (const { event } of byTime) expect(event).toMatchObject({ triggerName: 'tick', payload: 'tock' });
    const times = byTime.map((f) => Date.parse(f.event.triggerTime));
    // One task per firing, firings 2 s apart without gaps.
    expect(new Set(times).size).toBe(times.length);
    times.forEach((t, i) => {
      if (i > 0) expect(t - times[i - 1]!).toBe(2_000);
    });
    // Accepted on time: each within a second of its firing, so spaced 2 s ± 1 s.
    tasks.forEach((t, i) => {
      expect(t.startedTime! - times[i]!).toBeGreaterThanOrEqual(0);
      expect(t.startedTime! - times[i]!).toBeLessThan(1_000);
      if (i > 0)
        expect(Math.abs(t.startedTime! - tasks[i - 1]!.startedTime! - 2_000)).toBeLessThanOrEqual(1_000);
    });
    expect(tasks[0]!.taskId).toMatch(/^t-[0-9a-f]{16}-\d{10}$/);
    expect(trigger.status).toBe('Enabled');

    // Deleted: no more firings.
    const count = tasks.length;
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await tasksWithPrefix('echo', 't-')).length).toBe(count);
  });
});
