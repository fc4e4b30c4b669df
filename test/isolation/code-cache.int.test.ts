import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_OPTIONS, sandboxUid } from '@asyncfn/runtime';
import { startStack, type Stack } from '../../scripts/stack.js';
import { $FC, createNodeFunction, eventually, fcClient, invokeAsync, type FcClient } from '../harness/api.js';
import { serverUrls, testNames } from '../harness/env.js';

/*
 * The executor's code cache through the whole stack: a function's unpacked code belongs to its
 * tenant's sandbox group only, and leaves the disk when the function is deleted.
 */

let stack: Stack;
let client: FcClient;
const TENANT = 'default'; // the local AccessKey's tenant

beforeAll(async () => {
  stack = await startStack({
    namespace: testNames('codecache').namespace,
    portBase: 19800,
    env: serverUrls().env,
  });
  client = fcClient(stack.ingressUrl);
}, 120_000);
afterAll(() => stack?.stopAll());

it("a function's code is readable by its tenant's group only, and removed when it is deleted", async () => {
  await createNodeFunction(client, 'cached', `exports.handler = async (event) => event;`);
  await invokeAsync(client, 'cached', 'hello', { taskId: 'cached-1' });
  const task = await eventually(async () => {
    const t = (await client.getAsyncTask('cached', 'cached-1', new $FC.GetAsyncTaskRequest({}))).body;
    return t?.status === 'Succeeded' ? t : undefined;
  });
  expect(task.returnPayload).toBe('hello');
  const functionDir = join(stack.env.ASYNCFN_CODE_CACHE!, TENANT, 'cached');
  const [version, ...others] = readdirSync(functionDir);
  expect(others).toEqual([]);
  const gid = sandboxUid(TENANT, DEFAULT_SANDBOX_OPTIONS);
  expect(statSync(join(functionDir, version!))).toMatchObject({ uid: 0, gid, mode: 0o40750 });
  expect(statSync(join(functionDir, version!, 'index.js'))).toMatchObject({ uid: 0, gid, mode: 0o100640 });
  expect(statSync(functionDir).mode & 0o777).toBe(0o700);

  await client.deleteFunction('cached');
  await eventually(async () => (existsSync(functionDir) ? undefined : true));
});
