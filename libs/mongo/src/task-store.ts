import type { AnyBulkWriteOperation, Db, Filter } from 'mongodb';
import {
  taskDocumentId,
  type Names,
  type TaskDocument,
  type TaskEventDocument,
  historyEntriesByTask,
  type TaskStatus,
  type ProjectionBaseDoc,
  type TaskStore,
} from '@asyncfn/contracts';
import { insertManyTolerant } from './connect.js';

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

const WITHOUT_HISTORY = { projection: { history: 0 } } as const;

export function createTaskStore(db: Db, names: Names): TaskStore {
  const tasks = db.collection<TaskDocument>(names.collections.tasks);
  // Where history was kept before it moved into the task's document: read for older tasks only.
  const legacyEvents = db.collection<TaskEventDocument>(names.collections.taskEvents);

  return {
    async get(tenant, taskId, options) {
      const id = taskDocumentId(tenant, taskId);
      return (await tasks.findOne({ _id: id }, options?.withHistory ? {} : WITHOUT_HISTORY)) ?? undefined;
    },
    async history(doc) {
      const { tenant, taskId, expireAt, expireMinute } = doc;
      const embedded = (doc.history ?? []).map((entry): TaskEventDocument => ({
        ...entry,
        tenant,
        taskId,
        expireAt,
        expireMinute,
      }));
      // A task recorded since history moved here has it all, from its claim (event 1) on.
      if (embedded[0]?.seq === 1) return embedded;
      const older = await legacyEvents.find({ tenant, taskId }).sort({ seq: 1 }).toArray();
      const seen = new Set(older.map((e) => e.seq));
      return [...older, ...embedded.filter((e) => !seen.has(e.seq))];
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
      const projection = q.includePayload ? { history: 0 } : { payload: 0, history: 0 };
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
      const entries = historyEntriesByTask(newEvents);
      // A projection that exists already was created by an earlier delivery of the same claim: it
      // holds the same events, so nothing is taken back.
      const withHistory = inserts.map((doc) => ({ ...doc, history: entries.get(doc._id) ?? [] }));
      const existing = (await insertManyTolerant(tasks, withHistory)).map((i) => inserts[i]!._id);
      if (writes.length === 0) return { conflicts: existing };
      const ops: AnyBulkWriteOperation<TaskDocument>[] = writes.map((w) => ({
        updateOne: {
          filter: { _id: w.id, version: w.expectedVersion },
          update: { $set: w.set, $push: { history: { $each: entries.get(w.id) ?? [] } } },
        },
      }));
      const result = await tasks.bulkWrite(ops, { ordered: false });
      if (result.matchedCount === writes.length) return { conflicts: existing };
      // Another writer moved some task on: find which, so only their events are judged again
      // (their history went nowhere: it travels with the guarded update).
      const current = await Promise.all(
        writes.map((w) => tasks.findOne({ _id: w.id }, { projection: { version: 1 } })),
      );
      const conflicts = writes.filter((w, i) => current[i]?.version !== w.set.version).map((w) => w.id);
      return { conflicts: [...existing, ...conflicts] };
    },
    async findEnqueued(olderThan, limit, after) {
      // Walks the Enqueued tasks in pages (a long backlog holds many).
      const filter: Filter<TaskDocument> = { status: 'Enqueued', startedTime: { $lt: olderThan } };
      if (after)
        filter.$or = [{ startedTime: { $gt: after.t } }, { startedTime: after.t, _id: { $gt: after.id } }];
      const page = await tasks
        .find(filter, WITHOUT_HISTORY)
        .sort({ startedTime: 1, _id: 1 })
        .limit(limit)
        .toArray();
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
