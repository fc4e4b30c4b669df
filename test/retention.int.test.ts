import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, type Db } from 'mongodb';
import { expiryOf } from '@asyncfn/core';
import { ensureIndexes, startReaper } from '@asyncfn/mongo';
import { serverUrls, testNames } from './harness/env.js';

/*
 * Retention on a server without TTL indexes (FerretDB 1.x): the status service's reaper. The same
 * code runs against any server; here its clock is driven by the test.
 */

const names = testNames('retention');
const MINUTE = 60_000;
let client: MongoClient;
let db: Db;

const doc = (id: string, expireAtMs: number) => ({ _id: id, taskId: id, ...expiryOf(expireAtMs) });
const ids = async (collection: string) =>
  (
    await db
      .collection<{ _id: string }>(collection)
      .find({}, { projection: { _id: 1 } })
      .toArray()
  )
    .map((d) => d._id)
    .sort();

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  client = new MongoClient(serverUrls().mongoUrl);
  await client.connect();
  db = client.db(names.database);
  await ensureIndexes(db, names);
});

afterAll(async () => {
  await client.close();
});

describe('the retention reaper', () => {
  it('removes what expired before it started, then each minute as it ends, and nothing else', async () => {
    let now = Date.UTC(2026, 10, 24, 12, 0, 30);
    const { tasks, taskEvents } = names.collections;
    for (const collection of [tasks, taskEvents]) {
      await db
        .collection(collection)
        .insertMany([
          doc('long-gone', now - 90 * MINUTE),
          doc('just-gone', now - 1_000),
          doc('next-minute', now + MINUTE),
          doc('next-hour', now + 60 * MINUTE),
        ] as never[]);
    }
    const errors: unknown[] = [];
    const reaper = startReaper({ db, names, everyMs: 25, clock: () => now, onError: (e) => errors.push(e) });
    try {
      await until(async () => (await ids(tasks)).length === 2 && (await ids(taskEvents)).length === 2);
      expect(await ids(tasks)).toEqual(['next-hour', 'next-minute']);

      // Two minutes on: the minute 'next-minute' expired in is over.
      now += 2 * MINUTE;
      await until(async () => (await ids(tasks)).length === 1 && (await ids(taskEvents)).length === 1);
      expect(await ids(tasks)).toEqual(['next-hour']);
      expect(await ids(taskEvents)).toEqual(['next-hour']);
      expect(errors).toEqual([]);
    } finally {
      reaper.stop();
    }
  });
});
