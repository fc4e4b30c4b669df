import type { TaskStatus } from './task-status.js';

/** Bumped when an event's shape changes incompatibly; consumers reject versions they don't know. */
export const TASK_EVENT_SCHEMA_VERSION = 1;

/** Services that emit task events (the `source` of an event). */
export const Source = {
  Ingress: 'ingress',
  Dispatcher: 'dispatcher',
  Executor: 'executor',
  Status: 'status',
  Destination: 'destination',
} as const;
export type Source = (typeof Source)[keyof typeof Source];

/** Event types, past tense; each names the transition it records. */
export const TaskEventType = {
  TaskEnqueued: 'TaskEnqueued',
  TaskDequeued: 'TaskDequeued',
  TaskExpired: 'TaskExpired',
  TaskInvalidated: 'TaskInvalidated',
  TaskStarted: 'TaskStarted',
  TaskSucceeded: 'TaskSucceeded',
  TaskFailed: 'TaskFailed',
  TaskRetryScheduled: 'TaskRetryScheduled',
  TaskStopRequested: 'TaskStopRequested',
  TaskStopped: 'TaskStopped',
} as const;
export type TaskEventType = (typeof TaskEventType)[keyof typeof TaskEventType];

export const ALL_TASK_EVENT_TYPES = Object.values(TaskEventType) as readonly TaskEventType[];

/** Fields every task event carries. */
export interface TaskEventBase {
  v: typeof TASK_EVENT_SCHEMA_VERSION;
  /** Unique event id (ULID); also the JetStream Nats-Msg-Id and the task_events key. */
  eventId: string;
  taskId: string;
  tenant: string;
  functionName: string;
  /** 1-based attempt the event belongs to; 0 before the first attempt. */
  attempt: number;
  /** Epoch milliseconds, set by the emitting service. */
  timestamp: number;
  source: Source;
  /** W3C traceparent of the task's trace, so every hop joins one trace. */
  traceparent?: string;
  /**
   * Events of the same task that happened just before this one and travel in its message, oldest
   * first (a short attempt's TaskStarted rides with its outcome: one message instead of two). The
   * status service records them before this one; they carry no `earlier` of their own.
   */
  earlier?: TaskEvent[];
  /**
   * Set on the terminal event of a task run with asyncTask=false (task mode off): nothing about it
   * is stored, so the event carries what a destination record needs.
   */
  untracked?: UntrackedRequest;
}

/** What an untracked invocation's terminal event carries for its destination record. */
export interface UntrackedRequest {
  requestId: string;
  /** Base64 of the invocation body. */
  payload: string;
  invokeCount: number;
  /** The qualifier invoked (absent: LATEST): its async config names the destinations. */
  qualifier?: string;
}

/** Published by the ingress as the task's claim (claims stream): all the projection starts from. */
export interface TaskEnqueued extends TaskEventBase {
  type: typeof TaskEventType.TaskEnqueued;
  requestId: string;
  /** When the task becomes due (delayed tasks); equals enqueue time otherwise. */
  dueAt: number;
  /** Base64 of the invocation body. */
  payload: string;
  /** The task this one re-runs (extension). */
  rerunOf?: string;
  /** The qualifier invoked and the version it resolved to (absent: LATEST). */
  qualifier?: string;
  resolvedVersion?: string;
}
export interface TaskDequeued extends TaskEventBase {
  type: typeof TaskEventType.TaskDequeued;
}
export interface TaskExpired extends TaskEventBase {
  type: typeof TaskEventType.TaskExpired;
  ageSeconds: number;
  maxAgeSeconds: number;
}
export interface TaskInvalidated extends TaskEventBase {
  type: typeof TaskEventType.TaskInvalidated;
  reason: string;
}
export interface TaskStarted extends TaskEventBase {
  type: typeof TaskEventType.TaskStarted;
  instanceId?: string;
}
/**
 * Extension: what one attempt cost. `durationMs` from the attempt's start on the executor to its
 * outcome (a cold start included); `peakMemoryMB` the instance process's RSS high-water mark over
 * the attempt and `cpuTimeMs` its CPU time (user + system) over the attempt — with
 * instanceConcurrency > 1 both include the invocations that ran beside it on the same instance.
 */
export interface TaskResources {
  durationMs: number;
  peakMemoryMB?: number;
  cpuTimeMs?: number;
}

export interface TaskSucceeded extends TaskEventBase {
  type: typeof TaskEventType.TaskSucceeded;
  /** The function's result, UTF-8 (FC's returnPayload). */
  returnPayload: string;
  instanceId?: string;
  durationMs: number;
  resources?: TaskResources;
}
export interface TaskFailed extends TaskEventBase {
  type: typeof TaskEventType.TaskFailed;
  errorType: string;
  errorMessage: string;
  instanceId?: string;
  durationMs: number;
  resources?: TaskResources;
}
export interface TaskRetryScheduled extends TaskEventBase {
  type: typeof TaskEventType.TaskRetryScheduled;
  errorType: string;
  errorMessage: string;
  retryAt: number;
}
export interface TaskStopRequested extends TaskEventBase {
  type: typeof TaskEventType.TaskStopRequested;
  /** Stream sequence of the queued task, so the dispatcher can take a still-queued task out. */
  queueSeq?: number;
  /** The stream holding it: the tasks stream (absent) or the runs stream (a task due at once). */
  queueStream?: 'tasks' | 'runs';
}
export interface TaskStopped extends TaskEventBase {
  type: typeof TaskEventType.TaskStopped;
  reason: string;
  /** Set when a running attempt was stopped. */
  instanceId?: string;
  resources?: TaskResources;
}

export type TaskEvent =
  | TaskEnqueued
  | TaskDequeued
  | TaskExpired
  | TaskInvalidated
  | TaskStarted
  | TaskSucceeded
  | TaskFailed
  | TaskRetryScheduled
  | TaskStopRequested
  | TaskStopped;

/** The status each event type leads to: the single place that ties events to states. */
export const STATUS_AFTER: Readonly<Record<TaskEventType, TaskStatus>> = {
  TaskEnqueued: 'Enqueued',
  TaskDequeued: 'Dequeued',
  TaskExpired: 'Expired',
  TaskInvalidated: 'Invalid',
  TaskStarted: 'Running',
  TaskSucceeded: 'Succeeded',
  TaskFailed: 'Failed',
  TaskRetryScheduled: 'Retrying',
  TaskStopRequested: 'Stopping',
  TaskStopped: 'Stopped',
};

/** Events after which the task is finished; the destination service consumes only these. */
export const TERMINAL_EVENT_TYPES: readonly TaskEventType[] = [
  TaskEventType.TaskSucceeded,
  TaskEventType.TaskFailed,
  TaskEventType.TaskStopped,
  TaskEventType.TaskExpired,
  TaskEventType.TaskInvalidated,
];

/** The emitter of a TaskEvent fills in the common fields; callers give only what is specific. */
export type TaskEventInput<E extends TaskEvent = TaskEvent> = E extends TaskEvent
  ? Omit<E, 'v' | 'eventId' | 'timestamp' | 'source'>
  : never;

/** Text for FC's AsyncTaskEvent.eventDetail. */
export function describeEvent(event: TaskEvent): string {
  switch (event.type) {
    case 'TaskEnqueued':
      return event.dueAt && event.dueAt > event.timestamp
        ? `enqueued, due at ${new Date(event.dueAt).toISOString()}`
        : 'enqueued';
    case 'TaskDequeued':
      return 'dequeued';
    case 'TaskExpired':
      return `expired: age ${event.ageSeconds}s exceeds maxAsyncEventAgeInSeconds ${event.maxAgeSeconds}`;
    case 'TaskInvalidated':
      return `invalid: ${event.reason}`;
    case 'TaskStarted':
      return `attempt ${event.attempt} started${event.instanceId ? ` on ${event.instanceId}` : ''}`;
    case 'TaskSucceeded':
      return `attempt ${event.attempt} succeeded in ${event.durationMs}ms`;
    case 'TaskFailed':
      return `attempt ${event.attempt} failed: ${event.errorType}: ${event.errorMessage}`;
    case 'TaskRetryScheduled':
      return `attempt ${event.attempt} failed (${event.errorType}: ${event.errorMessage}), retry at ${new Date(event.retryAt).toISOString()}`;
    case 'TaskStopRequested':
      return 'stop requested';
    case 'TaskStopped':
      return `stopped: ${event.reason}`;
    default: {
      const unknown: never = event;
      return String(unknown);
    }
  }
}
