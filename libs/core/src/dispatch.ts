import type {
  AcceptedTaskMessage,
  AsyncConfig,
  FunctionRecord,
  RunTaskMessage,
  UntrackedRequest,
} from '@asyncfn/contracts';
import { ASYNC_CONFIG_DEFAULTS, EnqueuedReason } from '@asyncfn/contracts';

/** How often a task held at its concurrency limit looks again (a slot frees often: look soon). */
export const HOLD_RECHECK_MS = 1_000;
/**
 * How often a task of a paused or disabled function looks again: longer, as a pause may hold many
 * tasks for long, and each look is a redelivery; resuming takes effect within this.
 */
export const PAUSE_RECHECK_MS = 3_000;

/** The async config of the qualifier a task was invoked with; the function's (LATEST) otherwise. */
export function asyncConfigFor(fn: FunctionRecord, qualifier: string | undefined): AsyncConfig | undefined {
  return (qualifier && fn.qualifierAsyncConfigs?.[qualifier]) || fn.asyncConfig;
}

/** What the dispatcher does with a dequeued task (seed 000: TTL → Expired, function gone → Invalid). */
export type DispatchDecision =
  | { kind: 'stop' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'expire'; ageSeconds: number; maxAgeSeconds: number }
  | { kind: 'defer'; delayMs: number; reason: EnqueuedReason }
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
  if (task.dueAt > now) return { kind: 'defer', delayMs: task.dueAt - now, reason: EnqueuedReason.Delayed };
  const config = asyncConfigFor(fn, task.qualifier);
  const maxAgeSeconds = config?.maxAsyncEventAgeInSeconds ?? ASYNC_CONFIG_DEFAULTS.maxAsyncEventAgeInSeconds;
  // Age counts from when the task became due, so a delayed task is not expired by its own delay.
  const ageSeconds = Math.floor((now - task.dueAt) / 1000);
  if (ageSeconds > maxAgeSeconds) return { kind: 'expire', ageSeconds, maxAgeSeconds };
  // Held back, still Enqueued (the event age still counts: a long pause expires its tasks).
  if (fn.dispatchPaused) return { kind: 'defer', delayMs: PAUSE_RECHECK_MS, reason: EnqueuedReason.Paused };
  if (fn.invocationDisabled)
    return { kind: 'defer', delayMs: PAUSE_RECHECK_MS, reason: EnqueuedReason.Disabled };
  return { kind: 'run', maxRetries: maxRetriesOf(config) };
}

/** Retries allowed after a task's first attempt, by its async config. */
export function maxRetriesOf(config: AsyncConfig | undefined): number {
  return config?.maxAsyncRetryAttempts ?? ASYNC_CONFIG_DEFAULTS.maxAsyncRetryAttempts;
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
    ...(task.resolvedVersion ? { resolvedVersion: task.resolvedVersion } : {}),
    ...(task.qualifier ? { qualifier: task.qualifier } : {}),
  };
}

/** What an untracked task's terminal event carries for its destination record. */
export function untrackedRequest(
  task: Pick<RunTaskMessage, 'requestId' | 'payload' | 'qualifier'>,
  invokeCount: number,
): UntrackedRequest {
  return {
    requestId: task.requestId,
    payload: task.payload,
    invokeCount,
    ...(task.qualifier ? { qualifier: task.qualifier } : {}),
  };
}

/** The next wait of a doubling backoff: twice the last, at most `maxMs`. */
export function doubledDelayMs(lastMs: number, maxMs: number): number {
  return Math.min(lastMs * 2, maxMs);
}

/**
 * Why an Enqueued task is still waiting, as the dispatcher decides it (see decideDispatch and the
 * concurrency leases): for GetAsyncTask. `running` is the function's attempts holding a slot now.
 */
export function enqueuedReasonOf(input: {
  dueAt: number;
  fn: FunctionRecord | undefined;
  running: number;
  now: number;
}): EnqueuedReason {
  const { dueAt, fn, running, now } = input;
  if (dueAt > now) return EnqueuedReason.Delayed;
  if (fn?.dispatchPaused) return EnqueuedReason.Paused;
  if (fn?.invocationDisabled) return EnqueuedReason.Disabled;
  if (fn?.reservedConcurrency !== undefined && running >= fn.reservedConcurrency) {
    return EnqueuedReason.ConcurrencyLimit;
  }
  return EnqueuedReason.Queued;
}
