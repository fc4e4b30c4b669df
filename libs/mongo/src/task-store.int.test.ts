import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, type Db } from 'mongodb';
import { taskDocumentId, type TaskEvent, type TaskEventDocument, type TaskStore } from '@asyncfn/contracts';
import { eventDocument } from '@asyncfn/core';
import { acceptedTask } from '../../../test/harness/accepted-task.js';
import { serverUrls, testNames } from '../../../test/harness/env.js';
import {
  applyBatch,
  describeTaskStoreContract,
  laterEvent,
} from '../../../test/harness/task-store-contract.js';
import { createTaskStore } from './task-store.js';

const names = testNames('taskstore');
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

const succeeded = (taskId: string, n: number) =>
  laterEvent(taskId, 'TaskSucceeded', n, { returnPayload: 'ok', durationMs: 1 });
const apply = (events: TaskEvent[]) => applyBatch(store, events);

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
      eventDocument(laterEvent('legacy', 'TaskDequeued', 2), 2, plan.inserts[0]!.expireAt),
    ];
    await db.collection<TaskEventDocument>(names.collections.taskEvents).insertMany(legacy);
    await db
      .collection(names.collections.tasks)
      .updateOne({ _id: id as never }, { $set: { status: 'Dequeued', version: 2 } });

    await apply([laterEvent('legacy', 'TaskStarted', 3), succeeded('legacy', 4)]);
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
