import { describe, expect, it } from 'vitest';
import type { AcceptedTaskMessage, FunctionRecord } from '@asyncfn/contracts';
import { MAX_DEFER_MS, decideDispatch, deferDelayMs, doubledDelayMs, runMessageOf } from './dispatch.js';

// The dispatcher's decisions (services/dispatcher/src/handle-task.ts only carries them out).

const T0 = Date.parse('2026-12-07T10:00:00Z');

const task = (over: Partial<AcceptedTaskMessage> = {}): AcceptedTaskMessage => ({
  v: 1,
  taskId: 't-1',
  tenant: 'acme',
  functionName: 'hello',
  requestId: 'r-1',
  payload: 'eA==',
  enqueuedAt: T0,
  dueAt: T0,
  ...over,
});

const fn = (asyncConfig?: FunctionRecord['asyncConfig']) =>
  ({ functionName: 'hello', tenant: 'acme', ...(asyncConfig ? { asyncConfig } : {}) }) as FunctionRecord;

describe('decideDispatch', () => {
  it('runs a due task with the function’s retry budget, FC’s default 3 without one', () => {
    expect(decideDispatch({ task: task(), fn: fn(), stopRequested: false, now: T0 })).toEqual({
      kind: 'run',
      maxRetries: 3,
    });
    const configured = fn({ maxAsyncRetryAttempts: 0 } as FunctionRecord['asyncConfig']);
    expect(decideDispatch({ task: task(), fn: configured, stopRequested: false, now: T0 + 5 })).toEqual({
      kind: 'run',
      maxRetries: 0,
    });
  });

  it('stops a task whose stop was requested, before anything else (even with its function gone)', () => {
    expect(decideDispatch({ task: task(), fn: undefined, stopRequested: true, now: T0 })).toEqual({
      kind: 'stop',
    });
    const late = T0 + 10 * 86_400_000;
    expect(decideDispatch({ task: task(), fn: fn(), stopRequested: true, now: late })).toEqual({
      kind: 'stop',
    });
  });

  it('invalidates a task whose function no longer exists', () => {
    expect(decideDispatch({ task: task(), fn: undefined, stopRequested: false, now: T0 })).toEqual({
      kind: 'invalid',
      reason: "function 'hello' no longer exists",
    });
  });

  it('defers a delayed task until it is due, by exactly what is left', () => {
    const delayed = task({ dueAt: T0 + 30_000 });
    expect(decideDispatch({ task: delayed, fn: fn(), stopRequested: false, now: T0 + 10_000 })).toEqual({
      kind: 'defer',
      delayMs: 20_000,
      reason: 'delayed',
    });
    expect(decideDispatch({ task: delayed, fn: fn(), stopRequested: false, now: T0 + 30_000 }).kind).toBe(
      'run',
    );
  });

  it('expires a task older than maxAsyncEventAgeInSeconds, its age counted from when it became due', () => {
    const config = fn({ maxAsyncEventAgeInSeconds: 60 } as FunctionRecord['asyncConfig']);
    // 60 s old is still in time; the age is whole seconds, so 60.999 s is too.
    expect(decideDispatch({ task: task(), fn: config, stopRequested: false, now: T0 + 60_999 }).kind).toBe(
      'run',
    );
    expect(decideDispatch({ task: task(), fn: config, stopRequested: false, now: T0 + 61_000 })).toEqual({
      kind: 'expire',
      ageSeconds: 61,
      maxAgeSeconds: 60,
    });
    // A task delayed by an hour is not expired by its own delay.
    const delayed = task({ dueAt: T0 + 3_600_000 });
    expect(
      decideDispatch({ task: delayed, fn: config, stopRequested: false, now: T0 + 3_630_000 }).kind,
    ).toBe('run');
  });

  it('expires by FC’s default of one day without an async config', () => {
    expect(decideDispatch({ task: task(), fn: fn(), stopRequested: false, now: T0 + 86_400_999 }).kind).toBe(
      'run',
    );
    expect(
      decideDispatch({ task: task(), fn: fn(), stopRequested: false, now: T0 + 86_401_000 }),
    ).toMatchObject({
      kind: 'expire',
      maxAgeSeconds: 86_400,
    });
  });
});

describe('deferDelayMs', () => {
  it('waits the delay, but never longer than a minute, so a stop is noticed while a task waits', () => {
    expect(deferDelayMs(1)).toBe(1);
    expect(deferDelayMs(59_999)).toBe(59_999);
    expect(deferDelayMs(3_600_000)).toBe(MAX_DEFER_MS);
    expect(MAX_DEFER_MS).toBe(60_000);
  });
});

describe('runMessageOf', () => {
  it('carries the task to the executors with its retry budget', () => {
    expect(runMessageOf(task(), 2)).toEqual({
      v: 1,
      taskId: 't-1',
      tenant: 'acme',
      functionName: 'hello',
      requestId: 'r-1',
      payload: 'eA==',
      enqueuedAt: T0,
      maxRetries: 2,
    });
  });

  it('keeps the trace and task mode off, and leaves what executors do not use', () => {
    const run = runMessageOf(
      task({ traceparent: '00-aa-bb-01', untracked: true, rerunOf: 't-0', dueAt: T0 + 5 }),
      0,
    );
    expect(run).toMatchObject({ traceparent: '00-aa-bb-01', untracked: true });
    expect(run).not.toHaveProperty('rerunOf');
    expect(run).not.toHaveProperty('dueAt');
    expect(runMessageOf(task({ untracked: false }), 0)).not.toHaveProperty('untracked');
  });
});

describe('doubledDelayMs', () => {
  it('doubles up to the cap', () => {
    const waits = [250];
    while (waits.length < 8) waits.push(doubledDelayMs(waits.at(-1)!, 10_000));
    expect(waits).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });
});
