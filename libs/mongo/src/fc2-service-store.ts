import type { Db } from 'mongodb';
import type { Fc2ServiceRecord, Names } from '@asyncfn/contracts';
import { isDuplicateKeyError } from './connect.js';

type ServiceDoc = Fc2ServiceRecord & { _id: string };

/** `<tenant>:<service>`: names cannot hold ':'. */
const serviceDocId = (tenant: string, serviceName: string) => `${tenant}:${serviceName}`;

/** FC 2.0 services (the 2.0 API's grouping of functions; the functions are 3.0 functions). */
export interface Fc2ServiceStore {
  /** Returns false if a service of that name exists. */
  create(record: Fc2ServiceRecord): Promise<boolean>;
  get(tenant: string, serviceName: string): Promise<Fc2ServiceRecord | undefined>;
  /** Replaces the record; returns false if it no longer exists. */
  replace(record: Fc2ServiceRecord): Promise<boolean>;
  delete(tenant: string, serviceName: string): Promise<boolean>;
  /** A tenant's services in name order, after `after`, starting with `prefix`. */
  list(
    tenant: string,
    options: { prefix?: string; limit: number; after?: string },
  ): Promise<Fc2ServiceRecord[]>;
}

const strip = ({ _id: _ignored, ...record }: ServiceDoc): Fc2ServiceRecord => record;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createFc2ServiceStore(db: Db, names: Names): Fc2ServiceStore {
  const services = db.collection<ServiceDoc>(names.collections.fc2Services);
  return {
    async create(record) {
      try {
        await services.insertOne({ _id: serviceDocId(record.tenant, record.serviceName), ...record });
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    },
    async get(tenant, serviceName) {
      const doc = await services.findOne({ _id: serviceDocId(tenant, serviceName) });
      return doc ? strip(doc) : undefined;
    },
    async replace(record) {
      const result = await services.replaceOne(
        { _id: serviceDocId(record.tenant, record.serviceName) },
        record,
      );
      return result.matchedCount === 1;
    },
    async delete(tenant, serviceName) {
      const result = await services.deleteOne({ _id: serviceDocId(tenant, serviceName) });
      return result.deletedCount === 1;
    },
    async list(tenant, { prefix, limit, after }) {
      const filter: Record<string, unknown> = { tenant };
      const nameFilter: Record<string, unknown> = {};
      if (prefix) nameFilter.$regex = `^${escapeRegex(prefix)}`;
      if (after) nameFilter.$gt = after;
      if (Object.keys(nameFilter).length) filter.serviceName = nameFilter;
      const docs = await services.find(filter).sort({ serviceName: 1 }).limit(limit).toArray();
      return docs.map(strip);
    },
  };
}
