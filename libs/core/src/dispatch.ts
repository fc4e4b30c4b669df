import type { AcceptedTaskMessage, FunctionRecord, RunTaskMessage } from '@asyncfn/contracts';
import { ASYNC_CONFIG_DEFAULTS } from '@asyncfn/contracts';

/** What the dispatcher does with a dequeued task (seed 000: TTL → Expired, function gone → Invalid). */
export type DispatchDecision =
  | { kind: 'stop' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'expire'; ageSeconds: number; maxAgeSeconds: number }
  | { kind: 'defer'; delayMs: number }
  | { kind: 'run'; maxRetries: number };

export function decideDispatch(input: {
  task: AcceptedTaskMessage;
  fn: FunctionRecord | undefined;
  stopRequested: boolean;
  now: number;
}): DispatchDecision {
  const { task, fn, stopRequested, now } = input;
  if (stopRequested) return { kind: 'stop' };
  if (!fn) return { kind: 'invalid', reason: `function '${task.functionName}' no longer exists` };
  if (task.dueAt > now) return { kind: 'defer', delayMs: task.dueAt - now };
  const maxAgeSeconds =
    fn.asyncConfig?.maxAsyncEventAgeInSeconds ?? ASYNC_CONFIG_DEFAULTS.maxAsyncEventAgeInSeconds;
  // Age counts from when the task became due, so a delayed task is not expired by its own delay.
  const ageSeconds = Math.floor((now - task.dueAt) / 1000);
  if (ageSeconds > maxAgeSeconds) return { kind: 'expire', ageSeconds, maxAgeSeconds };
  return {
    kind: 'run',
    maxRetries: fn.asyncConfig?.maxAsyncRetryAttempts ?? ASYNC_CONFIG_DEFAULTS.maxAsyncRetryAttempts,
  };
}

/**
 * A task not due yet goes back to the queue for its delay, but never longer than this, so that a
 * stop request or a deleted function is noticed while it waits.
 */
export const MAX_DEFER_MS = 60_000;

/** How long a deferred task stays in the queue before the dispatcher looks at it again. */
export function deferDelayMs(delayMs: number): number {
  return Math.min(delayMs, MAX_DEFER_MS);
}

/** What the dispatcher hands the executors for a task it decided to run. */
export function runMessageOf(task: AcceptedTaskMessage, maxRetries: number): RunTaskMessage {
  return {
    v: 1,
    taskId: task.taskId,
    tenant: task.tenant,
    functionName: task.functionName,
    requestId: task.requestId,
    payload: task.payload,
    enqueuedAt: task.enqueuedAt,
    maxRetries,
    ...(task.traceparent ? { traceparent: task.traceparent } : {}),
    ...(task.untracked ? { untracked: true } : {}),
  };
}

/** The next wait of a doubling backoff: twice the last, at most `maxMs`. */
export function doubledDelayMs(lastMs: number, maxMs: number): number {
  return Math.min(lastMs * 2, maxMs);
}
