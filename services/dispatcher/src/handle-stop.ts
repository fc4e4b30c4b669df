import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { TaskStopRequested } from '@asyncfn/contracts';
import { done, type EventBus, type MessageOutcome } from '@asyncfn/nats';
import { annotateTask } from '@asyncfn/telemetry';

/**
 * A stop requested while the task still waits in a queue (the tasks stream, or the runs stream for
 * a task due at once): take its message out of the stream. Deleting is atomic, so exactly one
 * dispatcher replica succeeds and reports Stopped; if the message is gone, the task was already
 * dequeued and the dispatcher's or executor's own check of the stop request finishes the stop.
 */
export async function createStopHandler(deps: {
  nc: NatsConnection;
  streams: { tasks: string; runs: string };
  bus: EventBus;
}) {
  const jsm = await jetstreamManager(deps.nc);
  return async function handleStop(event: TaskStopRequested): Promise<MessageOutcome> {
    annotateTask(event);
    if (event.queueSeq === undefined) return done;
    const removed = await jsm.streams
      .deleteMessage(deps.streams[event.queueStream ?? 'tasks'], event.queueSeq, false)
      .catch(() => false);
    if (removed) {
      await deps.bus.publish({
        taskId: event.taskId,
        tenant: event.tenant,
        functionName: event.functionName,
        attempt: event.attempt,
        type: 'TaskStopped',
        reason: 'stopped while queued',
        ...(event.traceparent ? { traceparent: event.traceparent } : {}),
      });
    }
    return done;
  };
}
