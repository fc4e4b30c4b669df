import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Names } from '@asyncfn/contracts';
import { acceptedMessageOf } from '@asyncfn/core';
import type { TaskStore } from '@asyncfn/mongo';
import type { TaskQueues } from '@asyncfn/nats';
import type { Logger } from '@asyncfn/telemetry';

/** How long a sweep waits for this service to catch up with the events before it gives up. */
const CATCH_UP_TIMEOUT_MS = 10_000;
const PAGE = 200;

/**
 * Finds claimed tasks that were never queued (the ingress died, or its queue publish failed, after
 * the claim) and queues them, with the same Nats-Msg-Id as the ingress would have used.
 *
 * A task still Enqueued whose message is not in the queue was either never queued or has just been
 * taken: a dispatcher publishes TaskDequeued before its message leaves the queue. So the sweeper
 * first waits until this service has acknowledged every event published by then; a task that is
 * still Enqueued after that was never queued.
 */
export function startSweeper(deps: {
  nc: NatsConnection;
  names: Names;
  store: TaskStore;
  queues: TaskQueues;
  logger: Logger;
  sweepAfterMs: number;
  intervalMs?: number;
  clock?: () => number;
}): { stop(): void } {
  const { names, store, queues, logger } = deps;
  const clock = deps.clock ?? Date.now;
  let running = false;
  let cursor: { t: number; id: string } | undefined;

  const caughtUpWithEvents = async (): Promise<boolean> => {
    const jsm = await jetstreamManager(deps.nc);
    const last = (await jsm.streams.info(names.streams.events)).state.last_seq;
    const deadline = clock() + CATCH_UP_TIMEOUT_MS;
    while (clock() < deadline) {
      const info = await jsm.consumers.info(names.streams.events, names.consumers.status);
      if (info.ack_floor.stream_seq >= last) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  };

  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const page = await store.findEnqueued(clock() - deps.sweepAfterMs, PAGE, cursor);
      cursor = page.next;
      const notQueued = [];
      for (const doc of page.tasks) {
        if ((await queues.queuedAt(doc.tenant, doc.functionName, doc.taskId)) === undefined)
          notQueued.push(doc);
      }
      if (notQueued.length === 0 || !(await caughtUpWithEvents())) return;
      for (const suspect of notQueued) {
        const doc = await store.get(suspect.tenant, suspect.taskId);
        if (doc?.status !== 'Enqueued') continue;
        const { duplicate } = await queues.enqueue(acceptedMessageOf(doc));
        logger.warn({ taskId: doc.taskId, tenant: doc.tenant, duplicate }, 'stranded task queued');
      }
    } catch (err) {
      logger.error({ err }, 'sweep failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), deps.intervalMs ?? Math.min(deps.sweepAfterMs, 10_000));
  return { stop: () => clearInterval(timer) };
}
