import type { NatsConnection } from '@nats-io/transport-node';
import {
  STATUS_AFTER,
  type Names,
  type TaskChange,
  type TaskChangesMessage,
  type TaskEvent,
} from '@asyncfn/contracts';

/**
 * Tells listeners (the console's live view, through the ingress) what this service recorded. The
 * changes of one batch are gathered and sent at the end of the event-loop turn, one core NATS
 * message per tenant: cheap whether or not anyone listens, and sent only after the write, so a
 * reader that then asks the API sees what it was told.
 */
export function createChangeFeed(nc: NatsConnection, names: Names) {
  const pending = new Map<string, TaskChange[]>();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    for (const [tenant, changes] of pending) {
      const message: TaskChangesMessage = { v: 1, changes };
      try {
        nc.publish(names.subjects.applied(tenant), JSON.stringify(message));
      } catch {
        // Closed while shutting down: listeners refresh from the API when they reconnect.
      }
    }
    pending.clear();
  };
  return function recordApplied(event: TaskEvent): void {
    const change: TaskChange = {
      taskId: event.taskId,
      functionName: event.functionName,
      type: event.type,
      status: STATUS_AFTER[event.type],
      attempt: event.attempt,
      timestamp: event.timestamp,
    };
    const list = pending.get(event.tenant);
    if (list) list.push(change);
    else pending.set(event.tenant, [change]);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}
