import { createRequire } from 'node:module';
import FcOpen, * as $FC2 from '@alicloud/fc-open20210406';
import * as $OpenApi from '@alicloud/openapi-client';
import * as $Util from '@alicloud/tea-util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../scripts/stack.js';
import { LOCAL_KEY, eventually, nodeFunctionZip, signedFetch, type Credentials } from './harness/api.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * FC's 2.0 SDK (@alicloud/fc-open20210406, which signs with ACS3 by default) against the real
 * stack: services, functions, the async config's statefulInvocation, invocations named by
 * X-Fc-Stateful-Async-Invocation-Id, and the stateful-async-invocation API. The older 2.0 SDK
 * (@alicloud/fc2) signs with FC's own `FC <id>:<signature>` scheme: it creates a service and is
 * refused with a wrong secret.
 */

type FcOpenClass = typeof FcOpen.default;
const FcOpenClient: FcOpenClass =
  (FcOpen as unknown as { default?: FcOpenClass }).default ?? (FcOpen as unknown as FcOpenClass);
type Client = InstanceType<FcOpenClass>;

interface Fc2Client {
  version: string;
  createService(name: string, options?: Record<string, unknown>): Promise<{ data: { serviceName: string } }>;
  getService(name: string): Promise<{ data: { serviceName: string } }>;
}
type Fc2ClientClass = new (
  accountId: string,
  config: {
    accessKeyID: string;
    accessKeySecret: string;
    region: string;
    endpoint: string;
    timeout?: number;
  },
) => Fc2Client;
const Fc2Client = createRequire(import.meta.url)('@alicloud/fc2') as Fc2ClientClass;

const SERVICE = 'video';
const FN = 'transcode';
const HANDLER = `
exports.handler = async (event) => {
  const text = event.toString();
  if (text.startsWith('sleep')) await new Promise((r) => setTimeout(r, 60000));
  return 'done:' + text;
};`;

let stack: Stack;
let client: Client;

function openClient(creds: Credentials = LOCAL_KEY): Client {
  return new FcOpenClient(
    new $OpenApi.Config({
      ...creds,
      endpoint: new URL(stack.ingressUrl).host,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      readTimeout: 30_000,
      connectTimeout: 10_000,
    }),
  );
}

async function invokeAsync(id: string, body: string) {
  return client.invokeFunctionWithOptions(
    SERVICE,
    FN,
    // The SDK JSON-encodes a Buffer body (its request body type is json); a string goes as is.
    new $FC2.InvokeFunctionRequest({ body: body as unknown as Buffer }),
    new $FC2.InvokeFunctionHeaders({ xFcInvocationType: 'Async', xFcStatefulAsyncInvocationId: id }),
    new $Util.RuntimeOptions({}),
  );
}

const getInvocation = (id: string) =>
  client.getStatefulAsyncInvocation(SERVICE, FN, id, new $FC2.GetStatefulAsyncInvocationRequest({}));

async function until(id: string, statuses: string[]): Promise<$FC2.StatefulAsyncInvocation> {
  return eventually(async () => {
    const { body } = await getInvocation(id);
    return statuses.includes(body.status ?? '') ? body : undefined;
  }, 60_000);
}

async function sdkError(
  call: Promise<unknown>,
): Promise<{ code: string; statusCode: number; data: Record<string, unknown> }> {
  try {
    await call;
  } catch (err) {
    const e = err as { code: string; data?: Record<string, unknown> };
    return { code: e.code, statusCode: Number(e.data?.statusCode), data: e.data ?? {} };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  const urls = serverUrls();
  stack = await startStack({
    namespace: testNames('fc2').namespace,
    portBase: 20000,
    env: { ...urls.env, NATS_URL: urls.natsUrl, MONGO_URL: urls.mongoUrl },
  });
  client = openClient();
}, 120_000);

afterAll(async () => {
  await stack?.stopAll();
});

describe("FC 2.0's SDK against asyncfn", () => {
  it('creates a service and a function in 2.0 shapes; the function is a 3.0 function under a mapped name', async () => {
    const service = await client.createService(
      new $FC2.CreateServiceRequest({ serviceName: SERVICE, description: 'videos' }),
    );
    expect(service.body).toMatchObject({ serviceName: SERVICE, description: 'videos' });
    expect(service.body.serviceId).toBeTruthy();
    expect((await client.getService(SERVICE, new $FC2.GetServiceRequest({}))).body.serviceName).toBe(SERVICE);

    const created = await client.createFunction(
      SERVICE,
      new $FC2.CreateFunctionRequest({
        functionName: FN,
        runtime: 'nodejs20',
        handler: 'index.handler',
        timeout: 120,
        code: new $FC2.Code({ zipFile: nodeFunctionZip(HANDLER) }),
      }),
    );
    expect(created.body).toMatchObject({ functionName: FN, runtime: 'nodejs20', timeout: 120 });
    const got = await client.getFunction(SERVICE, FN, new $FC2.GetFunctionRequest({}));
    expect(got.body.functionName).toBe(FN);

    const mapped = await signedFetch(
      stack.ingressUrl,
      'GET',
      `/2023-03-30/functions/fc2_${SERVICE.length}_${SERVICE}_${FN}`,
    );
    expect(mapped.status).toBe(200);
    // The mapped names are reserved: 3.0 cannot create one.
    const reserved = await signedFetch(stack.ingressUrl, 'POST', '/2023-03-30/functions', {
      body: JSON.stringify({ functionName: 'fc2_3_abc_x', runtime: 'nodejs20', handler: 'index.handler' }),
    });
    expect(reserved.status).toBe(400);

    const missing = await sdkError(
      client.getFunction('no-such-service', FN, new $FC2.GetFunctionRequest({})),
    );
    expect(missing).toMatchObject({ code: 'ServiceNotFound', statusCode: 404 });
    expect(missing.data.ErrorCode).toBe('ServiceNotFound');
    const noFn = await sdkError(client.getFunction(SERVICE, 'nope', new $FC2.GetFunctionRequest({})));
    expect(noFn).toMatchObject({ code: 'FunctionNotFound', statusCode: 404 });
    expect(String(noFn.data.Message)).toContain(`${SERVICE}/nope`);
  });

  it('puts and gets the async config with statefulInvocation', async () => {
    const put = await client.putFunctionAsyncInvokeConfig(
      SERVICE,
      FN,
      new $FC2.PutFunctionAsyncInvokeConfigRequest({ statefulInvocation: true, maxAsyncRetryAttempts: 0 }),
    );
    expect(put.body).toMatchObject({
      service: SERVICE,
      function: FN,
      statefulInvocation: true,
      maxAsyncRetryAttempts: 0,
    });
    const got = await client.getFunctionAsyncInvokeConfig(
      SERVICE,
      FN,
      new $FC2.GetFunctionAsyncInvokeConfigRequest({}),
    );
    expect(got.body).toMatchObject({
      statefulInvocation: true,
      maxAsyncRetryAttempts: 0,
      qualifier: 'LATEST',
    });
  });

  it('invokes async with an invocation id, gets it, lists it; the same id again is refused', async () => {
    const accepted = await invokeAsync('clip-1', 'clip one');
    expect(accepted.statusCode).toBe(202);
    expect(accepted.headers['x-fc-stateful-async-invocation-id']).toBe('clip-1');

    const done = await until('clip-1', ['Succeeded', 'Failed']);
    expect(done).toMatchObject({
      invocationId: 'clip-1',
      serviceName: SERVICE,
      functionName: FN,
      status: 'Succeeded',
      returnPayload: 'done:clip one',
      invocationPayload: 'clip one',
    });
    expect(done.events?.map((e) => e.status)).toEqual(
      expect.arrayContaining(['Enqueued', 'Running', 'Succeeded']),
    );

    const again = await sdkError(invokeAsync('clip-1', 'again'));
    expect(again).toMatchObject({ code: 'AsyncTaskAlreadyExists', statusCode: 409 });

    const list = await eventually(async () => {
      const { body } = await client.listStatefulAsyncInvocations(
        SERVICE,
        FN,
        new $FC2.ListStatefulAsyncInvocationsRequest({
          invocationIdPrefix: 'clip-',
          includePayload: true,
          limit: 10,
        }),
      );
      return body.invocations?.length ? body : undefined;
    });
    expect(list.invocations?.map((i) => i.invocationId)).toEqual(['clip-1']);
    expect(list.invocations?.[0]).toMatchObject({ status: 'Succeeded', invocationPayload: 'clip one' });
    const none = await client.listStatefulAsyncInvocations(
      SERVICE,
      FN,
      new $FC2.ListStatefulAsyncInvocationsRequest({ invocationIdPrefix: 'other-' }),
    );
    expect(none.body.invocations ?? []).toEqual([]);
  });

  it('stops a long invocation', async () => {
    await invokeAsync('long-1', 'sleep a minute');
    await until('long-1', ['Running']);
    const stopped = await client.stopStatefulAsyncInvocation(
      SERVICE,
      FN,
      'long-1',
      new $FC2.StopStatefulAsyncInvocationRequest({}),
    );
    expect(stopped.statusCode).toBe(200);
    const final = await until('long-1', ['Stopped']);
    expect(final.events?.map((e) => e.status)).toEqual(
      expect.arrayContaining(['Running', 'Stopping', 'Stopped']),
    );
    const late = await sdkError(
      client.stopStatefulAsyncInvocation(
        SERVICE,
        FN,
        'long-1',
        new $FC2.StopStatefulAsyncInvocationRequest({}),
      ),
    );
    expect(late).toMatchObject({ code: 'AsyncTaskAlreadyFinished', statusCode: 409 });
  });

  it('lists the functions with stateful invocations', async () => {
    await client.createFunction(
      SERVICE,
      new $FC2.CreateFunctionRequest({
        functionName: 'plain',
        runtime: 'nodejs20',
        handler: 'index.handler',
        code: new $FC2.Code({ zipFile: nodeFunctionZip(HANDLER) }),
      }),
    );
    await client.putFunctionAsyncInvokeConfig(
      SERVICE,
      'plain',
      new $FC2.PutFunctionAsyncInvokeConfigRequest({ statefulInvocation: false }),
    );
    const { body } = await client.listStatefulAsyncInvocationFunctions(
      new $FC2.ListStatefulAsyncInvocationFunctionsRequest({ limit: 10 }),
    );
    expect(body.data?.map((d) => `${d.serviceName}/${d.functionName}`)).toEqual([`${SERVICE}/${FN}`]);
  });

  it("refuses a request whose signature does not match, in FC's error shape", async () => {
    const wrong = openClient({ accessKeyId: LOCAL_KEY.accessKeyId, accessKeySecret: 'not-the-secret' });
    const refused = await sdkError(wrong.getService(SERVICE, new $FC2.GetServiceRequest({})));
    expect(refused).toMatchObject({ code: 'SignatureNotMatch', statusCode: 403 });
    expect(refused.data).toMatchObject({ ErrorCode: 'SignatureNotMatch' });
    expect(refused.data.RequestId).toBeTruthy();
  });

  it("takes FC 2.0's own signature scheme (FC <id>:<signature>) from @alicloud/fc2, and refuses it signed wrongly", async () => {
    const fc2 = (secret: string) => {
      const c = new Fc2Client('local', {
        accessKeyID: LOCAL_KEY.accessKeyId,
        accessKeySecret: secret,
        region: 'cn-hangzhou',
        endpoint: stack.ingressUrl,
        timeout: 30_000,
      });
      c.version = '2021-04-06';
      return c;
    };
    const created = await fc2(LOCAL_KEY.accessKeySecret).createService('audio', { description: 'fc2 sdk' });
    expect(created.data.serviceName).toBe('audio');
    expect((await client.getService('audio', new $FC2.GetServiceRequest({}))).body.description).toBe(
      'fc2 sdk',
    );
    await expect(fc2('wrong').getService('audio')).rejects.toMatchObject({ code: 'SignatureNotMatch' });
    // A request without any signature is 401.
    const anonymous = await fetch(`${stack.ingressUrl}/2021-04-06/services/audio`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({
      ErrorCode: 'MissingAuthorization',
      Code: 'MissingAuthorization',
    });
  });

  it('deletes: a service with functions is refused, then functions and the service go', async () => {
    const busy = await sdkError(client.deleteService(SERVICE));
    expect(busy).toMatchObject({ code: 'ServiceNotEmpty', statusCode: 409 });
    await client.deleteFunction(SERVICE, FN);
    await client.deleteFunction(SERVICE, 'plain');
    await client.deleteService(SERVICE);
    const gone = await sdkError(client.getService(SERVICE, new $FC2.GetServiceRequest({})));
    expect(gone).toMatchObject({ code: 'ServiceNotFound', statusCode: 404 });
  });
});
