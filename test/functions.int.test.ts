import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipFiles } from '@asyncfn/runtime';
import { startStack, type Stack } from '../scripts/stack.js';
import { $FC, eventually, fcClient, signedFetch, type FcClient } from './harness/api.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * Functions and their instances end to end: the five services as real processes, functions as
 * real OS processes (Node through the shim, Python through the custom runtime), driven through the
 * API. Lifecycle hooks are observed through marker files the functions append to.
 */

const OTHER_TENANT = { accessKeyId: 'LTAIfnOtherKey', accessKeySecret: 'fnOtherSecret' };
const IDLE_MS = 4_000;
const RETRY_BASE_MS = 4_000;
const PYTHON_SERVER = readFileSync(new URL('./fixtures/custom-python/server.py', import.meta.url), 'utf8');

let stack: Stack;
let client: FcClient;
let work: string;

interface Task {
  taskId: string;
  status: string;
  returnPayload?: string;
  taskErrorMessage?: string;
  taskPayload?: string;
  instanceId?: string;
  startedTime: number;
  endTime?: number;
  invokeCount: number;
  rerunOf?: string;
  resources?: { durationMs: number; peakMemoryMB?: number; cpuTimeMs?: number };
  events: { status: string; timestamp: number; eventDetail: string }[];
}

const api = (method: string, path: string, options: Parameters<typeof signedFetch>[3] = {}) =>
  signedFetch(stack.ingressUrl, method, `/2023-03-30${path}`, options);

async function createFunction(body: Record<string, unknown>): Promise<void> {
  const res = await api('POST', '/functions', { body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
}
async function setRetries(name: string, maxAsyncRetryAttempts: number): Promise<void> {
  const res = await api('PUT', `/functions/${name}/async-invoke-config`, {
    body: JSON.stringify({ maxAsyncRetryAttempts }),
  });
  expect(res.status).toBe(200);
}
const zip = (files: Record<string, string>) => zipFiles(files).toString('base64');
const marker = (name: string) => join(work, `${name}.marker`);
const marks = (name: string): string[] => {
  try {
    return readFileSync(marker(name), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

async function submit(fn: string, payload: string, taskId: string, headers: Record<string, string> = {}) {
  const res = await api('POST', `/functions/${fn}/invocations`, {
    headers: {
      'x-fc-invocation-type': 'Async',
      'x-fc-async-task-id': taskId,
      'content-type': 'application/octet-stream',
      ...headers,
    },
    body: payload,
  });
  expect(res.status, await res.clone().text()).toBe(202);
}
async function getTask(fn: string, taskId: string): Promise<Task> {
  const res = await api('GET', `/functions/${fn}/async-tasks/${taskId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Task;
}
async function until(fn: string, taskId: string, statuses: string[], timeoutMs = 30_000): Promise<Task> {
  let last: Task | undefined;
  try {
    return await eventually(
      async () => {
        last = await getTask(fn, taskId);
        return statuses.includes(last.status) ? last : undefined;
      },
      timeoutMs,
      50,
    );
  } catch (err) {
    const history = last?.events.map((e) => e.eventDetail).join(' | ');
    throw new Error(`task ${fn}/${taskId} not ${statuses.join('/')}: ${last?.status} [${history}]`, {
      cause: err,
    });
  }
}
const finished = (fn: string, taskId: string, timeoutMs?: number) =>
  until(fn, taskId, ['Succeeded', 'Failed', 'Stopped', 'Expired', 'Invalid'], timeoutMs);
const statuses = (task: Task) => task.events.map((e) => e.status);
const eventTime = (task: Task, status: string) => task.events.find((e) => e.status === status)!.timestamp;
async function stop(fn: string, taskId: string, query: Record<string, string> = {}) {
  const res = await api('PUT', `/functions/${fn}/async-tasks/${taskId}/stop`, { query });
  expect(res.status, await res.clone().text()).toBe(200);
}
async function logsOf(fn: string, taskId: string) {
  const res = await api('GET', `/functions/${fn}/async-tasks/${taskId}/logs`);
  expect(res.status).toBe(200);
  return (await res.json()) as { logs: string; truncated: boolean; attempts: number };
}
async function instances(fn: string) {
  const out = await client.listInstances(fn, new $FC.ListInstancesRequest({}));
  return out.body!.instances ?? [];
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---- functions ------------------------------------------------------------------------------

/** Every hook and every invocation appends "<what> <instanceId>" to $MARKER. */
const HOOKS_JS = `const fs = require('node:fs');
const mark = (what) => fs.appendFileSync(process.env.MARKER, what + ' ' + process.env.FC_INSTANCE_ID + '\\n');
exports.init = async () => { console.log('initializer ran'); mark('initialize'); };
exports.preFreeze = async () => { mark('preFreeze'); };
exports.preStop = async () => { console.log('preStop ran'); mark('preStop'); };
exports.handler = async (event, ctx) => {
  ctx.logger.info('handling ' + ctx.taskId);
  mark('invoke');
  return {
    event: event.toString(), taskId: ctx.taskId, requestId: ctx.requestId, attempt: ctx.attempt,
    function: ctx.function, tenant: ctx.tenant,
    signal: ctx.signal instanceof AbortSignal, logger: typeof ctx.logger.info,
  };
};`;

const CONCURRENT_JS = `const fs = require('node:fs');
exports.handler = async () => {
  const id = process.env.FC_INSTANCE_ID;
  fs.appendFileSync(process.env.MARKER, 'start ' + id + ' ' + Date.now() + '\\n');
  await new Promise((r) => setTimeout(r, 800));
  fs.appendFileSync(process.env.MARKER, 'end ' + id + ' ' + Date.now() + '\\n');
  return id;
};`;

const LIMITS_JS = `exports.handler = async (event) => {
  switch (event.toString()) {
    case 'sleep': await new Promise((r) => setTimeout(r, 5000)); return 'late';
    case 'oom': {
      const held = [];
      for (let i = 0; i < 64; i++) { held.push(Buffer.alloc(16 * 1024 * 1024, 1)); await new Promise((r) => setTimeout(r, 10)); }
      return held.length;
    }
    case 'heap': { const hoard = []; for (let i = 0; ; i++) hoard.push(new Array(1000000).fill(i + 0.5)); }
    case 'crash': console.log('about to crash'); process.exit(7);
    case 'chatty': for (let i = 0; i < 4000; i++) console.log(String(i).padStart(6, '0') + ' ' + 'x'.repeat(94)); return 'said a lot';
    default: return 'fine';
  }
};`;

/** Runs until stopped; preStop takes $PRESTOP_MS and logs its start and end. */
const STOPPABLE_JS = `exports.preStop = async () => {
  console.log('preStop started');
  await new Promise((r) => setTimeout(r, Number(process.env.PRESTOP_MS)));
  console.log('preStop finished');
};
exports.handler = async (event, ctx) => {
  require('node:fs').appendFileSync(process.env.MARKER, 'run ' + event.toString() + '\\n');
  if (event.toString() === 'fail') throw new Error('failing on purpose');
  console.log('working');
  ctx.signal.addEventListener('abort', () => console.log('signal aborted: ' + ctx.signal.reason.name));
  await new Promise((r) => setTimeout(r, 30000));
  return 'finished';
};`;

const versioned = (version: string) => `exports.handler = async (event) => {
  if (event.toString() === 'slow') await new Promise((r) => setTimeout(r, 2000));
  return '${version}';
};`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'asyncfn-fn-test-'));
  // Functions write their markers here (bound into every sandbox; see ASYNCFN_SANDBOX_WRITABLE_DIRS).
  chmodSync(work, 0o777);
  stack = await startStack({
    namespace: testNames('fn').namespace,
    portBase: 19500,
    env: {
      ...serverUrls().env,
      ASYNCFN_ACCESS_KEYS: `LTAIasyncfnLocalKey:asyncfnLocalSecret:default,${OTHER_TENANT.accessKeyId}:${OTHER_TENANT.accessKeySecret}:other`,
      ASYNCFN_INSTANCE_IDLE_MS: String(IDLE_MS),
      ASYNCFN_RETRY_BASE_MS: String(RETRY_BASE_MS),
      ASYNCFN_LOCAL_CODE_ROOTS: work,
      ASYNCFN_SANDBOX_WRITABLE_DIRS: work,
    },
  });
  client = fcClient(stack.ingressUrl);
  const node = (functionName: string, source: string, extra: Record<string, unknown> = {}) =>
    createFunction({
      functionName,
      runtime: 'nodejs20',
      handler: 'index.handler',
      code: { zipFile: zip({ 'index.js': source }) },
      ...extra,
      environmentVariables: { MARKER: marker(functionName), ...(extra.environmentVariables as object) },
    });
  await Promise.all([
    node('hooks', HOOKS_JS, {
      timeout: 10,
      instanceLifecycleConfig: {
        initializer: { handler: 'index.init', timeout: 3 },
        preFreeze: { handler: 'index.preFreeze', timeout: 3 },
        preStop: { handler: 'index.preStop', timeout: 3 },
      },
    }),
    node('concurrent', CONCURRENT_JS, { instanceConcurrency: 2, timeout: 10 }),
    node('limits', LIMITS_JS, { timeout: 1, memorySize: 128 }),
    // Filling memory takes a while on a loaded host: a timeout that cannot win the race.
    node('memory', LIMITS_JS, { timeout: 20, memorySize: 128 }),
    node('stoppable', STOPPABLE_JS, {
      timeout: 60,
      environmentVariables: { PRESTOP_MS: '300' },
      instanceLifecycleConfig: { preStop: { handler: 'index.preStop', timeout: 2 } },
    }),
    node('stubborn', STOPPABLE_JS, {
      timeout: 60,
      environmentVariables: { PRESTOP_MS: '5000' },
      instanceLifecycleConfig: { preStop: { handler: 'index.preStop', timeout: 2 } },
    }),
    node('versioned', versioned('v1'), { timeout: 10 }),
    createFunction({
      functionName: 'py',
      runtime: 'custom.debian12',
      handler: 'server.handler',
      timeout: 10,
      memorySize: 256,
      customRuntimeConfig: { command: ['python3', '-u', 'server.py'], port: 9000 },
      instanceLifecycleConfig: {
        initializer: { handler: 'server.initialize', timeout: 5 },
        preFreeze: { handler: 'server.pre_freeze', timeout: 3 },
        preStop: { handler: 'server.pre_stop', timeout: 3 },
      },
      environmentVariables: { MARKER: marker('py') },
      code: { zipFile: zip({ 'server.py': PYTHON_SERVER }) },
    }),
  ]);
  await Promise.all(['limits', 'memory', 'py'].map((fn) => setRetries(fn, 0)));
  await setRetries('stoppable', 2);
}, 180_000);

afterAll(async () => {
  await stack?.stopAll();
  if (work) rmSync(work, { recursive: true, force: true });
});

// ---- tests --------------------------------------------------------------------------------------

describe('a Node function’s instance and hooks', () => {
  it('initializer once, preFreeze after each call, preStop before the idle instance is destroyed; one instance serves both tasks', async () => {
    await submit('hooks', 'first', 'hooks-1');
    const first = await finished('hooks', 'hooks-1');
    await submit('hooks', 'second', 'hooks-2');
    const second = await finished('hooks', 'hooks-2');
    expect([first.status, second.status]).toEqual(['Succeeded', 'Succeeded']);
    expect(second.instanceId).toBe(first.instanceId);
    expect(JSON.parse(first.returnPayload!)).toEqual({
      event: 'first',
      taskId: 'hooks-1',
      requestId: expect.any(String),
      attempt: 1,
      function: { name: 'hooks', handler: 'index.handler', memory: 128, timeout: 10 },
      tenant: 'default',
      signal: true,
      logger: 'function',
    });

    // Listed while warm (frozen = idle), with the version it runs; not visible to another tenant.
    const live = await eventually(async () => {
      const list = await instances('hooks');
      return list.length === 1 && list[0]!.status === 'frozen' ? list : undefined;
    });
    expect(live[0]).toMatchObject({ instanceId: first.instanceId, qualifier: 'LATEST' });
    expect(live[0]!.versionId).toMatch(/@/);
    expect(live[0]!.createdTimeMs).toBeLessThanOrEqual(first.startedTime + 5_000);
    await expect(
      fcClient(stack.ingressUrl, OTHER_TENANT).listInstances('hooks', new $FC.ListInstancesRequest({})),
    ).rejects.toMatchObject({ statusCode: 404, code: 'FunctionNotFound' });
    // Paged by id through the SDK: from startKey (inclusive), at most limit; bad input is a 400.
    const page = (request: object) =>
      client
        .listInstances('hooks', new $FC.ListInstancesRequest(request))
        .then((out) => (out.body!.instances ?? []).map((i) => i.instanceId));
    expect(await page({ limit: '1', startKey: first.instanceId })).toEqual([first.instanceId]);
    expect(await page({ startKey: `${first.instanceId}~` })).toEqual([]);
    const badLimit = await api('GET', '/functions/hooks/instances?limit=0');
    expect(badLimit.status).toBe(400);
    expect(await badLimit.json()).toMatchObject({
      Code: 'InvalidArgument',
      Message: expect.stringMatching(/^limit/),
    });

    // Idle reclaim after ASYNCFN_INSTANCE_IDLE_MS: preStop, then destroyed (still listed briefly).
    await eventually(
      async () => (marks('hooks').some((m) => m.startsWith('preStop')) ? true : undefined),
      IDLE_MS + 10_000,
    );
    const id = first.instanceId!;
    expect(marks('hooks')).toEqual([
      `initialize ${id}`,
      `invoke ${id}`,
      `preFreeze ${id}`,
      `invoke ${id}`,
      `preFreeze ${id}`,
      `preStop ${id}`,
    ]);
    const gone = await eventually(async () => {
      const list = await instances('hooks');
      return list[0]?.status === 'destroyed' ? list[0] : undefined;
    });
    expect(gone.destroyedTimeMs).toBeGreaterThan(gone.createdTimeMs!);
  }, 40_000);

  it('records resource figures and keeps logs per attempt, hooks’ output included', async () => {
    const task = await getTask('hooks', 'hooks-1');
    expect(task.resources).toMatchObject({
      durationMs: expect.any(Number),
      peakMemoryMB: expect.any(Number),
      cpuTimeMs: expect.any(Number),
    });
    expect(task.resources!.peakMemoryMB).toBeGreaterThan(10);
    const { logs, truncated, attempts } = await logsOf('hooks', 'hooks-1');
    expect(truncated).toBe(false);
    expect(attempts).toBe(1);
    expect(logs).toMatch(/^----- attempt 1 of hooks on instance \S+, \S+, succeeded in \d+ ms -----$/m);
    expect(logs).toContain('initializer ran');
    expect(logs).toMatch(/\[INFO\] handling hooks-1$/m);
    // The second task ran warm: no initializer in its logs.
    expect((await logsOf('hooks', 'hooks-2')).logs).not.toContain('initializer ran');
    const text = await api('GET', '/functions/hooks/async-tasks/hooks-1/logs', {
      headers: { accept: 'text/plain' },
    });
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await text.text()).toBe(logs);
  });

  it('honours instanceConcurrency: never more than 2 invocations at once on one instance', async () => {
    await Promise.all([1, 2, 3, 4, 5].map((i) => submit('concurrent', 'x', `conc-${i}`)));
    const tasks = await Promise.all([1, 2, 3, 4, 5].map((i) => finished('concurrent', `conc-${i}`)));
    expect(tasks.every((t) => t.status === 'Succeeded')).toBe(true);
    const perInstance = new Map<string, { at: number; delta: number }[]>();
    for (const line of marks('concurrent')) {
      const [what, id, at] = line.split(' ') as [string, string, string];
      perInstance.set(id, [
        ...(perInstance.get(id) ?? []),
        { at: Number(at), delta: what === 'start' ? 1 : -1 },
      ]);
    }
    expect(perInstance.size).toBeGreaterThanOrEqual(3);
    for (const points of perInstance.values()) {
      let now = 0;
      let peak = 0;
      for (const p of points.sort((a, b) => a.at - b.at || a.delta - b.delta))
        peak = Math.max(peak, (now += p.delta));
      expect(peak).toBeLessThanOrEqual(2);
    }
    // Concurrency was used, not just one call per instance.
    expect(Math.max(...[...perInstance.values()].map((p) => p.length / 2))).toBe(2);
  });
});

describe('limits', () => {
  it('a function running past its timeout fails "Function timed out after 1 seconds"', async () => {
    await submit('limits', 'sleep', 'limit-timeout');
    const task = await finished('limits', 'limit-timeout');
    expect(task.status).toBe('Failed');
    expect(task.taskErrorMessage).toBe('Function timed out after 1 seconds');
    expect(task.resources!.durationMs).toBeGreaterThanOrEqual(1000);
    expect(task.resources!.durationMs).toBeLessThan(3000);
  });

  it('memory beyond memorySize ends in a clear out-of-memory failure (off-heap and heap)', async () => {
    await submit('memory', 'oom', 'limit-oom');
    await submit('memory', 'heap', 'limit-heap');
    for (const id of ['limit-oom', 'limit-heap']) {
      const task = await finished('memory', id);
      expect(task.status).toBe('Failed');
      expect(task.taskErrorMessage).toBe('Process ran out of memory (limit 128 MB)');
    }
  });

  it('a crashing function fails its task and the executor keeps serving', async () => {
    await submit('limits', 'crash', 'limit-crash');
    const crashed = await finished('limits', 'limit-crash');
    expect(crashed).toMatchObject({ status: 'Failed', taskErrorMessage: 'Process exited with code 7' });
    expect((await logsOf('limits', 'limit-crash')).logs).toContain('about to crash');
    await submit('limits', 'ok', 'limit-after-crash');
    expect(await finished('limits', 'limit-after-crash')).toMatchObject({
      status: 'Succeeded',
      returnPayload: 'fine',
    });
  });

  it('caps a task’s logs at 256 KB and says so', async () => {
    await submit('limits', 'chatty', 'limit-chatty');
    expect((await finished('limits', 'limit-chatty')).status).toBe('Succeeded');
    const { logs, truncated } = await logsOf('limits', 'limit-chatty');
    expect(truncated).toBe(true);
    expect(Buffer.byteLength(logs)).toBeLessThanOrEqual(256 * 1024);
    expect(logs).toContain('[asyncfn] earlier output dropped');
  });
});

describe('stopping tasks', () => {
  it('Running → Stopping → Stopped: the signal aborts and PreStop runs, within its timeout', async () => {
    await submit('stoppable', 'run', 'stop-running');
    await until('stoppable', 'stop-running', ['Running']);
    await eventually(async () => (marks('stoppable').includes('run run') ? true : undefined));
    const t0 = Date.now();
    await stop('stoppable', 'stop-running');
    const task = await finished('stoppable', 'stop-running');
    const tookMs = eventTime(task, 'Stopped') - t0;
    expect(task.status).toBe('Stopped');
    expect(statuses(task)).toEqual(['Enqueued', 'Dequeued', 'Running', 'Stopping', 'Stopped']);
    expect(tookMs).toBeGreaterThanOrEqual(300); // the PreStop hook's own time
    expect(tookMs).toBeLessThan(2_000 + 1_000); // its timeout plus a margin
    const { logs } = await logsOf('stoppable', 'stop-running');
    for (const line of ['working', 'signal aborted: AbortError', 'preStop started', 'preStop finished'])
      expect(logs).toContain(line);
    expect(task.resources?.durationMs).toBeGreaterThan(0);
    console.log(`[measure] stop Running → Stopped (PreStop 300 ms): ${tookMs} ms`);
  });

  it('a PreStop overrunning its timeout is cut off at the timeout', async () => {
    await submit('stubborn', 'run', 'stop-hung');
    await until('stubborn', 'stop-hung', ['Running']);
    await eventually(async () => (marks('stubborn').includes('run run') ? true : undefined));
    const t0 = Date.now();
    await stop('stubborn', 'stop-hung');
    const task = await finished('stubborn', 'stop-hung');
    const tookMs = eventTime(task, 'Stopped') - t0;
    expect(tookMs).toBeGreaterThanOrEqual(2_000);
    expect(tookMs).toBeLessThan(2_000 + 1_000);
    expect((await logsOf('stubborn', 'stop-hung')).logs).not.toContain('preStop finished');
  });

  it('a force deadline kills without waiting for PreStop (?forceAfterMs)', async () => {
    await submit('stubborn', 'run', 'stop-forced');
    await until('stubborn', 'stop-forced', ['Running']);
    await eventually(async () =>
      marks('stubborn').filter((m) => m === 'run run').length === 2 ? true : undefined,
    );
    const t0 = Date.now();
    await stop('stubborn', 'stop-forced', { forceAfterMs: '500' });
    const task = await finished('stubborn', 'stop-forced');
    const tookMs = eventTime(task, 'Stopped') - t0;
    expect(task.status).toBe('Stopped');
    expect(tookMs).toBeGreaterThanOrEqual(450);
    expect(tookMs).toBeLessThan(1_500);
    const { logs } = await logsOf('stubborn', 'stop-forced');
    expect(logs).toContain('preStop started');
    expect(logs).not.toContain('preStop finished');
    console.log(`[measure] stop with forceAfterMs=500 → Stopped: ${tookMs} ms`);
  });

  it('a second stop with forceAfterMs=0 escalates a graceful stop under way', async () => {
    await submit('stubborn', 'run', 'stop-escalated');
    await until('stubborn', 'stop-escalated', ['Running']);
    await eventually(async () =>
      marks('stubborn').filter((m) => m === 'run run').length === 3 ? true : undefined,
    );
    const t0 = Date.now();
    await stop('stubborn', 'stop-escalated');
    await until('stubborn', 'stop-escalated', ['Stopping']);
    await new Promise((r) => setTimeout(r, 200));
    await stop('stubborn', 'stop-escalated', { forceAfterMs: '0' });
    const task = await finished('stubborn', 'stop-escalated');
    expect(eventTime(task, 'Stopped') - t0).toBeLessThan(1_500);
  });

  it('Retrying → Stopped at once, not at the retry; the task never runs again', async () => {
    await submit('stoppable', 'fail', 'stop-retrying');
    const retrying = await until('stoppable', 'stop-retrying', ['Retrying']);
    expect(retrying.invokeCount).toBe(1);
    const t0 = Date.now();
    await stop('stoppable', 'stop-retrying');
    const task = await finished('stoppable', 'stop-retrying');
    const tookMs = eventTime(task, 'Stopped') - t0;
    expect(task.status).toBe('Stopped');
    expect(tookMs).toBeLessThan(RETRY_BASE_MS / 2);
    // Past the retry time: no second attempt, one Stopped in the history.
    await new Promise((r) => setTimeout(r, RETRY_BASE_MS + 1_000));
    const later = await getTask('stoppable', 'stop-retrying');
    expect(later.status).toBe('Stopped');
    expect(later.invokeCount).toBe(1);
    expect(statuses(later)).toEqual(['Enqueued', 'Dequeued', 'Running', 'Retrying', 'Stopping', 'Stopped']);
    expect(marks('stoppable').filter((m) => m === 'run fail')).toHaveLength(1);
    console.log(
      `[measure] stop Retrying → Stopped: ${tookMs} ms (retry was due ${RETRY_BASE_MS} ms after the failure)`,
    );
  }, 30_000);

  it('Enqueued (delayed) → Stopped, and stopping a finished task is 409', async () => {
    await submit('stoppable', 'never', 'stop-queued', { 'x-fc-async-delay': '60' });
    await until('stoppable', 'stop-queued', ['Enqueued']);
    const t0 = Date.now();
    await stop('stoppable', 'stop-queued');
    const task = await finished('stoppable', 'stop-queued');
    expect(statuses(task)).toEqual(['Enqueued', 'Stopping', 'Stopped']);
    console.log(`[measure] stop Enqueued → Stopped: ${eventTime(task, 'Stopped') - t0} ms`);
    const again = await api('PUT', '/functions/stoppable/async-tasks/stop-queued/stop');
    expect(again.status).toBe(409);
    expect(((await again.json()) as { Code: string }).Code).toBe('AsyncTaskAlreadyFinished');
    expect(marks('stoppable')).not.toContain('run never');
  });
});

describe('a Python function on the custom runtime', () => {
  it('runs with FC headers and its hooks, reuses its instance, fails and stops', async () => {
    await submit('py', 'hello', 'py-1');
    const first = await finished('py', 'py-1');
    expect(first.status, first.taskErrorMessage).toBe('Succeeded');
    const body = JSON.parse(first.returnPayload!) as {
      event: string;
      headers: Record<string, string>;
      initialized: number;
    };
    expect(body.event).toBe('hello');
    expect(body.headers).toMatchObject({
      'x-fc-async-task-id': 'py-1',
      'x-fc-function-name': 'py',
      'x-fc-function-handler': 'server.handler',
      'x-fc-function-memory': '256',
      'x-fc-function-timeout': '10',
      'x-fc-async-task-attempt': '1',
      'x-fc-instance-id': first.instanceId,
    });
    expect(body.headers['x-fc-request-id']).toBeTruthy();
    expect(body.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);

    await submit('py', 'again', 'py-2');
    const second = await finished('py', 'py-2');
    expect(second.instanceId).toBe(first.instanceId);
    expect(JSON.parse(second.returnPayload!)).toMatchObject({ initialized: 1 });
    expect(second.resources).toMatchObject({
      peakMemoryMB: expect.any(Number),
      cpuTimeMs: expect.any(Number),
    });

    await submit('py', 'fail:no such order', 'py-fail');
    expect(await finished('py', 'py-fail')).toMatchObject({
      status: 'Failed',
      taskErrorMessage: 'no such order',
    });
    expect((await logsOf('py', 'py-fail')).logs).toContain('failing on purpose');

    await submit('py', 'sleep:30', 'py-stop');
    await until('py', 'py-stop', ['Running']);
    await eventually(async () => (marks('py').filter((m) => m === 'invoke').length === 4 ? true : undefined));
    const t0 = Date.now();
    await stop('py', 'py-stop');
    const stopped = await finished('py', 'py-stop');
    expect(stopped.status).toBe('Stopped');
    expect(eventTime(stopped, 'Stopped') - t0).toBeLessThan(3_000 + 1_000);
    expect((await logsOf('py', 'py-stop')).logs).toContain('preStop ran');
    expect(marks('py')).toEqual([
      'initialize',
      'invoke',
      'preFreeze',
      'invoke',
      'preFreeze',
      'invoke',
      'preFreeze',
      'invoke',
      'preStop',
    ]);
  }, 40_000);

  it('a synchronous call returns the result and, with x-fc-log-type: Tail, the log tail', async () => {
    const res = await api('POST', '/functions/py/invocations', {
      headers: {
        'x-fc-invocation-type': 'Sync',
        'x-fc-log-type': 'Tail',
        'content-type': 'application/octet-stream',
      },
      body: 'sync call',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { event: string }).event).toBe('sync call');
    const tail = Buffer.from(res.headers.get('x-fc-log-result') ?? '', 'base64').toString('utf8');
    expect(tail).toContain('with sync call');
  });
});

describe('logs, re-runs and code updates', () => {
  it('logs are tenant-scoped: unknown or foreign tasks are 404', async () => {
    const other = await signedFetch(
      stack.ingressUrl,
      'GET',
      '/2023-03-30/functions/hooks/async-tasks/hooks-1/logs',
      {
        creds: OTHER_TENANT,
      },
    );
    expect(other.status).toBe(404);
    const unknown = await api('GET', '/functions/hooks/async-tasks/nope/logs');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { Code: string }).Code).toBe('AsyncTaskNotFound');
  });

  it('re-runs a finished task as a new task, with the original or an edited payload', async () => {
    const same = await api('POST', '/functions/hooks/async-tasks/hooks-1/rerun', {
      headers: { 'x-fc-async-task-id': 'hooks-1-again' },
    });
    expect(same.status).toBe(202);
    expect(same.headers.get('x-fc-async-task-id')).toBe('hooks-1-again');
    const rerun = await finished('hooks', 'hooks-1-again');
    expect(rerun).toMatchObject({ status: 'Succeeded', rerunOf: 'hooks-1', taskPayload: 'first' });
    expect(JSON.parse(rerun.returnPayload!)).toMatchObject({ event: 'first', taskId: 'hooks-1-again' });

    const edited = await api('POST', '/functions/hooks/async-tasks/hooks-1/rerun', {
      headers: { 'content-type': 'application/octet-stream' },
      body: 'edited',
    });
    expect(edited.status).toBe(202);
    const { taskId } = (await edited.json()) as { taskId: string };
    const editedTask = await finished('hooks', taskId);
    expect(editedTask).toMatchObject({ rerunOf: 'hooks-1', taskPayload: 'edited' });

    const dup = await api('POST', '/functions/hooks/async-tasks/hooks-1/rerun', {
      headers: { 'x-fc-async-task-id': 'hooks-1-again' },
    });
    expect(dup.status).toBe(409);
  });

  it('re-running an unfinished task is 409 AsyncTaskNotFinished', async () => {
    await submit('stoppable', 'run', 'rerun-running');
    await until('stoppable', 'rerun-running', ['Running']);
    const res = await api('POST', '/functions/stoppable/async-tasks/rerun-running/rerun');
    expect(res.status).toBe(409);
    expect(((await res.json()) as { Code: string }).Code).toBe('AsyncTaskNotFinished');
    await stop('stoppable', 'rerun-running', { forceAfterMs: '0' });
    await finished('stoppable', 'rerun-running');
  });

  it('an update replaces the instances; a task already running finishes on the old code', async () => {
    await submit('versioned', 'slow', 'ver-slow');
    await until('versioned', 'ver-slow', ['Running']);
    const update = await api('PUT', '/functions/versioned', {
      body: JSON.stringify({ code: { zipFile: zip({ 'index.js': versioned('v2') }) } }),
    });
    expect(update.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300)); // the executor sees the update through its KV watch
    await submit('versioned', 'fast', 'ver-new');
    const [slow, fresh] = await Promise.all([
      finished('versioned', 'ver-slow'),
      finished('versioned', 'ver-new'),
    ]);
    expect([slow.returnPayload, fresh.returnPayload]).toEqual(['v1', 'v2']);
    expect(fresh.instanceId).not.toBe(slow.instanceId);
    // The old instance goes as soon as its task is done, without waiting for the idle timeout.
    const old = await eventually(async () => {
      const list = await instances('versioned');
      const found = list.find((i) => i.instanceId === slow.instanceId);
      return found?.status === 'destroyed' ? found : undefined;
    }, IDLE_MS - 1_000);
    expect(old.versionId).not.toBe(
      (await instances('versioned')).find((i) => i.instanceId === fresh.instanceId)!.versionId,
    );
  });

  it('runs code from a local directory in place and follows edits to it', async () => {
    const dir = join(work, 'local-fn');
    mkdirSync(dir);
    const source = (version: string) => `exports.handler = async (event) => {
      require('node:fs').appendFileSync(process.env.MARKER, 'running ${version}\\n');
      if (event.toString() === 'slow') await new Promise((r) => setTimeout(r, 2000));
      return '${version}';
    };`;
    writeFileSync(join(dir, 'index.js'), source('local v1'));
    await createFunction({
      functionName: 'local',
      runtime: 'nodejs20',
      handler: 'index.handler',
      environmentVariables: { MARKER: marker('local') },
      code: { localDirectory: dir },
    });
    await submit('local', 'slow', 'local-1');
    // The module is loaded when the instance starts: edit only once v1 is running.
    await eventually(async () => (marks('local').includes('running local v1') ? true : undefined));
    writeFileSync(join(dir, 'index.js'), source('local v2'));
    await new Promise((r) => setTimeout(r, 1_100)); // the directory's fingerprint is cached for 1 s
    await submit('local', 'fast', 'local-2');
    const [a, b] = await Promise.all([finished('local', 'local-1'), finished('local', 'local-2')]);
    expect([a.returnPayload, b.returnPayload]).toEqual(['local v1', 'local v2']);
    expect(b.instanceId).not.toBe(a.instanceId);

    const outside = await api('POST', '/functions', {
      body: JSON.stringify({
        functionName: 'nowhere',
        runtime: 'nodejs20',
        handler: 'index.handler',
        code: { localDirectory: '/etc' },
      }),
    });
    expect(outside.status).toBe(400);
    expect(((await outside.json()) as { Message: string }).Message).toMatch(/localDirectory/);
  });
});

describe('overhead through the whole system', () => {
  it('measures cold start and warm invocation (accepted → Succeeded)', async () => {
    await createFunction({
      functionName: 'noop',
      runtime: 'nodejs20',
      handler: 'index.handler',
      code: { zipFile: zip({ 'index.js': 'exports.handler = async () => "ok";' }) },
    });
    const run = async (fn: string, id: string, payload = 'x') => {
      await submit(fn, payload, id);
      const task = await finished(fn, id);
      expect(task.status).toBe('Succeeded');
      return { total: task.endTime! - task.startedTime, fn: task.resources!.durationMs };
    };
    const report = async (fn: string, payload?: string) => {
      const cold = await run(fn, `${fn}-cold`, payload);
      const warm: { total: number; fn: number }[] = [];
      for (let i = 0; i < 10; i++) warm.push(await run(fn, `${fn}-warm-${i}`, payload));
      const line = `cold ${cold.total} ms (instance ${cold.fn} ms), warm median ${median(warm.map((w) => w.total))} ms (instance ${median(warm.map((w) => w.fn))} ms)`;
      console.log(`[measure] ${fn}: ${line}`);
      expect(median(warm.map((w) => w.total))).toBeLessThan(cold.total + 1);
    };
    await report('noop');
    await new Promise((r) => setTimeout(r, IDLE_MS + 1_500)); // let py's instance be reclaimed: a real cold start
    await report('py', 'echo');
  }, 60_000);
});
