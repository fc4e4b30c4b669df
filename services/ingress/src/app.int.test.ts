import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import type { TSchema } from 'typebox';
import {
  API_SCHEMAS,
  AsyncConfigSchema,
  AsyncTaskSchema,
  Fc2ErrorSchema,
  FcErrorSchema,
  FunctionSchema,
  ListAsyncTasksOutputSchema,
  ListFunctionsOutputSchema,
} from '@asyncfn/contracts';
import { eventually, nodeFunctionZip } from '../../../test/harness/api.js';
import { injectableIngress, injectSigned } from '../../../test/harness/ingress.js';
import type { WiredIngress } from './wiring.js';

/*
 * The app driven with inject(), wired as in production (real NATS and MongoDB). Two things are
 * checked: bad input gets FC's codes (the route schemas do not validate), and what the routes
 * answer has the shape the generated document promises (the schemas are not validated
 * against anything else).
 */

let ingress: WiredIngress;
const context = { ...API_SCHEMAS };

/** The answer matches the documented schema (with the shared schemas its $refs name). */
function expectShape(schema: TSchema, value: unknown) {
  expect(Value.Errors(context, schema, value)).toEqual([]);
}

function expectFcError(
  response: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
  code: string,
) {
  const body = response.json() as { Code: string; RequestId: string };
  expect({ status: response.statusCode, code: body.Code }).toEqual({ status, code });
  expect(body.RequestId).toBe(response.headers['x-fc-request-id']);
  expectShape(FcErrorSchema, body);
  return body as { Code: string; Message: string; RequestId: string };
}

beforeAll(async () => {
  ingress = await injectableIngress('inject');
}, 60_000);

afterAll(async () => {
  await ingress?.close();
});

describe('the ingress app, bad requests', () => {
  it('an unsigned request: 401 MissingAuthorization', async () => {
    const response = await ingress.app.inject({ method: 'GET', url: '/2023-03-30/functions' });
    expectFcError(response, 401, 'MissingAuthorization');
  });

  it('an unknown path: 400 PathNotSupported', async () => {
    const response = await injectSigned(ingress, 'GET', '/2023-03-30/nothing-here');
    const body = expectFcError(response, 400, 'PathNotSupported');
    expect(body.Message).toContain('/2023-03-30/nothing-here');
  });

  it('an unknown FC 2.0 path: the error in both SDKs’ fields', async () => {
    const response = await injectSigned(ingress, 'GET', '/2021-04-06/nothing-here');
    expect(response.statusCode).toBe(400);
    const body = response.json<{ Code: string; ErrorCode: string }>();
    expect(body.ErrorCode).toBe('PathNotSupported');
    expectShape(Fc2ErrorSchema, body);
  });

  it('malformed JSON: 400 InvalidArgument', async () => {
    const response = await injectSigned(ingress, 'POST', '/2023-03-30/functions', '{"functionName": ');
    const body = expectFcError(response, 400, 'InvalidArgument');
    expect(body.Message).toBe('body: not valid JSON');
  });

  it('a query the schema documents as an integer: FC’s message, not a schema validator’s', async () => {
    const response = await injectSigned(
      ingress,
      'PUT',
      '/2023-03-30/functions/f/async-tasks/t/stop?forceAfterMs=soon',
    );
    const body = expectFcError(response, 400, 'InvalidArgument');
    expect(body.Message).toBe('forceAfterMs: an integer number of milliseconds, 0-3600000');
  });

  it('a missing function: 404 FunctionNotFound', async () => {
    const response = await injectSigned(ingress, 'GET', '/2023-03-30/functions/absent');
    expectFcError(response, 404, 'FunctionNotFound');
  });
});

describe('the ingress app, answers as documented', () => {
  const name = `inject-${Date.now().toString(36)}`;

  it('CreateFunction, GetFunction and ListFunctions', async () => {
    const create = await injectSigned(
      ingress,
      'POST',
      '/2023-03-30/functions',
      JSON.stringify({
        functionName: name,
        runtime: 'nodejs20',
        handler: 'index.handler',
        code: { zipFile: nodeFunctionZip('exports.handler = async () => "ok";') },
      }),
    );
    expect(create.statusCode).toBe(200);
    expectShape(FunctionSchema, create.json());
    const get = await injectSigned(ingress, 'GET', `/2023-03-30/functions/${name}`);
    expectShape(FunctionSchema, get.json());
    const list = await injectSigned(ingress, 'GET', '/2023-03-30/functions');
    expectShape(ListFunctionsOutputSchema, list.json());
    expect(
      list.json<{ functions: { functionName: string }[] }>().functions.map((f) => f.functionName),
    ).toContain(name);
  });

  it('PutAsyncInvokeConfig and GetAsyncInvokeConfig', async () => {
    const config = {
      maxAsyncRetryAttempts: 1,
      destinationConfig: { onFailure: { destination: 'nats:x.y' } },
    };
    const put = await injectSigned(
      ingress,
      'PUT',
      `/2023-03-30/functions/${name}/async-invoke-config`,
      JSON.stringify(config),
    );
    expect(put.statusCode).toBe(200);
    expectShape(AsyncConfigSchema, put.json());
    const get = await injectSigned(ingress, 'GET', `/2023-03-30/functions/${name}/async-invoke-config`);
    expect(get.json()).toMatchObject(config);
    expectShape(AsyncConfigSchema, get.json());
  });

  it('an async invocation: 202, then GetAsyncTask and ListAsyncTasks', async () => {
    // The function reaches the watched directory the hot path reads a moment after it was created.
    const accepted = await eventually(async () => {
      const response = await injectSigned(
        ingress,
        'POST',
        `/2023-03-30/functions/${name}/invocations`,
        '{}',
        {
          'x-fc-invocation-type': 'Async',
          'x-fc-async-task-id': 'inject-task-1',
        },
      );
      return response.statusCode === 404 ? undefined : response;
    });
    expect(accepted.statusCode).toBe(202);
    expect(accepted.headers['x-fc-async-task-id']).toBe('inject-task-1');
    const task = await injectSigned(
      ingress,
      'GET',
      `/2023-03-30/functions/${name}/async-tasks/inject-task-1`,
    );
    expect(task.statusCode).toBe(200);
    expect(task.json()).toMatchObject({ taskId: 'inject-task-1' });
    expectShape(AsyncTaskSchema, task.json());
    const list = await injectSigned(ingress, 'GET', `/2023-03-30/functions/${name}/async-tasks`);
    expect(list.statusCode).toBe(200);
    expectShape(ListAsyncTasksOutputSchema, list.json());
  });
});
