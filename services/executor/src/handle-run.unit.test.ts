import type { JsMsg } from '@nats-io/jetstream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FunctionRecord, RunTaskMessage, TaskEventInput } from '@asyncfn/contracts';
import { DEFAULT_RETRY_POLICY } from '@asyncfn/core';
import type { EventBus, FunctionDirectory, StopRequests, TaskLogs } from '@asyncfn/nats';
import type { InstancePool, InvokeOutcome } from '@asyncfn/runtime';
import { STARTED_GRACE_MS } from './attempt-events.js';
import { createRunHandler } from './handle-run.js';
import type { RetryingTasks } from './retrying-tasks.js';
import { createRunningTasks } from './running-tasks.js';

const FN = {
  tenant: 'acme',
  functionName: 'f',
  runtime: 'nodejs20',
  handler: 'index.handler',
  timeout: 60,
  memorySize: 128,
  instanceConcurrency: 1,
  environmentVariables: {},
  codeChecksum: 'c',
} as FunctionRecord;

const RUN: RunTaskMessage = {
  v: 1,
  taskId: 't1',
  tenant: 'acme',
  functionName: 'f',
  requestId: 'r1',
  payload: '',
  enqueuedAt: 0,
  maxRetries: 0,
};

type Published = { type: string; at?: number };

/**
 * Handler deps as plain objects; the pool's attempt takes `runMs` of (fake) time. `messages`: what
 * went on the wire, one entry per message with the events it carries.
 */
function setup(runMs: number) {
  const messages: { events: Published[]; publishedAt: number }[] = [];
  const bus: EventBus = {
    async publish(input: TaskEventInput, at?: number) {
      messages.push({ events: [{ type: input.type, at }], publishedAt: Date.now() });
      return {} as never;
    },
    async publishTogether(events) {
      messages.push({
        events: events.map(({ input, at }) => ({ type: input.type, at })),
        publishedAt: Date.now(),
      });
      return [];
    },
  };
  const outcome: InvokeOutcome = {
    kind: 'succeeded',
    result: Buffer.from('ok'),
    coldStart: false,
    instanceId: 'i1',
    durationMs: runMs,
    logs: '',
  };
  const pool = {
    invoke: () => new Promise<InvokeOutcome>((resolve) => setTimeout(() => resolve(outcome), runMs)),
  } as unknown as InstancePool;
  const handle = createRunHandler({
    functions: { get: async () => FN } as unknown as FunctionDirectory,
    stops: { get: async () => undefined } as unknown as StopRequests,
    bus,
    pool,
    code: async () => ({ versionId: 'v1', dir: '/tmp' }),
    running: createRunningTasks(),
    retrying: { release: () => {}, hold: () => {} } as unknown as RetryingTasks,
    logs: {} as TaskLogs,
    retryPolicy: DEFAULT_RETRY_POLICY,
    logger: { warn: () => {} },
  });
  const msg = {
    info: { deliveryCount: 1 },
    seq: 1,
    working: () => {},
  } as unknown as JsMsg;
  return { messages, run: (dequeued?: TaskEventInput) => handle(msg, RUN, dequeued) };
}

describe('run handler: announcing the start', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it("given a short attempt, publishes TaskStarted in its outcome's message, stamped with the start", async () => {
    const { messages, run } = setup(5);
    const result = run();
    await vi.advanceTimersByTimeAsync(5);
    expect(await result).toEqual({ kind: 'done' });
    expect(messages).toEqual([
      {
        events: [
          { type: 'TaskStarted', at: 1_000_000 },
          { type: 'TaskSucceeded', at: undefined },
        ],
        publishedAt: 1_000_005,
      },
    ]);
  });

  it('given a long attempt, publishes TaskStarted once the grace has passed, while it runs', async () => {
    const { messages, run } = setup(1_000);
    const result = run();
    await vi.advanceTimersByTimeAsync(STARTED_GRACE_MS);
    expect(messages).toEqual([
      { events: [{ type: 'TaskStarted', at: 1_000_000 }], publishedAt: 1_000_000 + STARTED_GRACE_MS },
    ]);
    await vi.advanceTimersByTimeAsync(1_000);
    await result;
    expect(messages.map((m) => m.events.map((e) => e.type))).toEqual([['TaskStarted'], ['TaskSucceeded']]);
  });

  const DEQUEUED: TaskEventInput = {
    taskId: 't1',
    tenant: 'acme',
    functionName: 'f',
    attempt: 0,
    type: 'TaskDequeued',
  };

  it('given a task it dispatched itself, its TaskDequeued leads the first message: with the outcome of a short attempt', async () => {
    const { messages, run } = setup(5);
    const result = run(DEQUEUED);
    await vi.advanceTimersByTimeAsync(5);
    await result;
    expect(messages.map((m) => m.events.map((e) => e.type))).toEqual([
      ['TaskDequeued', 'TaskStarted', 'TaskSucceeded'],
    ]);
  });

  it('given a task it dispatched itself and a long attempt, its TaskDequeued leaves with TaskStarted, once', async () => {
    const { messages, run } = setup(1_000);
    const result = run(DEQUEUED);
    await vi.advanceTimersByTimeAsync(STARTED_GRACE_MS + 1_000);
    await result;
    expect(messages.map((m) => m.events.map((e) => e.type))).toEqual([
      ['TaskDequeued', 'TaskStarted'],
      ['TaskSucceeded'],
    ]);
  });
});
