import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, type Db } from 'mongodb';
import { taskDocumentId, type TaskEvent, type TaskEventDocument } from '@asyncfn/contracts';
import { eventDocument, planBatch, type BaseDoc } from '@asyncfn/core';
import { acceptedTask } from '../../../test/harness/accepted-task.js';
import { serverUrls, testNames } from '../../../test/harness/env.js';
import { createTaskStore, type TaskStore } from './task-store.js';

const names = testNames('taskstore');
const RETENTION_MS = 3_600_000;
let client: MongoClient;
let db: Db;
let store: TaskStore;

beforeAll(async () => {
  client = new MongoClient(serverUrls().mongoUrl);
  await client.connect();
  db = client.db(names.database);
  store = createTaskStore(db, names);
});

afterAll(async () => {
  await db.dropDatabase();
  await client.close();
});

const claim = (taskId: string) => acceptedTask(taskId).claim;

const later = (taskId: string, type: string, n: number, extra: object = {}) =>
  ({
    v: 1,
    eventId: `${taskId}-e${n}`,
    tenant: 'default',
    functionName: 'fn',
    taskId,
    attempt: type === 'TaskDequeued' ? 0 : 1,
    timestamp: Date.now() + n,
    source: 'executor',
    type,
    ...extra,
  }) as TaskEvent;

const succeeded = (taskId: string, n: number) =>
  later(taskId, 'TaskSucceeded', n, { returnPayload: 'ok', durationMs: 1 });

/** What the status service does with a batch: plan it against the stored bases, then write. */
async function apply(events: TaskEvent[]) {
  const ids = [...new Set(events.map((e) => taskDocumentId(e.tenant, e.taskId)))];
  const bases = (await store.loadBases(ids)) as Map<string, BaseDoc>;
  const plan = planBatch(events, bases, RETENTION_MS);
  return { plan, ...(await store.applyWrites(plan.history, plan.inserts, plan.writes)) };
}

describe("a task's history, kept in its document", () => {
  it('is written with the task: one document for a whole short task, then appended by updates', async () => {
    await apply([claim('short'), later('short', 'TaskDequeued', 2), later('short', 'TaskStarted', 3)]);
    const doc = await store.get('default', 'short', { withHistory: true });
    expect(doc?.history?.map((e) => e.type)).toEqual(['TaskEnqueued', 'TaskDequeued', 'TaskStarted']);
    expect(await db.collection(names.collections.taskEvents).countDocuments({ taskId: 'short' })).toBe(0);

    await apply([succeeded('short', 4)]);
    const done = (await store.get('default', 'short', { withHistory: true }))!;
    const history = await store.history(done);
    expect(history.map((e) => [e.seq, e.status])).toEqual([
      [1, 'Enqueued'],
      [2, 'Dequeued'],
      [3, 'Running'],
      [4, 'Succeeded'],
    ]);
    expect(history.every((e) => e.tenant === 'default' && e.taskId === 'short')).toBe(true);
    expect(done.status).toBe('Succeeded');
    expect(done.version).toBe(4);
  });

  it('is left out unless asked for: by get, and by lists', async () => {
    await apply([claim('listed')]);
    expect((await store.get('default', 'listed'))?.history).toBeUndefined();
    const listed = await store.list({
      tenant: 'default',
      functionName: 'fn',
      prefix: 'listed',
      limit: 10,
      sortOrderByTime: 'desc',
      includePayload: true,
    });
    expect(listed).toHaveLength(1);
    expect(listed[0]!.history).toBeUndefined();
  });

  it('gains nothing from a guarded update that lost: its events are judged again', async () => {
    await apply([claim('raced')]);
    const base = (await store.loadBases([taskDocumentId('default', 'raced')])) as Map<string, BaseDoc>;
    const stale = planBatch([later('raced', 'TaskDequeued', 2)], base, RETENTION_MS);
    // Another replica moves the task on first.
    await apply([later('raced', 'TaskDequeued', 3), later('raced', 'TaskStarted', 4)]);
    const { conflicts } = await store.applyWrites(stale.history, stale.inserts, stale.writes);
    expect(conflicts).toEqual([taskDocumentId('default', 'raced')]);
    const doc = (await store.get('default', 'raced', { withHistory: true }))!;
    expect((await store.history(doc)).map((e) => e._id)).toEqual([
      'default:raced:enqueued',
      'raced-e3',
      'raced-e4',
    ]);
  });

  it('of a task recorded before history moved into documents, joins the history collection and later events', async () => {
    // As an earlier version wrote it: the projection without history, its events apart.
    const accepted = claim('legacy');
    const { plan } = await apply([accepted]);
    const id = taskDocumentId('default', 'legacy');
    await db.collection(names.collections.tasks).updateOne({ _id: id as never }, { $unset: { history: '' } });
    const legacy: TaskEventDocument[] = [
      eventDocument(accepted, 1, plan.inserts[0]!.expireAt),
      eventDocument(later('legacy', 'TaskDequeued', 2), 2, plan.inserts[0]!.expireAt),
    ];
    await db.collection<TaskEventDocument>(names.collections.taskEvents).insertMany(legacy);
    await db
      .collection(names.collections.tasks)
      .updateOne({ _id: id as never }, { $set: { status: 'Dequeued', version: 2 } });

    await apply([later('legacy', 'TaskStarted', 3), succeeded('legacy', 4)]);
    const doc = (await store.get('default', 'legacy', { withHistory: true }))!;
    expect(doc.history?.map((e) => e.seq)).toEqual([3, 4]);
    expect((await store.history(doc)).map((e) => [e.seq, e.type])).toEqual([
      [1, 'TaskEnqueued'],
      [2, 'TaskDequeued'],
      [3, 'TaskStarted'],
      [4, 'TaskSucceeded'],
    ]);
  });
});
