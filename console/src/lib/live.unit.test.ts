import { describe, expect, it } from 'vitest';
import { applyChanges, functionOfArn, rowOf, type TableFilter, type TaskRow } from './live.js';
import type { TaskChange } from './types.js';

const filter: TableFilter = { sortOrder: 'desc', firstPage: true };
const row = (taskId: string, status: string, changedAt: number, functionName = 'f'): TaskRow => ({
  taskId,
  functionName,
  status,
  startedTime: changedAt,
  changedAt,
});
const change = (
  taskId: string,
  type: string,
  status: string,
  timestamp: number,
  functionName = 'f',
): TaskChange => ({
  taskId,
  functionName,
  type,
  status,
  attempt: 1,
  timestamp,
});

describe('applyChanges (the live task table)', () => {
  it('moves a listed task to its new state', () => {
    const rows = applyChanges(
      [row('a', 'Running', 10)],
      [change('a', 'TaskSucceeded', 'Succeeded', 20)],
      filter,
      20,
    );
    expect(rows[0]).toMatchObject({ taskId: 'a', status: 'Succeeded', endTime: 20 });
  });

  it('never goes back in time nor out of a terminal state', () => {
    const rows = applyChanges(
      [row('a', 'Succeeded', 30), row('b', 'Running', 50)],
      [change('a', 'TaskStarted', 'Running', 40), change('b', 'TaskDequeued', 'Dequeued', 45)],
      filter,
      20,
    );
    expect(rows.map((r) => r.status)).toEqual(['Succeeded', 'Running']);
  });

  it('puts a new task on top with everything it did in the batch', () => {
    const rows = applyChanges(
      [row('old', 'Succeeded', 5)],
      [
        change('new', 'TaskEnqueued', 'Enqueued', 10),
        change('new', 'TaskStarted', 'Running', 11),
        change('new', 'TaskSucceeded', 'Succeeded', 12),
      ],
      filter,
      20,
    );
    expect(rows.map((r) => [r.taskId, r.status, r.startedTime])).toEqual([
      ['new', 'Succeeded', 10],
      ['old', 'Succeeded', 5],
    ]);
  });

  it('adds new tasks only where the filter and the page say they belong', () => {
    const enq = (id: string, fn = 'f') => change(id, 'TaskEnqueued', 'Enqueued', 10, fn);
    expect(applyChanges([], [enq('x', 'other')], { ...filter, functionName: 'f' }, 20)).toEqual([]);
    expect(applyChanges([], [enq('x')], { ...filter, prefix: 'y' }, 20)).toEqual([]);
    expect(applyChanges([], [enq('x')], { ...filter, status: 'Succeeded' }, 20)).toEqual([]);
    expect(applyChanges([], [enq('x')], { ...filter, firstPage: false }, 20)).toEqual([]);
    expect(applyChanges([], [enq('x')], { ...filter, sortOrder: 'asc' }, 20)).toEqual([]);
    expect(applyChanges([], [enq('x')], { ...filter, prefix: 'x' }, 20)).toHaveLength(1);
    // A task already recorded before (not Enqueued now) that was not listed stays out.
    expect(applyChanges([], [change('z', 'TaskStarted', 'Running', 10)], filter, 20)).toEqual([]);
  });

  it('keeps the page to its size', () => {
    const rows = applyChanges(
      [row('a', 'Running', 1), row('b', 'Running', 1)],
      [change('c', 'TaskEnqueued', 'Enqueued', 2)],
      filter,
      2,
    );
    expect(rows.map((r) => r.taskId)).toEqual(['c', 'a']);
  });

  it('reads the function from an FC functionArn', () => {
    expect(functionOfArn('acs:fc:local:default:functions/hello')).toBe('hello');
    expect(
      rowOf({ taskId: 't', status: 'Enqueued', startedTime: 3, functionArn: 'acs:fc:local:d:functions/g' }),
    ).toMatchObject({
      functionName: 'g',
      changedAt: 3,
    });
  });
});
