import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../scripts/stack.js';
import { nodeFunctionZip, signedFetch, type Credentials } from './harness/api.js';
import { cliHome, runCli } from './harness/cli.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * Bulk stop and bulk re-run by filter (POST/GET /async-task-bulk-operations): the API contract,
 * tenant isolation, resuming after the ingress running an operation is killed, and the CLI's
 * bulk commands. Operations are paced slowly here (5 tasks/s) so a kill lands midway.
 */

const OTHER: Credentials = { accessKeyId: 'LTAIbulkOtherKey', accessKeySecret: 'bulkOtherSecret' };
const PER_SECOND = 5;
// A waiting task is listed (and so matched by a filter) once the status service records it:
// up to ASYNCFN_STATUS_CLAIM_HOLD_MS (2 s) after it was accepted.
const LISTED = { timeout: 30_000, interval: 200 };

let stack: Stack;
let home: string;

interface Op {
  operationId: string;
  action: string;
  filter: Record<string, unknown>;
  state: string;
  matched: number;
  succeeded: number;
  failed: number;
  createdTime: number;
  lastError?: { code: string };
}
interface Task {
  taskId: string;
  status: string;
  rerunOf?: string;
}

const api = (method: string, path: string, options: Parameters<typeof signedFetch>[3] = {}) =>
  signedFetch(stack.ingressUrl, method, `/2023-03-30${path}`, options);

async function post(body: unknown, creds?: Credentials): Promise<Response> {
  return api('POST', '/async-task-bulk-operations', {
    body: JSON.stringify(body),
    ...(creds ? { creds } : {}),
  });
}
async function start(body: unknown): Promise<Op> {
  const res = await post(body);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Op;
}
async function getOp(id: string): Promise<Op> {
  const res = await api('GET', `/async-task-bulk-operations/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Op;
}
async function finished(id: string, timeout = 60_000): Promise<Op> {
  let op: Op | undefined;
  await expect.poll(async () => (op = await getOp(id)).state, { timeout, interval: 300 }).not.toBe('Running');
  return op!;
}
async function submit(fn: string, taskId: string, delaySeconds?: number): Promise<void> {
  const res = await api('POST', `/functions/${fn}/invocations`, {
    headers: {
      'x-fc-invocation-type': 'Async',
      'x-fc-async-task-id': taskId,
      'content-type': 'application/octet-stream',
      ...(delaySeconds ? { 'x-fc-async-delay': String(delaySeconds) } : {}),
    },
    body: taskId,
  });
  expect(res.status, await res.clone().text()).toBe(202);
}
async function tasks(fn: string, query: Record<string, string>): Promise<Task[]> {
  const res = await api('GET', `/functions/${fn}/async-tasks`, { query: { limit: '100', ...query } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { tasks: Task[] }).tasks;
}
async function createFunction(name: string, source: string): Promise<void> {
  const res = await api('POST', '/functions', {
    body: JSON.stringify({
      functionName: name,
      runtime: 'nodejs20',
      handler: 'index.handler',
      timeout: 30,
      code: { zipFile: nodeFunctionZip(source) },
    }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}
const cli = (args: string[]) => runCli(args, { env: { HOME: home, ASYNCFN_ENDPOINT: stack.ingressUrl } });

beforeAll(async () => {
  home = cliHome();
  stack = await startStack({
    namespace: testNames('bulk').namespace,
    portBase: 19900,
    env: {
      ...serverUrls().env,
      ASYNCFN_ACCESS_KEYS: `LTAIasyncfnLocalKey:asyncfnLocalSecret:default,${OTHER.accessKeyId}:${OTHER.accessKeySecret}:other`,
      ASYNCFN_BULK_TASKS_PER_SECOND: String(PER_SECOND),
      ASYNCFN_BULK_LEASE_MS: '2000',
    },
    services: ['dispatcher', 'executor', 'status', 'destination'],
  });
  await stack.start('ingress');
  await createFunction('waiter', 'exports.handler = async (e) => "ran " + e.toString();');
  await createFunction('other', 'exports.handler = async () => "other";');
});

afterAll(async () => {
  await stack?.stopAll();
});

describe('bulk operations API', () => {
  it('validates the filter and answers FC-style errors', async () => {
    const cases: [unknown, number, string, RegExp][] = [
      [{ action: 'Pause' }, 400, 'InvalidArgument', /action/],
      [{ action: 'Stop', status: 'Succeeded' }, 400, 'InvalidArgument', /status: Stop applies/],
      [{ action: 'Rerun', status: 'Running' }, 400, 'InvalidArgument', /status: Rerun applies/],
      [
        { action: 'Stop', startedTimeBegin: 5, startedTimeEnd: 1 },
        400,
        'InvalidArgument',
        /startedTimeBegin/,
      ],
      [{ action: 'Stop', fn: 'waiter' }, 400, 'InvalidArgument', /Unrecognized key/i],
      [{ action: 'Stop', functionName: 'nope' }, 404, 'FunctionNotFound', /nope/],
    ];
    for (const [body, status, code, message] of cases) {
      const res = await post(body);
      const err = (await res.json()) as { Code: string; Message: string; RequestId: string };
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(err.Code).toBe(code);
      expect(err.Message).toMatch(message);
      expect(err.RequestId).toBeTruthy();
    }
    const malformed = await api('POST', '/async-task-bulk-operations', { body: '{not json' });
    expect(malformed.status).toBe(400);
    const unknown = await api('GET', '/async-task-bulk-operations/bo-01JXXXXXXXXXXXXXXXXXXXXXXX');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { Code: string }).Code).toBe('BulkOperationNotFound');
  });

  it('counts in a dry run, acts on nothing, and keeps operations to their tenant', async () => {
    for (let i = 0; i < 3; i++) await submit('waiter', `dry-${i}`, 600);
    await submit('other', 'dry-other', 600);
    // Tasks are listed once the status service recorded them.
    await expect.poll(async () => (await tasks('waiter', { prefix: 'dry-' })).length, LISTED).toBe(3);
    await expect.poll(async () => (await tasks('other', { prefix: 'dry-' })).length, LISTED).toBe(1);
    const dry = await start({ action: 'Stop', prefix: 'dry-', dryRun: true });
    expect(dry).toMatchObject({ action: 'Stop', state: 'DryRun', matched: 4, succeeded: 0, failed: 0 });
    expect(dry.filter).toEqual({ prefix: 'dry-' });
    expect((await getOp(dry.operationId)).state).toBe('DryRun');
    const one = await start({ action: 'Stop', functionName: 'waiter', prefix: 'dry-', dryRun: true });
    expect(one.matched).toBe(3);
    expect((await tasks('waiter', { prefix: 'dry-' })).every((t) => t.status === 'Enqueued')).toBe(true);
    // Another tenant sees neither the operation nor the tasks.
    const theirs = await api('GET', `/async-task-bulk-operations/${dry.operationId}`, { creds: OTHER });
    expect(theirs.status).toBe(404);
    const theirCount = await post({ action: 'Stop', prefix: 'dry-', dryRun: true }, OTHER);
    expect(((await theirCount.json()) as Op).matched).toBe(0);
    // Nothing matched: Completed at once.
    const none = await start({ action: 'Rerun', prefix: 'nothing-' });
    expect(none).toMatchObject({ state: 'Completed', matched: 0 });
  });

  it('bulk stop survives the ingress being killed midway: another start resumes it', async () => {
    const ids = Array.from({ length: 15 }, (_, i) => `crash-${String(i).padStart(2, '0')}`);
    for (const id of ids) await submit('waiter', id, 600);
    await expect
      .poll(async () => (await tasks('waiter', { prefix: 'crash-' })).length, { timeout: 30_000 })
      .toBe(15);
    const op = await start({ action: 'Stop', functionName: 'waiter', prefix: 'crash-', status: 'Enqueued' });
    expect(op).toMatchObject({ state: 'Running', matched: 15 });
    // Progress is saved every few tasks; at 5/s the operation takes about 3 s.
    let seen: Op | undefined;
    await expect
      .poll(async () => (seen = await getOp(op.operationId)).succeeded, { interval: 100 })
      .toBeGreaterThan(0);
    stack.kill('ingress');
    // Killed midway: part of the work saved, the rest left to whichever ingress resumes it.
    expect(seen).toMatchObject({ state: 'Running' });
    expect(seen!.succeeded).toBeLessThan(15);
    await stack.start('ingress');
    const done = await finished(op.operationId);
    expect(done).toMatchObject({ state: 'Completed', matched: 15, succeeded: 15, failed: 0 });
    await expect
      .poll(async () => (await tasks('waiter', { prefix: 'crash-', status: 'Stopped' })).length, {
        timeout: 30_000,
      })
      .toBe(15);
  });

  it('bulk re-run, resumed after a kill, re-runs each task once (ids derived from the operation)', async () => {
    const op = await start({ action: 'Rerun', functionName: 'waiter', prefix: 'crash-' });
    expect(op).toMatchObject({ state: 'Running', matched: 15 });
    let seen: Op | undefined;
    await expect
      .poll(async () => (seen = await getOp(op.operationId)).succeeded, { interval: 100 })
      .toBeGreaterThan(0);
    stack.kill('ingress');
    // Killed midway: part of the work saved, the rest left to whichever ingress resumes it.
    expect(seen).toMatchObject({ state: 'Running' });
    expect(seen!.succeeded).toBeLessThan(15);
    await stack.start('ingress');
    const done = await finished(op.operationId);
    expect(done).toMatchObject({ state: 'Completed', succeeded: 15, failed: 0 });
    const tag = op.operationId.slice(-8).toLowerCase();
    const reruns = async () => (await tasks('waiter', { prefix: 'crash-' })).filter((t) => t.rerunOf);
    await expect.poll(async () => (await reruns()).length, LISTED).toBe(15);
    for (const t of await reruns()) expect(t.taskId).toBe(`${t.rerunOf}-rerun-${tag}`);
    await expect
      .poll(async () => (await tasks('waiter', { prefix: 'crash-', status: 'Succeeded' })).length, {
        timeout: 60_000,
      })
      .toBe(15);
  });
});

describe('asyncfn tasks stop|rerun --fn … (bulk)', () => {
  it('counts first, refuses without --yes off a terminal, then stops with the result', async () => {
    for (let i = 0; i < 4; i++) await submit('waiter', `cli-${i}`, 600);
    await expect.poll(async () => (await tasks('waiter', { prefix: 'cli-' })).length, LISTED).toBe(4);
    const dry = await cli(['tasks', 'stop', '--fn', 'waiter', '--prefix', 'cli-', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.trim()).toBe('4 tasks to stop (of waiter, with ids starting cli-)');
    const refused = await cli(['tasks', 'stop', '--fn', 'waiter', '--prefix', 'cli-']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(
      'asyncfn: would stop 4 tasks; add --yes to go ahead without a terminal to ask',
    );
    const stopped = await cli([
      'tasks',
      'stop',
      '--fn',
      'waiter',
      '--prefix',
      'cli-',
      '--status',
      'Enqueued',
      '--yes',
      '--json',
    ]);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(JSON.parse(stopped.stdout)).toMatchObject({
      action: 'Stop',
      state: 'Completed',
      matched: 4,
      succeeded: 4,
      failed: 0,
    });
    await expect
      .poll(async () => (await tasks('waiter', { prefix: 'cli-', status: 'Stopped' })).length, {
        timeout: 30_000,
      })
      .toBe(4);
  });

  it('re-runs the stopped tasks of the last 10 minutes and prints the outcome', async () => {
    const rerun = await cli([
      'tasks',
      'rerun',
      '--fn',
      'waiter',
      '--prefix',
      'cli-',
      '--status',
      'Stopped',
      '--since',
      '10m',
      '--yes',
    ]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/^state\s+Completed$/m);
    expect(rerun.stdout).toMatch(/^succeeded\s+4$/m);
    await expect
      .poll(async () => (await tasks('waiter', { prefix: 'cli-', status: 'Succeeded' })).length, {
        timeout: 60_000,
      })
      .toBe(4);
    const nothing = await cli(['tasks', 'stop', '--fn', 'waiter', '--prefix', 'cli-', '--yes']);
    expect(nothing.code).toBe(0);
    expect(nothing.stdout.trim()).toBe('0 tasks to stop (of waiter, with ids starting cli-)');
    const bad = await cli(['tasks', 'rerun', '--fn', 'waiter', '--status', 'Running', '--yes']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^asyncfn: InvalidArgument: status: Rerun applies to tasks that are/);
  });
});
