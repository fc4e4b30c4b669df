import {
  STATUS_AFTER,
  describeEvent,
  isTerminal,
  type TaskDocument,
  type TaskEvent,
  type TaskEventDocument,
} from '@asyncfn/contracts';
import type { TaskState } from './task-state.js';

/** The part of the projection that applying an event reads. */
export type ProjectionBase = Pick<TaskDocument, 'status' | 'attempt' | 'version' | 'invokeCount'>;

/** The projection fields an accepted event changes (a MongoDB `$set`). */
export function projectionChanges(
  base: ProjectionBase,
  event: TaskEvent,
  next: TaskState,
): Partial<TaskDocument> {
  const changes: Partial<TaskDocument> = {
    status: next.status,
    attempt: next.attempt,
    version: base.version + 1,
    updatedAt: event.timestamp,
  };
  if (isTerminal(next.status)) changes.endTime = event.timestamp;
  switch (event.type) {
    case 'TaskStarted':
      changes.invokeCount = base.invokeCount + 1;
      changes.alreadyRetriedTimes = Math.max(0, event.attempt - 1);
      if (event.instanceId) changes.instanceId = event.instanceId;
      break;
    case 'TaskSucceeded':
      changes.returnPayload = event.returnPayload;
      if (event.instanceId) changes.instanceId = event.instanceId;
      if (event.resources) changes.resources = event.resources;
      break;
    case 'TaskFailed':
      changes.taskErrorMessage = event.errorMessage;
      if (event.instanceId) changes.instanceId = event.instanceId;
      if (event.resources) changes.resources = event.resources;
      break;
    case 'TaskRetryScheduled':
      changes.taskErrorMessage = event.errorMessage;
      changes.retryAt = event.retryAt;
      break;
    case 'TaskStopped':
      changes.taskErrorMessage = describeEvent(event);
      if (event.instanceId) changes.instanceId = event.instanceId;
      if (event.resources) changes.resources = event.resources;
      break;
    case 'TaskExpired':
    case 'TaskInvalidated':
      changes.taskErrorMessage = describeEvent(event);
      break;
    case 'TaskEnqueued':
    case 'TaskDequeued':
    case 'TaskStopRequested':
      break;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
  return changes;
}

/**
 * When a document expires: `expireAt` for TTL indexes, and its minute, an equality a server without
 * TTL indexes can look up by index (FerretDB filters a range on expireAt by reading every document).
 */
export function expiryOf(expireAtMs: number): { expireAt: Date; expireMinute: number } {
  return { expireAt: new Date(expireAtMs), expireMinute: Math.floor(expireAtMs / 60_000) };
}

/** The history entry for an accepted event; `seq` is its 1-based position in the task's history. */
export function eventDocument(event: TaskEvent, seq: number, expireAt: Date): TaskEventDocument {
  return {
    _id: event.eventId,
    tenant: event.tenant,
    taskId: event.taskId,
    seq,
    type: event.type,
    status: STATUS_AFTER[event.type],
    attempt: event.attempt,
    timestamp: event.timestamp,
    source: event.source,
    detail: describeEvent(event),
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
    ...expiryOf(expireAt.getTime()),
  };
}
