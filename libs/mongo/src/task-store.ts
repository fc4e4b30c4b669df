import type { AnyBulkWriteOperation, Collection, Db, Filter, OptionalUnlessRequiredId } from 'mongodb';
import {
  taskDocumentId,
  type Names,
  type TaskDocument,
  type TaskEventDocument,
  type TaskStatus,
} from '@asyncfn/contracts';
import { isDuplicateKeyError } from './connect.js';
import { groupCommit, insertErrors } from './group-commit.js';

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
  functionName: string;
  prefix?: string;
  status?: TaskStatus;
  startedTimeBegin?: number;
  startedTimeEnd?: number;
  limit: number;
  sortOrderByTime: 'asc' | 'desc';
  after?: { t: number; id: string };
  includePayload: boolean;
}

export interface TaskStore {
  /** Inserts an accepted task; false if the id is taken (within retention). */
  insertAccepted(doc: TaskDocument): Promise<boolean>;
  /** Writes a history entry whose id is deterministic (the Enqueued entry); a second write is a no-op. */
  recordHistory(entry: TaskEventDocument): Promise<void>;
  /**
   * Records the queue message's stream sequence in a document of its own: the projection has a
   * single writer (the status service) after it is inserted, so no two writers race on it.
   */
  markQueued(id: string, queueSeq: number, expireAt: Date): Promise<void>;
  /** The queue sequence of a task, if its publish was confirmed. */
  queueSeqOf(id: string): Promise<number | undefined>;
  /** Withdraws an accepted task whose publish failed (only while nothing has happened to it). */
  deleteUnqueued(id: string): Promise<void>;
  get(tenant: string, taskId: string): Promise<TaskDocument | undefined>;
  history(tenant: string, taskId: string): Promise<TaskEventDocument[]>;
  list(query: TaskQuery): Promise<TaskDocument[]>;
  /** Status service: the projection fields decisions are made from. */
  loadBases(ids: string[]): Promise<Map<string, ProjectionBaseDoc>>;
  /** Status service: history first (idempotent by event id), then guarded projection updates. */
  applyWrites(events: TaskEventDocument[], writes: ProjectionWrite[]): Promise<{ conflicts: string[] }>;
  /** Sweeper: accepted tasks whose queue publish was never confirmed. */
  findUnqueued(
    olderThan: number,
    limit: number,
    after?: { t: number; id: string },
  ): Promise<{ stranded: TaskDocument[]; next?: { t: number; id: string } }>;
  setDestinationStatus(id: string, status: string): Promise<void>;
  /** Destination service: a delivery of the task's record starts (pending), superseding any before it. */
  startDelivery(id: string, deliveryId: string): Promise<void>;
  /** Destination service: how a delivery ended, unless a later delivery superseded it meanwhile. */
  finishDelivery(id: string, deliveryId: string, status: string): Promise<void>;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createTaskStore(db: Db, names: Names): TaskStore {
  const tasks = db.collection<TaskDocument>(names.collections.tasks);
  const events = db.collection<TaskEventDocument>(names.collections.taskEvents);
  const marks = db.collection<{ _id: string; queueSeq: number; expireAt: Date }>(
    names.collections.queueMarks,
  );

  // The accept path's inserts, grouped across concurrent requests (see group-commit.ts).
  const insertGrouped = <T extends { _id: string }>(collection: Collection<T>) =>
    groupCommit<T>(async (docs) => {
      try {
        await collection.insertMany(docs as OptionalUnlessRequiredId<T>[], { ordered: false });
        return [];
      } catch (err) {
        return insertErrors(docs.length, err);
      }
    });
  const ignoringDuplicate = (err: unknown) => {
    if (!isDuplicateKeyError(err)) throw err;
  };
  const insertTask = insertGrouped(tasks);
  const insertEvent = insertGrouped(events);
  const insertMark = insertGrouped(marks);

  return {
    async insertAccepted(doc) {
      try {
        await insertTask(doc);
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    },
    async recordHistory(entry) {
      await insertEvent(entry).catch(ignoringDuplicate);
    },
    async markQueued(id, queueSeq, expireAt) {
      await insertMark({ _id: id, queueSeq, expireAt }).catch(ignoringDuplicate);
    },
    async queueSeqOf(id) {
      return (await marks.findOne({ _id: id }))?.queueSeq;
    },
    async deleteUnqueued(id) {
      await tasks.deleteOne({ _id: id, status: 'Enqueued' });
    },
    async get(tenant, taskId) {
      return (await tasks.findOne({ _id: taskDocumentId(tenant, taskId) })) ?? undefined;
    },
    async history(tenant, taskId) {
      return events.find({ tenant, taskId }).sort({ seq: 1 }).toArray();
    },
    async list(q) {
      const filter: Filter<TaskDocument> = { tenant: q.tenant, functionName: q.functionName };
      if (q.prefix) filter.taskId = { $regex: `^${escapeRegex(q.prefix)}` };
      if (q.status) filter.status = q.status;
      const range: { $gte?: number; $lte?: number } = {};
      if (q.startedTimeBegin !== undefined) range.$gte = q.startedTimeBegin;
      if (q.startedTimeEnd !== undefined) range.$lte = q.startedTimeEnd;
      if (range.$gte !== undefined || range.$lte !== undefined) filter.startedTime = range;
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
    async loadBases(ids) {
      // One lookup per id rather than $in: MongoDB-wire servers without $in push-down (FerretDB 1.x)
      // would scan the whole collection for it, while an _id lookup is served by an index.
      const projection = { status: 1, attempt: 1, version: 1, invokeCount: 1 };
      const docs = await Promise.all(ids.map((id) => tasks.findOne({ _id: id }, { projection })));
      return new Map(docs.filter((d) => d !== null).map((d) => [d._id, d as ProjectionBaseDoc]));
    },
    async applyWrites(newEvents, writes) {
      if (newEvents.length > 0) {
        try {
          await events.insertMany(newEvents, { ordered: false });
        } catch (err) {
          // A redelivered batch re-inserts history it already wrote: those duplicates are expected.
          const writeErrors = (err as { writeErrors?: { code?: number }[] }).writeErrors;
          const onlyDuplicates =
            isDuplicateKeyError(err) || (writeErrors?.every((e) => e.code === 11000) ?? false);
          if (!onlyDuplicates) throw err;
        }
      }
      if (writes.length === 0) return { conflicts: [] };
      const ops: AnyBulkWriteOperation<TaskDocument>[] = writes.map((w) => ({
        updateOne: { filter: { _id: w.id, version: w.expectedVersion }, update: { $set: w.set } },
      }));
      const result = await tasks.bulkWrite(ops, { ordered: false });
      if (result.matchedCount === writes.length) return { conflicts: [] };
      // Another writer moved some task on: find which, so only their events are retried, and take
      // back the history written for them in this batch (it was numbered from a stale version).
      const current = await Promise.all(
        writes.map((w) => tasks.findOne({ _id: w.id }, { projection: { version: 1 } })),
      );
      const conflicts = writes.filter((w, i) => current[i]?.version !== w.set.version).map((w) => w.id);
      const conflicted = new Set(conflicts);
      const written = newEvents.filter((e) => conflicted.has(taskDocumentId(e.tenant, e.taskId)));
      await Promise.all(written.map((e) => events.deleteOne({ _id: e._id })));
      return { conflicts };
    },
    async findUnqueued(olderThan, limit, after) {
      // Walks the Enqueued tasks in pages (a long backlog holds many, nearly all queued).
      const filter: Filter<TaskDocument> = { status: 'Enqueued', startedTime: { $lt: olderThan } };
      if (after)
        filter.$or = [{ startedTime: { $gt: after.t } }, { startedTime: after.t, _id: { $gt: after.id } }];
      const waiting = await tasks.find(filter).sort({ startedTime: 1, _id: 1 }).limit(limit).toArray();
      const seqs = await Promise.all(waiting.map((doc) => marks.findOne({ _id: doc._id })));
      const last = waiting.at(-1);
      return {
        stranded: waiting.filter((_, i) => seqs[i] === null),
        ...(waiting.length === limit && last ? { next: { t: last.startedTime, id: last._id } } : {}),
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
