import {
  taskDocumentId,
  type TaskDocument,
  type TaskEvent,
  type TaskEventDocument,
} from '@asyncfn/contracts';
import { decide } from './task-state.js';
import { eventDocument, projectionChanges, type ProjectionBase } from './projection.js';
import { acceptedDocument } from './accepted-task.js';

export type BaseDoc = ProjectionBase & { _id: string };

/** What to do with each event of a batch once the writes are done. */
export type EventVerdict =
  | { kind: 'applied'; taskId: string }
  | { kind: 'stale'; reason: string }
  | { kind: 'premature'; reason: string }
  | { kind: 'unknownTask' };

export interface BatchPlan {
  history: TaskEventDocument[];
  /** Projections created by this batch (from claims), with the batch's later events applied. */
  inserts: TaskDocument[];
  writes: { id: string; expectedVersion: number; set: Partial<TaskDocument> }[];
  verdicts: EventVerdict[];
  /** Projection id of each event, to retry the events of a task whose write conflicted. */
  taskOf: string[];
  /** Each written task's projection as it will be once its write lands. */
  after: Map<string, BaseDoc>;
}

/**
 * Plans how a batch of events changes history and projections: events of one task are applied in
 * order, in memory, so each task gets one write however many of its events the batch holds: an
 * insert when the batch holds its claim (TaskEnqueued) and the task has no base, otherwise a
 * guarded update.
 */
export function planBatch(
  events: TaskEvent[],
  bases: ReadonlyMap<string, BaseDoc>,
  retentionMs: number,
): BatchPlan {
  const working = new Map<string, BaseDoc>();
  const pending = new Map<string, { expectedVersion: number; set: Partial<TaskDocument> }>();
  const created = new Map<string, TaskDocument>();
  const plan: BatchPlan = { history: [], inserts: [], writes: [], verdicts: [], taskOf: [], after: working };

  for (const event of events) {
    const id = taskDocumentId(event.tenant, event.taskId);
    plan.taskOf.push(id);
    const base = working.get(id) ?? bases.get(id);
    if (!base) {
      if (event.type !== 'TaskEnqueued') {
        plan.verdicts.push({ kind: 'unknownTask' });
        continue;
      }
      const doc = acceptedDocument(event, retentionMs);
      plan.history.push(eventDocument(event, doc.version, doc.expireAt));
      created.set(id, doc);
      working.set(id, {
        _id: id,
        status: doc.status,
        attempt: doc.attempt,
        version: doc.version,
        invokeCount: doc.invokeCount,
      });
      plan.verdicts.push({ kind: 'applied', taskId: event.taskId });
      continue;
    }
    const decision = decide({ status: base.status, attempt: base.attempt }, event);
    if (decision.kind === 'reject') {
      plan.verdicts.push({ kind: decision.rejection, reason: decision.reason });
      continue;
    }
    const changes = projectionChanges(base, event, decision.next);
    plan.history.push(eventDocument(event, base.version + 1, new Date(event.timestamp + retentionMs)));
    const doc = created.get(id);
    if (doc) Object.assign(doc, changes);
    else {
      const write = pending.get(id) ?? { expectedVersion: bases.get(id)!.version, set: {} };
      Object.assign(write.set, changes);
      pending.set(id, write);
    }
    working.set(id, { ...base, ...changes } as BaseDoc);
    plan.verdicts.push({ kind: 'applied', taskId: event.taskId });
  }
  for (const [id, write] of pending) plan.writes.push({ id, ...write });
  plan.inserts.push(...created.values());
  return plan;
}
