import { Readable } from 'node:stream';
import * as $dara from '@darabonba/typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../scripts/stack.js';
import {
  $FC,
  createNodeFunction,
  eventually,
  fcClient,
  nodeFunctionZip,
  signedFetch,
  type FcClient,
} from './harness/api.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * FC's versions and aliases through the official SDK: a task records its qualifier and the version
 * it resolved to, and runs that version's code even when LATEST changes while it waits.
 */

let stack: Stack;
let client: FcClient;
const says = (word: string) => `exports.handler = async () => '${word}';`;

async function invoke(
  fn: string,
  options: { qualifier?: string; taskId?: string; delaySeconds?: number; sync?: boolean; payload?: string },
) {
  const request = new $FC.InvokeFunctionRequest({
    body: Readable.from([Buffer.from(options.payload ?? 'x')]),
    ...(options.qualifier ? { qualifier: options.qualifier } : {}),
  });
  const headers = new $FC.InvokeFunctionHeaders({
    xFcInvocationType: options.sync ? 'Sync' : 'Async',
    ...(options.taskId ? { xFcAsyncTaskId: options.taskId } : {}),
    commonHeaders: options.delaySeconds ? { 'x-fc-async-delay': String(options.delaySeconds) } : {},
  });
  return client.invokeFunctionWithOptions(fn, request, headers, new $dara.RuntimeOptions({}));
}
async function syncResult(fn: string, qualifier?: string): Promise<string> {
  const res = await invoke(fn, { sync: true, ...(qualifier ? { qualifier } : {}) });
  const chunks: Buffer[] = [];
  for await (const chunk of res.body!) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString();
}
const taskOf = async (fn: string, taskId: string, qualifier?: string) =>
  (await client.getAsyncTask(fn, taskId, new $FC.GetAsyncTaskRequest(qualifier ? { qualifier } : {}))).body!;
const finished = (fn: string, taskId: string) =>
  eventually(async () => {
    const t = await taskOf(fn, taskId);
    return ['Succeeded', 'Failed', 'Invalid'].includes(t.status!) ? t : undefined;
  }, 60_000);
const publish = async (fn: string, description = '') =>
  (
    await client.publishFunctionVersion(
      fn,
      new $FC.PublishFunctionVersionRequest({ body: new $FC.PublishVersionInput({ description }) }),
    )
  ).body!;
const setCode = (fn: string, word: string) =>
  client.updateFunction(
    fn,
    new $FC.UpdateFunctionRequest({
      body: new $FC.UpdateFunctionInput({
        code: new $FC.InputCodeLocation({ zipFile: nodeFunctionZip(says(word)) }),
      }),
    }),
  );

beforeAll(async () => {
  const names = testNames('fcversions');
  stack = await startStack({ namespace: names.namespace, portBase: 23200, env: { ...serverUrls().env } });
  client = fcClient(stack.ingressUrl);
  await createNodeFunction(client, 'pinned', says('v1'));
}, 120_000);

afterAll(async () => {
  await stack?.stopAll();
});

describe('versions and aliases', () => {
  it('a delayed task against an alias runs the version it resolved to, though LATEST and the alias move on', async () => {
    const v1 = await publish('pinned', 'first');
    expect(v1).toMatchObject({ versionId: '1', description: 'first' });
    const alias = (
      await client.createAlias(
        'pinned',
        new $FC.CreateAliasRequest({ body: new $FC.CreateAliasInput({ aliasName: 'prod', versionId: '1' }) }),
      )
    ).body!;
    expect(alias).toMatchObject({ aliasName: 'prod', versionId: '1' });

    const accepted = await invoke('pinned', { qualifier: 'prod', taskId: 'pinned-1', delaySeconds: 3 });
    expect(accepted.statusCode).toBe(202);
    await setCode('pinned', 'v2');
    const v2 = await publish('pinned', 'second');
    expect(v2.versionId).toBe('2');
    await client.updateAlias(
      'pinned',
      'prod',
      new $FC.UpdateAliasRequest({ body: new $FC.UpdateAliasInput({ versionId: '2' }) }),
    );

    const task = await finished('pinned', 'pinned-1');
    expect(task).toMatchObject({ status: 'Succeeded', returnPayload: 'v1', qualifier: 'prod' });
    // The SDK's AsyncTask model drops fields it does not know: the extension is read raw.
    const raw = await signedFetch(
      stack.ingressUrl,
      'GET',
      '/2023-03-30/functions/pinned/async-tasks/pinned-1',
    );
    expect(((await raw.json()) as { resolvedVersion: string }).resolvedVersion).toBe('1');
    // New invocations follow the alias and LATEST as they are now.
    expect(await syncResult('pinned', 'prod')).toBe('v2');
    expect(await syncResult('pinned', '1')).toBe('v1');
    expect(await syncResult('pinned')).toBe('v2');
  }, 120_000);

  it('lists versions newest first, and tasks by qualifier', async () => {
    const listed = (await client.listFunctionVersions('pinned', new $FC.ListFunctionVersionsRequest({})))
      .body!;
    expect(listed.versions!.map((v) => v.versionId)).toEqual(['2', '1']);
    const prodTasks = (
      await client.listAsyncTasks('pinned', new $FC.ListAsyncTasksRequest({ qualifier: 'prod' }))
    ).body!;
    expect(prodTasks.tasks!.map((t) => t.taskId)).toEqual(['pinned-1']);
    await expect(taskOf('pinned', 'pinned-1', 'LATEST')).rejects.toMatchObject({
      statusCode: 404,
      code: 'AsyncTaskNotFound',
    });
    expect((await taskOf('pinned', 'pinned-1', 'prod')).taskId).toBe('pinned-1');
  });

  it('routes an alias by additionalVersionWeight', async () => {
    await client.createAlias(
      'pinned',
      new $FC.CreateAliasRequest({
        body: new $FC.CreateAliasInput({
          aliasName: 'canary',
          versionId: '2',
          additionalVersionWeight: { '1': 1 },
        }),
      }),
    );
    expect(await syncResult('pinned', 'canary')).toBe('v1');
    await client.updateAlias(
      'pinned',
      'canary',
      new $FC.UpdateAliasRequest({ body: new $FC.UpdateAliasInput({ additionalVersionWeight: { '1': 0 } }) }),
    );
    expect(await syncResult('pinned', 'canary')).toBe('v2');
    await expect(
      client.updateAlias(
        'pinned',
        'canary',
        new $FC.UpdateAliasRequest({
          body: new $FC.UpdateAliasInput({ additionalVersionWeight: { '2': 0.5 } }),
        }),
      ),
    ).rejects.toMatchObject({ statusCode: 400, code: 'AdditionalVersionContainsMajorVersion' });
    const aliases = (await client.listAliases('pinned', new $FC.ListAliasesRequest({}))).body!;
    expect(aliases.aliases!.map((a) => a.aliasName)).toEqual(['canary', 'prod']);
    expect((await client.getAlias('pinned', 'canary')).body!.additionalVersionWeight).toEqual({ '1': 0 });
  });

  it('async invoke config per qualifier', async () => {
    await expect(
      client.getAsyncInvokeConfig('pinned', new $FC.GetAsyncInvokeConfigRequest({ qualifier: 'prod' })),
    ).rejects.toMatchObject({ statusCode: 404, code: 'AsyncConfigNotExists' });
    await client.putAsyncInvokeConfig(
      'pinned',
      new $FC.PutAsyncInvokeConfigRequest({
        qualifier: 'prod',
        body: new $FC.PutAsyncInvokeConfigInput({ maxAsyncRetryAttempts: 0 }),
      }),
    );
    const got = (
      await client.getAsyncInvokeConfig('pinned', new $FC.GetAsyncInvokeConfigRequest({ qualifier: 'prod' }))
    ).body!;
    expect(got.maxAsyncRetryAttempts).toBe(0);
    await expect(
      client.getAsyncInvokeConfig('pinned', new $FC.GetAsyncInvokeConfigRequest({})),
    ).rejects.toMatchObject({ code: 'AsyncConfigNotExists' });
  });

  it("delivers a task's result by its qualifier's async config, and lists every config", async () => {
    await createNodeFunction(client, 'routed', says('r1'));
    await publish('routed');
    await client.createAlias(
      'routed',
      new $FC.CreateAliasRequest({ body: new $FC.CreateAliasInput({ aliasName: 'live', versionId: '1' }) }),
    );
    const queueArn = (queue: string) => `acs:mns:cn-hangzhou:1:/queues/${queue}/messages`;
    const onSuccess = (queue: string) =>
      new $FC.DestinationConfig({ onSuccess: new $FC.Destination({ destination: queueArn(queue) }) });
    await client.putAsyncInvokeConfig(
      'routed',
      new $FC.PutAsyncInvokeConfigRequest({
        body: new $FC.PutAsyncInvokeConfigInput({ destinationConfig: onSuccess('latest-results') }),
      }),
    );
    // The alias's config: task mode off, so its destination is found from the event alone.
    await client.putAsyncInvokeConfig(
      'routed',
      new $FC.PutAsyncInvokeConfigRequest({
        qualifier: 'live',
        body: new $FC.PutAsyncInvokeConfigInput({
          asyncTask: false,
          destinationConfig: onSuccess('live-results'),
        }),
      }),
    );
    await invoke('routed', { taskId: 'routed-latest', payload: 'to-latest' });
    await invoke('routed', { qualifier: 'live', payload: 'to-live' });
    const received = (queue: string) =>
      eventually(async () => {
        const res = await signedFetch(stack.ingressUrl, 'GET', `/2023-03-30/queues/${queue}/messages`, {
          query: { numOfMessages: '10', waitSeconds: '1' },
        });
        const { messages } = (await res.json()) as { messages: { body: string }[] };
        return messages.length
          ? messages.map((m) => JSON.parse(m.body) as { requestPayload: string })
          : undefined;
      }, 30_000);
    expect((await received('latest-results')).map((r) => r.requestPayload)).toEqual(['to-latest']);
    expect((await received('live-results')).map((r) => r.requestPayload)).toEqual(['to-live']);

    const all = (
      await client.listAsyncInvokeConfigs(new $FC.ListAsyncInvokeConfigsRequest({ functionName: 'routed' }))
    ).body!.configs!;
    expect(all.map((c) => c.functionArn?.split('functions/')[1])).toEqual(['routed', 'routed/live']);
    // Paged one at a time, the token lands inside a function and resumes after it.
    const first = (await client.listAsyncInvokeConfigs(new $FC.ListAsyncInvokeConfigsRequest({ limit: 1 })))
      .body!;
    const seen = [...first.configs!];
    let token = first.nextToken;
    while (token) {
      const page = (
        await client.listAsyncInvokeConfigs(
          new $FC.ListAsyncInvokeConfigsRequest({ limit: 1, nextToken: token }),
        )
      ).body!;
      seen.push(...page.configs!);
      token = page.nextToken;
    }
    expect(seen.map((c) => c.functionArn?.split('functions/')[1])).toEqual([
      'pinned/prod',
      'routed',
      'routed/live',
    ]);
  });

  it("answers FC's codes for what does not exist or is in use", async () => {
    await expect(invoke('pinned', { qualifier: 'nope', sync: true })).rejects.toMatchObject({
      statusCode: 404,
      code: 'AliasNotFound',
    });
    await expect(invoke('pinned', { qualifier: '9', sync: true })).rejects.toMatchObject({
      statusCode: 404,
      code: 'VersionNotFound',
    });
    await expect(
      client.createAlias(
        'pinned',
        new $FC.CreateAliasRequest({ body: new $FC.CreateAliasInput({ aliasName: 'prod', versionId: '1' }) }),
      ),
    ).rejects.toMatchObject({ statusCode: 409, code: 'AliasAlreadyExists' });
    await expect(client.deleteFunctionVersion('pinned', '2')).rejects.toMatchObject({
      statusCode: 409,
      code: 'ResourceInUse',
    });
    await client.deleteAlias('pinned', 'canary');
    await expect(client.getAlias('pinned', 'canary')).rejects.toMatchObject({ code: 'AliasNotFound' });
    await client.deleteFunctionVersion('pinned', '1');
    const left = (await client.listFunctionVersions('pinned', new $FC.ListFunctionVersionsRequest({}))).body!;
    expect(left.versions!.map((v) => v.versionId)).toEqual(['2']);
    // Ids are never reused.
    expect((await publish('pinned')).versionId).toBe('3');
  });
});
