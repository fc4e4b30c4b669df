import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../scripts/stack.js';
import {
  $FC,
  eventually,
  createNodeFunction,
  fcClient,
  invokeAsync,
  nodeFunctionZip,
  signedFetch,
  type FcClient,
} from './harness/api.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * The task lifecycle end to end: the five services as real processes, driven through FC's official
 * SDK and signed HTTP, against the real NATS and MongoDB-wire servers.
 */

/** Functions write here to prove they ran (bound into every sandbox; see ASYNCFN_SANDBOX_WRITABLE_DIRS). */
const markers = mkdtempSync(join(tmpdir(), 'asyncfn-untracked-'));
chmodSync(markers, 0o777);
const OTHER_TENANT = { accessKeyId: 'LTAIotherTenantKey', accessKeySecret: 'otherSecret' };
let stack: Stack;
let client: FcClient;

const ECHO = `exports.handler = async (event, context) => JSON.stringify({ got: event.toString(), isBuffer: Buffer.isBuffer(event), taskId: context.taskId });`;
const ALWAYS_FAILS = `exports.handler = async () => { throw new TypeError('boom'); };`;

async function taskOf(fn: string, taskId: string) {
  return (await client.getAsyncTask(fn, taskId, new $FC.GetAsyncTaskRequest({}))).body!;
}
async function finished(fn: string, taskId: string, timeoutMs = 30_000) {
  return eventually(async () => {
    const task = await taskOf(fn, taskId);
    return ['Succeeded', 'Failed', 'Stopped', 'Expired', 'Invalid'].includes(task.status!) ? task : undefined;
  }, timeoutMs);
}
const createFunction = (name: string, source: string, extra: Partial<$FC.CreateFunctionInput> = {}) =>
  createNodeFunction(client, name, source, extra);
const statuses = (task: $FC.AsyncTask) => task.events!.map((e) => e.status);

beforeAll(async () => {
  const names = testNames('lifecycle');
  stack = await startStack({
    namespace: names.namespace,
    portBase: 19100,
    env: {
      ...serverUrls().env,
      ASYNCFN_ACCESS_KEYS: `LTAIasyncfnLocalKey:asyncfnLocalSecret:default,${OTHER_TENANT.accessKeyId}:${OTHER_TENANT.accessKeySecret}:other`,
      ASYNCFN_RETRY_BASE_MS: '100',
      ASYNCFN_MAX_ASYNC_PAYLOAD_BYTES: '1024',
      ASYNCFN_SANDBOX_WRITABLE_DIRS: markers,
    },
  });
  client = fcClient(stack.ingressUrl);
  await createFunction('echo', ECHO);
  await createFunction('fails', ALWAYS_FAILS);
}, 120_000);

afterAll(async () => {
  await stack?.stopAll();
});

describe('functions', () => {
  it('are created, read, listed and updated through the SDK', async () => {
    const got = (await client.getFunction('echo', new $FC.GetFunctionRequest({}))).body!;
    expect(got).toMatchObject({
      functionName: 'echo',
      runtime: 'nodejs20',
      handler: 'index.handler',
      timeout: 3,
      memorySize: 128,
    });
    const listed = (await client.listFunctions(new $FC.ListFunctionsRequest({ prefix: 'ec' }))).body!;
    expect(listed.functions!.map((f) => f.functionName)).toEqual(['echo']);
    const updated = (
      await client.updateFunction(
        'echo',
        new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ description: 'echoes' }) }),
      )
    ).body!;
    expect(updated.description).toBe('echoes');
  });

  it('a duplicate name is 409 and an unknown one 404', async () => {
    await expect(createFunction('echo', ECHO)).rejects.toMatchObject({
      statusCode: 409,
      code: 'FunctionAlreadyExists',
    });
    await expect(client.getFunction('nope', new $FC.GetFunctionRequest({}))).rejects.toMatchObject({
      statusCode: 404,
      code: 'FunctionNotFound',
    });
  });
});

describe('async invocation', () => {
  it('runs a task to Succeeded with its whole history', async () => {
    const res = await invokeAsync(client, 'echo', 'hello', { taskId: 'task-ok-1' });
    expect(res.statusCode).toBe(202);
    expect(res.headers!['x-fc-request-id']).toBeTruthy();
    const task = await finished('echo', 'task-ok-1');
    expect(task.status).toBe('Succeeded');
    expect(JSON.parse(task.returnPayload!)).toEqual({ got: 'hello', isBuffer: true, taskId: 'task-ok-1' });
    expect(statuses(task)).toEqual(['Enqueued', 'Dequeued', 'Running', 'Succeeded']);
    expect(task.events!.map((e) => e.eventId)).toEqual([1, 2, 3, 4]);
    expect(task.taskPayload).toBe('hello');
    expect(task.alreadyRetriedTimes).toBe(0);
    expect(task.endTime! >= task.startedTime!).toBe(true);
    expect(task.functionArn).toBe('acs:fc:local:default:functions/echo');
  });

  it('generates a task id when none is given', async () => {
    const res = await invokeAsync(client, 'echo', 'no id');
    const taskId = res.headers!['x-fc-async-task-id']!;
    expect(taskId).toBe(res.headers!['x-fc-request-id']);
    expect((await finished('echo', taskId)).status).toBe('Succeeded');
  });

  it('answers a second submission with the same id 409, also after the task finished', async () => {
    await invokeAsync(client, 'echo', 'x', { taskId: 'dup-1' });
    await expect(invokeAsync(client, 'echo', 'x', { taskId: 'dup-1' })).rejects.toMatchObject({
      statusCode: 409,
      code: 'AsyncTaskAlreadyExists',
    });
    await finished('echo', 'dup-1');
    await expect(invokeAsync(client, 'echo', 'y', { taskId: 'dup-1' })).rejects.toMatchObject({
      statusCode: 409,
    });
  });

  it('retries a failing function, then Failed after 1 + maxAsyncRetryAttempts attempts', async () => {
    await client.putAsyncInvokeConfig(
      'fails',
      new $FC.PutAsyncInvokeConfigRequest({
        body: new $FC.PutAsyncInvokeConfigInput({ maxAsyncRetryAttempts: 2 }),
      }),
    );
    await invokeAsync(client, 'fails', '', { taskId: 'fail-1' });
    const task = await finished('fails', 'fail-1');
    expect(task.status).toBe('Failed');
    expect(task.alreadyRetriedTimes).toBe(2);
    expect(task.taskErrorMessage).toBe('boom');
    expect(statuses(task)).toEqual([
      'Enqueued',
      'Dequeued',
      'Running',
      'Retrying',
      'Running',
      'Retrying',
      'Running',
      'Failed',
    ]);
  });

  it('expires a task that waited longer than maxAsyncEventAgeInSeconds', async () => {
    await client.putAsyncInvokeConfig(
      'echo',
      new $FC.PutAsyncInvokeConfigRequest({
        body: new $FC.PutAsyncInvokeConfigInput({ maxAsyncEventAgeInSeconds: 1 }),
      }),
    );
    await stack.stop('executor');
    try {
      await invokeAsync(client, 'echo', 'late', { taskId: 'expire-1' });
      await new Promise((r) => setTimeout(r, 2_500));
    } finally {
      await stack.start('executor');
    }
    const task = await finished('echo', 'expire-1');
    expect(task.status).toBe('Expired');
    expect(statuses(task)).toEqual(['Enqueued', 'Dequeued', 'Expired']);
    await client.deleteAsyncInvokeConfig('echo', new $FC.DeleteAsyncInvokeConfigRequest({}));
  });

  it('stops a queued task: Stopping then Stopped, and it never runs', async () => {
    const res = await signedFetch(stack.ingressUrl, 'POST', '/2023-03-30/functions/echo/invocations', {
      headers: {
        'x-fc-invocation-type': 'Async',
        'x-fc-async-task-id': 'stop-1',
        'x-fc-async-delay': '30',
        'content-type': 'application/octet-stream',
      },
      body: 'never',
    });
    expect(res.status).toBe(202);
    await eventually(async () => ((await taskOf('echo', 'stop-1')).status === 'Enqueued' ? true : undefined));
    await client.stopAsyncTask('echo', 'stop-1', new $FC.StopAsyncTaskRequest({}));
    const task = await finished('echo', 'stop-1');
    expect(task.status).toBe('Stopped');
    expect(statuses(task)).toEqual(['Enqueued', 'Stopping', 'Stopped']);
    expect(task.returnPayload).toBeUndefined();
    await expect(
      client.stopAsyncTask('echo', 'stop-1', new $FC.StopAsyncTaskRequest({})),
    ).rejects.toMatchObject({ statusCode: 409, code: 'AsyncTaskAlreadyFinished' });
  });

  it("stops a task due at once while it waits for an executor: out of the executors' queue, never run", async () => {
    // No executor: the task waits in the runs stream, where the ingress queued it.
    await stack.stop('executor');
    try {
      await invokeAsync(client, 'echo', 'never', { taskId: 'stop-direct-1' });
      await eventually(async () =>
        (await taskOf('echo', 'stop-direct-1')).status === 'Enqueued' ? true : undefined,
      );
      await client.stopAsyncTask('echo', 'stop-direct-1', new $FC.StopAsyncTaskRequest({}));
      const task = await finished('echo', 'stop-direct-1');
      expect(statuses(task)).toEqual(['Enqueued', 'Stopping', 'Stopped']);
      expect(task.events!.at(-1)!.eventDetail).toMatch(/stopped while queued/);
    } finally {
      await stack.start('executor');
    }
    // An executor is back: nothing of the task is left to run.
    await new Promise((r) => setTimeout(r, 2_000));
    const after = await taskOf('echo', 'stop-direct-1');
    expect(after.status).toBe('Stopped');
    expect(after.invokeCount ?? 0).toBe(0);
  });

  it('answers for a task from its claim until the status service records it', async () => {
    // With the status service down nothing records the task: reads come from its claim.
    await stack.stop('status');
    try {
      const send = () =>
        signedFetch(stack.ingressUrl, 'POST', '/2023-03-30/functions/echo/invocations', {
          headers: {
            'x-fc-invocation-type': 'Async',
            'x-fc-async-task-id': 'claimed-1',
            'x-fc-async-delay': '30',
            'content-type': 'application/octet-stream',
          },
          body: 'early',
        });
      expect((await send()).status).toBe(202);
      expect((await send()).status).toBe(409);
      const early = await taskOf('echo', 'claimed-1');
      expect(early.status).toBe('Enqueued');
      expect(statuses(early)).toEqual(['Enqueued']);
      expect(early.taskPayload).toBe('early');
      await expect(
        fcClient(stack.ingressUrl, OTHER_TENANT).getAsyncTask(
          'echo',
          'claimed-1',
          new $FC.GetAsyncTaskRequest({}),
        ),
      ).rejects.toMatchObject({ statusCode: 404 });
      // Stopped while unrecorded: the events wait for the claim, and apply in order after it.
      await client.stopAsyncTask('echo', 'claimed-1', new $FC.StopAsyncTaskRequest({}));
    } finally {
      await stack.start('status');
    }
    const task = await finished('echo', 'claimed-1');
    expect(statuses(task)).toEqual(['Enqueued', 'Stopping', 'Stopped']);
    expect(task.returnPayload).toBeUndefined();
  });

  it('marks a task Invalid when its function was deleted while it waited', async () => {
    await createFunction('short-lived', ECHO);
    await stack.stop('executor');
    try {
      await invokeAsync(client, 'short-lived', 'x', { taskId: 'invalid-1' });
      await client.deleteFunction('short-lived');
    } finally {
      await stack.start('executor');
    }
    // The task is still readable through its function's path, though the function is gone.
    const res = await eventually(async () => {
      const r = await signedFetch(
        stack.ingressUrl,
        'GET',
        '/2023-03-30/functions/short-lived/async-tasks/invalid-1',
      );
      const body = (await r.json()) as { status: string };
      return body.status === 'Invalid' ? body : undefined;
    });
    expect(res.status).toBe('Invalid');
  });
});

describe('task mode off (asyncTask=false)', () => {
  it('runs the invocation but records no task', async () => {
    await createFunction(
      'untracked',
      `exports.handler = async (event, context) => { require('fs').writeFileSync(require('path').join(process.env.MARKERS, context.taskId), event); };`,
      { environmentVariables: { MARKERS: markers } },
    );
    await client.putAsyncInvokeConfig(
      'untracked',
      new $FC.PutAsyncInvokeConfigRequest({ body: new $FC.PutAsyncInvokeConfigInput({ asyncTask: false }) }),
    );
    const res = await invokeAsync(client, 'untracked', 'fire and forget', { taskId: 'untracked-1' });
    expect(res.statusCode).toBe(202);
    const ran = await eventually(async () =>
      existsSync(join(markers, 'untracked-1'))
        ? readFileSync(join(markers, 'untracked-1'), 'utf8')
        : undefined,
    );
    expect(ran).toBe('fire and forget');
    await expect(
      client.getAsyncTask('untracked', 'untracked-1', new $FC.GetAsyncTaskRequest({})),
    ).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('listing tasks', () => {
  it('filters by prefix and status, pages with nextToken, sorts by time', async () => {
    for (let i = 0; i < 5; i++) await invokeAsync(client, 'echo', `p${i}`, { taskId: `page-${i}` });
    for (let i = 0; i < 5; i++) await finished('echo', `page-${i}`);
    const first = (
      await client.listAsyncTasks(
        'echo',
        new $FC.ListAsyncTasksRequest({ prefix: 'page-', limit: 2, sortOrderByTime: 'asc' }),
      )
    ).body!;
    expect(first.tasks!.map((t) => t.taskId)).toEqual(['page-0', 'page-1']);
    expect(first.tasks![0]!.taskPayload).toBeUndefined();
    const second = (
      await client.listAsyncTasks(
        'echo',
        new $FC.ListAsyncTasksRequest({
          prefix: 'page-',
          limit: 2,
          sortOrderByTime: 'asc',
          nextToken: first.nextToken,
        }),
      )
    ).body!;
    expect(second.tasks!.map((t) => t.taskId)).toEqual(['page-2', 'page-3']);
    const desc = (
      await client.listAsyncTasks(
        'echo',
        new $FC.ListAsyncTasksRequest({ prefix: 'page-', limit: 100, includePayload: true }),
      )
    ).body!;
    expect(desc.tasks!.map((t) => t.taskId)).toEqual(['page-4', 'page-3', 'page-2', 'page-1', 'page-0']);
    expect(desc.tasks![0]!.taskPayload).toBe('p4');
    expect(desc.nextToken).toBeUndefined();
    const failed = (await client.listAsyncTasks('fails', new $FC.ListAsyncTasksRequest({ status: 'Failed' })))
      .body!;
    expect(failed.tasks!.map((t) => t.taskId)).toContain('fail-1');
    const none = (
      await client.listAsyncTasks(
        'echo',
        new $FC.ListAsyncTasksRequest({ prefix: 'page-', status: 'Failed' }),
      )
    ).body!;
    expect(none.tasks).toEqual([]);
    // FC's console name for Dequeued is accepted as a filter.
    const processed = await signedFetch(stack.ingressUrl, 'GET', '/2023-03-30/functions/echo/async-tasks', {
      query: { status: 'Processed' },
    });
    expect(processed.status).toBe(200);
  });
});

describe('tenants', () => {
  it('cannot see or touch each other’s functions and tasks', async () => {
    const other = fcClient(stack.ingressUrl, OTHER_TENANT);
    await expect(other.getFunction('echo', new $FC.GetFunctionRequest({}))).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(
      other.getAsyncTask('echo', 'task-ok-1', new $FC.GetAsyncTaskRequest({})),
    ).rejects.toMatchObject({ statusCode: 404 });
    await expect(
      other.stopAsyncTask('echo', 'task-ok-1', new $FC.StopAsyncTaskRequest({})),
    ).rejects.toMatchObject({ statusCode: 404 });
    expect((await other.listFunctions(new $FC.ListFunctionsRequest({}))).body!.functions).toEqual([]);
    // The same function name in another tenant is a different function.
    await other.createFunction(
      new $FC.CreateFunctionRequest({
        body: new $FC.CreateFunctionInput({
          functionName: 'echo',
          runtime: 'nodejs20',
          handler: 'index.handler',
          code: new $FC.InputCodeLocation({ zipFile: nodeFunctionZip(ECHO) }),
        }),
      }),
    );
    await invokeAsync(other, 'echo', 'mine', { taskId: 'task-ok-1' });
    const theirs = await eventually(async () => {
      const t = (await other.getAsyncTask('echo', 'task-ok-1', new $FC.GetAsyncTaskRequest({}))).body!;
      return t.status === 'Succeeded' ? t : undefined;
    });
    expect(JSON.parse(theirs.returnPayload!).got).toBe('mine');
    expect(JSON.parse((await taskOf('echo', 'task-ok-1')).returnPayload!).got).toBe('hello');
  });
});

describe('bad input gets a clear FC-style 4xx', () => {
  const call = (method: string, path: string, options: Parameters<typeof signedFetch>[3] = {}) =>
    signedFetch(stack.ingressUrl, method, path, options);
  const expectError = async (res: Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    const body = (await res.json()) as { Code: string; Message: string; RequestId: string };
    expect(body.Code).toBe(code);
    expect(body.Message.length).toBeGreaterThan(0);
    expect(body.RequestId).toBe(res.headers.get('x-fc-request-id'));
  };

  it('malformed JSON', async () => {
    await expectError(
      await call('POST', '/2023-03-30/functions', { body: '{"functionName": ' }),
      400,
      'InvalidArgument',
    );
  });
  it('unknown function', async () => {
    await expectError(
      await call('POST', '/2023-03-30/functions/ghost/invocations', {
        headers: { 'x-fc-invocation-type': 'Async' },
        body: 'x',
      }),
      404,
      'FunctionNotFound',
    );
  });
  it('task ids with bad characters or over 128 characters', async () => {
    for (const id of ['has space', 'semi;colon', 'a'.repeat(129)]) {
      await expectError(
        await call('POST', '/2023-03-30/functions/echo/invocations', {
          headers: { 'x-fc-invocation-type': 'Async', 'x-fc-async-task-id': id },
          body: 'x',
        }),
        400,
        'InvalidArgument',
      );
    }
  });
  it('payload over the async limit', async () => {
    await expectError(
      await call('POST', '/2023-03-30/functions/echo/invocations', {
        headers: { 'x-fc-invocation-type': 'Async', 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(2048, 1),
      }),
      400,
      'EntityTooLarge',
    );
  });
  it('config values out of FC ranges', async () => {
    for (const body of [
      { maxAsyncRetryAttempts: 9 },
      { maxAsyncEventAgeInSeconds: 0 },
      { maxAsyncEventAgeInSeconds: 604801 },
      { destinationConfig: { onSuccess: { destination: 'ftp://x' } } },
    ]) {
      await expectError(
        await call('PUT', '/2023-03-30/functions/echo/async-invoke-config', { body: JSON.stringify(body) }),
        400,
        'InvalidArgument',
      );
    }
    await expectError(
      await call('POST', '/2023-03-30/functions', {
        body: JSON.stringify({
          functionName: 'x',
          runtime: 'cobol',
          code: { zipFile: 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==' },
        }),
      }),
      400,
      'InvalidArgument',
    );
    await expectError(
      await call('POST', '/2023-03-30/functions', {
        body: JSON.stringify({
          functionName: 'x',
          runtime: 'nodejs20',
          handler: 'index.handler',
          memorySize: 100,
          code: { zipFile: 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==' },
        }),
      }),
      400,
      'InvalidArgument',
    );
  });
  it('a bad list query', async () => {
    await expectError(
      await call('GET', '/2023-03-30/functions/echo/async-tasks', { query: { limit: '101' } }),
      400,
      'InvalidArgument',
    );
    await expectError(
      await call('GET', '/2023-03-30/functions/echo/async-tasks', { query: { status: 'Sleeping' } }),
      400,
      'InvalidArgument',
    );
    await expectError(
      await call('GET', '/2023-03-30/functions/echo/async-tasks', { query: { nextToken: 'garbage' } }),
      400,
      'InvalidArgument',
    );
  });
  it('missing or wrong signatures, stale dates and replayed nonces', async () => {
    const unsigned = await fetch(`${stack.ingressUrl}/2023-03-30/functions`);
    expect(unsigned.status).toBe(401);
    await expectError(
      await call('GET', '/2023-03-30/functions', {
        creds: { accessKeyId: 'LTAIasyncfnLocalKey', accessKeySecret: 'wrong' },
      }),
      403,
      'SignatureNotMatch',
    );
    await expectError(
      await call('GET', '/2023-03-30/functions', {
        creds: { accessKeyId: 'LTAInobody', accessKeySecret: 'x' },
      }),
      403,
      'InvalidAccessKeyID',
    );
    await expectError(
      await call('GET', '/2023-03-30/functions', { date: new Date(Date.now() - 16 * 60_000) }),
      403,
      'RequestTimeTooSkewed',
    );
  });
  it('a replayed request is refused', async () => {
    const url = new URL('/2023-03-30/functions', stack.ingressUrl);
    const { signAcs3Request } = await import('@asyncfn/auth');
    const headers = { host: url.host };
    const signed = signAcs3Request(
      { method: 'GET', path: url.pathname, query: {}, headers },
      { accessKeyId: 'LTAIasyncfnLocalKey', accessKeySecret: 'asyncfnLocalSecret' },
      { date: new Date(), nonce: 'f'.repeat(64) + Date.now() },
    );
    expect((await fetch(url, { headers: { ...headers, ...signed } })).status).toBe(200);
    const again = await fetch(url, { headers: { ...headers, ...signed } });
    expect(again.status).toBe(403);
    expect(((await again.json()) as { Code: string }).Code).toBe('SignatureNonceUsed');
  });
  it('an unknown route', async () => {
    await expectError(await call('GET', '/2023-03-30/nothing-here'), 400, 'PathNotSupported');
  });
});
