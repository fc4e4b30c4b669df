import type { AcceptedTaskMessage } from '@asyncfn/contracts';
import { deferDelayMs, runMessageOf } from '@asyncfn/core';
import {
  createTaskDispatch,
  done,
  retry,
  type DispatchDeps,
  type MessageOutcome,
  type TaskQueues,
} from '@asyncfn/nats';

/**
 * Takes an accepted task off the dispatcher's queue (delayed tasks, and tasks an executor could
 * not start yet): Dequeued, then Expired / Invalid / Stopped, or handed to the executors. The
 * queue message is acknowledged only after the hand-off is confirmed, so a crash anywhere here
 * redelivers the task (the events it already published are then stale).
 */
export function createTaskHandler(deps: DispatchDeps & { queues: TaskQueues }) {
  const dispatch = createTaskDispatch(deps);
  return async function handleTask(task: AcceptedTaskMessage): Promise<MessageOutcome> {
    const dispatched = await dispatch(task);
    switch (dispatched.kind) {
      case 'ended':
        return done;
      case 'wait':
        // Delayed, paused, disabled or at its limit: stays Enqueued here (capped so a stop is noticed).
        return retry(deferDelayMs(dispatched.delayMs), dispatched.reason);
      case 'run': {
        const run = runMessageOf(task, dispatched.maxRetries);
        // Both at once, Dequeued first on the wire: the run cannot start before it is sent. If
        // either fails, the message is redelivered; the hand-off is deduplicated by its id and a
        // second Dequeued is stale.
        await Promise.all([
          dispatched.dequeued ? deps.bus.publish(dispatched.dequeued) : undefined,
          deps.queues.handOff(run, `${task.tenant}:${task.taskId}`),
        ]);
        return done;
      }
      default: {
        const unknown: never = dispatched;
        throw new Error(`unknown dispatch ${JSON.stringify(unknown)}`);
      }
    }
  };
}
