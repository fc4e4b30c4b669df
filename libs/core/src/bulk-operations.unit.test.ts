import { describe, expect, it } from 'vitest';
import { ApiError } from '@asyncfn/contracts';
import {
  applicableStatuses,
  bulkOperationView,
  bulkRerunTaskId,
  bulkTaskQuery,
  parseBulkOperationRequest,
} from './bulk-operations.js';
import { TASK_ID } from './validation.js';

const invalid = (body: unknown, message: RegExp) => {
  try {
    parseBulkOperationRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('InvalidArgument');
    expect((err as ApiError).message).toMatch(message);
    return;
  }
  throw new Error(`expected InvalidArgument for ${JSON.stringify(body)}`);
};

describe('bulk operation requests', () => {
  it('takes the whole filter, dryRun defaulting to false', () => {
    expect(
      parseBulkOperationRequest({
        action: 'Stop',
        functionName: 'fn_1',
        status: 'running',
        prefix: 'job-',
        startedTimeBegin: 10,
        startedTimeEnd: 20,
        dryRun: true,
      }),
    ).toEqual({
      action: 'Stop',
      filter: {
        functionName: 'fn_1',
        status: 'Running',
        prefix: 'job-',
        startedTimeBegin: 10,
        startedTimeEnd: 20,
      },
      dryRun: true,
    });
    expect(parseBulkOperationRequest({ action: 'Rerun' })).toEqual({
      action: 'Rerun',
      filter: {},
      dryRun: false,
    });
    // FC's console name for Dequeued
    expect(parseBulkOperationRequest({ action: 'Stop', status: 'Processed' }).filter.status).toBe('Dequeued');
  });

  it('refuses what it cannot act on, naming the field', () => {
    invalid(undefined, /body/);
    invalid({}, /action/);
    invalid({ action: 'Delete' }, /action: must be one of Stop, Rerun/);
    invalid({ action: 'Stop', functionName: '9lives' }, /functionName/);
    invalid({ action: 'Stop', status: 'Sleeping' }, /status: unknown task status/);
    invalid({ action: 'Stop', status: 'Succeeded' }, /status: Stop applies to tasks that are Enqueued/);
    invalid({ action: 'Rerun', status: 'Running' }, /status: Rerun applies to tasks that are Succeeded/);
    invalid({ action: 'Stop', prefix: 'a b' }, /prefix/);
    invalid({ action: 'Stop', prefix: '' }, /prefix/);
    invalid({ action: 'Stop', startedTimeBegin: -1 }, /startedTimeBegin/);
    invalid({ action: 'Stop', startedTimeEnd: 1.5 }, /startedTimeEnd/);
    invalid(
      { action: 'Stop', startedTimeBegin: 2, startedTimeEnd: 1 },
      /startedTimeBegin: must not be after/,
    );
    invalid({ action: 'Stop', dryRun: 'yes' }, /dryRun/);
    invalid({ action: 'Stop', fn: 'typo' }, /body: Unrecognized key/i);
  });

  it('stop reaches the unfinished states, rerun the finished ones', () => {
    expect(applicableStatuses('Stop')).toEqual(['Enqueued', 'Dequeued', 'Running', 'Stopping', 'Retrying']);
    expect(applicableStatuses('Rerun')).toEqual(['Succeeded', 'Failed', 'Stopped', 'Expired', 'Invalid']);
  });
});

describe('the tasks an operation walks', () => {
  it('is bounded by the operation creation time, so re-runs and later tasks are not part of it', () => {
    expect(bulkTaskQuery({ action: 'Rerun', filter: { status: 'Failed' }, createdTime: 1000 })).toEqual({
      statuses: ['Failed'],
      startedTimeEnd: 1000,
    });
    expect(
      bulkTaskQuery({
        action: 'Stop',
        filter: { functionName: 'f', startedTimeEnd: 5000 },
        createdTime: 1000,
      }).startedTimeEnd,
    ).toBe(1000);
    expect(
      bulkTaskQuery({
        action: 'Stop',
        filter: { prefix: 'p', startedTimeBegin: 10, startedTimeEnd: 500 },
        createdTime: 1000,
      }),
    ).toEqual({
      prefix: 'p',
      statuses: applicableStatuses('Stop'),
      startedTimeBegin: 10,
      startedTimeEnd: 500,
    });
  });
});

describe('re-run task ids', () => {
  it('derive from the task and the operation, so a resumed operation gets the same id', () => {
    const id = bulkRerunTaskId('job-1', 'bo-01JABCDEFGHJKMNPQRSTVWXYZ0');
    expect(id).toBe('job-1-rerun-stvwxyz0');
    expect(bulkRerunTaskId('job-1', 'bo-01JABCDEFGHJKMNPQRSTVWXYZ0')).toBe(id);
    expect(bulkRerunTaskId('job-1', 'bo-01JABCDEFGHJKMNPQRSTVWXYZ1')).not.toBe(id);
    expect(TASK_ID.test(id)).toBe(true);
  });

  it('stay within 128 characters and tell long ids with the same start apart', () => {
    const a = bulkRerunTaskId('a'.repeat(127) + 'x', 'bo-01JABCDEFGH');
    const b = bulkRerunTaskId('a'.repeat(127) + 'y', 'bo-01JABCDEFGH');
    expect(a).toHaveLength(128);
    expect(TASK_ID.test(a)).toBe(true);
    expect(a).not.toBe(b);
  });
});

describe('the operation view', () => {
  it('shows the contract fields and none of the runner internals', () => {
    const view = bulkOperationView({
      _id: 't:bo-1',
      tenant: 't',
      operationId: 'bo-1',
      action: 'Stop',
      filter: { functionName: 'f' },
      state: 'Running',
      matched: 3,
      succeeded: 1,
      failed: 0,
      createdTime: 1,
      updatedTime: 2,
      cursor: { t: 1, id: 'x' },
      owner: 'ingress-1',
      leaseUntil: 99,
    });
    expect(view).toEqual({
      operationId: 'bo-1',
      action: 'Stop',
      filter: { functionName: 'f' },
      state: 'Running',
      matched: 3,
      succeeded: 1,
      failed: 0,
      createdTime: 1,
      updatedTime: 2,
    });
  });
});
