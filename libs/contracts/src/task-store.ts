import {
  taskDocumentId,
  type TaskDocument,
  type TaskEventDocument,
  type TaskHistoryEntry,
} from './records.js';
import type { TaskStatus } from './task-status.js';

/*
 * The port the task read model is kept behind. Two adapters implement it: @asyncfn/mongo (the
 * default, MongoDB) and @asyncfn/postgres (PostgreSQL, ASYNCFN_TASK_STORE=postgresql).
 */

/** What applying a batch of events changes: new history entries and guarded projection updates. */
export interface ProjectionWrite {
  id: string;
  /** The version the change was computed from; the update applies only if it is still current. */
  expectedVersion: number;
  set: Partial<TaskDocument>;
}

export type ProjectionBaseDoc = Pick<TaskDocument, '_id' | 'status' | 'attempt' | 'version' | 'invokeCount'>;

export interface TaskQuery {
  tenant: string;
  /** Absent: every function of the tenant (bulk operations). */
  functionName?: string;
  prefix?: string;
  status?: TaskStatus;
  /** Any of these states (bulk operations); with `status`, both apply. */
  statuses?: readonly TaskStatus[];
  startedTimeBegin?: number;
  startedTimeEnd?: number;
  limit: number;
  sortOrderByTime: 'asc' | 'desc';
  after?: { t: number; id: string };
  includePayload: boolean;
  /** Tasks invoked with this qualifier (LATEST: those invoked without one). */
  qualifier?: string;
}

export interface TaskStore {
  /** The task's document; its history only when asked for (it is most of the document). */
  get(tenant: string, taskId: string, options?: { withHistory?: boolean }): Promise<TaskDocument | undefined>;
  /** The task's events, oldest first, from a document read `withHistory`. */
  history(doc: TaskDocument): Promise<TaskEventDocument[]>;
  list(query: TaskQuery): Promise<TaskDocument[]>;
  /** How many tasks the query's filter matches (limit, order and cursor ignored). */
  count(query: Omit<TaskQuery, 'limit' | 'sortOrderByTime' | 'includePayload' | 'after'>): Promise<number>;
  /** How many of the tenant's tasks (of one function, or all) are in each status. */
  countByStatus(tenant: string, functionName?: string): Promise<Partial<Record<TaskStatus, number>>>;
  /** Tasks of the function still Enqueued that became due before this one (its approximate queue position). */
  countEnqueuedAhead(tenant: string, functionName: string, dueAt: number, id: string): Promise<number>;
  /** Status service: the projection fields decisions are made from. */
  loadBases(ids: string[]): Promise<Map<string, ProjectionBaseDoc>>;
  /**
   * Status service: the new projections and the guarded updates, each task's new events going
   * into its document with its change (one write per task, all or nothing). Conflicts: tasks
   * whose projection was not as assumed (created or moved on by another write); their events must
   * be judged again.
   */
  applyWrites(
    events: TaskEventDocument[],
    inserts: TaskDocument[],
    writes: ProjectionWrite[],
  ): Promise<{ conflicts: string[] }>;
  /** Sweeper: a page of tasks still Enqueued that were accepted before `olderThan`. */
  findEnqueued(
    olderThan: number,
    limit: number,
    after?: { t: number; id: string },
  ): Promise<{ tasks: TaskDocument[]; next?: { t: number; id: string } }>;
  setDestinationStatus(id: string, status: string): Promise<void>;
  /** Destination service: a delivery of the task's record starts (pending), superseding any before it. */
  startDelivery(id: string, deliveryId: string): Promise<void>;
  /** Destination service: how a delivery ended, unless a later delivery superseded it meanwhile. */
  finishDelivery(id: string, deliveryId: string, status: string): Promise<void>;
}

/** An event as the task's document keeps it (without what the document already says). */
export function historyEntry(event: TaskEventDocument): TaskHistoryEntry {
  const { tenant: _tenant, taskId: _taskId, expireAt: _expireAt, expireMinute: _minute, ...entry } = event;
  return entry;
}

/** The events of each task, by projection id, in the order given. */
export function historyEntriesByTask(events: readonly TaskEventDocument[]): Map<string, TaskHistoryEntry[]> {
  const byTask = new Map<string, TaskHistoryEntry[]>();
  for (const event of events) {
    const id = taskDocumentId(event.tenant, event.taskId);
    let entries = byTask.get(id);
    if (!entries) byTask.set(id, (entries = []));
    entries.push(historyEntry(event));
  }
  return byTask;
}
