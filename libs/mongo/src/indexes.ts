import type { Db } from 'mongodb';
import type { Names } from '@asyncfn/contracts';

const NOT_IMPLEMENTED = 238;

export interface IndexReport {
  /** False when the server has no TTL indexes: retention then needs the reaper (startReaper). */
  ttlSupported: boolean;
}

/** Creates the indexes the stores rely on; idempotent. TTL indexes implement task retention. */
export async function ensureIndexes(db: Db, names: Names): Promise<IndexReport> {
  const { tasks, taskEvents, functions, bulkOperations } = names.collections;
  await Promise.all([
    db
      .collection(tasks)
      .createIndex({ tenant: 1, functionName: 1, startedTime: -1, _id: -1 }, { name: 'list' }),
    db.collection(tasks).createIndex({ status: 1, startedTime: 1 }, { name: 'sweep' }),
    db.collection(taskEvents).createIndex({ tenant: 1, taskId: 1, seq: 1 }, { name: 'history' }),
    db.collection(functions).createIndex({ tenant: 1, functionName: 1 }, { name: 'by_tenant' }),
    // Runners look for Running operations whose lease ran out (few documents; kept small by state).
    db.collection(bulkOperations).createIndex({ state: 1, leaseUntil: 1 }, { name: 'resume' }),
  ]);
  const expiring = [tasks, taskEvents];
  try {
    for (const name of expiring) {
      await db.collection(name).createIndex({ expireAt: 1 }, { expireAfterSeconds: 0, name: 'retention' });
    }
    return { ttlSupported: true };
  } catch (err) {
    // Some MongoDB-wire servers (FerretDB 1.x) answer NotImplemented: the reaper expires by minute.
    if ((err as { code?: number }).code !== NOT_IMPLEMENTED) throw err;
    for (const name of expiring)
      await db.collection(name).createIndex({ expireMinute: 1 }, { name: 'retention' });
    return { ttlSupported: false };
  }
}

/**
 * Retention where the server has no TTL indexes: what a TTL index does, by hand. At start, one
 * delete of everything past its expireAt (a range: FerretDB reads every document for it, so only
 * once); then, each minute, the minutes that ended since, each an equality on expireMinute that
 * an index serves. A document goes at most a minute or so after its expireAt.
 */
export function startReaper(options: {
  db: Db;
  names: Names;
  everyMs?: number;
  clock?: () => number;
  onError: (err: unknown) => void;
}): { stop(): void } {
  const clock = options.clock ?? Date.now;
  const { tasks, taskEvents } = options.names.collections;
  const collections = [options.db.collection(tasks), options.db.collection(taskEvents)];
  const minuteNow = () => Math.floor(clock() / 60_000);
  // The first minute not yet swept: the start-up range delete covers what ended before it.
  let next = minuteNow() - 1;
  let running: Promise<void> = Promise.all(
    collections.map((c) => c.deleteMany({ expireAt: { $lt: new Date(clock()) } })),
  ).then(() => undefined, options.onError);
  const sweep = async () => {
    const upTo = minuteNow(); // minutes before this one are over
    for (; next < upTo; next++) {
      const minute = next;
      await Promise.all(collections.map((c) => c.deleteMany({ expireMinute: minute })));
    }
  };
  const timer = setInterval(() => {
    running = running.then(sweep).catch(options.onError);
  }, options.everyMs ?? 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
