import type { AcceptedTaskMessage, TaskEventInput } from '@asyncfn/contracts';
import { EnqueuedReason } from '@asyncfn/contracts';
import { HOLD_RECHECK_MS, decideDispatch, deferDelayMs, runMessageOf } from '@asyncfn/core';
import {
  done,
  retry,
  type EventBus,
  type FunctionDirectory,
  type ConcurrencyLeases,
  type MessageOutcome,
  type StopRequests,
  type TaskQueues,
} from '@asyncfn/nats';
import type { Logger } from '@asyncfn/telemetry';
import { recordDispatch } from './task-telemetry.js';

/**
 * Takes an accepted task off the queue: Dequeued, then Expired / Invalid / Stopped, or handed to
 * the executors. The queue message is acknowledged only after the hand-off is confirmed, so a
 * crash anywhere here redelivers the task (the events it already published are then stale).
 */
export function createTaskHandler(deps: {
  functions: FunctionDirectory;
  stops: StopRequests;
  bus: EventBus;
  queues: TaskQueues;
  /** Concurrency limits: a task beyond them stays Enqueued (absent: no limits). */
  leases?: ConcurrencyLeases;
  clock?: () => number;
  /** Dispatch decisions are logged at debug, with the task and its trace. */
  logger?: Logger;
}) {
  const clock = deps.clock ?? Date.now;
  return async function handleTask(task: AcceptedTaskMessage): Promise<MessageOutcome> {
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
    const final = task.untracked
      ? { ...common, untracked: { requestId: task.requestId, payload: task.payload, invokeCount: 0 } }
      : common;
    const dequeued: TaskEventInput = { ...common, type: 'TaskDequeued' };
    const announceDequeued = () => (task.untracked ? Promise.resolve() : deps.bus.publish(dequeued));
    /** A task that ends here: its Dequeued travels in the terminal event's message. */
    const end = async (terminal: TaskEventInput) => {
      if (task.untracked) await deps.bus.publish(terminal);
      else await deps.bus.publishTogether([{ input: dequeued }, { input: terminal }]);
    };
    switch (decision.kind) {
      case 'defer':
        // Delayed, paused or disabled: stays Enqueued in the queue (capped so a stop is noticed).
        return retry(deferDelayMs(decision.delayMs), decision.reason);
      case 'stop':
        await deps.bus.publish({ ...final, type: 'TaskStopped', reason: 'stopped before it was dequeued' });
        return done;
      case 'invalid':
        await end({ ...final, type: 'TaskInvalidated', reason: decision.reason });
        return done;
      case 'expire':
        await end({
          ...final,
          type: 'TaskExpired',
          ageSeconds: decision.ageSeconds,
          maxAgeSeconds: decision.maxAgeSeconds,
        });
        return done;
      case 'run': {
        // A slot under the function's and the tenant's limits, held until the task ends (the
        // executor releases it); none free: the task stays Enqueued and looks again shortly.
        if (deps.leases && fn && !(await deps.leases.acquire(fn, task.taskId))) {
          return retry(HOLD_RECHECK_MS, EnqueuedReason.ConcurrencyLimit);
        }
        const run = runMessageOf(task, decision.maxRetries);
        // Both at once, Dequeued first on the wire: the run cannot start before it is sent. If
        // either fails, the message is redelivered; the hand-off is deduplicated by its id and a
        // second Dequeued is stale.
        await Promise.all([announceDequeued(), deps.queues.handOff(run, `${task.tenant}:${task.taskId}`)]);
        return done;
      }
      default: {
        const unknown: never = decision;
        throw new Error(`unknown decision ${JSON.stringify(unknown)}`);
      }
    }
  };
}
