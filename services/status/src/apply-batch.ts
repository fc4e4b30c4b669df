import type { JsMsg } from '@nats-io/jetstream';
import { TASK_EVENT_SCHEMA_VERSION, isTerminal, taskDocumentId, type TaskEvent } from '@asyncfn/contracts';
import { planBatch, type BaseDoc } from '@asyncfn/core';
import type { TaskStore } from '@asyncfn/mongo';
import { done, drop, retry, type MessageOutcome } from '@asyncfn/nats';
import type { Logger } from '@asyncfn/telemetry';

const PREMATURE_RETRY_MS = 250;
/** Projections kept in memory: tasks in flight at once, with room to spare. */
const CACHE_LIMIT = 200_000;

function parseEvent(msg: JsMsg): TaskEvent | undefined {
  try {
    const event = msg.json<TaskEvent>();
    return event.v === TASK_EVENT_SCHEMA_VERSION && typeof event.taskId === 'string' ? event : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The status service's handler: one read of the affected projections, the state machine in memory,
 * then history and guarded projection writes in bulk. Only then are the messages acknowledged.
 */
export function createBatchApplier(deps: {
  store: TaskStore;
  retentionSeconds: number;
  logger: Logger;
  /** After the write, per applied event (telemetry: a span in the task's trace, metrics). */
  onApplied?: (event: TaskEvent, msg: JsMsg) => void;
}) {
  const { store, logger } = deps;
  // The projections of tasks still in flight, as this service last wrote them: most events then
  // need no read at all. Guarded writes catch a stale entry (another replica wrote): it is dropped.
  const cache = new Map<string, BaseDoc>();
  const remember = (id: string, base: BaseDoc) => {
    cache.delete(id);
    if (isTerminal(base.status)) return;
    cache.set(id, base);
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  };
  return async function applyBatch(msgs: JsMsg[]): Promise<MessageOutcome[]> {
    const outcomes: MessageOutcome[] = new Array(msgs.length);
    const events: TaskEvent[] = [];
    const positions: number[] = [];
    msgs.forEach((msg, i) => {
      const event = parseEvent(msg);
      if (event?.untracked) {
        // Task mode off: there is no task to record.
        outcomes[i] = done;
      } else if (event) {
        events.push(event);
        positions.push(i);
      } else {
        logger.error({ subject: msg.subject, seq: msg.seq }, 'unreadable task event dropped');
        outcomes[i] = drop('unreadable event');
      }
    });
    if (events.length === 0) return outcomes;

    const ids = [...new Set(events.map((e) => taskDocumentId(e.tenant, e.taskId)))];
    const bases = new Map<string, BaseDoc>();
    const missing = ids.filter((id) => {
      const cached = cache.get(id);
      if (cached) bases.set(id, cached);
      return !cached;
    });
    if (missing.length > 0) for (const [id, base] of await store.loadBases(missing)) bases.set(id, base);
    const plan = planBatch(events, bases, deps.retentionSeconds * 1000);
    let conflicts: string[];
    try {
      ({ conflicts } = await store.applyWrites(plan.history, plan.writes));
    } catch (err) {
      // Some writes may have landed: what is cached for these tasks can no longer be trusted.
      for (const id of ids) cache.delete(id);
      throw err;
    }
    const conflicted = new Set(conflicts);
    for (const write of plan.writes) {
      if (conflicted.has(write.id)) cache.delete(write.id);
      else remember(write.id, plan.after.get(write.id)!);
    }

    plan.verdicts.forEach((verdict, k) => {
      const i = positions[k]!;
      const event = events[k]!;
      if (conflicted.has(plan.taskOf[k]!)) {
        outcomes[i] = retry(PREMATURE_RETRY_MS, 'projection changed concurrently');
        return;
      }
      switch (verdict.kind) {
        case 'applied':
          deps.onApplied?.(event, msgs[i]!);
          outcomes[i] = done;
          return;
        case 'stale':
          logger.debug(
            { taskId: event.taskId, type: event.type, reason: verdict.reason },
            'stale event ignored',
          );
          outcomes[i] = done;
          return;
        case 'premature':
          // Judged against the cache: read the projection afresh next time, in case it moved on.
          cache.delete(plan.taskOf[k]!);
          outcomes[i] = retry(PREMATURE_RETRY_MS, verdict.reason);
          return;
        case 'unknownTask':
          logger.warn(
            { taskId: event.taskId, tenant: event.tenant, type: event.type },
            'event for unknown task dropped',
          );
          outcomes[i] = drop('unknown task');
          return;
        default: {
          const unknown: never = verdict;
          throw new Error(`unknown verdict ${JSON.stringify(unknown)}`);
        }
      }
    });
    return outcomes;
  };
}
