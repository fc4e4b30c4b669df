import type { KV } from '@nats-io/kv';
import type { InstanceRecord } from '@asyncfn/contracts';
import { jsonStore } from './json-store.js';

const instanceKey = (tenant: string, functionName: string, instanceId: string) =>
  `${tenant}.${functionName}.${instanceId}`;

/** Live (and briefly, destroyed) function instances, written by executors, listed by the API. */
export interface InstanceDirectory {
  put(record: InstanceRecord): Promise<void>;
  list(tenant: string, functionName: string): Promise<InstanceRecord[]>;
  get(tenant: string, functionName: string, instanceId: string): Promise<InstanceRecord | undefined>;
}

export function createInstanceDirectory(kv: KV): InstanceDirectory {
  const store = jsonStore<InstanceRecord>(kv);
  return {
    async put(record) {
      await store.put(instanceKey(record.tenant, record.functionName, record.instanceId), record);
    },
    async list(tenant, functionName) {
      const keys = await store.keys(`${tenant}.${functionName}.*`);
      const records = await Promise.all(keys.map((key) => store.get(key)));
      return records
        .filter((record) => record !== undefined)
        .sort((a, b) => a.createdTimeMs - b.createdTimeMs);
    },
    async get(tenant, functionName, instanceId) {
      // Keys are dot-separated: an id with a dot or wildcard names no record.
      if (!/^[\w-]+$/.test(instanceId)) return undefined;
      return store.get(instanceKey(tenant, functionName, instanceId));
    },
  };
}
