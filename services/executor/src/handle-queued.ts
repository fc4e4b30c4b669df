import type { JsMsg } from '@nats-io/jetstream';
import {
  isAcceptedTask,
  type AcceptedTaskMessage,
  type RunQueueMessage,
  type RunTaskMessage,
  type TaskEventInput,
} from '@asyncfn/contracts';
import { asyncConfigFor, maxRetriesOf, runMessageOf } from '@asyncfn/core';
import {
  dequeuedEvent,
  done,
  type Dispatched,
  type FunctionDirectory,
  type MessageOutcome,
  type TaskQueues,
} from '@asyncfn/nats';

/**
 * The executors' queue (the runs stream) holds runs the dispatcher handed over, and tasks due at
 * once that the ingress queued straight here: such a task is dispatched by the executor that takes
 * it (the same decision as the dispatcher's, libs/nats dispatch-task.ts), a hop and three messages
 * less per task. One it may not start yet (a pause, a concurrency limit) goes to the dispatcher's
 * queue. Its attempts are its deliveries here, as a handed-over run's are, so it is never sent
 * back to this queue with a delay other than a retry's.
 */
export function createQueuedHandler(deps: {
  runTask(msg: JsMsg, run: RunTaskMessage, dequeued?: TaskEventInput): Promise<MessageOutcome>;
  dispatch(task: AcceptedTaskMessage): Promise<Dispatched>;
  queues: Pick<TaskQueues, 'defer' | 'isDeferred'>;
  functions: FunctionDirectory;
  clock?: () => number;
}) {
  const clock = deps.clock ?? Date.now;
  return async function handleQueued(message: RunQueueMessage, msg: JsMsg): Promise<MessageOutcome> {
    if (!isAcceptedTask(message)) return deps.runTask(msg, message);
    const task = message;
    if (msg.info.deliveryCount > 1) {
      // A retry after a failed attempt, or its executor died: the attempt is the delivery count,
      // as for any run. Unless an earlier delivery handed it to the dispatcher and died before
      // its acknowledgement: that copy goes on.
      if (await deps.queues.isDeferred(task.tenant, task.functionName, task.taskId)) return done;
      const fn = await deps.functions.get(task.tenant, task.functionName);
      const run = runMessageOf(task, maxRetriesOf(fn && asyncConfigFor(fn, task.qualifier)));
      // Its TaskDequeued again, in case the first delivery died before it left (a second one is stale).
      return deps.runTask(msg, run, dequeuedEvent(task));
    }
    // Due at once: an executor's clock a little behind the ingress's must not delay it.
    const dispatched = await deps.dispatch({ ...task, dueAt: Math.min(task.dueAt, clock()) });
    switch (dispatched.kind) {
      case 'ended':
        return done;
      case 'wait':
        await deps.queues.defer(task);
        return done;
      case 'run':
        return deps.runTask(msg, runMessageOf(task, dispatched.maxRetries), dispatched.dequeued);
      default: {
        const unknown: never = dispatched;
        throw new Error(`unknown dispatch ${JSON.stringify(unknown)}`);
      }
    }
  };
}
