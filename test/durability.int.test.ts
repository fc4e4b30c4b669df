import { chmodSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskStore } from '@asyncfn/contracts';
import { buildAcceptedTask } from '@asyncfn/core';
import { connectNats, createTaskClaims } from '@asyncfn/nats';
import { SERVICE_NAMES } from '@asyncfn/config';
import { startStack, type Stack } from '../scripts/stack.js';
import { $FC, eventually, fcClient, invokeAsync, nodeFunctionZip, type FcClient } from './harness/api.js';
import { serverUrls, testNames } from './harness/env.js';
import { openTestTaskStore } from './harness/task-store.js';

/*
 * Invariant 1: every task answered 202 reaches exactly one terminal state, even when each service
 * in turn is killed with SIGKILL mid-run and restarted. Invariant 4: no task runs more often than
 * its attempts plus crash redeliveries (invokeCount).
 */

const TASKS = 300;
const MAX_RETRIES = 3;
const names = testNames('durable');
const runsDir = mkdtempSync(join(tmpdir(), 'asyncfn-runs-'));
// The sandboxed worker writes here (bound into every sandbox; see ASYNCFN_SANDBOX_WRITABLE_DIRS).
chmodSync(runsDir, 0o777);
// Each run leaves a mark per task id, so the test counts real executions.
const WORKER = `
const fs = require('fs');
exports.handler = async (event, context) => {
  fs.appendFileSync(require('path').join(process.env.RUNS_DIR, context.taskId), 'x');
  await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
  return 'done ' + event.toString();
};`;

let stack: Stack;
let client: FcClient;
let tasks: { store: TaskStore; close(): Promise<void> };

beforeAll(async () => {
  stack = await startStack({
    namespace: names.namespace,
    portBase: 19200,
    env: {
      ...serverUrls().env,
      ASYNCFN_SWEEP_AFTER_MS: '2000',
      ASYNCFN_RETRY_BASE_MS: '100',
      ASYNCFN_SANDBOX_WRITABLE_DIRS: runsDir,
      LOG_LEVEL: 'warn',
    },
  });
  client = fcClient(stack.ingressUrl);
  await client.createFunction(
    new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({
        functionName: 'worker',
        runtime: 'nodejs20',
        handler: 'index.handler',
        instanceConcurrency: 10,
        environmentVariables: { RUNS_DIR: runsDir },
        code: new $FC.InputCodeLocation({ zipFile: nodeFunctionZip(WORKER) }),
      }),
    }),
  );
  await client.putAsyncInvokeConfig(
    'worker',
    new $FC.PutAsyncInvokeConfigRequest({
      body: new $FC.PutAsyncInvokeConfigInput({ maxAsyncRetryAttempts: MAX_RETRIES }),
    }),
  );
  tasks = await openTestTaskStore(names);
}, 120_000);

afterAll(async () => {
  await stack?.stopAll();
  await tasks?.close();
});

/** Submits until answered: 202 or, after a retry, 409 both mean the task was accepted. */
async function submit(taskId: string): Promise<boolean> {
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      await invokeAsync(fcClient(stack.ingressUrl), 'worker', taskId, { taskId });
      return true;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 409) return attempt > 0;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return false;
}

describe('durability under SIGKILL', () => {
  it(`${TASKS} tasks, each service killed and restarted mid-run: every task terminal exactly once`, async () => {
    const ids = Array.from({ length: TASKS }, (_, i) => `d-${i}`);
    let chaosDone = false;
    const chaos = (async () => {
      for (const service of [...SERVICE_NAMES].reverse()) {
        await new Promise((r) => setTimeout(r, 700));
        stack.kill(service);
        await new Promise((r) => setTimeout(r, 300));
        await stack.start(service);
      }
      chaosDone = true;
    })();
    const accepted: string[] = [];
    for (let i = 0; i < ids.length; i += 10) {
      const batch = ids.slice(i, i + 10);
      const results = await Promise.all(batch.map(submit));
      batch.forEach((id, k) => results[k] && accepted.push(id));
      await new Promise((r) => setTimeout(r, 20));
    }
    await chaos;
    expect(chaosDone).toBe(true);
    expect(accepted.length).toBe(TASKS);

    const { store } = tasks;
    const docs = await eventually(
      async () => {
        const found = (
          await Promise.all(accepted.map((id) => store.get('default', id, { withHistory: true })))
        ).filter((d) => d !== undefined);
        const open = found.filter(
          (d) => !['Succeeded', 'Failed', 'Stopped', 'Expired', 'Invalid'].includes(d.status),
        );
        return found.length === accepted.length && open.length === 0 ? found : undefined;
      },
      180_000,
      1_000,
    );
    const runs = new Map(readdirSync(runsDir).map((f) => [f, readFileSync(join(runsDir, f), 'utf8').length]));
    for (const doc of docs) {
      const history = await store.history(doc);
      const terminal = history.filter((e) =>
        ['Succeeded', 'Failed', 'Stopped', 'Expired', 'Invalid'].includes(e.status),
      );
      expect(terminal, doc.taskId).toHaveLength(1);
      expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
      expect(doc.status, doc.taskId).toBe('Succeeded');
      const ran = runs.get(doc.taskId) ?? 0;
      expect(ran, doc.taskId).toBeGreaterThanOrEqual(1);
      expect(ran, doc.taskId).toBeLessThanOrEqual(doc.invokeCount);
      expect(doc.invokeCount, doc.taskId).toBeLessThanOrEqual(1 + MAX_RETRIES);
    }
  }, 300_000);

  it('queues a task whose ingress died between claiming it and queueing it (sweeper)', async () => {
    // Exactly what the ingress publishes before it queues, and nothing more.
    const nc = await connectNats(serverUrls().natsUrl, 'durability-test', serverUrls().natsAuth);
    try {
      const { claim } = buildAcceptedTask(
        {
          tenant: 'default',
          functionName: 'worker',
          taskId: 'orphan-1',
          requestId: 'r-orphan',
          payload: Buffer.from('orphan').toString('base64'),
          delaySeconds: 0,
        },
        Date.now(),
      );
      expect(await (await createTaskClaims(nc, names)).claim(claim)).toBe(true);
    } finally {
      await nc.close();
    }
    const task = await eventually(async () => {
      const t = (await client.getAsyncTask('worker', 'orphan-1', new $FC.GetAsyncTaskRequest({}))).body!;
      return t.status === 'Succeeded' ? t : undefined;
    }, 30_000);
    expect(task.returnPayload).toBe('done orphan');
    expect(task.events!.map((e) => e.status)).toEqual(['Enqueued', 'Dequeued', 'Running', 'Succeeded']);
  });
});
