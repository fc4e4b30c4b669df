import type { AcceptedTaskMessage, FunctionRecord } from '@asyncfn/contracts';
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
