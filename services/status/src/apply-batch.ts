import type { JsMsg } from '@nats-io/jetstream';
import {
  TASK_EVENT_SCHEMA_VERSION,
  TERMINAL_EVENT_TYPES,
  isTerminal,
  taskDocumentId,
  type TaskEvent,
  type TaskEventType,
} from '@asyncfn/contracts';
import { ACCEPTED_BASE, planBatch, type BaseDoc } from '@asyncfn/core';
import type { TaskStore } from '@asyncfn/mongo';
import { done, drop, retry, type Coalescing, type MessageOutcome } from '@asyncfn/nats';
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

const TERMINAL_TYPES: ReadonlySet<string> = new Set<TaskEventType>(TERMINAL_EVENT_TYPES);

/**
 * A task's events held together for up to `windowMs`, or until its terminal event: a short task
 * then costs one projection write instead of one per event (updates are what the database spends
 * most on). Long tasks show each state at most `windowMs` late.
 */
export function taskCoalescing(windowMs: number): Coalescing {
  return {
    windowMs,
    keyOf(msg) {
      const event = parseEvent(msg);
      return event && !event.untracked ? taskDocumentId(event.tenant, event.taskId) : undefined;
    },
    closes: (msg) => TERMINAL_TYPES.has(msg.subject.slice(msg.subject.lastIndexOf('.') + 1)),
  };
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
  // A task this service has not seen is assumed to be as the ingress inserted it (version 1), which
  // saves a read per task: the guarded write proves it. Tasks where that proved wrong are read.
  const mustRead = new Set<string>();
  const distrust = (id: string) => {
    cache.delete(id);
    mustRead.add(id);
  };
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
    const assumed = new Set<string>();
    const toRead: string[] = [];
    for (const id of ids) {
      const cached = cache.get(id);
      if (cached) bases.set(id, cached);
      else if (mustRead.has(id)) toRead.push(id);
      else {
        bases.set(id, { _id: id, ...ACCEPTED_BASE });
        assumed.add(id);
      }
    }
    if (toRead.length > 0) {
      const read = await store.loadBases(toRead);
      for (const id of toRead) mustRead.delete(id);
      for (const [id, base] of read) bases.set(id, base);
    }
    const plan = planBatch(events, bases, deps.retentionSeconds * 1000);
    let conflicts: string[];
    try {
      ({ conflicts } = await store.applyWrites(plan.history, plan.writes));
    } catch (err) {
      // Some writes may have landed: what is cached for these tasks can no longer be trusted.
      for (const id of ids) distrust(id);
      throw err;
    }
    const conflicted = new Set(conflicts);
    for (const write of plan.writes) {
      if (conflicted.has(write.id)) distrust(write.id);
      else remember(write.id, plan.after.get(write.id)!);
    }

    plan.verdicts.forEach((verdict, k) => {
      const i = positions[k]!;
      const event = events[k]!;
      const task = plan.taskOf[k]!;
      if (conflicted.has(task)) {
        outcomes[i] = retry(PREMATURE_RETRY_MS, 'projection changed concurrently');
        return;
      }
      switch (verdict.kind) {
        case 'applied':
          deps.onApplied?.(event, msgs[i]!);
          outcomes[i] = done;
          return;
        case 'stale':
          if (assumed.has(task)) {
            // Judged against an assumed state: read the real one and judge again.
            distrust(task);
            outcomes[i] = retry(0, verdict.reason);
            return;
          }
          logger.debug(
            { taskId: event.taskId, type: event.type, reason: verdict.reason },
            'stale event ignored',
          );
          outcomes[i] = done;
          return;
        case 'premature':
          // Judged against the cache or an assumption: read the projection afresh next time.
          distrust(task);
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
