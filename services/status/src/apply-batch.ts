import type { JsMsg } from '@nats-io/jetstream';
import {
  TERMINAL_EVENT_TYPES,
  isTerminal,
  taskDocumentId,
  type TaskEvent,
  TaskEventType,
} from '@asyncfn/contracts';
import { planBatch, type BaseDoc, type EventVerdict } from '@asyncfn/core';
import type { TaskStore } from '@asyncfn/mongo';
import {
  combineOutcomes,
  done,
  drop,
  retry,
  type Coalescing,
  type MessageOutcome,
  type Received,
} from '@asyncfn/nats';
import type { Logger } from '@asyncfn/telemetry';

const PREMATURE_RETRY_MS = 250;
/** Projections kept in memory: tasks in flight at once, with room to spare. */
const CACHE_LIMIT = 200_000;

/** A message's events in the order they happened: those it carries in `earlier`, then its own. */
export function eventsOf(event: TaskEvent): TaskEvent[] {
  const { earlier, ...own } = event;
  if (!earlier?.length) return [event];
  return [...earlier, own as TaskEvent];
}

const TERMINAL_TYPES: ReadonlySet<string> = new Set<TaskEventType>(TERMINAL_EVENT_TYPES);

/**
 * A task's events held together for up to `windowMs`, or until its terminal event: a short task
 * then costs one projection write instead of one per event (updates are what the database spends
 * most on). Long tasks show each state at most `windowMs` after it reached this service. A task
 * that is waiting (its claim and Dequeued only: it waits in the queue, then for an executor) is
 * held up to `claimHoldMs` for its next event: under a backlog a task starts long after it was
 * accepted, and recording it at once would cost an insert and then updates. Meanwhile GetAsyncTask
 * answers from the claim (Enqueued where it may already be Dequeued: both mean waiting) and lists
 * show the task once recorded.
 */
export function taskCoalescing(options: {
  windowMs: number;
  claimHoldMs: number;
  claimsStream: string;
}): Coalescing<Received<TaskEvent>> {
  return {
    windowMs: options.windowMs,
    leadWindowMs: options.claimHoldMs,
    keyOf: ({ value: event }) => (event.untracked ? undefined : taskDocumentId(event.tenant, event.taskId)),
    closes: ({ value: event }) => TERMINAL_TYPES.has(event.type),
    leads: ({ msg, value: event }) =>
      msg.info.stream === options.claimsStream || event.type === TaskEventType.TaskDequeued,
  };
}

/**
 * An event whose task is not recorded waits for the task's claim (another stream, which may lag
 * behind under a backlog), retried with a growing delay up to UNKNOWN_TASK_MAX_DELAY_MS, and is
 * dropped after this many deliveries (about an hour): its claim never came.
 */
const UNKNOWN_TASK_DELIVERIES = 750;
const UNKNOWN_TASK_MAX_DELAY_MS = 5_000;

/**
 * The status service's handler, fed by the claims and the events: the state machine in memory over
 * cached projections (a read only for tasks it has not seen), then new projections and guarded
 * updates in bulk, each carrying its task's new history. Only then are the messages acknowledged.
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
  // A task whose claim is in the batch is assumed new (no read): the insert proves it. Tasks where
  // an assumption or the cache proved wrong are read next time.
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
  /** What one event's verdict means for its message. */
  const outcomeOf = (verdict: EventVerdict, event: TaskEvent, task: string, msg: JsMsg): MessageOutcome => {
    switch (verdict.kind) {
      case 'applied':
        deps.onApplied?.(event, msg);
        return done;
      case 'stale':
        logger.debug(
          { taskId: event.taskId, type: event.type, reason: verdict.reason },
          'stale event ignored',
        );
        return done;
      case 'premature':
        // Judged against the cache: read the projection afresh next time.
        distrust(task);
        return retry(PREMATURE_RETRY_MS, verdict.reason);
      case 'unknownTask':
        // Its claim may still be on the way (another stream): wait for it, a while.
        if (msg.info.deliveryCount < UNKNOWN_TASK_DELIVERIES) {
          const delay = Math.min(PREMATURE_RETRY_MS * msg.info.deliveryCount, UNKNOWN_TASK_MAX_DELAY_MS);
          return retry(delay, 'task not recorded yet');
        }
        logger.warn(
          { taskId: event.taskId, tenant: event.tenant, type: event.type },
          'event for unknown task dropped',
        );
        return drop('unknown task');
      default: {
        const unknown: never = verdict;
        throw new Error(`unknown verdict ${JSON.stringify(unknown)}`);
      }
    }
  };
  return async function applyBatch(batch: Received<TaskEvent>[]): Promise<MessageOutcome[]> {
    const msgs = batch.map(({ msg }) => msg);
    const outcomes: MessageOutcome[] = new Array(msgs.length);
    // Claims and events arrive from two streams: claims go first, so a task's claim is applied
    // before its other events of the same batch.
    const claims: { event: TaskEvent; position: number }[] = [];
    const others: { event: TaskEvent; position: number }[] = [];
    batch.forEach(({ value: event }, i) => {
      if (event.untracked) {
        // Task mode off: there is no task to record.
        outcomes[i] = done;
      } else {
        const list = event.type === 'TaskEnqueued' ? claims : others;
        for (const carried of eventsOf(event)) list.push({ event: carried, position: i });
      }
    });
    const ordered = [...claims, ...others];
    if (ordered.length === 0) return outcomes;
    const events = ordered.map((o) => o.event);
    const positions = ordered.map((o) => o.position);

    const ids = [...new Set(events.map((e) => taskDocumentId(e.tenant, e.taskId)))];
    const claimed = new Set(claims.map(({ event }) => taskDocumentId(event.tenant, event.taskId)));
    const bases = new Map<string, BaseDoc>();
    const toRead: string[] = [];
    for (const id of ids) {
      const cached = cache.get(id);
      if (cached) bases.set(id, cached);
      else if (mustRead.has(id) || !claimed.has(id)) toRead.push(id);
    }
    if (toRead.length > 0) {
      const read = await store.loadBases(toRead);
      for (const id of toRead) mustRead.delete(id);
      for (const [id, base] of read) bases.set(id, base);
    }
    const plan = planBatch(events, bases, deps.retentionSeconds * 1000);
    let conflicts: string[];
    try {
      ({ conflicts } = await store.applyWrites(plan.history, plan.inserts, plan.writes));
    } catch (err) {
      // Some writes may have landed: what is cached for these tasks can no longer be trusted.
      for (const id of ids) distrust(id);
      throw err;
    }
    const conflicted = new Set(conflicts);
    for (const id of [...plan.inserts.map((d) => d._id), ...plan.writes.map((w) => w.id)]) {
      if (conflicted.has(id)) distrust(id);
      else remember(id, plan.after.get(id)!);
    }

    // A message carrying several events (a TaskStarted with its outcome) gets one outcome for all.
    plan.verdicts.forEach((verdict, k) => {
      const i = positions[k]!;
      const task = plan.taskOf[k]!;
      const outcome = conflicted.has(task)
        ? retry(PREMATURE_RETRY_MS, 'projection changed concurrently')
        : outcomeOf(verdict, events[k]!, task, msgs[i]!);
      outcomes[i] = combineOutcomes(outcomes[i], outcome);
    });
    return outcomes;
  };
}
