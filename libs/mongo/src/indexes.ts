import type { Db } from 'mongodb';
import type { Names } from '@asyncfn/contracts';

const NOT_IMPLEMENTED = 238;

export interface IndexReport {
  /** False when the server has no TTL indexes: retention then needs the reaper (removeExpired). */
  ttlSupported: boolean;
}

/** Creates the indexes the stores rely on; idempotent. TTL indexes implement task retention. */
export async function ensureIndexes(db: Db, names: Names): Promise<IndexReport> {
  const { tasks, taskEvents, functions } = names.collections;
  await Promise.all([
    db
      .collection(tasks)
      .createIndex({ tenant: 1, functionName: 1, startedTime: -1, _id: -1 }, { name: 'list' }),
    db.collection(tasks).createIndex({ status: 1, startedTime: 1 }, { name: 'sweep' }),
    db.collection(taskEvents).createIndex({ tenant: 1, taskId: 1, seq: 1 }, { name: 'history' }),
    db.collection(functions).createIndex({ tenant: 1, functionName: 1 }, { name: 'by_tenant' }),
  ]);
  const expiring = [tasks, taskEvents];
  try {
    for (const name of expiring) {
      await db.collection(name).createIndex({ expireAt: 1 }, { expireAfterSeconds: 0, name: 'retention' });
    }
    return { ttlSupported: true };
  } catch (err) {
    // Some MongoDB-wire servers (FerretDB 1.x) answer NotImplemented: fall back to a plain index.
    if ((err as { code?: number }).code !== NOT_IMPLEMENTED) throw err;
    for (const name of expiring)
      await db.collection(name).createIndex({ expireAt: 1 }, { name: 'retention' });
    return { ttlSupported: false };
  }
}

/** Deletes tasks and history past their retention: what a TTL index does, for servers without one. */
export async function removeExpired(db: Db, names: Names, now: Date): Promise<number> {
  const filter = { expireAt: { $lt: now } };
  const [tasks, events] = await Promise.all([
    db.collection(names.collections.tasks).deleteMany(filter),
    db.collection(names.collections.taskEvents).deleteMany(filter),
  ]);
  return tasks.deletedCount + events.deletedCount;
}
