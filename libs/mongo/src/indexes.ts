import type { Db } from 'mongodb';
import type { Names } from '@asyncfn/contracts';

/** Creates the indexes the stores rely on; idempotent. TTL indexes implement task retention. */
export async function ensureIndexes(db: Db, names: Names): Promise<void> {
  const { tasks, taskEvents, functions } = names.collections;
  await Promise.all([
    db.collection(tasks).createIndex({ expireAt: 1 }, { expireAfterSeconds: 0, name: 'retention' }),
    db.collection(tasks).createIndex({ tenant: 1, functionName: 1, startedTime: -1, _id: -1 }, { name: 'list' }),
    db.collection(tasks).createIndex({ status: 1, startedTime: 1 }, { name: 'sweep' }),
    db.collection(taskEvents).createIndex({ expireAt: 1 }, { expireAfterSeconds: 0, name: 'retention' }),
    db.collection(taskEvents).createIndex({ tenant: 1, taskId: 1, seq: 1 }, { name: 'history' }),
    db.collection(functions).createIndex({ tenant: 1, functionName: 1 }, { name: 'by_tenant' }),
  ]);
}
