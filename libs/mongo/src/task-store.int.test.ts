import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, type Db } from 'mongodb';
import { taskDocumentId, type TaskEvent, type TaskEventDocument, type TaskStore } from '@asyncfn/contracts';
import { eventDocument, planBatch, type BaseDoc } from '@asyncfn/core';
import { acceptedTask } from '../../../test/harness/accepted-task.js';
import { serverUrls, testNames } from '../../../test/harness/env.js';
import { describeTaskStoreContract } from '../../../test/harness/task-store-contract.js';
import { createTaskStore } from './task-store.js';

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

describeTaskStoreContract(() => store);

describe('history kept before it moved into the task document', () => {
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
