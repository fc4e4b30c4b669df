import type { Collection, Db, Filter, OptionalUnlessRequiredId } from 'mongodb';
import { isDuplicateKeyError } from './connect.js';

/**
 * A tenant's records named by one field (functions by `functionName`, FC 2.0 services by
 * `serviceName`), one document each, its `_id` `<tenant>:<name>` (names cannot hold ':').
 */
export interface NamedRecords<R> {
  /** Returns false if a record of that name exists. */
  create(record: R): Promise<boolean>;
  get(tenant: string, name: string): Promise<R | undefined>;
  /** Replaces the record; returns false if it no longer exists. */
  replace(record: R): Promise<boolean>;
  delete(tenant: string, name: string): Promise<boolean>;
  /** A tenant's records in name order, after `after`, starting with `prefix`. */
  list(tenant: string, options: { prefix?: string; limit: number; after?: string }): Promise<R[]>;
  listAll(): AsyncIterable<R>;
}

type Doc<R> = R & { _id: string };

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function namedRecords<R extends { tenant: string }, K extends keyof R & string>(
  db: Db,
  collectionName: string,
  nameField: K,
): NamedRecords<R> {
  const docs = db.collection<Doc<R>>(collectionName) as unknown as Collection<Doc<R>>;
  const idOf = (tenant: string, name: string) => `${tenant}:${name}`;
  const idOfRecord = (record: R) => idOf(record.tenant, String(record[nameField]));
  const byId = (id: string) => ({ _id: id }) as Filter<Doc<R>>;
  const strip = ({ _id: _ignored, ...record }: Doc<R>) => record as unknown as R;
  return {
    async create(record) {
      try {
        await docs.insertOne({ _id: idOfRecord(record), ...record } as OptionalUnlessRequiredId<Doc<R>>);
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    },
    async get(tenant, name) {
      const doc = await docs.findOne(byId(idOf(tenant, name)));
      return doc ? strip(doc as Doc<R>) : undefined;
    },
    async replace(record) {
      const result = await docs.replaceOne(byId(idOfRecord(record)), record as Doc<R>);
      return result.matchedCount === 1;
    },
    async delete(tenant, name) {
      const result = await docs.deleteOne(byId(idOf(tenant, name)));
      return result.deletedCount === 1;
    },
    async list(tenant, { prefix, limit, after }) {
      const filter: Record<string, unknown> = { tenant };
      const nameFilter: Record<string, unknown> = {};
      if (prefix) nameFilter.$regex = `^${escapeRegex(prefix)}`;
      if (after) nameFilter.$gt = after;
      if (Object.keys(nameFilter).length) filter[nameField] = nameFilter;
      const found = await docs
        .find(filter as Filter<Doc<R>>)
        .sort({ [nameField]: 1 })
        .limit(limit)
        .toArray();
      return found.map((d) => strip(d as Doc<R>));
    },
    async *listAll() {
      for await (const doc of docs.find({})) yield strip(doc as Doc<R>);
    },
  };
}
