import type { Db } from 'mongodb';
import type { Names, TriggerRecord } from '@asyncfn/contracts';
import { isDuplicateKeyError } from './connect.js';

type TriggerDoc = TriggerRecord & { _id: string };

/**
 * `<tenant>:<function>:<trigger>`: names cannot hold ':', so a function's triggers are one `_id`
 * range, listed in name order through the `_id` index.
 */
const triggerDocId = (tenant: string, functionName: string, triggerName: string) =>
  `${tenant}:${functionName}:${triggerName}`;

/** Triggers: the source of truth (the `triggers` KV bucket is a copy for watchers). */
export interface TriggerStore {
  /** Returns false if the function has a trigger of that name. */
  create(record: TriggerRecord): Promise<boolean>;
  get(tenant: string, functionName: string, triggerName: string): Promise<TriggerRecord | undefined>;
  /** Replaces the record; returns false if it no longer exists. */
  replace(record: TriggerRecord): Promise<boolean>;
  delete(tenant: string, functionName: string, triggerName: string): Promise<boolean>;
  /** A function's triggers in name order, after `after` (a trigger name), starting with `prefix`. */
  list(
    tenant: string,
    functionName: string,
    options: { prefix?: string; limit: number; after?: string },
  ): Promise<TriggerRecord[]>;
  listAll(): AsyncIterable<TriggerRecord>;
}

const strip = ({ _id: _ignored, ...record }: TriggerDoc): TriggerRecord => record as TriggerRecord;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createTriggerStore(db: Db, names: Names): TriggerStore {
  const triggers = db.collection<TriggerDoc>(names.collections.triggers);

  return {
    async create(record) {
      try {
        await triggers.insertOne({
          _id: triggerDocId(record.tenant, record.functionName, record.triggerName),
          ...record,
        });
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    },
    async get(tenant, functionName, triggerName) {
      const doc = await triggers.findOne({ _id: triggerDocId(tenant, functionName, triggerName) });
      return doc ? strip(doc) : undefined;
    },
    async replace(record) {
      const id = triggerDocId(record.tenant, record.functionName, record.triggerName);
      const result = await triggers.replaceOne({ _id: id }, record);
      return result.matchedCount === 1;
    },
    async delete(tenant, functionName, triggerName) {
      const result = await triggers.deleteOne({ _id: triggerDocId(tenant, functionName, triggerName) });
      return result.deletedCount === 1;
    },
    async list(tenant, functionName, { prefix, limit, after }) {
      const base = triggerDocId(tenant, functionName, '');
      const range: { $regex: string; $gt?: string } = { $regex: `^${escapeRegex(base + (prefix ?? ''))}` };
      if (after) range.$gt = base + after;
      const docs = await triggers.find({ _id: range }).sort({ _id: 1 }).limit(limit).toArray();
      return docs.map(strip);
    },
    async *listAll() {
      for await (const doc of triggers.find({})) yield strip(doc);
    },
  };
}
