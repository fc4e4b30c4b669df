import { describe, expect, it } from 'vitest';
import type { AcceptedTaskMessage, FunctionRecord } from '@asyncfn/contracts';
import { acquireLease, concurrencyLimitsOf, leaseTtlMs, liveLeases, releaseLease } from './concurrency.js';
import { PAUSE_RECHECK_MS, asyncConfigFor, decideDispatch, enqueuedReasonOf } from './dispatch.js';
import { buildAsyncConfig, taskModeOf } from './function-record.js';

const fn = (extra: Partial<FunctionRecord> = {}) =>
  ({ tenant: 't', functionName: 'f', functionArn: 'arn', timeout: 3, ...extra }) as FunctionRecord;
const task = (extra: Partial<AcceptedTaskMessage> = {}): AcceptedTaskMessage => ({
  v: 1,
  taskId: 'a',
  tenant: 't',
  functionName: 'f',
  requestId: 'r',
  payload: '',
  enqueuedAt: 1_000,
  dueAt: 1_000,
  ...extra,
});

describe('concurrency leases', () => {
  it('admit holders up to the limit; a holder renews its own lease whatever the count', () => {
    let set = acquireLease({}, 'a', 2, 0, 1_000)!;
    set = acquireLease(set, 'b', 2, 0, 1_000)!;
    expect(acquireLease(set, 'c', 2, 10, 1_000)).toBeUndefined();
    expect(acquireLease(set, 'a', 2, 10, 1_000)).toEqual({ a: 1_010, b: 1_000 });
    expect(acquireLease(releaseLease(set, 'a', 10), 'c', 2, 10, 1_000)).toEqual({ b: 1_000, c: 1_010 });
  });

  it('free the slot of a holder that never released, once its lease lapses', () => {
    const set = acquireLease({}, 'dead', 1, 0, 1_000)!;
    expect(acquireLease(set, 'next', 1, 999, 1_000)).toBeUndefined();
    expect(acquireLease(set, 'next', 1, 1_000, 1_000)).toEqual({ next: 2_000 });
    expect(liveLeases({ a: 5, b: 50 }, 10)).toEqual({ b: 50 });
  });

  it('apply only the limits that are set (none: nothing to do)', () => {
    expect(concurrencyLimitsOf(fn(), 0)).toEqual({});
    expect(concurrencyLimitsOf(fn({ reservedConcurrency: 0 }), 5)).toEqual({ function: 0, tenant: 5 });
    expect(leaseTtlMs(fn({ timeout: 10 }))).toBe(40_000);
  });
});

describe('dispatch holds', () => {
  it('keeps a paused or disabled function’s due tasks Enqueued, with the reason', () => {
    expect(
      decideDispatch({
        task: task(),
        fn: fn({ dispatchPaused: { at: 'x' } }),
        stopRequested: false,
        now: 2_000,
      }),
    ).toEqual({
      kind: 'defer',
      delayMs: PAUSE_RECHECK_MS,
      reason: 'paused',
    });
    expect(
      decideDispatch({
        task: task(),
        fn: fn({ invocationDisabled: { reason: '', at: 'x' } }),
        stopRequested: false,
        now: 2_000,
      }),
    ).toMatchObject({ kind: 'defer', reason: 'invocationDisabled' });
    expect(
      decideDispatch({ task: task({ dueAt: 5_000 }), fn: fn(), stopRequested: false, now: 2_000 }),
    ).toMatchObject({
      kind: 'defer',
      reason: 'delayed',
    });
    // A stop and the event age still win over a pause.
    expect(
      decideDispatch({
        task: task(),
        fn: fn({ dispatchPaused: { at: 'x' } }),
        stopRequested: true,
        now: 2_000,
      }).kind,
    ).toBe('stop');
    expect(
      decideDispatch({
        task: task(),
        fn: fn({ dispatchPaused: { at: 'x' } }),
        stopRequested: false,
        now: 1_000 + 86_402_000,
      }).kind,
    ).toBe('expire');
  });

  it("uses the task's qualifier's async config, else the function's", () => {
    const config = { maxAsyncRetryAttempts: 0, functionArn: 'a', createdTime: '', lastModifiedTime: '' };
    const f = fn({
      qualifierAsyncConfigs: { prod: config },
      asyncConfig: { ...config, maxAsyncRetryAttempts: 5 },
    });
    expect(asyncConfigFor(f, 'prod')?.maxAsyncRetryAttempts).toBe(0);
    expect(asyncConfigFor(f, undefined)?.maxAsyncRetryAttempts).toBe(5);
    expect(
      decideDispatch({ task: task({ qualifier: 'prod' }), fn: f, stopRequested: false, now: 2_000 }),
    ).toEqual({
      kind: 'run',
      maxRetries: 0,
    });
  });

  it('explains why an Enqueued task waits', () => {
    const at = { dueAt: 1_000, running: 0, now: 2_000 };
    expect(enqueuedReasonOf({ ...at, dueAt: 3_000, fn: fn() })).toBe('delayed');
    expect(enqueuedReasonOf({ ...at, fn: fn({ dispatchPaused: { at: 'x' } }) })).toBe('paused');
    expect(enqueuedReasonOf({ ...at, running: 2, fn: fn({ reservedConcurrency: 2 }) })).toBe(
      'concurrencyLimit',
    );
    expect(enqueuedReasonOf({ ...at, running: 1, fn: fn({ reservedConcurrency: 2 }) })).toBe('queued');
  });
});

describe('async config', () => {
  it('round-trips what was put; asyncTask left out follows the server default', () => {
    const put = buildAsyncConfig(fn(), { maxAsyncRetryAttempts: 1 }, new Date(0));
    expect(put).toEqual({
      maxAsyncRetryAttempts: 1,
      functionArn: 'arn',
      createdTime: '1970-01-01T00:00:00.000Z',
      lastModifiedTime: '1970-01-01T00:00:00.000Z',
    });
    expect(taskModeOf(put, true)).toBe(true);
    expect(taskModeOf(put, false)).toBe(false);
    expect(taskModeOf({ ...put, asyncTask: false }, true)).toBe(false);
    expect(taskModeOf(undefined, true)).toBe(true);
  });
});
