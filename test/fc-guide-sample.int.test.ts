import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { QueueMessage, ResultRecord } from '@asyncfn/contracts';
import { zipFiles } from '@asyncfn/runtime';
import { startStack, type Stack } from '../scripts/stack.js';
import { $FC, eventually, fcClient, invokeAsync, signedFetch, type FcClient } from './harness/api.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * FC's best-practice guide for asynchronous tasks (seed 004), run as its users run it: the native
 * Python function of examples/fc-guide (code/index.py) deployed with the settings of its s.yaml —
 * only the account and queue placeholders filled in — through FC's 3.0 SDK, its result records
 * read from the MNS-style queue its destinations name. The one change: a 2 s timeout instead of
 * 60 s, so the job that outlives its timeout does so quickly.
 */

const names = testNames('guide');
const urls = serverUrls();
const OTHER_TENANT = { accessKeyId: 'LTAIguideOtherKey', accessKeySecret: 'guideOtherSecret' };
const QUEUE = `guide-dlq-${names.namespace.slice(-8).replace(/_/g, '-')}`;
const TIMEOUT_SECONDS = 2;
const EXAMPLE = new URL('../examples/fc-guide/', import.meta.url);

interface GuideProps {
  functionName: string;
  runtime: string;
  handler: string;
  memorySize: number;
  instanceConcurrency: number;
  timeout: number;
  description: string;
  role: string;
  internetAccess: boolean;
  asyncInvokeConfig: {
    maxAsyncEventAgeInSeconds: number;
    maxAsyncRetryAttempts: number;
    asyncTask: boolean;
    destinationConfig: { onSuccess: { destination: string }; onFailure: { destination: string } };
  };
}

/** s.yaml with the guide's two placeholders filled in, as a user does. */
const sYaml = readFileSync(new URL('s.yaml', EXAMPLE), 'utf8')
  .replaceAll('{accountid}', '1034354682')
  .replaceAll('{myqueue}', QUEUE);
const props = (parseYaml(sYaml) as { resources: { 'fc-job': { props: GuideProps } } }).resources['fc-job']
  .props;
const FN = props.functionName;

let stack: Stack;
let client: FcClient;

const receive = (query: Record<string, string>, queue = QUEUE, creds?: typeof OTHER_TENANT) =>
  signedFetch(stack.ingressUrl, 'GET', `/2023-03-30/queues/${queue}/messages`, {
    query,
    ...(creds ? { creds } : {}),
  });

/** Receives until a message arrives (long polls of 5 s). */
async function nextRecord(): Promise<{ message: QueueMessage; record: ResultRecord }> {
  return eventually(
    async () => {
      const res = await receive({ numOfMessages: '1', waitSeconds: '5' });
      expect(res.status, await res.clone().text()).toBe(200);
      const { messages } = (await res.json()) as { messages: QueueMessage[] };
      const message = messages[0];
      return message ? { message, record: JSON.parse(message.body) as ResultRecord } : undefined;
    },
    60_000,
    0,
  );
}

beforeAll(async () => {
  stack = await startStack({
    namespace: names.namespace,
    portBase: 19850,
    env: {
      ...urls.env,
      ASYNCFN_ACCESS_KEYS: `LTAIasyncfnLocalKey:asyncfnLocalSecret:default,${OTHER_TENANT.accessKeyId}:${OTHER_TENANT.accessKeySecret}:other`,
      ASYNCFN_RETRY_BASE_MS: '200',
      ASYNCFN_RETRY_MAX_MS: '400',
    },
  });
  client = fcClient(stack.ingressUrl);

  const code = zipFiles({ 'index.py': readFileSync(new URL('code/index.py', EXAMPLE), 'utf8') });
  await client.createFunction(
    new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({
        functionName: FN,
        runtime: props.runtime,
        handler: props.handler,
        memorySize: props.memorySize,
        instanceConcurrency: props.instanceConcurrency,
        description: props.description,
        role: props.role,
        internetAccess: props.internetAccess,
        timeout: TIMEOUT_SECONDS,
        code: new $FC.InputCodeLocation({ zipFile: code.toString('base64') }),
      }),
    }),
  );
  await client.createFunction(
    new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({
        functionName: PY_API,
        runtime: 'python3.12',
        handler: 'index.handler',
        timeout: 30,
        instanceLifecycleConfig: new $FC.InstanceLifecycleConfig({
          initializer: new $FC.LifecycleHook({ handler: 'index.init', timeout: 5 }),
          preStop: new $FC.LifecycleHook({ handler: 'index.pre_stop', timeout: 5 }),
        }),
        code: new $FC.InputCodeLocation({
          zipFile: zipFiles({ 'index.py': PY_API_CODE }).toString('base64'),
        }),
      }),
    }),
  );
  const async = props.asyncInvokeConfig;
  await client.putAsyncInvokeConfig(
    FN,
    new $FC.PutAsyncInvokeConfigRequest({
      qualifier: 'LATEST',
      body: new $FC.PutAsyncInvokeConfigInput({
        maxAsyncEventAgeInSeconds: async.maxAsyncEventAgeInSeconds,
        maxAsyncRetryAttempts: async.maxAsyncRetryAttempts,
        asyncTask: async.asyncTask,
        destinationConfig: new $FC.DestinationConfig({
          onSuccess: new $FC.Destination({ destination: async.destinationConfig.onSuccess.destination }),
          onFailure: new $FC.Destination({ destination: async.destinationConfig.onFailure.destination }),
        }),
      }),
    }),
  );
}, 180_000);

/** A native Python function through the API: context, errors, hooks, stop. */
const PY_API = 'py-api';
const PY_API_CODE = `import json
import logging
import time


def init(context):
    logging.getLogger().info("initializer ran for %s", context.request_id)


def pre_stop(context):
    print("pre_stop ran")


def handler(event, context):
    e = json.loads(event or b"{}")
    if e.get("raise"):
        raise ValueError(e["raise"])
    if e.get("sleep"):
        context.logger.info("working")
        time.sleep(e["sleep"])
    f = context.function
    c = context.credentials
    return {
        "requestId": context.request_id,
        "function": [f.name, f.handler, f.memory, f.timeout],
        "credentials": [c.access_key_id, c.access_key_secret, c.security_token],
        "accountId": context.account_id,
    }
`;

afterAll(async () => {
  await stack?.stopAll();
});

describe("FC's best-practice sample (native Python, MNS destinations)", () => {
  it('deploys as the guide writes it: python3, index.handler, an MNS queue ARN on both destinations', async () => {
    expect(props).toMatchObject({ runtime: 'python3', handler: 'index.handler' });
    expect(props.asyncInvokeConfig.maxAsyncRetryAttempts).toBe(1);
    const fn = (await client.getFunction(FN, new $FC.GetFunctionRequest({}))).body!;
    expect(fn).toMatchObject({ runtime: 'python3', handler: 'index.handler', timeout: TIMEOUT_SECONDS });
    const config = (await client.getAsyncInvokeConfig(FN, new $FC.GetAsyncInvokeConfigRequest({}))).body!;
    expect(config.destinationConfig?.onFailure?.destination).toBe(
      `acs:mns:cn-hangzhou:1034354682:/queues/${QUEUE}/messages`,
    );
  });

  it('{"failure":true} times out twice; the failure record arrives in the queue', async () => {
    const accepted = await invokeAsync(client, FN, '{"failure":true}', { taskId: 'guide-failure' });
    expect(accepted.statusCode).toBe(202);
    const { message, record } = await nextRecord();
    expect(record).toMatchObject({
      timestamp: expect.any(Number),
      requestContext: {
        functionArn: `acs:fc:local:default:functions/${FN}`,
        condition: 'InvocationError',
        approximateInvokeCount: 2,
      },
      requestPayload: '{"failure":true}',
      responseContext: { statusCode: 200, functionError: 'InvocationError' },
    });
    expect(JSON.parse(record.responsePayload)).toEqual({
      errorMessage: `Function timed out after ${TIMEOUT_SECONDS} seconds`,
    });
    expect(message.publishTime).toBeGreaterThanOrEqual(record.timestamp);
    expect(message.messageId).toMatch(/^\d+$/);

    const task = (await client.getAsyncTask(FN, 'guide-failure', new $FC.GetAsyncTaskRequest({}))).body!;
    expect(task).toMatchObject({ status: 'Failed', alreadyRetriedTimes: 1 });
    expect(record.requestContext.requestId).toBe(task.requestId);
    // The handler's logging.info(evt) is logged FC-style, with the attempt's request id.
    const logs = await signedFetch(
      stack.ingressUrl,
      'GET',
      `/2023-03-30/functions/${FN}/async-tasks/guide-failure/logs`,
    );
    const text = ((await logs.json()) as { logs: string }).logs;
    expect(text).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ \[INFO\] \{'failure': True\}/);

    // Received means removed.
    const again = await receive({ numOfMessages: '16' });
    expect(((await again.json()) as { messages: QueueMessage[] }).messages).toEqual([]);
  }, 90_000);

  it('a successful run sends its result to the same queue, waking a receiver that was waiting', async () => {
    const started = Date.now();
    const waiting = receive({ numOfMessages: '16', waitSeconds: '30' });
    await new Promise((r) => setTimeout(r, 300));
    await invokeAsync(client, FN, '{"failure":false,"job":"report-7"}', { taskId: 'guide-success' });
    const res = await waiting;
    expect(res.status).toBe(200);
    const { messages } = (await res.json()) as { messages: QueueMessage[] };
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(messages).toHaveLength(1);
    const record = JSON.parse(messages[0]!.body) as ResultRecord;
    // A first attempt may time out on a loaded machine (a 2 s timeout, a cold sandbox): then it is
    // the retry that succeeds, and the record says so.
    expect(record.requestContext.approximateInvokeCount).toBeGreaterThanOrEqual(1);
    expect(record).toMatchObject({
      requestContext: { condition: 'Success' },
      requestPayload: '{"failure":false,"job":"report-7"}',
      responseContext: { statusCode: 200, functionError: '' },
    });
    expect(JSON.parse(record.responsePayload)).toEqual({ failure: false, job: 'report-7' });
  }, 60_000);

  it('queues are per tenant: another tenant reads its own (empty) queue of that name', async () => {
    await invokeAsync(client, FN, '{"failure":false,"n":1}', { taskId: 'guide-tenant' });
    const other = await receive({ numOfMessages: '16', waitSeconds: '3' }, QUEUE, OTHER_TENANT);
    expect(other.status).toBe(200);
    expect(((await other.json()) as { messages: QueueMessage[] }).messages).toEqual([]);
    const mine = await nextRecord();
    expect(mine.record.requestPayload).toBe('{"failure":false,"n":1}');
  }, 60_000);

  it('bad parameters get an FC-style 400', async () => {
    for (const [query, queue, field] of [
      [{ numOfMessages: '0' }, QUEUE, 'numOfMessages'],
      [{ numOfMessages: '17' }, QUEUE, 'numOfMessages'],
      [{ waitSeconds: '31' }, QUEUE, 'waitSeconds'],
      [{ waitSeconds: 'soon' }, QUEUE, 'waitSeconds'],
      [{}, '1-not-a-queue', 'queueName'],
    ] as const) {
      const res = await receive(query, queue);
      expect(res.status, JSON.stringify(query)).toBe(400);
      const body = (await res.json()) as { Code: string; Message: string; RequestId: string };
      expect(body).toMatchObject({ Code: 'InvalidArgument', RequestId: expect.any(String) });
      expect(body.Message).toContain(field);
    }
    const unsigned = await fetch(`${stack.ingressUrl}/2023-03-30/queues/${QUEUE}/messages`);
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    expect(unsigned.status).toBeLessThan(500);
  });

  it('refuses an MNS topic ARN or a bad queue name as a destination', async () => {
    for (const destination of [
      'acs:mns:cn-hangzhou:1:/topics/t/messages',
      'acs:mns:cn-hangzhou:1:/queues/bad_queue/messages',
    ]) {
      await expect(
        client.putAsyncInvokeConfig(
          FN,
          new $FC.PutAsyncInvokeConfigRequest({
            body: new $FC.PutAsyncInvokeConfigInput({
              destinationConfig: new $FC.DestinationConfig({
                onFailure: new $FC.Destination({ destination }),
              }),
            }),
          }),
        ),
      ).rejects.toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
    }
  });
});

describe('native Python through the API', () => {
  const invoke = (body: string) =>
    signedFetch(stack.ingressUrl, 'POST', `/2023-03-30/functions/${PY_API}/invocations`, {
      headers: { 'content-type': 'application/json' },
      body,
    });

  it("a sync call gets the handler's dict as JSON, with FC's context and no credentials", async () => {
    const res = await invoke('{}');
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-fc-request-id');
    expect(await res.json()).toEqual({
      requestId,
      function: [PY_API, 'index.handler', 128, 30],
      credentials: ['', '', ''],
      accountId: 'default',
    });
  });

  it("an exception answers FC's unhandled error", async () => {
    const res = await invoke('{"raise":"no such order"}');
    expect(res.headers.get('x-fc-error-type')).toBe('UnhandledInvocationError');
    expect(await res.json()).toEqual({ errorMessage: 'no such order', errorType: 'ValueError' });
  });

  it('an async task can be stopped: preStop runs, its output is in the task logs', async () => {
    await invokeAsync(client, PY_API, '{"sleep":25}', { taskId: 'py-stop' });
    const logsOf = async () =>
      (
        (await (
          await signedFetch(
            stack.ingressUrl,
            'GET',
            `/2023-03-30/functions/${PY_API}/async-tasks/py-stop/logs`,
          )
        ).json()) as { logs: string }
      ).logs;
    // Logs are written when an attempt ends: wait for Running, then give the handler a moment.
    await eventually(async () => {
      const t = (await client.getAsyncTask(PY_API, 'py-stop', new $FC.GetAsyncTaskRequest({}))).body!;
      return t.status === 'Running' ? t : undefined;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 1_000));
    await client.stopAsyncTask(PY_API, 'py-stop', new $FC.StopAsyncTaskRequest({}));
    const task = await eventually(async () => {
      const t = (await client.getAsyncTask(PY_API, 'py-stop', new $FC.GetAsyncTaskRequest({}))).body!;
      return t.status === 'Stopped' ? t : undefined;
    }, 20_000);
    expect(task.status).toBe('Stopped');
    const logs = await logsOf();
    expect(logs).toContain('pre_stop ran');
    expect(logs).toMatch(/\S+Z \S+ \[INFO\] working/);
  }, 60_000);
});
