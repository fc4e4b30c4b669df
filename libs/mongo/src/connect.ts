import { MongoClient, type Db } from 'mongodb';
import { ServerUnreachableError } from '@asyncfn/nats';

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
