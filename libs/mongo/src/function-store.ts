import { GridFSBucket, type Db } from 'mongodb';
import type { FunctionRecord, Names } from '@asyncfn/contracts';
import { isDuplicateKeyError } from './connect.js';

type FunctionDoc = FunctionRecord & { _id: string };

const functionId = (tenant: string, name: string) => `${tenant}:${name}`;

export interface FunctionPage {
  functions: FunctionRecord[];
  nextToken?: string;
}

/** Functions and their code (GridFS, one file per tenant and checksum). */
export interface FunctionStore {
  /** Returns false if a function of that name exists. */
  create(record: FunctionRecord): Promise<boolean>;
  get(tenant: string, name: string): Promise<FunctionRecord | undefined>;
  /** Replaces the record; returns false if it no longer exists. */
  replace(record: FunctionRecord): Promise<boolean>;
  delete(tenant: string, name: string): Promise<boolean>;
  list(
    tenant: string,
    options: { prefix?: string; limit: number; after?: string },
  ): Promise<FunctionRecord[]>;
  listAll(): AsyncIterable<FunctionRecord>;
  saveCode(tenant: string, checksum: string, zip: Buffer): Promise<void>;
  readCode(tenant: string, checksum: string): Promise<Buffer | undefined>;
}

const strip = ({ _id: _ignored, ...record }: FunctionDoc): FunctionRecord => record;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createFunctionStore(db: Db, names: Names): FunctionStore {
  const functions = db.collection<FunctionDoc>(names.collections.functions);
  const code = new GridFSBucket(db, { bucketName: names.collections.codeBucket });
  const codeName = (tenant: string, checksum: string) => `${tenant}/${checksum}.zip`;

  return {
    async create(record) {
      try {
        await functions.insertOne({ _id: functionId(record.tenant, record.functionName), ...record });
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    },
    async get(tenant, name) {
      const doc = await functions.findOne({ _id: functionId(tenant, name) });
      return doc ? strip(doc) : undefined;
    },
    async replace(record) {
      const id = functionId(record.tenant, record.functionName);
      const result = await functions.replaceOne({ _id: id }, record);
      return result.matchedCount === 1;
    },
    async delete(tenant, name) {
      const result = await functions.deleteOne({ _id: functionId(tenant, name) });
      return result.deletedCount === 1;
    },
    async list(tenant, { prefix, limit, after }) {
      const filter: Record<string, unknown> = { tenant };
      const nameFilter: Record<string, unknown> = {};
      if (prefix) nameFilter.$regex = `^${escapeRegex(prefix)}`;
      if (after) nameFilter.$gt = after;
      if (Object.keys(nameFilter).length) filter.functionName = nameFilter;
      const docs = await functions.find(filter).sort({ functionName: 1 }).limit(limit).toArray();
      return docs.map(strip);
    },
    async *listAll() {
      for await (const doc of functions.find({})) yield strip(doc);
    },
    async saveCode(tenant, checksum, zip) {
      const filename = codeName(tenant, checksum);
      if (await code.find({ filename }).limit(1).hasNext()) return;
      await new Promise<void>((resolve, reject) => {
        const upload = code.openUploadStream(filename);
        upload.once('finish', () => resolve());
        upload.once('error', reject);
        upload.end(zip);
      });
    },
    async readCode(tenant, checksum) {
      const filename = codeName(tenant, checksum);
      if (!(await code.find({ filename }).limit(1).hasNext())) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of code.openDownloadStreamByName(filename)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  };
}
