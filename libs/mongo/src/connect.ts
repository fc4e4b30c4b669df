import { MongoClient, type Collection, type Db, type Document, type OptionalUnlessRequiredId } from 'mongodb';
import { ServerUnreachableError } from '@asyncfn/contracts';

/** Redacts credentials so a URL can be logged or shown. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]+)@/, '//***@');
}

export async function connectMongo(url: string, database: string): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000, appName: 'asyncfn' });
  try {
    await client.connect();
    const db = client.db(database);
    await db.command({ ping: 1 });
    return { client, db };
  } catch (cause) {
    await client.close().catch(() => undefined);
    throw new ServerUnreachableError('MongoDB', redactUrl(url), { cause });
  }
}

export const isDuplicateKeyError = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === 11000;

/**
 * An unordered insertMany in which a duplicate key is expected (a redelivered batch writes again):
 * returns the positions of the documents that existed already; any other failure throws.
 */
export async function insertManyTolerant<T extends Document>(
  collection: Collection<T>,
  docs: OptionalUnlessRequiredId<T>[],
): Promise<number[]> {
  if (docs.length === 0) return [];
  try {
    await collection.insertMany(docs, { ordered: false });
    return [];
  } catch (err) {
    type WriteError = { index: number; code?: number };
    // The driver reports one WriteError or an array of them.
    const raw = (err as { writeErrors?: WriteError | WriteError[] }).writeErrors;
    const writeErrors = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    if (writeErrors.length === 0 && docs.length === 1 && isDuplicateKeyError(err)) return [0];
    if (writeErrors.length === 0 || !writeErrors.every((e) => e.code === 11000)) throw err;
    return writeErrors.map((e) => e.index);
  }
}
