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
  signedFetch,
  type FcClient,
} from './harness/api.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * FC's ConcurrencyConfig through the official SDK, and the per-tenant cap (server config): async
 * tasks beyond a limit wait Enqueued and say why; a sync call beyond it gets 429 ResourceThrottled.
 */

const TENANT_CAP = 3;
let stack: Stack;
let client: FcClient;
const SLEEPS = `exports.handler = async (event) => {
  await new Promise((r) => setTimeout(r, Number(event.toString()) || 1500));
  return 'slept';
};`;

interface RawTask {
  status: string;
  enqueuedReason?: string;
  queuePosition?: number;
  events: { status: string; timestamp: number }[];
}
const rawTask = async (fn: string, taskId: string) =>
  (await (
    await signedFetch(stack.ingressUrl, 'GET', `/2023-03-30/functions/${fn}/async-tasks/${taskId}`)
  ).json()) as RawTask;
const finished = (fn: string, taskId: string) =>
  eventually(async () => {
    const t = await rawTask(fn, taskId);
    return ['Succeeded', 'Failed', 'Invalid', 'Expired'].includes(t.status) ? t : undefined;
  }, 90_000);
/** The most attempts that overlapped in time (Running → end). */
function maxOverlap(tasks: RawTask[]): number {
  const edges = tasks.flatMap((t) => {
    const start = t.events.find((e) => e.status === 'Running')!.timestamp;
    const end = t.events.at(-1)!.timestamp;
    return [
      { at: start, d: 1 },
      { at: end, d: -1 },
    ];
  });
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (now += e.d));
  return max;
}
const putConcurrency = (fn: string, reservedConcurrency: number) =>
  client.putConcurrencyConfig(
    fn,
    new $FC.PutConcurrencyConfigRequest({ body: new $FC.PutConcurrencyInput({ reservedConcurrency }) }),
  );

beforeAll(async () => {
  const names = testNames('fcconcurrency');
  stack = await startStack({
    namespace: names.namespace,
    portBase: 23300,
    env: { ...serverUrls().env, ASYNCFN_TENANT_CONCURRENCY: String(TENANT_CAP) },
  });
  client = fcClient(stack.ingressUrl);
  await createNodeFunction(client, 'single', SLEEPS, { timeout: 30 });
  await createNodeFunction(client, 'wide', SLEEPS, { timeout: 30, instanceConcurrency: 10 });
}, 120_000);

afterAll(async () => {
  await stack?.stopAll();
});

describe('ConcurrencyConfig', () => {
  it('is put, read, listed and deleted through the SDK', async () => {
    const put = (await putConcurrency('single', 1)).body!;
    expect(put).toMatchObject({
      reservedConcurrency: 1,
      functionArn: expect.stringContaining('functions/single'),
    });
    expect((await client.getConcurrencyConfig('single')).body!.reservedConcurrency).toBe(1);
    const listed = (await client.listConcurrencyConfigs(new $FC.ListConcurrencyConfigsRequest({}))).body!;
    expect(listed.configs!.map((c) => c.reservedConcurrency)).toEqual([1]);
    await putConcurrency('wide', 5);
    await client.deleteConcurrencyConfig('wide');
    expect((await client.getConcurrencyConfig('wide')).body!.reservedConcurrency).toBeUndefined();
    await expect(putConcurrency('single', -1)).rejects.toMatchObject({
      statusCode: 400,
      code: 'InvalidArgument',
    });
  });

  it('async tasks beyond reservedConcurrency wait Enqueued (reason concurrencyLimit) and never overlap', async () => {
    await putConcurrency('single', 1);
    const ids = ['c-1', 'c-2', 'c-3'];
    for (const id of ids) await invokeAsync(client, 'single', '1500', { taskId: id });
    const waiting = await eventually(async () => {
      for (const id of ids) {
        const t = await rawTask('single', id);
        if (t.status === 'Enqueued' && t.enqueuedReason === 'concurrencyLimit') return t;
      }
      return undefined;
    });
    expect(waiting.queuePosition).toBeGreaterThanOrEqual(1);
    const done = await Promise.all(ids.map((id) => finished('single', id)));
    expect(done.map((t) => t.status)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    expect(maxOverlap(done)).toBe(1);
  }, 120_000);

  it("a sync call beyond the limit: FC's 429 ResourceThrottled", async () => {
    await putConcurrency('single', 1);
    const sync = (payload: string) =>
      client.invokeFunctionWithOptions(
        'single',
        new $FC.InvokeFunctionRequest({ body: Readable.from([Buffer.from(payload)]) }),
        new $FC.InvokeFunctionHeaders({}),
        new $dara.RuntimeOptions({}),
      );
    const long = sync('4000');
    // Until the long call holds the slot, a second one may still get through.
    await eventually(
      async () => {
        try {
          await sync('1');
          return undefined;
        } catch (err) {
          return (err as { code?: string }).code === 'ResourceThrottled' ? err : undefined;
        }
      },
      3_500,
      50,
    ).then((err) => expect(err).toMatchObject({ statusCode: 429, code: 'ResourceThrottled' }));
    await long;
  }, 60_000);
});

describe('the per-tenant cap (ASYNCFN_TENANT_CONCURRENCY)', () => {
  it('caps running attempts across the tenant', async () => {
    await client.deleteConcurrencyConfig('single');
    const ids = Array.from({ length: 6 }, (_, i) => `t-${i}`);
    for (const id of ids) await invokeAsync(client, 'wide', '2000', { taskId: id });
    const done = await Promise.all(ids.map((id) => finished('wide', id)));
    expect(done.every((t) => t.status === 'Succeeded')).toBe(true);
    const overlap = maxOverlap(done);
    expect(overlap).toBeLessThanOrEqual(TENANT_CAP);
    expect(overlap).toBeGreaterThan(1);
  }, 120_000);
});
