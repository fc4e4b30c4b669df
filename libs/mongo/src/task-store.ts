import type { AnyBulkWriteOperation, Db, Filter } from 'mongodb';
import {
  taskDocumentId,
  type Names,
  type TaskDocument,
  type TaskEventDocument,
  type TaskStatus,
} from '@asyncfn/contracts';
import { insertManyTolerant } from './connect.js';

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
  get(tenant: string, taskId: string): Promise<TaskDocument | undefined>;
  history(tenant: string, taskId: string): Promise<TaskEventDocument[]>;
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
   * Status service: history first (idempotent by event id), then the new projections and the
   * guarded updates. Conflicts: tasks whose projection was not as assumed (created or moved on
   * by another write); their events must be judged again.
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

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function taskFilter(q: Parameters<TaskStore['count']>[0]): Filter<TaskDocument> {
  const filter: Filter<TaskDocument> = { tenant: q.tenant };
  if (q.functionName !== undefined) filter.functionName = q.functionName;
  if (q.prefix) filter.taskId = { $regex: `^${escapeRegex(q.prefix)}` };
  if (q.status && q.statuses) filter.$and = [{ status: q.status }, { status: { $in: [...q.statuses] } }];
  else if (q.status) filter.status = q.status;
  else if (q.statuses) filter.status = { $in: [...q.statuses] };
  if (q.qualifier !== undefined)
    filter.qualifier = q.qualifier === 'LATEST' ? { $exists: false } : q.qualifier;
  const range: { $gte?: number; $lte?: number } = {};
  if (q.startedTimeBegin !== undefined) range.$gte = q.startedTimeBegin;
  if (q.startedTimeEnd !== undefined) range.$lte = q.startedTimeEnd;
  if (range.$gte !== undefined || range.$lte !== undefined) filter.startedTime = range;
  return filter;
}

export function createTaskStore(db: Db, names: Names): TaskStore {
  const tasks = db.collection<TaskDocument>(names.collections.tasks);
  const events = db.collection<TaskEventDocument>(names.collections.taskEvents);

  return {
    async get(tenant, taskId) {
      return (await tasks.findOne({ _id: taskDocumentId(tenant, taskId) })) ?? undefined;
    },
    async history(tenant, taskId) {
      return events.find({ tenant, taskId }).sort({ seq: 1 }).toArray();
    },
    async list(q) {
      const filter = taskFilter(q);
      const dir = q.sortOrderByTime === 'asc' ? 1 : -1;
      if (q.after) {
        const beyond = dir === 1 ? '$gt' : '$lt';
        filter.$or = [
          { startedTime: { [beyond]: q.after.t } },
          { startedTime: q.after.t, _id: { [beyond]: q.after.id } },
        ];
      }
      const projection = q.includePayload ? {} : { payload: 0 };
      return tasks.find(filter, { projection }).sort({ startedTime: dir, _id: dir }).limit(q.limit).toArray();
    },
    async count(q) {
      return tasks.countDocuments(taskFilter(q));
    },

    async countByStatus(tenant, functionName) {
      const match: Filter<TaskDocument> = { tenant };
      if (functionName !== undefined) match.functionName = functionName;
      const rows = await tasks
        .aggregate<{ _id: TaskStatus; n: number }>([
          { $match: match },
          { $group: { _id: '$status', n: { $sum: 1 } } },
        ])
        .toArray();
      return Object.fromEntries(rows.map((r) => [r._id, r.n]));
    },

    async countEnqueuedAhead(tenant, functionName, dueAt, id) {
      return tasks.countDocuments({
        tenant,
        functionName,
        status: 'Enqueued',
        $or: [{ dueAt: { $lt: dueAt } }, { dueAt, _id: { $lt: id } }],
      });
    },
    async loadBases(ids) {
      // One lookup per id rather than $in: MongoDB-wire servers without $in push-down (FerretDB 1.x)
      // would scan the whole collection for it, while an _id lookup is served by an index.
      const projection = { status: 1, attempt: 1, version: 1, invokeCount: 1 };
      const docs = await Promise.all(ids.map((id) => tasks.findOne({ _id: id }, { projection })));
      return new Map(docs.filter((d) => d !== null).map((d) => [d._id, d as ProjectionBaseDoc]));
    },
    async applyWrites(newEvents, inserts, writes) {
      // A redelivered batch re-inserts history it already wrote: those duplicates are expected.
      await insertManyTolerant(events, newEvents);
      // A projection that exists already was created by an earlier delivery of the same claim: its
      // history has the same event ids and numbers, so nothing is taken back.
      const existing = (await insertManyTolerant(tasks, inserts)).map((i) => inserts[i]!._id);
      if (writes.length === 0) return { conflicts: existing };
      const ops: AnyBulkWriteOperation<TaskDocument>[] = writes.map((w) => ({
        updateOne: { filter: { _id: w.id, version: w.expectedVersion }, update: { $set: w.set } },
      }));
      const result = await tasks.bulkWrite(ops, { ordered: false });
      if (result.matchedCount === writes.length) return { conflicts: existing };
      // Another writer moved some task on: find which, so only their events are retried, and take
      // back the history written for them in this batch (it was numbered from a stale version).
      const current = await Promise.all(
        writes.map((w) => tasks.findOne({ _id: w.id }, { projection: { version: 1 } })),
      );
      const conflicts = writes.filter((w, i) => current[i]?.version !== w.set.version).map((w) => w.id);
      const conflicted = new Set(conflicts);
      const written = newEvents.filter((e) => conflicted.has(taskDocumentId(e.tenant, e.taskId)));
      await Promise.all(written.map((e) => events.deleteOne({ _id: e._id })));
      return { conflicts: [...existing, ...conflicts] };
    },
    async findEnqueued(olderThan, limit, after) {
      // Walks the Enqueued tasks in pages (a long backlog holds many).
      const filter: Filter<TaskDocument> = { status: 'Enqueued', startedTime: { $lt: olderThan } };
      if (after)
        filter.$or = [{ startedTime: { $gt: after.t } }, { startedTime: after.t, _id: { $gt: after.id } }];
      const page = await tasks.find(filter).sort({ startedTime: 1, _id: 1 }).limit(limit).toArray();
      const last = page.at(-1);
      return {
        tasks: page,
        ...(page.length === limit && last ? { next: { t: last.startedTime, id: last._id } } : {}),
      };
    },
    async setDestinationStatus(id, status) {
      await tasks.updateOne({ _id: id }, { $set: { destinationStatus: status } });
    },
    async startDelivery(id, deliveryId) {
      await tasks.updateOne(
        { _id: id },
        { $set: { destinationStatus: 'pending', destinationDeliveryId: deliveryId } },
      );
    },
    async finishDelivery(id, deliveryId, status) {
      await tasks.updateOne(
        { _id: id, destinationDeliveryId: deliveryId },
        { $set: { destinationStatus: status } },
      );
    },
  };
}
