import { describe, expect, it } from 'vitest';
import {
  ALL_TASK_EVENT_TYPES,
  ALL_TASK_STATUSES,
  type TaskEvent,
  type TaskEventType,
  type TaskStatus,
} from '@asyncfn/contracts';
import { canStop, decide, evolve, type TaskState } from './task-state.js';

function event(type: TaskEventType, attempt = 1): TaskEvent {
  const base = {
    v: 1 as const,
    eventId: 'e',
    taskId: 't',
    tenant: 'x',
    functionName: 'f',
    attempt,
    timestamp: 1,
    source: 'status' as const,
  };
  switch (type) {
    case 'TaskEnqueued':
      return { ...base, type, requestId: 'r', dueAt: 1, payload: '' };
    case 'TaskExpired':
      return { ...base, type, ageSeconds: 10, maxAgeSeconds: 5 };
    case 'TaskInvalidated':
      return { ...base, type, reason: 'gone' };
    case 'TaskSucceeded':
      return { ...base, type, returnPayload: 'ok', durationMs: 1 };
    case 'TaskFailed':
      return { ...base, type, errorType: 'E', errorMessage: 'm', durationMs: 1 };
    case 'TaskRetryScheduled':
      return { ...base, type, errorType: 'E', errorMessage: 'm', retryAt: 2 };
    case 'TaskStopped':
      return { ...base, type, reason: 'by user' };
    default:
      return { ...base, type } as TaskEvent;
  }
}

/** Expected outcome for every (status, event) pair with the same attempt (1) on both sides. */
type Outcome = TaskStatus | 'stale' | 'premature';
const S = 'stale',
  P = 'premature';
// prettier-ignore
const table: Record<TaskStatus, Record<TaskEventType, Outcome>> = {
  //           Enqueued Dequeued  Expired    Invalidated Started    Succeeded    Failed    RetrySched  StopReq     Stopped
  Enqueued:  { TaskEnqueued: S, TaskDequeued: 'Dequeued', TaskExpired: P, TaskInvalidated: P, TaskStarted: P, TaskSucceeded: P, TaskFailed: P, TaskRetryScheduled: P, TaskStopRequested: 'Stopping', TaskStopped: P },
  Dequeued:  { TaskEnqueued: S, TaskDequeued: S, TaskExpired: 'Expired', TaskInvalidated: 'Invalid', TaskStarted: 'Running', TaskSucceeded: P, TaskFailed: P, TaskRetryScheduled: P, TaskStopRequested: 'Stopping', TaskStopped: P },
  Running:   { TaskEnqueued: S, TaskDequeued: S, TaskExpired: S, TaskInvalidated: S, TaskStarted: S, TaskSucceeded: 'Succeeded', TaskFailed: 'Failed', TaskRetryScheduled: 'Retrying', TaskStopRequested: 'Stopping', TaskStopped: P },
  Retrying:  { TaskEnqueued: S, TaskDequeued: S, TaskExpired: S, TaskInvalidated: 'Invalid', TaskStarted: S, TaskSucceeded: S, TaskFailed: S, TaskRetryScheduled: S, TaskStopRequested: 'Stopping', TaskStopped: P },
  Stopping:  { TaskEnqueued: S, TaskDequeued: S, TaskExpired: 'Expired', TaskInvalidated: 'Invalid', TaskStarted: S, TaskSucceeded: 'Succeeded', TaskFailed: 'Failed', TaskRetryScheduled: S, TaskStopRequested: S, TaskStopped: 'Stopped' },
  Succeeded: { TaskEnqueued: S, TaskDequeued: S, TaskExpired: S, TaskInvalidated: S, TaskStarted: S, TaskSucceeded: S, TaskFailed: S, TaskRetryScheduled: S, TaskStopRequested: S, TaskStopped: S },
  Failed:    { TaskEnqueued: S, TaskDequeued: S, TaskExpired: S, TaskInvalidated: S, TaskStarted: S, TaskSucceeded: S, TaskFailed: S, TaskRetryScheduled: S, TaskStopRequested: S, TaskStopped: S },
  Stopped:   { TaskEnqueued: S, TaskDequeued: S, TaskExpired: S, TaskInvalidated: S, TaskStarted: S, TaskSucceeded: S, TaskFailed: S, TaskRetryScheduled: S, TaskStopRequested: S, TaskStopped: S },
  Expired:   { TaskEnqueued: S, TaskDequeued: S, TaskExpired: S, TaskInvalidated: S, TaskStarted: S, TaskSucceeded: S, TaskFailed: S, TaskRetryScheduled: S, TaskStopRequested: S, TaskStopped: S },
  Invalid:   { TaskEnqueued: S, TaskDequeued: S, TaskExpired: S, TaskInvalidated: S, TaskStarted: S, TaskSucceeded: S, TaskFailed: S, TaskRetryScheduled: S, TaskStopRequested: S, TaskStopped: S },
};

function outcome(state: TaskState | undefined, e: TaskEvent): Outcome {
  const d = decide(state, e);
  return d.kind === 'accept' ? d.next.status : d.rejection;
}

describe('task state machine: every (state, event) pair', () => {
  for (const status of ALL_TASK_STATUSES) {
    for (const type of ALL_TASK_EVENT_TYPES) {
      it(`${status} + ${type} → ${table[status][type]}`, () => {
        expect(outcome({ status, attempt: 1 }, event(type, 1))).toBe(table[status][type]);
      });
    }
  }

  for (const type of ALL_TASK_EVENT_TYPES) {
    it(`no task + ${type}`, () => {
      expect(outcome(undefined, event(type))).toBe(type === 'TaskEnqueued' ? 'Enqueued' : 'premature');
    });
  }

  it('covers all ten states and ten event types', () => {
    expect(ALL_TASK_STATUSES).toHaveLength(10);
    expect(ALL_TASK_EVENT_TYPES).toHaveLength(10);
  });
});

describe('attempts', () => {
  it('given Retrying after attempt 1, when attempt 2 starts, then Running with attempt 2', () => {
    expect(decide({ status: 'Retrying', attempt: 1 }, event('TaskStarted', 2))).toEqual({
      kind: 'accept',
      next: { status: 'Running', attempt: 2 },
    });
  });
  it('given Running attempt 1, a redelivery after a crash starts attempt 2', () => {
    expect(outcome({ status: 'Running', attempt: 1 }, event('TaskStarted', 2))).toBe('Running');
  });
  it('a late result of an earlier attempt is stale', () => {
    expect(outcome({ status: 'Running', attempt: 2 }, event('TaskSucceeded', 1))).toBe('stale');
    expect(outcome({ status: 'Running', attempt: 2 }, event('TaskRetryScheduled', 1))).toBe('stale');
  });
  it('a result of an attempt not started yet is premature', () => {
    expect(outcome({ status: 'Retrying', attempt: 1 }, event('TaskSucceeded', 2))).toBe('premature');
    expect(outcome({ status: 'Running', attempt: 1 }, event('TaskFailed', 2))).toBe('premature');
  });
  it('given a stop requested before the start was recorded, the attempt outcome still ends the task', () => {
    // The executor publishes TaskStarted late (with the outcome of a short attempt); Stopping drops it.
    expect(decide({ status: 'Stopping', attempt: 0 }, event('TaskSucceeded', 1))).toEqual({
      kind: 'accept',
      next: { status: 'Succeeded', attempt: 1 },
    });
    expect(outcome({ status: 'Stopping', attempt: 0 }, event('TaskFailed', 1))).toBe('Failed');
    expect(outcome({ status: 'Stopping', attempt: 0 }, event('TaskRetryScheduled', 1))).toBe('stale');
  });
  it('a duplicate start of the same attempt is stale', () => {
    expect(outcome({ status: 'Retrying', attempt: 2 }, event('TaskStarted', 2))).toBe('stale');
  });
  it('a full retry loop evolves to Succeeded', () => {
    const events = [
      event('TaskEnqueued', 0),
      event('TaskDequeued', 0),
      event('TaskStarted', 1),
      event('TaskRetryScheduled', 1),
      event('TaskStarted', 2),
      event('TaskSucceeded', 2),
    ];
    const final = events.reduce<TaskState | undefined>((s, e) => evolve(s, e), undefined);
    expect(final).toEqual({ status: 'Succeeded', attempt: 2 });
  });
  it('evolve refuses a rejected event', () => {
    expect(() => evolve({ status: 'Succeeded', attempt: 1 }, event('TaskStarted', 2))).toThrow(
      /cannot apply/,
    );
  });
});

describe('canStop', () => {
  it('is true for every non-terminal state but Stopping', () => {
    expect(ALL_TASK_STATUSES.filter(canStop).sort()).toEqual(['Dequeued', 'Enqueued', 'Retrying', 'Running']);
  });
});
