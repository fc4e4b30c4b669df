import { Readable } from 'node:stream';
import * as $dara from '@darabonba/typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../scripts/stack.js';
import {
  $FC,
  createNodeFunction,
  eventually,
  fcClient,
  invokeAsync,
  nodeFunctionZip,
  signedFetch,
  type FcClient,
} from './harness/api.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * Where asyncfn already answers what FC answers, it answers as FC does (issue 21, section 1):
 * error codes and statuses, the async config round trip, destination ARNs, names and ranges,
 * response bodies. Driven through FC's official SDK against the real stack.
 */

let stack: Stack;
let client: FcClient;
const ECHO = `exports.handler = async (event) => 'echo:' + event.toString();`;

const api = (method: string, path: string, options: Parameters<typeof signedFetch>[3] = {}) =>
  signedFetch(stack.ingressUrl, method, `/2023-03-30${path}`, options);

const putConfig = (fn: string, input: ConstructorParameters<typeof $FC.PutAsyncInvokeConfigInput>[0]) =>
  client.putAsyncInvokeConfig(
    fn,
    new $FC.PutAsyncInvokeConfigRequest({ body: new $FC.PutAsyncInvokeConfigInput(input) }),
  );
const getConfig = async (fn: string) =>
  (await client.getAsyncInvokeConfig(fn, new $FC.GetAsyncInvokeConfigRequest({}))).body!;
const taskOf = async (fn: string, taskId: string) =>
  (await client.getAsyncTask(fn, taskId, new $FC.GetAsyncTaskRequest({}))).body!;

beforeAll(async () => {
  const names = testNames('fcfidelity');
  stack = await startStack({
    namespace: names.namespace,
    portBase: 23100,
    env: { ...serverUrls().env, ASYNCFN_MAX_ASYNC_PAYLOAD_BYTES: '1024' },
  });
  client = fcClient(stack.ingressUrl);
  await createNodeFunction(client, 'echo', ECHO);
  await createNodeFunction(client, 'sink', ECHO);
}, 120_000);

afterAll(async () => {
  await stack?.stopAll();
});

describe('async invoke config', () => {
  it('GetAsyncInvokeConfig of a function without one: 404 AsyncConfigNotExists', async () => {
    await expect(getConfig('echo')).rejects.toMatchObject({ statusCode: 404, code: 'AsyncConfigNotExists' });
  });

  it('round-trips what was put, and a PUT replaces the whole config', async () => {
    await putConfig('echo', {
      maxAsyncEventAgeInSeconds: 100,
      destinationConfig: new $FC.DestinationConfig({
        onFailure: new $FC.Destination({ destination: 'acs:fc:cn-hangzhou:default:functions/sink' }),
      }),
    });
    const first = await getConfig('echo');
    expect(first.asyncTask).toBeUndefined();
    expect(first.maxAsyncRetryAttempts).toBeUndefined();
    expect(first.maxAsyncEventAgeInSeconds).toBe(100);
    expect(first.destinationConfig?.onFailure?.destination).toBe('acs:fc:cn-hangzhou:default:functions/sink');

    await putConfig('echo', { maxAsyncRetryAttempts: 1 });
    const second = await getConfig('echo');
    expect(second.maxAsyncRetryAttempts).toBe(1);
    expect(second.maxAsyncEventAgeInSeconds).toBeUndefined();
    expect(second.destinationConfig).toBeUndefined();
    expect(second.createdTime).toBe(first.createdTime);
    await client.deleteAsyncInvokeConfig('echo', new $FC.DeleteAsyncInvokeConfigRequest({}));
  });

  it('a function without asyncTask in its config follows the default task mode (on): tasks are recorded', async () => {
    await putConfig('echo', { maxAsyncRetryAttempts: 0 });
    await invokeAsync(client, 'echo', 'hi', { taskId: 'default-mode-1' });
    const task = await eventually(async () => {
      const t = await taskOf('echo', 'default-mode-1');
      return t.status === 'Succeeded' ? t : undefined;
    });
    expect(task.returnPayload).toBe('echo:hi');
    await client.deleteAsyncInvokeConfig('echo', new $FC.DeleteAsyncInvokeConfigRequest({}));
  });
});

describe('destinations', () => {
  it("FC's function ARN is a function destination; destinationStatus uses FC's words", async () => {
    await putConfig('echo', {
      destinationConfig: new $FC.DestinationConfig({
        onSuccess: new $FC.Destination({ destination: 'acs:fc:cn-hangzhou:default:functions/sink' }),
      }),
    });
    await invokeAsync(client, 'echo', 'chained', { taskId: 'arn-1' });
    const chained = await eventually(async () => {
      const t = await taskOf('sink', 'arn-1-Success').catch(() => undefined);
      return t?.status === 'Succeeded' ? t : undefined;
    });
    expect(JSON.parse(chained.returnPayload!.slice('echo:'.length))).toMatchObject({
      requestContext: { condition: 'Success' },
      responsePayload: 'echo:chained',
    });
    const source = await eventually(async () => {
      const t = await taskOf('echo', 'arn-1');
      return t.destinationStatus === 'Succeeded' ? t : undefined;
    });
    expect(source.destinationStatus).toBe('Succeeded');
    await client.deleteAsyncInvokeConfig('echo', new $FC.DeleteAsyncInvokeConfigRequest({}));
  });

  it('an acs: ARN of a service asyncfn does not have: 400 naming the supported schemes', async () => {
    const err = await putConfig('echo', {
      destinationConfig: new $FC.DestinationConfig({
        onSuccess: new $FC.Destination({ destination: 'acs:eventbridge:cn-hangzhou:123:eventbus/default' }),
      }),
    }).catch((e: unknown) => e as { statusCode: number; code: string; data: { Message: string } });
    expect(err).toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
    expect(err.data.Message).toMatch(/acs:eventbridge destinations are not supported; supported: acs:fc:/);
  });

  it('a function ARN of another account: 400 InvalidArgument', async () => {
    await expect(
      putConfig('echo', {
        destinationConfig: new $FC.DestinationConfig({
          onSuccess: new $FC.Destination({ destination: 'acs:fc:cn-hangzhou:someone-else:functions/sink' }),
        }),
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
  });
});

describe('names and ranges: InvalidArgument naming the field and the rule', () => {
  const create = (input: Partial<$FC.CreateFunctionInput>) =>
    client
      .createFunction(
        new $FC.CreateFunctionRequest({
          body: new $FC.CreateFunctionInput({
            functionName: 'ranged',
            runtime: 'nodejs20',
            handler: 'index.handler',
            code: new $FC.InputCodeLocation({ zipFile: nodeFunctionZip(ECHO) }),
            ...input,
          }),
        }),
      )
      .catch((e: unknown) => e as { statusCode: number; code: string; data: { Message: string } });

  it.each([
    [{ functionName: 'f'.repeat(65) }, /functionName: .*1-64/],
    [{ memorySize: 64 }, /memorySize: .*multiple of 64 from 128 to 32768/],
    [{ memorySize: 200 }, /memorySize: .*multiple of 64/],
    [{ timeout: 86_401 }, /timeout: .*1-86400/],
  ])('%j', async (input, rule) => {
    const err = await create(input);
    expect(err).toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
    expect(err.data.Message).toMatch(rule);
  });

  it('async config ranges', async () => {
    for (const [input, rule] of [
      [{ maxAsyncRetryAttempts: 9 }, /maxAsyncRetryAttempts: an integer, 0-8/],
      [{ maxAsyncEventAgeInSeconds: 604_801 }, /maxAsyncEventAgeInSeconds: .*1-604800/],
    ] as const) {
      const err = await putConfig('echo', input).catch(
        (e: unknown) => e as { statusCode: number; code: string; data: { Message: string } },
      );
      expect(err).toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
      expect(err.data.Message).toMatch(rule);
    }
  });

  it('a task id must start with a letter or _', async () => {
    await expect(invokeAsync(client, 'echo', 'x', { taskId: '9-starts-with-a-digit' })).rejects.toMatchObject(
      {
        statusCode: 400,
        code: 'InvalidArgument',
      },
    );
  });
});

describe('bodies and statuses as FC gives them', () => {
  it('async invoke: 202, empty body, x-fc-request-id and x-fc-async-task-id', async () => {
    const res = await api('POST', '/functions/echo/invocations', {
      headers: { 'x-fc-invocation-type': 'Async', 'x-fc-async-task-id': 'body-1' },
      body: 'x',
    });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    expect(res.headers.get('x-fc-async-task-id')).toBe('body-1');
    expect(res.headers.get('x-fc-request-id')).toMatch(/.+/);
    const viaSdk = await invokeAsync(client, 'echo', 'y', { taskId: 'body-2' });
    expect(viaSdk.statusCode).toBe(202);
    expect(viaSdk.headers?.['x-fc-async-task-id']).toBe('body-2');
  });

  it('StopAsyncTask: 200 with an empty body', async () => {
    await invokeAsync(client, 'echo', 'later', { taskId: 'stop-body', delaySeconds: 60 });
    await eventually(async () =>
      (await taskOf('echo', 'stop-body')).status === 'Enqueued' ? true : undefined,
    );
    const res = await api('PUT', '/functions/echo/async-tasks/stop-body/stop');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('an oversized payload: 400 EntityTooLarge', async () => {
    const request = new $FC.InvokeFunctionRequest({ body: Readable.from([Buffer.alloc(2048, 1)]) });
    const headers = new $FC.InvokeFunctionHeaders({ xFcInvocationType: 'Async' });
    await expect(
      client.invokeFunctionWithOptions('echo', request, headers, new $dara.RuntimeOptions({})),
    ).rejects.toMatchObject({ statusCode: 400, code: 'EntityTooLarge' });
  });

  it('an unknown path: 400 PathNotSupported; malformed JSON: 400 InvalidArgument', async () => {
    const unknown = await api('GET', '/nothing-here');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { Code: string }).Code).toBe('PathNotSupported');
    const malformed = await api('POST', '/functions', { body: '{"functionName": ' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { Code: string; Message: string }).Code).toBe('InvalidArgument');
  });
});
