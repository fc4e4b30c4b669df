import type { AcceptedTaskMessage, TaskEventInput } from '@asyncfn/contracts';
import { EnqueuedReason, TaskStatus } from '@asyncfn/contracts';
import { HOLD_RECHECK_MS, decideDispatch, untrackedRequest, type DispatchDecision } from '@asyncfn/core';
import { annotateTask, metrics, taskLogger, type Logger } from '@asyncfn/telemetry';
import type { FunctionDirectory, StopRequests } from './kv.js';
import type { ConcurrencyLeases } from './leases.js';
import type { EventBus } from './publish.js';

/**
 * Dequeuing an accepted task, wherever it happens: the dispatcher (delayed and deferred tasks) and
 * the executors (a task due at once, queued straight to them) take the same decision the same way
 * (libs/core decideDispatch). A task that ends here (stopped, invalid, expired) is reported here;
 * one that may run, or must wait, is handed back to the caller's own queue.
 */
export type Dispatched =
  /** Reported as ended; nothing more to do with its message. */
  | { kind: 'ended' }
  /** Not yet: delayed, paused, disabled, or at its concurrency limit (a slot was not free). */
  | { kind: 'wait'; delayMs: number; reason: EnqueuedReason }
  /**
   * May run: a concurrency slot is held for it. `dequeued` is its TaskDequeued, to publish before
   * (or with) what happens next.
   */
  | { kind: 'run'; maxRetries: number; dequeued: TaskEventInput | undefined };

export interface DispatchDeps {
  functions: FunctionDirectory;
  stops: StopRequests;
  bus: EventBus;
  /** Concurrency limits: a task beyond them waits (absent: no limits). */
  leases?: ConcurrencyLeases;
  clock?: () => number;
  /** Dispatch decisions are logged at debug, with the task and its trace. */
  logger?: Logger;
}

export function createTaskDispatch(deps: DispatchDeps) {
  const clock = deps.clock ?? Date.now;
  return async function dispatch(task: AcceptedTaskMessage): Promise<Dispatched> {
    const [fn, stopRequested] = await Promise.all([
      deps.functions.get(task.tenant, task.functionName),
      deps.stops.isRequested(task.tenant, task.taskId),
    ]);
    const now = clock();
    const decision = decideDispatch({ task, fn, stopRequested, now });
    recordDispatch(task, decision, now, deps.logger);
    const common = {
      taskId: task.taskId,
      tenant: task.tenant,
      functionName: task.functionName,
      attempt: 0,
      ...(task.traceparent ? { traceparent: task.traceparent } : {}),
    };
    // Task mode off: no state is recorded, only the terminal event (for destinations) is published.
    const final = task.untracked ? { ...common, untracked: untrackedRequest(task, 0) } : common;
    const dequeued = dequeuedEvent(task);
    /** A task that ends here: its Dequeued travels in the terminal event's message. */
    const end = async (terminal: TaskEventInput): Promise<Dispatched> => {
      if (!dequeued) await deps.bus.publish(terminal);
      else await deps.bus.publishTogether([{ input: dequeued }, { input: terminal }]);
      return { kind: 'ended' };
    };
    switch (decision.kind) {
      case 'defer':
        return { kind: 'wait', delayMs: decision.delayMs, reason: decision.reason };
      case 'stop':
        await deps.bus.publish({ ...final, type: 'TaskStopped', reason: 'stopped before it was dequeued' });
        return { kind: 'ended' };
      case 'invalid':
        return end({ ...final, type: 'TaskInvalidated', reason: decision.reason });
      case 'expire':
        return end({
          ...final,
          type: 'TaskExpired',
          ageSeconds: decision.ageSeconds,
          maxAgeSeconds: decision.maxAgeSeconds,
        });
      case 'run':
        // A slot under the function's and the tenant's limits, held until the task ends (the
        // executor releases it); none free: the task stays Enqueued and looks again shortly.
        if (deps.leases && fn && !(await deps.leases.acquire(fn, task.taskId))) {
          return { kind: 'wait', delayMs: HOLD_RECHECK_MS, reason: EnqueuedReason.ConcurrencyLimit };
        }
        return { kind: 'run', maxRetries: decision.maxRetries, dequeued };
      default: {
        const unknown: never = decision;
        throw new Error(`unknown decision ${JSON.stringify(unknown)}`);
      }
    }
  };
}

/** A task's TaskDequeued (none for an untracked task: nothing of it is recorded). */
export function dequeuedEvent(task: AcceptedTaskMessage): TaskEventInput | undefined {
  if (task.untracked) return undefined;
  return {
    taskId: task.taskId,
    tenant: task.tenant,
    functionName: task.functionName,
    attempt: 0,
    type: 'TaskDequeued',
    ...(task.traceparent ? { traceparent: task.traceparent } : {}),
  };
}

/** The state each dispatch decision leads the task to (a deferred task stays Enqueued). */
const STATUS_OF: Record<DispatchDecision['kind'], TaskStatus> = {
  defer: TaskStatus.Enqueued,
  stop: TaskStatus.Stopped,
  invalid: TaskStatus.Invalid,
  expire: TaskStatus.Expired,
  run: TaskStatus.Dequeued,
};

/**
 * Tags the consumer span with the task and the state it reached, records the task's age at
 * dequeue (since accepted; a delayed task's age includes its delay; deferrals are not dequeues),
 * and logs the decision at debug.
 */
function recordDispatch(
  task: AcceptedTaskMessage,
  decision: DispatchDecision,
  now: number,
  logger?: Logger,
): void {
  const status = STATUS_OF[decision.kind];
  annotateTask({
    taskId: task.taskId,
    functionName: task.functionName,
    tenant: task.tenant,
    attempt: 0,
    status,
  });
  if (decision.kind !== 'defer') metrics.dequeued(task.tenant, task.functionName, now - task.enqueuedAt);
  if (logger?.isLevelEnabled('debug'))
    taskLogger(logger, task).debug({ decision: decision.kind, status }, 'task dispatched');
}
