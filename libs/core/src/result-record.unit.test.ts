import { describe, expect, it } from 'vitest';
import { STATUS_AFTER, type TaskDocument, type TaskEvent } from '@asyncfn/contracts';
import { projectionChanges } from './projection.js';
import {
  chainedTaskId,
  configuredBy,
  deliveryId,
  destinationFor,
  destinationKindOf,
  isTerminalEvent,
  resultRecordOf,
  resultRecordOfTask,
  toCloudEvent,
  type TerminalTaskEvent,
} from './result-record.js';
import { ANY_TASK_ID } from './validation.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A tracked task as the status service left it just before its terminal event. */
const task = (over: Partial<TaskDocument> = {}): TaskDocument => ({
  _id: 'acme:t1',
  tenant: 'acme',
  taskId: 't1',
  functionName: 'resize',
  functionArn: 'acs:fc:local:acme:functions/resize',
  requestId: 'req-1',
  status: 'Running',
  attempt: 2,
  version: 6,
  payload: b64('{"image":"a.png"}'),
  startedTime: 1_000,
  dueAt: 1_000,
  alreadyRetriedTimes: 1,
  invokeCount: 2,
  updatedAt: 1_500,
  expireAt: new Date(0),
  expireMinute: 0,
  ...over,
});

const terminal = (type: TerminalTaskEvent['type'], extra: object = {}, attempt = 2): TerminalTaskEvent =>
  ({
    v: 1,
    eventId: `e-${type}`,
    taskId: 't1',
    tenant: 'acme',
    functionName: 'resize',
    attempt,
    timestamp: 2_000,
    source: 'executor',
    type,
    ...extra,
  }) as TerminalTaskEvent;

const succeeded = terminal('TaskSucceeded', { returnPayload: '{"ok":true}', durationMs: 5 });
const failed = terminal('TaskFailed', { errorType: 'TypeError', errorMessage: 'boom', durationMs: 5 });
const expired = terminal('TaskExpired', { ageSeconds: 3, maxAgeSeconds: 1 }, 0);
const invalid = terminal('TaskInvalidated', { reason: 'function deleted' }, 0);
const stopped = terminal('TaskStopped', { reason: 'stopped by request' }, 1);

describe('resultRecordOf', () => {
  it('given a task that succeeded, then a Success record for onSuccess with the result as a string', () => {
    const record = resultRecordOf(succeeded, task());
    expect(record).toEqual({
      timestamp: 2_000,
      requestContext: {
        requestId: 'req-1',
        functionArn: 'acs:fc:local:acme:functions/resize',
        condition: 'Success',
        approximateInvokeCount: 2,
      },
      requestPayload: '{"image":"a.png"}',
      responseContext: { statusCode: 200, functionError: '' },
      responsePayload: '{"ok":true}',
    });
    expect(destinationKindOf('Succeeded')).toBe('onSuccess');
  });

  it('given a task that failed after its retries, then InvocationError with the error message (seed 004)', () => {
    const record = resultRecordOf(failed, task({ invokeCount: 3 }));
    expect(record.requestContext).toMatchObject({ condition: 'InvocationError', approximateInvokeCount: 3 });
    expect(record.responseContext).toEqual({ statusCode: 200, functionError: 'InvocationError' });
    expect(JSON.parse(record.responsePayload)).toEqual({ errorMessage: 'boom' });
    expect(record.requestPayload).toBe('{"image":"a.png"}');
    expect(destinationKindOf('Failed')).toBe('onFailure');
  });

  it('given a task that expired in the queue, then EventAgeExceeded, never invoked', () => {
    const record = resultRecordOf(expired, task({ status: 'Dequeued', attempt: 0, invokeCount: 0 }));
    expect(record.requestContext).toMatchObject({ condition: 'EventAgeExceeded', approximateInvokeCount: 0 });
    expect(record.responseContext).toEqual({ statusCode: 504, functionError: 'EventAgeExceeded' });
    expect(JSON.parse(record.responsePayload).errorMessage).toContain('maxAsyncEventAgeInSeconds 1');
    expect(destinationKindOf('Expired')).toBe('onFailure');
  });

  it('given an invalid task, then InvalidTask with the reason', () => {
    const record = resultRecordOf(invalid, task({ status: 'Dequeued', attempt: 0, invokeCount: 0 }));
    expect(record.requestContext).toMatchObject({ condition: 'InvalidTask', approximateInvokeCount: 0 });
    expect(record.responseContext).toEqual({ statusCode: 400, functionError: 'InvalidTask' });
    expect(JSON.parse(record.responsePayload).errorMessage).toBe('invalid: function deleted');
  });

  it('given a task stopped while running, then Stopped counting the attempt that started', () => {
    const record = resultRecordOf(stopped, task({ status: 'Stopping', attempt: 1, invokeCount: 1 }));
    expect(record.requestContext).toMatchObject({ condition: 'Stopped', approximateInvokeCount: 1 });
    expect(record.responseContext).toEqual({ statusCode: 499, functionError: 'Stopped' });
    expect(JSON.parse(record.responsePayload).errorMessage).toBe('stopped: stopped by request');
  });

  it('counts attempts honestly: a crash redelivery started more attempts than the last attempt number', () => {
    expect(resultRecordOf(succeeded, task({ invokeCount: 4 })).requestContext.approximateInvokeCount).toBe(4);
    // The projection may not have counted the last start yet; the event's attempt is a floor.
    expect(resultRecordOf(succeeded, task({ invokeCount: 1 })).requestContext.approximateInvokeCount).toBe(2);
  });

  it('keeps payloads as strings, also empty ones and non-JSON text', () => {
    const record = resultRecordOf(
      terminal('TaskSucceeded', { returnPayload: 'plain text', durationMs: 1 }),
      task({ payload: '' }),
    );
    expect(record.requestPayload).toBe('');
    expect(record.responsePayload).toBe('plain text');
  });

  it('given a task run with asyncTask=false, then the event alone makes the record', () => {
    const event = {
      ...failed,
      untracked: { requestId: 'req-u', payload: b64('hi'), invokeCount: 1 },
    } as TerminalTaskEvent;
    const record = resultRecordOf(event);
    expect(record.requestContext).toEqual({
      requestId: 'req-u',
      functionArn: 'acs:fc:local:acme:functions/resize',
      condition: 'InvocationError',
      approximateInvokeCount: 2,
    });
    expect(record.requestPayload).toBe('hi');
  });

  it('refuses a tracked task without its document', () => {
    expect(() => resultRecordOf(succeeded)).toThrow(/no task document/);
  });
});

describe('resultRecordOfTask (redelivery)', () => {
  it.each([succeeded, failed, expired, invalid, stopped])(
    'given the projection after %s, then the same record as from the event',
    (event) => {
      const before = task();
      const next = { status: STATUS_AFTER[event.type], attempt: event.attempt };
      const after = { ...before, ...projectionChanges(before, event, next) } as TaskDocument;
      expect(resultRecordOfTask(after)).toEqual(resultRecordOf(event, after));
    },
  );

  it('gives nothing for an unfinished task', () => {
    expect(resultRecordOfTask(task())).toBeUndefined();
  });
});

describe('delivery identities', () => {
  it('the delivery id is stable per task and destination; a redelivery has its own', () => {
    expect(deliveryId('acme', 't1', 'onFailure')).toBe('acme:t1:onFailure');
    expect(deliveryId('acme', 't1', 'onFailure', 'r9')).toBe('acme:t1:onFailure:redelivery:r9');
  });

  it('a chained task id is <taskId>-<condition>, deterministic and always a valid task id', () => {
    expect(chainedTaskId('t1', 'Success')).toBe('t1-Success');
    const long = 'x'.repeat(128);
    const id = chainedTaskId(long, 'InvocationError');
    expect(id).toMatch(ANY_TASK_ID);
    expect(id).toBe(chainedTaskId(long, 'InvocationError'));
    expect(id).not.toBe(chainedTaskId(long, 'Stopped'));
    expect(chainedTaskId('t1', 'Success', 'req-2')).toBe('t1-Success-req-2');
    expect(chainedTaskId('t1', 'Success', 'req-2')).not.toBe(chainedTaskId('t1', 'Success'));
  });
});

describe('destinationFor', () => {
  const config = (destinationConfig: object | undefined) =>
    ({ asyncTask: true, maxAsyncEventAgeInSeconds: 1, maxAsyncRetryAttempts: 0, destinationConfig }) as never;

  it('picks the destination of the outcome, with the CloudEvents switch', () => {
    const c = config({ onSuccess: { destination: 'kafka:ok' }, cloudEvents: true });
    expect(destinationFor(c, 'onSuccess')).toEqual({ uri: 'kafka:ok', cloudEvents: true });
    expect(destinationFor(c, 'onFailure')).toBeUndefined();
    expect(destinationFor(undefined, 'onSuccess')).toBeUndefined();
    expect(destinationFor(config({ onFailure: { destination: 'nats:x' } }), 'onFailure')).toEqual({
      uri: 'nats:x',
      cloudEvents: false,
    });
  });
});

describe('toCloudEvent', () => {
  it('wraps the record: specversion 1.0, type by outcome, source the function, id the delivery id', () => {
    const record = resultRecordOf(failed, task());
    expect(toCloudEvent(record, { deliveryId: 'acme:t1:onFailure', taskId: 't1' })).toEqual({
      specversion: '1.0',
      id: 'acme:t1:onFailure',
      source: 'acs:fc:local:acme:functions/resize',
      type: 'com.asyncfn.task.failed',
      subject: 't1',
      time: new Date(2_000).toISOString(),
      datacontenttype: 'application/json',
      data: record,
    });
    expect(toCloudEvent(resultRecordOf(succeeded, task()), { deliveryId: 'd', taskId: 't1' }).type).toBe(
      'com.asyncfn.task.succeeded',
    );
  });
});

describe('isTerminalEvent', () => {
  it('is true exactly for the five terminal event types', () => {
    const types: TaskEvent['type'][] = [
      'TaskDequeued',
      'TaskStarted',
      'TaskRetryScheduled',
      'TaskStopRequested',
    ];
    for (const type of types) expect(isTerminalEvent({ type } as TaskEvent), type).toBe(false);
    for (const e of [succeeded, failed, expired, invalid, stopped]) expect(isTerminalEvent(e)).toBe(true);
  });
});

describe('configuredBy', () => {
  const config = (createdTime: string) => ({ functionArn: 'a', createdTime, lastModifiedTime: createdTime });
  it('applies a config to tasks that ended once it existed, not before', () => {
    const at = Date.parse('2026-12-07T10:00:00.500Z');
    expect(configuredBy(config('2026-12-07T10:00:00.500Z'), at)).toBe(true);
    expect(configuredBy(config('2026-12-07T10:00:00.400Z'), at)).toBe(true);
    expect(configuredBy(config('2026-12-07T10:00:00.501Z'), at)).toBe(false);
    expect(configuredBy(undefined, at)).toBe(true);
  });
});
