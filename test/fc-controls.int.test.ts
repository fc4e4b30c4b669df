import { Readable } from 'node:stream';
import * as $dara from '@darabonba/typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import AdmZip from 'adm-zip';
import { startStack, type Stack } from '../scripts/stack.js';
import {
  $FC,
  createNodeFunction,
  eventually,
  fcClient,
  invokeAsync,
  signedFetch,
  type FcClient,
} from './harness/api.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * FC's DisableFunctionInvocation / EnableFunctionInvocation and GetFunctionCode through the
 * official SDK, the 501 for what asyncfn does not serve, and the extensions: pausing dispatch,
 * queue position while Enqueued, next retry time while Retrying.
 */

let stack: Stack;
let client: FcClient;
const SLEEPS = `exports.handler = async (event) => {
  await new Promise((r) => setTimeout(r, Number(event.toString()) || 10));
  return 'slept';
};`;
const FAILS = `exports.handler = async () => { throw new Error('always'); };`;

interface RawTask {
  status: string;
  enqueuedReason?: string;
  queuePosition?: number;
  nextRetryTime?: number;
  returnPayload?: string;
}
const api = (method: string, path: string, options: Parameters<typeof signedFetch>[3] = {}) =>
  signedFetch(stack.ingressUrl, method, `/2023-03-30${path}`, options);
const rawTask = async (fn: string, taskId: string) =>
  (await (await api('GET', `/functions/${fn}/async-tasks/${taskId}`)).json()) as RawTask;
const until = (fn: string, taskId: string, statuses: string[], timeoutMs = 60_000) =>
  eventually(async () => {
    const t = await rawTask(fn, taskId);
    return statuses.includes(t.status) ? t : undefined;
  }, timeoutMs);
const sync = (fn: string, payload = '1') =>
  client.invokeFunctionWithOptions(
    fn,
    new $FC.InvokeFunctionRequest({ body: Readable.from([Buffer.from(payload)]) }),
    new $FC.InvokeFunctionHeaders({}),
    new $dara.RuntimeOptions({}),
  );

beforeAll(async () => {
  const names = testNames('fccontrols');
  stack = await startStack({
    namespace: names.namespace,
    portBase: 23400,
    env: { ...serverUrls().env, ASYNCFN_RETRY_BASE_MS: '20000', ASYNCFN_RETRY_MAX_MS: '20000' },
  });
  client = fcClient(stack.ingressUrl);
  await createNodeFunction(client, 'switch', SLEEPS, { timeout: 60 });
  await createNodeFunction(client, 'paused', SLEEPS);
  await createNodeFunction(client, 'fails', FAILS);
}, 120_000);

afterAll(async () => {
  await stack?.stopAll();
});

describe('DisableFunctionInvocation / EnableFunctionInvocation', () => {
  it('refuses new invocations while disabled, and aborts Running tasks when asked', async () => {
    await invokeAsync(client, 'switch', '30000', { taskId: 'long-1' });
    await until('switch', 'long-1', ['Running']);
    const disabled = await client.disableFunctionInvocation(
      'switch',
      new $FC.DisableFunctionInvocationRequest({ reason: 'maintenance', abortOngoingRequest: true }),
    );
    expect(disabled.body!.success).toBe(true);
    expect((await until('switch', 'long-1', ['Stopped'])).status).toBe('Stopped');
    await expect(invokeAsync(client, 'switch', '1', { taskId: 'refused-1' })).rejects.toMatchObject({
      statusCode: 412,
      code: 'FunctionDisabled',
    });
    await expect(sync('switch')).rejects.toMatchObject({ statusCode: 412, code: 'FunctionDisabled' });
    await client.enableFunctionInvocation('switch');
    expect((await sync('switch')).statusCode).toBe(200);
  }, 120_000);
});

describe('GetFunctionCode', () => {
  it('returns a short-lived URL served by the ingress, from which the zip downloads', async () => {
    const code = (await client.getFunctionCode('switch', new $FC.GetFunctionCodeRequest({}))).body!;
    expect(code.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/code-downloads\/[0-9a-f]{48}$/);
    expect(code.checksum).toMatch(/^[0-9a-f]{64}$/);
    const res = await fetch(code.url!);
    expect(res.status).toBe(200);
    const zip = new AdmZip(Buffer.from(await res.arrayBuffer()));
    expect(zip.readAsText('index.js')).toContain("return 'slept'");
    const forged = await fetch(code.url!.replace(/[0-9a-f]{8}$/, '00000000'));
    expect(forged.status).toBe(403);
  });
});

describe('operations asyncfn does not serve', () => {
  it('answer 501 NotImplemented, FC-style, not a 404', async () => {
    await expect(
      client.getProvisionConfig('switch', new $FC.GetProvisionConfigRequest({})),
    ).rejects.toMatchObject({ statusCode: 501, code: 'NotImplemented' });
    await expect(client.listLayers(new $FC.ListLayersRequest({}))).rejects.toMatchObject({
      statusCode: 501,
      code: 'NotImplemented',
    });
    await expect(client.listVpcBindings('switch')).rejects.toMatchObject({
      statusCode: 501,
      code: 'NotImplemented',
    });
  });
});

describe('pause and resume dispatching (extension)', () => {
  it('keeps queued tasks Enqueued with reason paused and a queue position, then runs them', async () => {
    expect((await api('POST', '/functions/paused/dispatch/pause')).status).toBe(200);
    for (const id of ['p-1', 'p-2']) await invokeAsync(client, 'paused', '1', { taskId: id });
    const second = await eventually(async () => {
      const t = await rawTask('paused', 'p-2');
      // Approximate: a task the status service has not recorded yet is not counted ahead.
      return t.enqueuedReason === 'paused' && t.queuePosition === 2 ? t : undefined;
    });
    expect(second).toMatchObject({ status: 'Enqueued', enqueuedReason: 'paused', queuePosition: 2 });
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await rawTask('paused', 'p-1')).status).toBe('Enqueued');
    expect(
      ((await (await api('GET', '/functions/paused/dispatch')).json()) as { paused: boolean }).paused,
    ).toBe(true);
    expect((await api('POST', '/functions/paused/dispatch/resume')).status).toBe(200);
    expect((await until('paused', 'p-2', ['Succeeded'])).returnPayload).toBe('slept');
  }, 90_000);
});

describe('next retry time (extension)', () => {
  it('is shown while Retrying', async () => {
    const before = Date.now();
    await invokeAsync(client, 'fails', 'x', { taskId: 'retry-1' });
    const retrying = await until('fails', 'retry-1', ['Retrying']);
    expect(retrying.nextRetryTime).toBeGreaterThan(before + 10_000);
  }, 60_000);
});
