import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Names } from '@asyncfn/contracts';
import { metrics, type QueueDepthSample } from '@asyncfn/telemetry';
import type { Logger } from './consume.js';

export const DEFAULT_QUEUE_DEPTH_REFRESH_MS = 5_000;
/** A function whose queue emptied is reported as 0 for this long, then forgotten. */
const FORGET_AFTER_MS = 15 * 60_000;

/**
 * Queue depth per function as metrics: the per-task message counts of the tasks stream
 * (`<ns>.tasks.<tenant>.<function>.<task id>`) and of the tasks due at once in the runs stream
 * (`<ns>.runs.<tenant>.<function>.<task id>`), summed, read every few seconds in the background so
 * a scrape never waits on JetStream. Both are work queues, so a count is what is waiting: not yet
 * dequeued, delayed, being handed over, or (runs) taken by an executor and not finished. With
 * `consumer`, the dispatcher consumer's pending and ack-pending counts are reported too.
 */
export async function watchQueueDepth(options: {
  nc: NatsConnection;
  names: Names;
  logger: Logger;
  consumer?: string;
  refreshMs?: number;
}): Promise<{ stop(): void }> {
  const { names, logger } = options;
  const jsm = await jetstreamManager(options.nc);
  const queues = [
    { stream: names.streams.tasks, filter: names.subjects.tasksAll, prefix: `${names.namespace}.tasks.` },
    { stream: names.streams.runs, filter: names.subjects.directRunsAll, prefix: `${names.namespace}.runs.` },
  ];
  const known = new Map<string, QueueDepthSample & { seenAt: number }>();
  let pending: number | undefined;
  let ackPending: number | undefined;
  let failing = false;
  let inFlight = false;

  const refresh = async () => {
    const infos = await Promise.all(
      queues.map((q) => jsm.streams.info(q.stream, { subjects_filter: q.filter })),
    );
    const now = Date.now();
    for (const [subject, sample] of known) {
      sample.depth = 0;
      if (now - sample.seenAt > FORGET_AFTER_MS) known.delete(subject);
    }
    // One subject per queued task (….<tenant>.<function>.<task id>): summed per function.
    infos.forEach((info, i) => {
      const { prefix } = queues[i]!;
      for (const [subject, count] of Object.entries(info.state.subjects ?? {})) {
        if (!subject.startsWith(prefix)) continue;
        const [tenant, functionName, taskId] = subject.slice(prefix.length).split('.');
        if (!tenant || !functionName || !taskId) continue;
        const key = `${tenant}.${functionName}`;
        const sample = known.get(key);
        if (sample && sample.seenAt === now) sample.depth += count;
        else known.set(key, { tenant, functionName, depth: count, seenAt: now });
      }
    });
    if (options.consumer) {
      const ci = await jsm.consumers.info(names.streams.tasks, options.consumer);
      pending = ci.num_pending;
      ackPending = ci.num_ack_pending;
    }
  };
  const tick = async () => {
    // A slow broker must not get a pile of overlapping requests.
    if (inFlight) return;
    inFlight = true;
    try {
      await refresh();
      failing = false;
    } catch (err) {
      // Once per outage: a broker restart should not fill the log every few seconds.
      if (!failing) logger.warn({ err }, 'queue depth not refreshed');
      failing = true;
    } finally {
      inFlight = false;
    }
  };
  await tick();
  const timer = setInterval(() => void tick(), options.refreshMs ?? DEFAULT_QUEUE_DEPTH_REFRESH_MS);
  timer.unref();
  metrics.observeQueue(() => ({
    perFunction: known.values(),
    ...(pending !== undefined ? { pending } : {}),
    ...(ackPending !== undefined ? { ackPending } : {}),
  }));
  return { stop: () => clearInterval(timer) };
}
