import type { JsMsg } from '@nats-io/jetstream';
import { TASK_EVENT_SCHEMA_VERSION, type TaskEvent } from '@asyncfn/contracts';
import { planBatch } from '@asyncfn/core';
import type { TaskStore } from '@asyncfn/mongo';
import { done, drop, retry, type MessageOutcome } from '@asyncfn/nats';
import type { Logger } from '@asyncfn/telemetry';

const PREMATURE_RETRY_MS = 250;

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
  onApplied?: (event: TaskEvent) => void;
}) {
  const { store, logger } = deps;
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

    const ids = [...new Set(events.map((e) => `${e.tenant}:${e.taskId}`))];
    const bases = await store.loadBases(ids);
    const plan = planBatch(events, bases, deps.retentionSeconds * 1000);
    const { conflicts } = await store.applyWrites(plan.history, plan.writes);
    const conflicted = new Set(conflicts);

    plan.verdicts.forEach((verdict, k) => {
      const i = positions[k]!;
      const event = events[k]!;
      if (conflicted.has(plan.taskOf[k]!)) {
        outcomes[i] = retry(PREMATURE_RETRY_MS, 'projection changed concurrently');
        return;
      }
      switch (verdict.kind) {
        case 'applied':
          deps.onApplied?.(event);
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
