import { stripVTControlCharacters as plain } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderFields, renderTable, truncate } from './output.js';
import { timelineRows } from './timeline.js';
import { mergeNewestFirst } from './tasks-api.js';

// Colours are off in tests (NO_COLOR, and stdout is not a terminal).
describe('tables', () => {
  it('aligns columns with two spaces, no borders, - for empty cells', () => {
    const text = renderTable(
      ['TASK ID', 'STATUS', 'ATTEMPTS'],
      [
        ['a', 'Succeeded', 1],
        ['long-task-id', undefined, 12],
      ],
    );
    expect(plain(text)).toBe(
      ['TASK ID       STATUS     ATTEMPTS', 'a             Succeeded  1', 'long-task-id  -          12'].join(
        '\n',
      ),
    );
  });

  it('shows fields as name and value, leaving out empty ones', () => {
    const text = renderFields([
      ['status', 'Failed'],
      ['error', undefined],
      ['attempts', 3],
    ]);
    expect(plain(text)).toBe('status    Failed\nattempts  3');
  });

  it('keeps a cell to one short line', () => {
    expect(truncate('a\nb   c', 10)).toBe('a b c');
    expect(truncate('x'.repeat(20), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});

describe('the timeline', () => {
  const task = {
    taskId: 't',
    status: 'Succeeded',
    startedTime: 1000,
    events: [
      { eventId: 2, status: 'Dequeued', timestamp: 1050 },
      { eventId: 1, status: 'Enqueued', timestamp: 1000, eventDetail: 'accepted' },
      { eventId: 3, status: 'Running', timestamp: 1100 },
      { eventId: 4, status: 'Succeeded', timestamp: 3600 },
    ],
  };
  it('orders events and tells how long the task stayed in each state', () => {
    const rows = timelineRows(task, 99_999, true);
    expect(rows.map((r) => [r[0], r[1], r[3], r[4]])).toEqual([
      [1, 'Enqueued', '50ms', 'accepted'],
      [2, 'Dequeued', '50ms', undefined],
      [3, 'Running', '2.50s', undefined],
      [4, 'Succeeded', undefined, undefined],
    ]);
  });
  it('counts the current state of a live task up to now', () => {
    const live = { ...task, status: 'Running', events: task.events.slice(0, 3) };
    expect(timelineRows(live, 2100, false).at(-1)?.[3]).toBe('1.00s');
  });
});

describe('tasks across functions', () => {
  it('merges per-function lists newest first and cuts to the limit', () => {
    const t = (functionName: string, taskId: string, startedTime: number) => ({
      functionName,
      taskId,
      status: 'Succeeded',
      startedTime,
    });
    const merged = mergeNewestFirst(
      [
        [t('a', 'a2', 20), t('a', 'a1', 10)],
        [t('b', 'b3', 30), t('b', 'b1', 5)],
      ],
      3,
    );
    expect(merged.map((x) => x.taskId)).toEqual(['b3', 'a2', 'a1']);
  });
});
