import type { AcceptedTaskMessage } from '@asyncfn/contracts';
import type { TaskStore } from '@asyncfn/mongo';
import type { EventBus, TaskQueues } from '@asyncfn/nats';
import type { Logger } from '@asyncfn/telemetry';

/**
 * Finds accepted tasks whose queue publish was never confirmed (the ingress died between its
 * insert and its publish) and publishes them again: TaskEnqueued (stale if it did arrive) and the
 * task itself, with the same Nats-Msg-Id, so a publish that did land is deduplicated by the stream.
 */
export function startSweeper(deps: {
  store: TaskStore;
  queues: TaskQueues;
  bus: EventBus;
  logger: Logger;
  sweepAfterMs: number;
  intervalMs?: number;
  clock?: () => number;
}): { stop(): void } {
  const clock = deps.clock ?? Date.now;
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const stranded = await deps.store.findUnqueued(clock() - deps.sweepAfterMs, 500);
      for (const doc of stranded) {
        const message: AcceptedTaskMessage = {
          v: 1,
          taskId: doc.taskId,
          tenant: doc.tenant,
          functionName: doc.functionName,
          requestId: doc.requestId,
          payload: doc.payload,
          enqueuedAt: doc.startedTime,
          dueAt: doc.dueAt,
          ...(doc.traceparent ? { traceparent: doc.traceparent } : {}),
          ...(doc.rerunOf ? { rerunOf: doc.rerunOf } : {}),
        };
        await deps.bus.publish({
          type: 'TaskEnqueued',
          taskId: doc.taskId,
          tenant: doc.tenant,
          functionName: doc.functionName,
          attempt: 0,
          requestId: doc.requestId,
          dueAt: doc.dueAt,
          ...(doc.traceparent ? { traceparent: doc.traceparent } : {}),
        });
        const { seq, duplicate } = await deps.queues.enqueue(message);
        await deps.store.markQueued(doc._id, seq);
        deps.logger.warn({ taskId: doc.taskId, tenant: doc.tenant, duplicate }, 'stranded task republished');
      }
    } catch (err) {
      deps.logger.error({ err }, 'sweep failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), deps.intervalMs ?? Math.min(deps.sweepAfterMs, 10_000));
  return { stop: () => clearInterval(timer) };
}
