import { acceptedMessageOf, buildAcceptedTask } from '@asyncfn/core';
import type { TaskStore } from '@asyncfn/mongo';
import type { TaskQueues } from '@asyncfn/nats';
import type { Logger } from '@asyncfn/telemetry';

/**
 * Finds accepted tasks whose queue publish was never confirmed (the ingress died between its
 * insert and its publish) and finishes what the ingress started: the first history entry (its id is
 * deterministic, so a second write is a no-op) and the queue message, with the same Nats-Msg-Id,
 * so a publish that did land is deduplicated by the stream.
 */
export function startSweeper(deps: {
  store: TaskStore;
  queues: TaskQueues;
  logger: Logger;
  sweepAfterMs: number;
  intervalMs?: number;
  clock?: () => number;
}): { stop(): void } {
  const clock = deps.clock ?? Date.now;
  let running = false;
  let cursor: { t: number; id: string } | undefined;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const page = await deps.store.findUnqueued(clock() - deps.sweepAfterMs, 500, cursor);
      cursor = page.next;
      const stranded = page.stranded;
      for (const doc of stranded) {
        const retentionMs = doc.expireAt.getTime() - doc.startedTime;
        const { enqueued } = buildAcceptedTask(
          {
            tenant: doc.tenant,
            functionName: doc.functionName,
            taskId: doc.taskId,
            requestId: doc.requestId,
            payload: doc.payload,
            delaySeconds: (doc.dueAt - doc.startedTime) / 1000,
            ...(doc.traceparent ? { traceparent: doc.traceparent } : {}),
          },
          doc.startedTime,
          retentionMs,
        );
        await deps.store.recordHistory(enqueued);
        const { seq, duplicate } = await deps.queues.enqueue(acceptedMessageOf(doc));
        await deps.store.markQueued(doc._id, seq, doc.expireAt);
        deps.logger.warn({ taskId: doc.taskId, tenant: doc.tenant, duplicate }, 'stranded task queued');
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
